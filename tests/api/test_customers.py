"""Customers, budgets, sync runs and the audit log through the API: same rules as the pages and the admin."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest

from customers.models import Customer, SyncRun
from huaweicloud import budgets as cloud_budgets
from huaweicloud.errors import CloudRejected, CloudUnavailable
from partner_portal import audit
from partner_portal.models import AuditEntry
from tests.api.conftest import error_of
from tests.factories import CustomerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_a_customer_sees_itself_only(api_as):
    customer = CustomerFactory(budget_amount=Decimal("100.00"), budget_used=Decimal("25.00"))
    other = CustomerFactory()
    api = api_as(customer.user)

    listed = api.get("/api/v1/customers/").json()["results"]
    mine = api.get(f"/api/v1/customers/{customer.pk}/").json()

    assert [row["id"] for row in listed] == [customer.pk]
    assert mine["real_name"]["status"] == Customer.RealNameStatus.APPROVED
    assert mine["budget"] == {**mine["budget"], "amount": "100.00", "used": "25.00", "used_percent": 25}
    assert api.get(f"/api/v1/customers/{other.pk}/").status_code == 404
    assert api.get(f"/api/v1/customers/{other.pk}/budget/").status_code == 404


def test_staff_list_and_filter_customers(api_as):
    CustomerFactory(account_name="acme-one", is_frozen=True)
    CustomerFactory(account_name="zeta")
    api = api_as(StaffUserFactory(group="Support"))

    rows = api.get("/api/v1/customers/", {"q": "acme", "is_frozen": "true"}).json()["results"]

    assert [row["account_name"] for row in rows] == ["acme-one"]


def test_a_validation_error_on_a_filter(api_as):
    response = api_as(StaffUserFactory(group="Support")).get("/api/v1/customers/", {"binding": "nope"})

    assert response.status_code == 400
    assert "binding" in error_of(response)["fields"]


def test_staff_without_a_group_are_refused(api_as):
    response = api_as(StaffUserFactory()).get("/api/v1/customers/")

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


BUDGET = {"amount": "1500.00", "budget_type": "MONTHLY", "reason": "May campaign", "based_on": "1000.00"}


def test_operations_set_a_budget(api_as):
    customer = CustomerFactory(budget_amount=Decimal("1000.00"))
    api = api_as(StaffUserFactory(group="Operations"))

    with mock.patch.object(cloud_budgets, "update_sub_customer_budget", autospec=True) as update:
        response = api.put(f"/api/v1/customers/{customer.pk}/budget/", BUDGET)

    assert response.status_code == 200, response.json()
    assert response.json()["amount"] == "1500.00"
    update.assert_called_once_with(
        customer_id=customer.customer_id, amount=Decimal("1500.00"), budget_type="MONTHLY", freeze_at_limit=None
    )
    customer.refresh_from_db()
    assert customer.budget_amount == Decimal("1500.00")
    entry = AuditEntry.objects.get(action="budget.set")
    assert entry.outcome == audit.Outcome.OK and entry.reason == "May campaign"


def test_a_budget_without_a_reason_is_a_field_error(api_as):
    customer = CustomerFactory(budget_amount=Decimal("1000.00"))

    response = api_as(StaffUserFactory(group="Operations")).put(
        f"/api/v1/customers/{customer.pk}/budget/", {**BUDGET, "reason": "   "}
    )

    assert response.status_code == 400
    assert "reason" in error_of(response)["fields"]


@pytest.mark.parametrize("group", ["Finance", "Support"])
def test_finance_and_support_cannot_set_budgets_and_it_is_audited(api_as, group):
    customer = CustomerFactory(budget_amount=Decimal("1000.00"))

    response = api_as(StaffUserFactory(group=group)).put(f"/api/v1/customers/{customer.pk}/budget/", BUDGET)

    assert response.status_code == 403
    assert AuditEntry.objects.get(action="budget.set").outcome == audit.Outcome.DENIED


def test_a_customer_cannot_set_its_own_budget(api_as):
    customer = CustomerFactory(budget_amount=Decimal("1000.00"))

    assert api_as(customer.user).put(f"/api/v1/customers/{customer.pk}/budget/", BUDGET).status_code == 403


def test_a_budget_changed_meanwhile_is_409_and_nothing_is_sent(api_as):
    customer = CustomerFactory(budget_amount=Decimal("1200.00"))

    with mock.patch.object(cloud_budgets, "update_sub_customer_budget", autospec=True) as update:
        response = api_as(StaffUserFactory(group="Operations")).put(f"/api/v1/customers/{customer.pk}/budget/", BUDGET)

    assert response.status_code == 409
    assert error_of(response)["code"] == "changed_meanwhile"
    update.assert_not_called()


def test_huawei_cloud_refusing_a_budget_is_422_with_its_code(api_as):
    customer = CustomerFactory(budget_amount=Decimal("1000.00"))
    refused = CloudRejected(operation="update_sub_customer_budget", error_code="CBC.99000035", error_msg="no")

    with mock.patch.object(cloud_budgets, "update_sub_customer_budget", autospec=True, side_effect=refused):
        response = api_as(StaffUserFactory(group="Operations")).put(f"/api/v1/customers/{customer.pk}/budget/", BUDGET)

    error = error_of(response)
    assert response.status_code == 422
    assert error["huaweicloud_code"] == "CBC.99000035"
    assert "not a reseller customer" in error["message"]


def test_huawei_cloud_not_answering_is_503_with_retry_after(api_as):
    customer = CustomerFactory(budget_amount=Decimal("1000.00"))
    down = CloudUnavailable(operation="update_sub_customer_budget", error_code="LOCAL.TIMEOUT")

    with mock.patch.object(cloud_budgets, "update_sub_customer_budget", autospec=True, side_effect=down):
        response = api_as(StaffUserFactory(group="Operations")).put(f"/api/v1/customers/{customer.pk}/budget/", BUDGET)

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert error_of(response)["huaweicloud_code"] == "LOCAL.TIMEOUT"


def test_sync_status_and_runs_for_operations_only(api_as):
    SyncRun.objects.create(kind=SyncRun.Kind.CUSTOMERS, status=SyncRun.Status.SUCCEEDED, seen=3)
    ops = api_as(StaffUserFactory(group="Operations"))

    status = ops.get("/api/v1/sync-status/").json()
    runs = ops.get("/api/v1/sync-runs/", {"kind": "customers"}).json()["results"]

    assert status["customers"]["seen"] == 3 and status["budgets"] is None
    assert [run["kind"] for run in runs] == ["customers"]
    assert api_as(CustomerFactory().user).get("/api/v1/sync-status/").status_code == 403
    assert ops.get("/api/v1/sync-runs/", {"kind": "nope"}).status_code == 400


def test_audit_log_for_finance_not_for_support_or_customers(api_as):
    customer = CustomerFactory()
    audit.record(action="budget.set", obj=customer, reason="x")
    audit.record(action="customer.freeze", obj=customer)

    rows = api_as(StaffUserFactory(group="Finance")).get("/api/v1/audit-log/", {"action": "budget."}).json()["results"]

    assert [row["action"] for row in rows] == ["budget.set"]
    assert api_as(StaffUserFactory(group="Support")).get("/api/v1/audit-log/").status_code == 403
    assert api_as(customer.user).get("/api/v1/audit-log/").status_code == 403


# The token with its user, the user's and the groups' permissions, the page; the customers list also
# asks whether the user is a customer.
@pytest.mark.parametrize(
    ("path", "queries"), [("/api/v1/customers/", 5), ("/api/v1/audit-log/", 4), ("/api/v1/sync-runs/", 4)]
)
def test_list_queries_do_not_grow_with_the_page(api_as, django_assert_num_queries, path, queries):
    staff = StaffUserFactory(group="Operations")
    api = api_as(staff)
    for n in range(30):
        customer = CustomerFactory()
        audit.record(action="budget.set", obj=customer)
        SyncRun.objects.create(kind=SyncRun.Kind.BUDGETS, seen=n)
    api.get("/api/v1/me/")  # last_used_at written once; not counted below

    with django_assert_num_queries(queries):
        small = api.get(path, {"page_size": 2})
    with django_assert_num_queries(queries):
        large = api.get(path, {"page_size": 30})
    assert len(small.json()["results"]) == 2 and len(large.json()["results"]) == 30
