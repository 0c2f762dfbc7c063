"""Partner bills, reconciliation and customer bills through the API: the Finance pages' and the bills
page's selectors and services, with the same people allowed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.db.models import Sum

from billing import services
from billing.models import BillLine, CustomerBill, CustomerMonthlySum, IngestRun, LineKind, PartnerBill, RatingRule
from partner_portal.models import AuditEntry
from tests.api.conftest import error_of
from tests.billing.helpers import CUSTOMERS, CYCLE
from tests.factories import (
    CustomerBillFactory,
    CustomerFactory,
    PartnerBillFactory,
    StaffUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
ALPHA, BETA = CUSTOMERS[0][0], CUSTOMERS[1][0]
FINANCE_ENDPOINTS = [
    "/api/v1/partner-bills/",
    f"/api/v1/partner-bills/{CYCLE}/",
    f"/api/v1/partner-bills/{CYCLE}/reconciliation/",
]


@pytest.fixture
def alpha():
    return CustomerFactory(customer_id=ALPHA, account_name="alpha-co")


def _partner_bill_matching_the_lines(cycle: str = CYCLE) -> PartnerBill:
    by_kind = {
        kind: services.money(total)
        for kind, total in BillLine.objects.filter(cycle=cycle).values_list("kind").annotate(Sum("consume_amount"))
    }
    return PartnerBillFactory(
        cycle=cycle,
        consume_amount=by_kind.get(LineKind.CONSUMPTION, Decimal("0.00")),
        refunds=by_kind.get(LineKind.REFUND, Decimal("0.00")),
        adjustments=by_kind.get(LineKind.ADJUSTMENT, Decimal("0.00")),
    )


def _correction_draft() -> CustomerBill:
    """Alpha's bill is issued, then corrected by a -5.00 adjustment: a version 2 draft."""
    RatingRule.objects.create(kind=RatingRule.Kind.ADJUSTMENT, amount=Decimal("-5"), valid_from=date(2026, 9, 3))
    services.cycle_rate(cycle=CYCLE)
    services.customer_bills_draft(cycle=CYCLE, customer_ids=[ALPHA])
    return CustomerBill.objects.get(cloud_customer_id=ALPHA, status=CustomerBill.Status.DRAFT)


# --- partner bills -------------------------------------------------------------------------------


def test_finance_lists_partner_bills_with_each_cycles_file_and_rating(drafts, finance):
    september = _partner_bill_matching_the_lines()
    PartnerBillFactory(cycle="2026-10", consume_amount=Decimal("12.34"))  # synced, its file not loaded yet

    rows = finance.get("/api/v1/partner-bills/").json()["results"]

    assert [row["cycle"] for row in rows] == ["2026-10", CYCLE]
    october, loaded = rows
    assert october["consume_amount"] == "12.34" and october["lines"] is None and october["latest_run"] is None
    assert loaded["initial_amount_due"] == str(september.initial_amount_due)
    assert loaded["lines"] == {**loaded["lines"], "complete": True, "line_count": 600, "rated": True}
    assert loaded["latest_run"]["status"] == IngestRun.Status.SUCCEEDED and loaded["latest_run"]["rows_done"] == 600
    oldest_first = finance.get("/api/v1/partner-bills/", {"ordering": "cycle"}).json()["results"]
    assert [row["cycle"] for row in oldest_first] == [CYCLE, "2026-10"]


def test_a_partner_bill_shows_the_cycles_runs_and_customer_bills(drafts, finance):
    _partner_bill_matching_the_lines()
    services.customer_bill_issue(bill=drafts.get(cloud_customer_id=ALPHA))

    body = finance.get(f"/api/v1/partner-bills/{CYCLE}/").json()

    assert body["customer_bills"] == {"draft": 1, "issued": 1}
    assert [run["status"] for run in body["runs"]] == [IngestRun.Status.SUCCEEDED]
    assert body["latest_run"] == body["runs"][0]
    assert body["lines"]["line_count"] == 600


@pytest.mark.parametrize("path", ["/api/v1/partner-bills/{}/", "/api/v1/partner-bills/{}/reconciliation/"])
def test_a_bad_cycle_is_400_with_the_field_and_an_unknown_one_404(finance, path):
    PartnerBillFactory(cycle=CYCLE)

    bad = finance.get(path.format("2026-13"))
    unknown = finance.get(path.format("2025-01"))

    assert bad.status_code == 400 and error_of(bad)["fields"]["cycle"] == ["Write the cycle as YYYY-MM, e.g. 2026-10."]
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "not_found"


