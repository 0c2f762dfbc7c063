"""`manage.py cloud_sync` (run by `make run` at start): the demo world's data is on the site at once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from billing import services as billing_services
from billing.models import BillLine, PartnerBill
from customers.models import Customer
from orders.models import Order
from tests.orders.helpers import demo_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def obs(sandbox, settings):
    settings.BILL_OBS_BUCKET = "demo-partner-bills"
    return sandbox


def test_one_run_mirrors_customers_orders_and_last_months_bill(obs, django_capture_on_commit_callbacks):
    customer = demo_customer()
    cloud_customers = obs.http.get(f"{obs.url}/_sandbox/customers", timeout=10).json()["customers"]

    with django_capture_on_commit_callbacks(execute=True):
        call_command("cloud_sync")

    # Every customer of the partner in HUAWEI CLOUD, once, matched on its customer id.
    assert Customer.objects.count() == len(cloud_customers)
    assert set(Customer.objects.values_list("customer_id", flat=True)) == {c["customer_id"] for c in cloud_customers}
    # The demo customer's pending-payment orders of the demo world.
    assert Order.objects.filter(customer=customer, status=Order.Status.PENDING_PAYMENT).exists()
    # The latest closed cycle: the partner bill and every line of its bill file, rated.
    cycle = billing_services.latest_closed_cycle()
    assert PartnerBill.objects.filter(cycle=cycle).exists()
    lines = BillLine.objects.filter(cycle=cycle)
    assert lines.count() > 0
    assert not lines.filter(rated_amount__isnull=True).exists()


def test_a_second_run_changes_nothing(obs, django_capture_on_commit_callbacks):
    demo_customer()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cloud_sync")
    counts = (Customer.objects.count(), Order.objects.count(), BillLine.objects.count(), PartnerBill.objects.count())

    with django_capture_on_commit_callbacks(execute=True):
        call_command("cloud_sync")

    assert (
        Customer.objects.count(),
        Order.objects.count(),
        BillLine.objects.count(),
        PartnerBill.objects.count(),
    ) == counts
