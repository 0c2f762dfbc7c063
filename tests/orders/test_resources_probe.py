import pytest
from huaweicloud import resources, bills
from huaweicloud.types import CustomerRef
from tests.sandbox_server import DEMO_CUSTOMER

pytestmark = pytest.mark.django_db

def test_probe(sandbox):
    ref = CustomerRef(customer_id=DEMO_CUSTOMER["customer_id"], account_name=DEMO_CUSTOMER["account_name"])
    cyc = "2026-10"
    ms = bills.customer_monthly_sum(customer=ref, cycle=cyc, limit=1000)
    print(ms.count, ms.consume_amount, ms.sums[:3])
    for st in (1,2,3):
        r = bills.customer_resource_records(customer=ref, cycle=cyc, statistic_type=st, limit=1000)
        print(st, r.count, sum(x.amount for x in r.items), r.items[:2])