def test_a_partner_bill_not_synced_yet_is_404_but_its_lines_reconcile(drafts, finance):
    assert finance.get(f"/api/v1/partner-bills/{CYCLE}/").status_code == 404

    response = finance.get(f"/api/v1/partner-bills/{CYCLE}/reconciliation/")

    assert response.status_code == 200
    assert response.json()["partner_bill"] is None and response.json()["lines_total"] != "0.00"


@pytest.mark.parametrize("path", FINANCE_ENDPOINTS)
@pytest.mark.parametrize("role", ["customer", "Operations", "Support", "no group", "not staff"])
def test_finance_endpoints_are_refused_to_customers_and_other_staff(api_as, path, role):
    PartnerBillFactory(cycle=CYCLE)
    users = {
        "customer": lambda: CustomerFactory().user,
        "no group": lambda: StaffUserFactory(),
        "not staff": lambda: UserFactory(),
    }
    user = users[role]() if role in users else StaffUserFactory(group=role)

    response = api_as(user).get(path)

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_a_superuser_sees_finance_as_on_the_pages(api_as):
    PartnerBillFactory(cycle=CYCLE)
    superuser = UserFactory(is_staff=True, is_superuser=True)

    assert api_as(superuser).get(f"/api/v1/partner-bills/{CYCLE}/").status_code == 200


# --- reconciliation ------------------------------------------------------------------------------


def test_reconciliation_totals_customers_and_a_difference_to_the_cent(drafts, finance):
    partner = _partner_bill_matching_the_lines()
    url = f"/api/v1/partner-bills/{CYCLE}/reconciliation/"

    agreed = finance.get(url).json()
    PartnerBill.objects.filter(pk=partner.pk).update(initial_amount_due=partner.initial_amount_due + Decimal("0.01"))
    differs = finance.get(url).json()

    assert agreed["ok"] is True and agreed["differences"] == []
    assert agreed["lines_total"] == str(partner.initial_amount_due)
    assert agreed["lines_by_kind"]["consumption"] == str(partner.consume_amount)
    by_customer = {row["account_name"]: row for row in agreed["customers"]}
    assert set(by_customer) == {"alpha-co", "beta-co"}
    alpha_draft = drafts.get(cloud_customer_id=ALPHA)
    assert by_customer["alpha-co"]["bill_total"] == str(alpha_draft.total_amount)
    assert by_customer["alpha-co"]["margin"] == str(alpha_draft.total_amount - alpha_draft.cost_amount)
    assert by_customer["alpha-co"]["monthly_sum"] is None
    assert agreed["bills_total"] == str(sum(bill.total_amount for bill in drafts))
    assert differs["ok"] is False
    assert differs["differences"] == [
        {
            "what": "Partner bill amount due vs lines",
            "customer_id": "",
            "account_name": "",
            "expected": str(partner.initial_amount_due + Decimal("0.01")),
            "actual": str(partner.initial_amount_due),
            "amount": "-0.01",
        }
    ]


# --- customer bills: who sees what ---------------------------------------------------------------


def test_a_customer_lists_its_own_issued_bills_without_cost_or_margin(drafts, alpha, api_as):
    own = services.customer_bill_issue(bill=drafts.get(cloud_customer_id=ALPHA))
    services.customer_bill_issue(bill=drafts.get(cloud_customer_id=BETA))

    rows = api_as(alpha.user).get("/api/v1/customer-bills/").json()["results"]

    assert [row["number"] for row in rows] == [own.number]
    assert rows[0]["total_amount"] == str(own.total_amount) and rows[0]["status"] == "issued"
    assert not {"cost_amount", "margin_amount", "official_amount", "cloud_customer_id"} & set(rows[0])


