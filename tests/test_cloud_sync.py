"""`manage.py cloud_sync` (run by `make run` at start): the demo world's data is on the site at once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from billing import services as billing_services
from billing.models import BillLine, PartnerBill
from customers.models import Customer
from orders.models import Order
from tests.orders.helpers import demo_customer
from tests.sandbox_tickets_helpers import CUSTOMER_TICKETS, PARTNER_TICKETS
from tickets.models import Ticket, TicketMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def obs(sandbox, settings):
    settings.BILL_OBS_BUCKET = "demo-partner-bills"
    return sandbox


def test_one_run_mirrors_customers_orders_tickets_and_last_months_bill(obs, django_capture_on_commit_callbacks):
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
    # The demo world's tickets, raised in HUAWEI CLOUD directly: the customer's and the partner's own.
    assert set(Ticket.objects.filter(customer=customer).values_list("incident_id", flat=True)) == set(
        CUSTOMER_TICKETS.values()
    )
    assert set(Ticket.objects.filter(customer=None).values_list("incident_id", flat=True)) == set(
        PARTNER_TICKETS.values()
    )
    assert TicketMessage.objects.filter(ticket__incident_id=CUSTOMER_TICKETS["processing"]).count() == 2


def mirrored_counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Customer, Order, BillLine, PartnerBill, Ticket, TicketMessage))


def test_a_second_run_changes_nothing(obs, django_capture_on_commit_callbacks):
    demo_customer()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cloud_sync")
    counts = mirrored_counts()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("cloud_sync")

    assert mirrored_counts() == counts
