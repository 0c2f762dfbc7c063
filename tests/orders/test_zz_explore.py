import pytest, json
from orders import services
from orders.models import Order
from tests.orders.helpers import demo_customer, purchase
pytestmark = pytest.mark.django_db

def test_explore(sandbox):
    c = demo_customer()
    o = purchase(sandbox, c.customer_id)
    print(json.dumps(o, indent=1)[:1500])
    r = services.orders_sync(customer=c)
    print(r)
    for x in Order.objects.all():
        print(x.order_id, x.status, x.order_type, x.amount, x.official_amount, x.discount_amount, x.pay_before, x.refund_amount, x.resources.count(), x.line_items.count())
    print(services.order_payment_options(order=Order.objects.get(order_id=o["order_id"])))
    r = services.orders_sync(customer=c)
    print(r)
    print([ (q["operation"], q["status"]) for q in sandbox.requests()][:40])