def test_drafts_are_invisible_to_the_customer_even_a_correction_of_its_bill(drafts, alpha, api_as):
    issued = services.customer_bill_issue(bill=drafts.get(cloud_customer_id=ALPHA))
    draft = _correction_draft()
    api = api_as(alpha.user)

    rows = api.get("/api/v1/customer-bills/").json()["results"]
    as_draft = api.get("/api/v1/customer-bills/", {"status": "draft"}).json()["results"]

    assert [row["id"] for row in rows] == [issued.pk]
    assert rows[0]["replaced_by"] is None  # the correction is not issued yet
    assert as_draft == []
    assert api.get(f"/api/v1/customer-bills/{draft.pk}/").status_code == 404
    assert api.get(f"/api/v1/customer-bills/{draft.pk}/pdf/").status_code == 404


def test_an_issued_correction_replaces_the_old_bill_for_the_customer(drafts, alpha, api_as):
    first = services.customer_bill_issue(bill=drafts.get(cloud_customer_id=ALPHA))
    second = services.customer_bill_issue(bill=_correction_draft())

    rows = api_as(alpha.user).get("/api/v1/customer-bills/").json()["results"]

    by_version = {row["version"]: row for row in rows}
    assert by_version[1]["replaced_by"] == second.pk and by_version[1]["replaced_by_number"] == second.number
    assert by_version[2]["supersedes"] == first.pk and by_version[2]["replaced_by"] is None


def test_another_customers_bill_is_404(drafts, alpha, api_as):
    other = services.customer_bill_issue(bill=drafts.get(cloud_customer_id=BETA))
    api = api_as(alpha.user)

    for path in (f"/api/v1/customer-bills/{other.pk}/", f"/api/v1/customer-bills/{other.pk}/pdf/"):
        response = api.get(path)
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_a_customer_sees_its_bills_items_without_cost(drafts, alpha, api_as):
    bill = services.customer_bill_issue(bill=drafts.get(cloud_customer_id=ALPHA))

    body = api_as(alpha.user).get(f"/api/v1/customer-bills/{bill.pk}/").json()

    assert len(body["items"]) == bill.items.count()
    assert sum(Decimal(item["amount"]) for item in body["items"]) == bill.total_amount
    assert sum(item["line_count"] for item in body["items"]) == 400
    assert not {"cost_amount", "official_amount"} & set(body["items"][0])
    assert "rules" not in body and "cost_amount" not in body


def test_finance_sees_a_drafts_items_with_cost_and_the_rules_of_an_issued_bill(drafts, finance):
    draft = drafts.get(cloud_customer_id=ALPHA)

    before = finance.get(f"/api/v1/customer-bills/{draft.pk}/").json()
    services.customer_bill_issue(bill=draft)
    after = finance.get(f"/api/v1/customer-bills/{draft.pk}/").json()

    assert before["status"] == "draft" and before["number"] is None and before["rules"] == []
    assert before["cost_amount"] == str(draft.cost_amount) and before["margin_amount"] == str(draft.margin_amount)
    assert sum(Decimal(item["cost_amount"]) for item in before["items"]) == draft.cost_amount
    assert [rule["percent"] for rule in after["rules"]] == ["10.00"]


def test_finance_lists_every_bill_and_filters(drafts, alpha, finance):
    issued = services.customer_bill_issue(bill=drafts.get(cloud_customer_id=ALPHA))
    correction = _correction_draft()

    every = finance.get("/api/v1/customer-bills/", {"cycle": CYCLE}).json()["results"]
    drafts_only = finance.get("/api/v1/customer-bills/", {"status": "draft"}).json()["results"]
    alphas = finance.get("/api/v1/customer-bills/", {"customer": alpha.pk}).json()["results"]
    current = finance.get("/api/v1/customer-bills/", {"current": "true", "customer": alpha.pk}).json()["results"]
    other_cycle = finance.get("/api/v1/customer-bills/", {"cycle": "2026-08"}).json()["results"]

    assert len(every) == 3 and {row["cost_amount"] for row in every} >= {str(issued.cost_amount)}
    assert {row["id"] for row in drafts_only} == {correction.pk, drafts.get(cloud_customer_id=BETA).pk}
    assert [row["version"] for row in alphas] == [2, 1]
    assert [row["id"] for row in current] == [correction.pk]
    assert other_cycle == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"cycle": "2026-9"}, "cycle"), ({"status": "paid"}, "status"), ({"ordering": "pk"}, "ordering")],
)
def test_a_bad_filter_is_400_with_the_field(finance, params, field):
    response = finance.get("/api/v1/customer-bills/", params)

    assert response.status_code == 400 and field in error_of(response)["fields"]


