"""Freeze and unfreeze customers from the admin list: a reason, a confirmation, per-customer results."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from customers import services
from customers.models import Customer
from partner_portal.models import AuditEntry
from partner_portal.roles import FINANCE, OPERATIONS, SUPPORT
from tests.factories import CustomerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:customers_customer_changelist"


@pytest.fixture
def synced(sandbox):
    services.customers_sync()
    return {c.account_name: c for c in Customer.objects.all()}


def act(client, action, customers, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in customers], **extra}
    return client.post(reverse(CHANGELIST), data)


def test_freezing_asks_for_a_reason_first_and_sends_nothing(client, sandbox, synced):
    client.force_login(StaffUserFactory(group=OPERATIONS))
    sandbox.clear_requests()

    response = act(client, "freeze_customers", [synced["demo-customer"]])

    html = response.content.decode()
    assert response.status_code == 200
    assert "These customers will be frozen at HUAWEI CLOUD" in html and "demo-customer" in html
    assert sandbox.requests("freeze_sub_customers") == []

    missing_reason = act(client, "freeze_customers", [synced["demo-customer"]], confirm="yes", reason="  ")
    assert "This field is required." in missing_reason.content.decode()
    assert sandbox.requests("freeze_sub_customers") == []


def test_freeze_shows_per_customer_results_when_some_are_refused(client, sandbox, synced):
    staff = StaffUserFactory(group=OPERATIONS)
    client.force_login(staff)
    stranger = CustomerFactory(account_name="not-ours", customer_id="f" * 32)
    chosen = [synced["demo-customer"], synced["greenleaf-clinic"], stranger]  # greenleaf is frozen already

    response = act(client, "freeze_customers", chosen, confirm="yes", reason="Unpaid invoices")

    html = response.content.decode()
    assert response.status_code == 200
    assert "1 done, 2 not done." in html
    assert len(sandbox.requests("freeze_sub_customers")) == 1  # one call for the batch
    assert sandbox.customer(synced["demo-customer"].customer_id)["is_frozen"] == 1
    assert Customer.objects.get(account_name="demo-customer").is_frozen is True
    assert Customer.objects.get(account_name="not-ours").is_frozen is False
    assert "CBC.99000041" in html or "already" in html.lower()
    entries = {e.object_repr: e for e in AuditEntry.objects.filter(action="customer.freeze")}
    assert {name: e.outcome for name, e in entries.items()} == {
        "demo-customer": "ok",
        "greenleaf-clinic": "refused",
        "not-ours": "refused",
    }
    assert entries["demo-customer"].reason == "Unpaid invoices" and entries["demo-customer"].actor == staff
    assert entries["demo-customer"].after == {"is_frozen": True}


def test_unfreeze(client, sandbox, synced):
    client.force_login(StaffUserFactory(group=OPERATIONS))
    greenleaf = synced["greenleaf-clinic"]

    response = act(client, "unfreeze_customers", [greenleaf], confirm="yes", reason="Paid")

    assert "1 done, 0 not done." in response.content.decode()
    assert sandbox.customer(greenleaf.customer_id)["is_frozen"] == 0
    greenleaf.refresh_from_db()
    assert greenleaf.is_frozen is False
    assert AuditEntry.objects.get(action="customer.unfreeze").outcome == "ok"


def test_cloud_unavailable_fails_each_customer_and_changes_nothing(client, sandbox, synced):
    client.force_login(StaffUserFactory(group=OPERATIONS))
    sandbox.add_fault("freeze_sub_customers", "error", status=503, error_code="CBC.0999")

    response = act(client, "freeze_customers", [synced["demo-customer"]], confirm="yes", reason="x")

    assert "0 done, 1 not done." in response.content.decode()
    assert Customer.objects.get(account_name="demo-customer").is_frozen is False
    assert AuditEntry.objects.get(action="customer.freeze").outcome == "failed"


@pytest.mark.parametrize("group_name", [FINANCE, SUPPORT])
def test_finance_and_support_cannot_freeze(client, sandbox, synced, group_name):
    client.force_login(StaffUserFactory(group=group_name))

    page = client.get(reverse(CHANGELIST)).content.decode()
    response = act(client, "freeze_customers", [synced["demo-customer"]], confirm="yes", reason="x")

    assert "freeze_customers" not in page
    assert response.status_code in (200, 302)  # the admin ignores an action the user may not run
    assert sandbox.requests("freeze_sub_customers") == []
    assert Customer.objects.get(account_name="demo-customer").is_frozen is False
