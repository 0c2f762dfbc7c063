"""The customer admin: list page (search, filters, fixed query count), detail page, sync status and button."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import Customer, SyncRun
from partner_portal import audit
from partner_portal.models import AuditEntry
from partner_portal.roles import FINANCE, OPERATIONS, SUPPORT
from tests.factories import CustomerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:customers_customer_changelist"


# Session; user; the latest sync runs (one query for both kinds); the user's own and group permissions
# (two, cached for the request); the two counts (filtered and total); the page of customers with their
# users (list_select_related); the date hierarchy's range and its days; whether the user is in Finance (the
# billing models in the app list ask once). Fixed whatever the number of customers.
LIST_QUERIES = 11


@pytest.mark.parametrize("count", [10, 500])
def test_the_list_page_uses_a_fixed_number_of_queries(client, django_assert_max_num_queries, count):
    CustomerFactory.create_batch(count, budget_amount=Decimal("100.00"), budget_used=Decimal("90.00"))
    SyncRun.objects.create(kind=SyncRun.Kind.CUSTOMERS, status=SyncRun.Status.SUCCEEDED)
    client.force_login(StaffUserFactory(group=OPERATIONS))

    with django_assert_max_num_queries(LIST_QUERIES) as captured:
        response = client.get(reverse(CHANGELIST), {"budget_used": "80"})

    assert response.status_code == 200
    print(f"[admin list] {count} customers: {len(captured)} queries")


def test_search_by_name_email_and_customer_id(client):
    acme = CustomerFactory(account_name="acme-retail", email="ops@acme.example", customer_id="a" * 32)
    CustomerFactory(account_name="kopi-corner")
    client.force_login(StaffUserFactory(group=SUPPORT))

    for term in ("acme", "ops@acme.example", "a" * 32):
        html = client.get(reverse(CHANGELIST), {"q": term}).content.decode()
        assert acme.account_name in html and "kopi-corner" not in html


def test_filters(client):
    over = CustomerFactory(account_name="over-budget", budget_amount=Decimal("100"), budget_used=Decimal("85"))
    under = CustomerFactory(account_name="under-budget", budget_amount=Decimal("100"), budget_used=Decimal("10"))
    frozen = CustomerFactory(account_name="frozen-one", is_frozen=True)
    pending = CustomerFactory(account_name="in-review", real_name_status=Customer.RealNameStatus.UNDER_REVIEW)
    client.force_login(StaffUserFactory(group=FINANCE))

    def names(**params):
        response = client.get(reverse(CHANGELIST), params)
        return {c.account_name for c in response.context["cl"].result_list}

    assert names(budget_used="80") == {over.account_name}
    assert names(is_frozen__exact="1") == {frozen.account_name}
    assert names(real_name_status__exact="0") == {pending.account_name}
    assert under.account_name in names(associated__exact="1")


def test_the_list_shows_the_last_sync(client):
    SyncRun.objects.create(
        kind=SyncRun.Kind.CUSTOMERS,
        status=SyncRun.Status.FAILED,
        seen=300,
        error="list_sub_customers: HTTP 500 CBC.0999",
    )
    client.force_login(StaffUserFactory(group=SUPPORT))

    html = client.get(reverse(CHANGELIST)).content.decode()

    assert "Sync with HUAWEI CLOUD" in html and "Interrupted" in html and "HTTP 500 CBC.0999" in html
    assert "Sync now" not in html  # Support may not start it


def test_operations_start_a_sync_from_the_list(client, sandbox):
    staff = StaffUserFactory(group=OPERATIONS)
    client.force_login(staff)

    response = client.post(reverse("admin:customers_customer_sync"), {"kind": "customers"})

    assert response.status_code == 302
    assert SyncRun.objects.get().status == SyncRun.Status.SUCCEEDED  # eager in tests
    assert Customer.objects.count() == 12
    assert AuditEntry.objects.get(action="sync.start").actor == staff
    assert client.get(reverse("admin:customers_customer_sync")).status_code == 405


def test_support_cannot_start_a_sync(client):
    client.force_login(StaffUserFactory(group=SUPPORT))

    response = client.post(reverse("admin:customers_customer_sync"), {"kind": "customers"})

    assert response.status_code == 403
    assert AuditEntry.objects.get(action="sync.start").outcome == "denied"


def test_the_detail_page_shows_profile_budget_and_audit_history(client):
    customer = CustomerFactory(budget_amount=Decimal("1000.00"), budget_used=Decimal("123.45"))
    audit.record(
        action="budget.set",
        obj=customer,
        before={"budget_amount": "900.00"},
        after={"budget_amount": "1000.00"},
        reason="Spring campaign",
    )
    client.force_login(StaffUserFactory(group=SUPPORT))

    html = client.get(reverse("admin:customers_customer_change", args=[customer.pk])).content.decode()

    assert customer.email in html and "Authenticated" in html
    assert "1000.00" in html and "123.45" in html
    assert 'id="audit-history"' in html and "Spring campaign" in html
    assert reverse("admin:customers_customer_budget", args=[customer.pk]) in html


def test_sync_runs_are_read_only(client):
    run = SyncRun.objects.create(kind=SyncRun.Kind.BUDGETS)
    client.force_login(StaffUserFactory(group=OPERATIONS))

    assert client.get(reverse("admin:customers_syncrun_changelist")).status_code == 200
    assert client.post(reverse("admin:customers_syncrun_delete", args=[run.pk]), {"post": "yes"}).status_code == 403