def test_finance_naming_an_unknown_customer_is_404(finance):
    assert finance.get("/api/v1/customer-bills/", {"customer": 999999}).status_code == 404


@pytest.mark.parametrize("role", ["Operations", "Support", None])
def test_staff_without_finance_see_no_customer_bills(drafts, api_as, role):
    api = api_as(StaffUserFactory(group=role))
    bill = drafts.first()

    for path in (
        "/api/v1/customer-bills/",
        f"/api/v1/customer-bills/{bill.pk}/",
        f"/api/v1/customer-bills/{bill.pk}/pdf/",
    ):
        response = api.get(path)
        assert response.status_code == 403, path


# --- the PDF -------------------------------------------------------------------------------------


def test_a_customer_downloads_its_bill_as_a_pdf_in_english_or_chinese(drafts, alpha, api_as):
    bill = services.customer_bill_issue(bill=drafts.get(cloud_customer_id=ALPHA))
    api = api_as(alpha.user)
    url = f"/api/v1/customer-bills/{bill.pk}/pdf/"

    english = api.get(url, headers={"Accept": "application/pdf"})
    chinese = api.get(url, {"lang": "zh-hans"})
    by_header = api.get(url, headers={"Accept-Language": "zh-hans"})

    assert english.status_code == 200
    assert english["Content-Type"] == "application/pdf" and english.content.startswith(b"%PDF")
    assert english["Content-Disposition"] == f'attachment; filename="{bill.number}-en.pdf"'
    assert chinese.content.startswith(b"%PDF") and chinese.content != english.content
    assert chinese["Content-Disposition"] == f'attachment; filename="{bill.number}-zh-hans.pdf"'
    assert by_header["Content-Disposition"] == chinese["Content-Disposition"]


def test_finance_downloads_a_drafts_pdf(drafts, finance):
    draft = drafts.first()

    response = finance.get(f"/api/v1/customer-bills/{draft.pk}/pdf/")

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="draft-{draft.pk}-en.pdf"'


def test_a_pdf_in_another_language_is_400_and_errors_are_json_even_when_asking_for_a_pdf(drafts, finance):
    draft = drafts.first()

    french = finance.get(f"/api/v1/customer-bills/{draft.pk}/pdf/", {"lang": "fr"})
    missing = finance.get("/api/v1/customer-bills/999999/pdf/", headers={"Accept": "application/pdf"})

    assert french.status_code == 400 and "lang" in error_of(french)["fields"]
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert error_of(missing)["code"] == "not_found"


# --- issuing -------------------------------------------------------------------------------------


def test_finance_issues_a_draft_once_audited_and_emailed(drafts, alpha, finance, django_capture_on_commit_callbacks):
    draft = drafts.get(cloud_customer_id=ALPHA)
    url = f"/api/v1/customer-bills/{draft.pk}/issue/"

    with django_capture_on_commit_callbacks(execute=True):
        first = finance.post(url)
    again = finance.post(url)

    assert first.status_code == 200, first.json()
    assert first.json()["status"] == "issued" and first.json()["number"].startswith("PP-202609-")
    assert again.status_code == 200 and again.json()["number"] == first.json()["number"]
    draft.refresh_from_db()
    assert draft.status == CustomerBill.Status.ISSUED
    entry = AuditEntry.objects.get(action="billing.bill_issue")
    assert entry.object_id == str(draft.pk) and entry.actor_name.startswith("staff-")
    assert len(mail.outbox) == 1 and draft.number in mail.outbox[0].subject


def test_finance_issues_every_draft_of_a_cycle(drafts, finance):
    first = finance.post("/api/v1/customer-bills/issue/", {"cycle": CYCLE})
    again = finance.post("/api/v1/customer-bills/issue/", {"cycle": CYCLE})
    bad = finance.post("/api/v1/customer-bills/issue/", {"cycle": "september"})

    assert first.json() == {"cycle": CYCLE, "issued": 2}
    assert again.json() == {"cycle": CYCLE, "issued": 0}
    assert not CustomerBill.objects.filter(status=CustomerBill.Status.DRAFT).exists()
    assert AuditEntry.objects.filter(action="billing.bill_issue").count() == 2
    assert bad.status_code == 400 and "cycle" in error_of(bad)["fields"]


