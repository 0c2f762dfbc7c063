"""Budgets: staff set and adjust them in the admin, against the sandbox; every attempt is audited."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from customers import budgets
from customers.models import BudgetAlert, Customer, SyncRun
from partner_portal.models import AuditEntry
from partner_portal.roles import FINANCE, OPERATIONS, SUPPORT
from tests.factories import CustomerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

DEMO_ID = "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a"  # sandbox demo customer: budget 1000.00, 123.45 used


@pytest.fixture
def demo(sandbox):
    return CustomerFactory(customer_id=DEMO_ID, account_name="demo-customer", xaccount_id="pp-demo-customer")


@pytest.fixture
def operations(client):
    staff = StaffUserFactory(group=OPERATIONS)
    client.force_login(staff)
    return staff


def budget_url(customer):
    return reverse("admin:customers_customer_budget", args=[customer.pk])


def post_budget(client, customer, amount, *, based_on="1000.00", reason="Campaign in May", **extra):
    data = {"amount": amount, "budget_type": "MONTHLY", "freeze_at_limit": "", "reason": reason, "based_on": based_on}
    return client.post(budget_url(customer), {**data, **extra})


def test_the_budget_page_reads_the_budget_from_huawei_cloud(client, demo, operations):
    response = client.get(budget_url(demo))

    html = response.content.decode()
    assert response.status_code == 200
    assert "1000.00 USD" in html and "123.45 USD (12%)" in html
    assert 'name="based_on" value="1000.00"' in html
    demo.refresh_from_db()
    assert (demo.budget_amount, demo.budget_used, demo.budget_type) == (
        Decimal("1000.00"),
        Decimal("123.45"),
        "MONTHLY",
    )


def test_set_a_budget(client, sandbox, demo, operations):
    client.get(budget_url(demo))

    response = post_budget(client, demo, "1500.50", freeze_at_limit="1")

    assert response.status_code == 302
    assert sandbox.customer(DEMO_ID)["budget_amount"] == "1500.50"
    assert sandbox.customer(DEMO_ID)["frozen_operate_type"] == 1
    demo.refresh_from_db()
    assert (demo.budget_amount, demo.budget_freeze_at_limit) == (Decimal("1500.50"), True)
    entry = AuditEntry.objects.get(action="budget.set")
    assert (entry.actor, entry.outcome, entry.reason) == (operations, "ok", "Campaign in May")
    assert entry.before["budget_amount"] == "1000.00" and entry.after["budget_amount"] == "1500.50"
    assert entry.object_id == str(demo.pk) and entry.ip == "127.0.0.1"
    page = client.get(response["Location"]).content.decode()
    assert "The budget of demo-customer is now 1500.50 USD." in page


def test_adjust_a_budget_twice(client, sandbox, demo, operations):
    client.get(budget_url(demo))
    post_budget(client, demo, "1500.00")

    response = post_budget(client, demo, "800.00", based_on="1500.00", reason="Lowered after review")

    assert response.status_code == 302
    assert sandbox.customer(DEMO_ID)["budget_amount"] == "800.00"
    entries = list(AuditEntry.objects.filter(action="budget.set").order_by("pk"))
    assert [(e.before["budget_amount"], e.after["budget_amount"]) for e in entries] == [
        ("1000.00", "1500.00"),
        ("1500.00", "800.00"),
    ]


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("-1", "Ensure this value is greater than or equal to 0."),
        ("10.123", "Ensure that there are no more than 2 decimal places."),
        ("100000000000000", "Ensure this value is less than or equal to 99999999999999.99."),
        ("ten", "Enter a number."),
    ],
)
def test_invalid_amounts_are_refused_next_to_the_field(client, sandbox, demo, operations, amount, error):
    client.get(budget_url(demo))
    sandbox.clear_requests()

    response = post_budget(client, demo, amount)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert sandbox.requests("update_sub_customer_budget") == []


def test_a_reason_is_required(client, sandbox, demo, operations):
    client.get(budget_url(demo))

    response = post_budget(client, demo, "1200.00", reason="   ")

    assert response.status_code == 200
    assert (
        "This field is required." in response.content.decode() or "Please give a reason." in response.content.decode()
    )
    assert sandbox.customer(DEMO_ID)["budget_amount"] == "1000.00"


def test_refused_by_huawei_cloud_shows_the_message_and_changes_nothing(client, sandbox, demo, operations):
    client.get(budget_url(demo))
    sandbox.add_fault(
        "update_sub_customer_budget", "error", status=400, error_code="CBC.99000035", error_msg="not your customer"
    )

    response = post_budget(client, demo, "2000.00")

    assert response.status_code == 200
    assert "is not a reseller customer of ours on HUAWEI CLOUD" in response.content.decode()
    demo.refresh_from_db()
    assert demo.budget_amount == Decimal("1000.00")
    entry = AuditEntry.objects.get(action="budget.set")
    assert (entry.outcome, entry.after["budget_amount"]) == ("refused", "2000.00")
    assert "CBC.99000035" in entry.message


def test_a_customer_that_is_not_ours_is_refused_for_real(client, sandbox, operations):
    stranger = CustomerFactory(customer_id="f" * 32, budget_amount=Decimal("5.00"))

    response = post_budget(client, stranger, "10.00", based_on="5.00")

    assert "is not a reseller customer of ours" in response.content.decode()
    stranger.refresh_from_db()
    assert stranger.budget_amount == Decimal("5.00")


def test_cloud_unavailable_says_nothing_changed(client, sandbox, demo, operations):
    client.get(budget_url(demo))
    sandbox.add_fault("update_sub_customer_budget", "error", status=500, error_code="CBC.0999")

    response = post_budget(client, demo, "2000.00")

    assert "HUAWEI CLOUD is not answering right now. Nothing was changed" in response.content.decode()
    assert AuditEntry.objects.get(action="budget.set").outcome == "failed"
    demo.refresh_from_db()
    assert demo.budget_amount == Decimal("1000.00")


def test_two_staff_editing_the_same_budget_one_after_the_other(client, sandbox, demo, operations):
    """Both opened the form at 1000.00; the second save finds it changed and sends nothing."""
    other = StaffUserFactory(group=OPERATIONS)
    client.get(budget_url(demo))
    sandbox.clear_requests()

    first = post_budget(client, demo, "1500.00")
    client.force_login(other)
    second = post_budget(client, demo, "3000.00")

    assert first.status_code == 302
    assert second.status_code == 200
    html = second.content.decode()
    assert "The budget was changed meanwhile by someone else: it is now 1500.00 USD." in html
    assert 'name="based_on" value="1500.00"' in html  # saving again is a deliberate choice
    assert len(sandbox.requests("update_sub_customer_budget")) == 1
    assert sandbox.customer(DEMO_ID)["budget_amount"] == "1500.00"
    outcomes = list(AuditEntry.objects.filter(action="budget.set").order_by("pk").values_list("outcome", "actor"))
    assert outcomes == [("ok", operations.pk), ("conflict", other.pk)]


@pytest.mark.django_db(transaction=True)
def test_two_staff_saving_at_the_same_moment_never_lose_an_update(sandbox):
    demo = CustomerFactory(customer_id=DEMO_ID, account_name="demo-customer", xaccount_id="pp-demo-customer")
    budgets.budget_refresh(customer=demo)
    staff = [StaffUserFactory(group=OPERATIONS) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def save(index: int, amount: str) -> None:
        try:
            barrier.wait()
            budgets.budget_set(
                customer=Customer.objects.get(pk=demo.pk),
                amount=Decimal(amount),
                based_on=Decimal("1000.00"),
                reason="same moment",
                actor=staff[index],
            )
            outcomes[index] = amount
        except budgets.BudgetChangedMeanwhile:
            outcomes[index] = "changed"
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i, amount)) for i, amount in enumerate(["1111.00", "2222.00"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values())[-1] == "changed"
    winner = next(value for value in outcomes.values() if value != "changed")
    assert len(sandbox.requests("update_sub_customer_budget")) == 1
    assert sandbox.customer(DEMO_ID)["budget_amount"] == winner
    assert Customer.objects.get(pk=demo.pk).budget_amount == Decimal(winner)
    assert sorted(AuditEntry.objects.filter(action="budget.set").values_list("outcome", flat=True)) == [
        "conflict",
        "ok",
    ]


@pytest.mark.parametrize("group_name", [SUPPORT, FINANCE])
def test_support_and_finance_cannot_change_a_budget_and_the_attempt_is_logged(client, sandbox, demo, group_name):
    staff = StaffUserFactory(group=group_name)
    client.force_login(staff)
    page = client.get(budget_url(demo))
    sandbox.clear_requests()

    response = post_budget(client, demo, "9999.00", reason="let me try")

    assert page.status_code == 200 and 'name="amount"' not in page.content.decode()  # read-only for them
    assert response.status_code == 403
    assert sandbox.requests("update_sub_customer_budget") == []
    entry = AuditEntry.objects.get(action="budget.set")
    assert (entry.outcome, entry.actor, entry.after, entry.reason) == (
        "denied",
        staff,
        {"budget_amount": "9999.00"},
        "let me try",
    )


def test_budget_history_from_huawei_cloud_beside_our_audit_entries(client, sandbox, demo, operations):
    client.get(budget_url(demo))
    post_budget(client, demo, "1500.00")

    html = client.get(budget_url(demo)).content.decode()

    assert "Budget history at HUAWEI CLOUD" in html
    assert 'id="budget-records"' in html and "SETTING" in html and "1500" in html
    assert "Campaign in May" in html  # our audit entry


def test_the_batch_refresh_mirrors_every_budget_in_one_call_per_100(sandbox, settings):
    settings.BUDGET_ALERT_THRESHOLDS = []
    from customers import services

    services.customers_sync()
    sandbox.clear_requests()

    run = budgets.budgets_refresh()

    assert run.status == SyncRun.Status.SUCCEEDED
    assert len(sandbox.requests("list_sub_customer_budget")) == 1
    demo = Customer.objects.get(customer_id=DEMO_ID)
    assert (demo.budget_amount, demo.budget_used) == (Decimal("1000.00"), Decimal("123.45"))
    assert Customer.objects.filter(budget_refreshed_at__isnull=False).count() == Customer.objects.count()


def test_customers_see_their_own_budget_on_the_account_page(client):
    customer = CustomerFactory(budget_amount=Decimal("1000.00"), budget_used=Decimal("850.00"), budget_type="MONTHLY")
    client.force_login(customer.user)

    html = client.get(reverse("account")).content.decode()

    assert 'id="budget-card"' in html
    assert "1000.00 USD" in html and "850.00 USD (85%)" in html


# --- budget alerts -----------------------------------------------------------------------------------


def test_alerts_go_once_per_threshold_and_month_to_the_customer_and_operations(
    settings, django_capture_on_commit_callbacks
):
    settings.BUDGET_ALERT_THRESHOLDS = [80, 100]
    ops = StaffUserFactory(group=OPERATIONS, email="ops@partner.example")
    StaffUserFactory(group=SUPPORT, email="support@partner.example")
    customer = CustomerFactory(budget_amount=Decimal("100.00"), budget_used=Decimal("85.00"))
    CustomerFactory(budget_amount=Decimal("100.00"), budget_used=Decimal("50.00"))

    with django_capture_on_commit_callbacks(execute=True):
        first = budgets.budget_alerts_check()
        second = budgets.budget_alerts_check()  # safe to run twice

    assert (first, second) == (1, 0)
    alert = BudgetAlert.objects.get()
    assert (alert.customer, alert.threshold, alert.emailed_at is not None) == (customer, 80, True)
    recipients = sorted(tuple(message.to) for message in mail.outbox)
    assert recipients == [(customer.email,), (ops.email,)]
    assert "You have used 80% of your budget" in [m.subject for m in mail.outbox if m.to == [customer.email]][0]

    Customer.objects.filter(pk=customer.pk).update(budget_used=Decimal("101.00"))
    with django_capture_on_commit_callbacks(execute=True):
        assert budgets.budget_alerts_check() == 1
    assert sorted(BudgetAlert.objects.values_list("threshold", flat=True)) == [80, 100]
    assert len(mail.outbox) == 4
