"""Staff: every customer's resources in the admin, the expiring filter, and actions on a customer's
request that call the same services as the customer (acting as the customer), audited."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from orders import resources as services
from orders.models import RenewalAttempt, Resource
from partner_portal.models import AuditEntry
from tests.factories import StaffUserFactory
from tests.orders import test_resources_support as support
from tests.orders.test_resources_support import ECS, EIP, GPSSD_DISK

pytestmark = pytest.mark.django_db
demo = support.demo  # the fixture

CHANGELIST = "admin:orders_resource_changelist"


@pytest.fixture
def operations(client):
    staff = StaffUserFactory(group="Operations")
    client.force_login(staff)
    return staff


def test_staff_see_every_resource_and_filter_the_expiring_ones(client, demo, operations, django_assert_max_num_queries):
    services.resources_sync(customer=demo)

    with django_assert_max_num_queries(12):
        everything = client.get(reverse(CHANGELIST))
    expiring = client.get(reverse(CHANGELIST), {"expiring": "30_manual"})

    assert everything.status_code == 200 and GPSSD_DISK in everything.content.decode()
    html = expiring.content.decode()
    assert ECS in html and GPSSD_DISK not in html and EIP not in html


def test_staff_switch_auto_renewal_off_on_the_customers_request(client, demo, operations, sandbox):
    services.resources_sync(customer=demo)
    eip = Resource.objects.get(resource_id=EIP)
    data = {"action": "autorenew_off", "_selected_action": [eip.pk]}

    confirm = client.post(reverse(CHANGELIST), data)
    assert confirm.status_code == 200 and b"Reason" in confirm.content
    client.post(reverse(CHANGELIST), {**data, "confirm": "1", "reason": "ticket 42: customer asked by phone"})

    services.resources_sync(customer=demo)
    assert not Resource.objects.get(resource_id=EIP).auto_renew
    entry = AuditEntry.objects.get(action="resource.autorenew_off")
    assert entry.actor == operations and entry.reason == "ticket 42: customer asked by phone"


def test_staff_renew_leaves_an_order_for_the_customer(client, demo, operations):
    services.resources_sync(customer=demo)
    disk = Resource.objects.get(resource_id=GPSSD_DISK)

    client.post(
        reverse(CHANGELIST),
        {
            "action": "renew",
            "_selected_action": [disk.pk],
            "confirm": "1",
            "period": "2:1",
            "pay": "order",
            "idempotency_key": str(uuid.uuid4()),
            "reason": "email of 3 May",
        },
    )

    attempt = RenewalAttempt.objects.get()
    assert attempt.acted_by == operations and attempt.status == RenewalAttempt.Status.DONE and attempt.order_ids
    assert AuditEntry.objects.get(action="resource.renew").actor == operations


def test_finance_cannot_act_on_resources(client, demo):
    client.force_login(StaffUserFactory(group="Finance"))
    services.resources_sync(customer=demo)
    eip = Resource.objects.get(resource_id=EIP)

    client.post(
        reverse(CHANGELIST), {"action": "autorenew_off", "_selected_action": [eip.pk], "confirm": "1", "reason": "x"}
    )

    assert Resource.objects.get(resource_id=EIP).auto_renew
    assert not AuditEntry.objects.filter(action__startswith="resource.").exists()