@pytest.mark.parametrize("role", ["customer", "Operations"])
def test_only_finance_issues_bills(drafts, alpha, api_as, role):
    user = alpha.user if role == "customer" else StaffUserFactory(group=role)
    draft = drafts.get(cloud_customer_id=ALPHA)
    api = api_as(user)

    one = api.post(f"/api/v1/customer-bills/{draft.pk}/issue/")
    every = api.post("/api/v1/customer-bills/issue/", {"cycle": CYCLE})

    assert one.status_code == every.status_code == 403
    assert CustomerBill.objects.filter(status=CustomerBill.Status.ISSUED).count() == 0


def test_issuing_an_unknown_bill_is_404(finance):
    assert finance.post("/api/v1/customer-bills/999999/issue/").status_code == 404


# --- query counts --------------------------------------------------------------------------------


def test_customer_bill_list_queries_do_not_grow_with_the_rows(api_as, django_assert_num_queries):
    customer = CustomerFactory()
    api = api_as(customer.user)
    finance = api_as(StaffUserFactory(group="Finance"))
    api.get("/api/v1/me/")  # last_used_at written once; not counted below
    finance.get("/api/v1/me/")

    for bills in (2, 30):
        CustomerBillFactory.create_batch(
            bills - CustomerBill.objects.filter(customer=customer).count(), customer=customer
        )
        # The token with its user, the user's customer, the page (replacements in the same query).
        with django_assert_num_queries(3):
            rows = api.get("/api/v1/customer-bills/", {"page_size": 100}).json()["results"]
        # The token with its user, the user's customer (none), the Finance group, the page.
        with django_assert_num_queries(4):
            every = finance.get("/api/v1/customer-bills/", {"page_size": 100}).json()["results"]
        assert len(rows) == len(every) == bills


def test_partner_bill_list_queries_do_not_grow_with_the_rows(finance, django_assert_num_queries):
    finance.get("/api/v1/me/")

    for cycles in (2, 20):
        for bill in PartnerBillFactory.create_batch(cycles - PartnerBill.objects.count()):
            IngestRun.objects.create(cycle=bill.cycle, status=IngestRun.Status.FAILED)
            IngestRun.objects.create(cycle=bill.cycle, status=IngestRun.Status.SUCCEEDED, rows_done=10)
        # The token with its user, the Finance group, the page, its cycles' lines, their ingest runs.
        with django_assert_num_queries(5):
            rows = finance.get("/api/v1/partner-bills/", {"page_size": 100}).json()["results"]
        assert len(rows) == cycles
        assert {row["latest_run"]["status"] for row in rows} == {IngestRun.Status.SUCCEEDED}


def test_reconciliation_queries_do_not_grow_with_the_customers(drafts, finance, django_assert_num_queries):
    _partner_bill_matching_the_lines()
    finance.get("/api/v1/me/")
    url = f"/api/v1/partner-bills/{CYCLE}/reconciliation/"

    for monthly_sums in (1, 20):
        for n in range(CustomerMonthlySum.objects.count(), monthly_sums):
            CustomerMonthlySum.objects.create(
                cycle=CYCLE,
                customer_id=f"gone-{n}",
                account_name=f"gone-{n}",
                official_amount=Decimal("1.00"),
                consume_amount=Decimal("1.00"),
                lines_consume_amount=Decimal("0.00"),
                checked_at=drafts.first().created_at,
            )
        # The token with its user, the Finance group, whether the cycle is known, then the selector's
        # sums: by kind, by customer, monthly sums, current bills, by service, the partner bill.
        with django_assert_num_queries(9):
            body = finance.get(url).json()
        assert len(body["differences"]) == monthly_sums


def test_the_schema_describes_the_pdf_as_a_download_and_its_errors_as_json(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()

    answers = schema["paths"]["/api/v1/customer-bills/{id}/pdf/"]["get"]["responses"]

    assert answers["200"]["content"] == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    assert answers["200"]["headers"]["Content-Disposition"]["required"] is True
    assert answers["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "cost_amount" in schema["components"]["schemas"]["CustomerBill"]["properties"]
    assert "cost_amount" not in schema["components"]["schemas"]["CustomerBill"]["required"]
