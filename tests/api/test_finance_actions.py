"""The Finance cycle page's actions through the API (sync, load the bill file, monthly sums, rate, draft),
ingest runs, the reconciliation's drill-down and the bill lines: the page's services and selectors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from billing import ingest, services
from billing.models import BillCycle, BillLine, CustomerBill, CustomerMonthlySum, IngestRun, PartnerBill, RatingRule
from tests.api.conftest import error_of
from tests.billing.helpers import CUSTOMERS, CYCLE
from tests.factories import CustomerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db
ALPHA = CUSTOMERS[0][0]
ACTIONS = ["sync", "ingest", "monthly-sums", "rate", "draft"]
# Every Finance endpoint added with the cycle actions; ids that do not exist: permission comes first.
FINANCE_ENDPOINTS = [
    *[("post", f"/api/v1/partner-bills/{CYCLE}/{action}/") for action in ACTIONS],
    ("get", "/api/v1/ingest-runs/1/"),
    ("get", f"/api/v1/partner-bills/{CYCLE}/reconciliation/customers/{ALPHA}/"),
    ("get", f"/api/v1/partner-bills/{CYCLE}/lines/"),
    ("get", f"/api/v1/partner-bills/{CYCLE}/export/lines.csv"),
    ("get", "/api/v1/rating-rules/"),
    ("post", "/api/v1/rating-rules/"),
    ("get", "/api/v1/rating-rules/1/"),
    ("patch", "/api/v1/rating-rules/1/"),
    ("delete", "/api/v1/rating-rules/1/"),
    ("post", "/api/v1/rating-rules/preview/"),
    ("post", "/api/v1/rating-rules/1/preview/"),
    ("get", "/api/v1/exports/"),
    ("post", "/api/v1/exports/"),
    ("get", "/api/v1/exports/1/"),
    ("get", "/api/v1/exports/1/download/"),
]
CLOUD_FAILS = {"status": 500, "error_code": "CBC.0999", "error_msg": "internal error"}


@pytest.fixture
def obs(sandbox, settings):
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "OBS_ENDPOINT": f"{sandbox.url}/obs"}
    settings.BILL_OBS_BUCKET = "demo-partner-bills"
    return sandbox


@pytest.fixture
def month(obs):
    """The sandbox's partner bill and bill file of CYCLE (its demo customers and one more)."""
    body = {"cycle": CYCLE, "customers": 1, "lines": 600, "seed": 7, "part_rows": 250}
    response = obs.http.post(f"{obs.url}/_sandbox/bills/generate", json=body, timeout=60)
    response.raise_for_status()
    return response.json()


@pytest.fixture
def loaded(month):
    """The month's bill file loaded from OBS; the monthly sums not checked, the lines not rated."""
    run = ingest.ingest_from_obs(cycle=CYCLE)
    assert run.status == IngestRun.Status.SUCCEEDED, run.error
    return run


# --- who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), FINANCE_ENDPOINTS)
@pytest.mark.parametrize("role", ["customer", "Operations", "Support"])
def test_the_finance_endpoints_are_refused_to_customers_and_other_staff(api_as, method, path, role):
    user = CustomerFactory().user if role == "customer" else StaffUserFactory(group=role)

    response = getattr(api_as(user), method)(path)

    assert response.status_code == 403, (method, path)
    assert error_of(response)["code"] == "permission_denied"
    assert not PartnerBill.objects.exists() and not IngestRun.objects.exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_a_bad_cycle_is_400_with_the_field(finance, action):
    response = finance.post(f"/api/v1/partner-bills/2026-13/{action}/")

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"cycle": ["Write the cycle as YYYY-MM, e.g. 2026-10."]}
    assert not IngestRun.objects.exists()


# --- sync ------------------------------------------------------------------------------------------


def test_sync_reads_the_partner_bill_and_again_keeps_one(month, finance):
    url = f"/api/v1/partner-bills/{CYCLE}/sync/"

    first = finance.post(url)
    again = finance.post(url)

    assert first.status_code == again.status_code == 200, first.json()
    body = first.json()
    assert body["cycle"] == CYCLE and body["initial_amount_due"] == month["initial_amount_due"]
    assert body["lines"] is None and body["customer_bills"] == {"draft": 0, "issued": 0}
    assert again.json()["initial_amount_due"] == body["initial_amount_due"]
    assert PartnerBill.objects.filter(cycle=CYCLE).count() == 1


def test_sync_of_a_month_not_out_yet_is_huawei_clouds_refusal(obs, finance):
    open_cycle = services.shift_cycle(services.latest_closed_cycle(), 1)

    response = finance.post(f"/api/v1/partner-bills/{open_cycle}/sync/")

    assert 400 <= response.status_code < 500
    error = error_of(response)
    assert error["code"] == "huaweicloud_rejected" and error["huaweicloud_code"]
    assert not PartnerBill.objects.exists()


def test_sync_when_huawei_cloud_fails_is_a_plain_503(month, obs, finance):
    obs.add_fault("list_postpaid_bill_sum", "error", **CLOUD_FAILS)

    response = finance.post(f"/api/v1/partner-bills/{CYCLE}/sync/")

    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    error = error_of(response)
    assert error["code"] == "huaweicloud_unavailable" and "internal error" not in error["message"]
    assert not PartnerBill.objects.exists()


# --- loading the bill file -------------------------------------------------------------------------


def test_ingest_answers_202_with_the_run_that_the_worker_then_completes(
    month, finance, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = finance.post(f"/api/v1/partner-bills/{CYCLE}/ingest/")

    assert response.status_code == 202, response.json()
    waiting = response.json()
    assert waiting["cycle"] == CYCLE and waiting["status"] == "running" and waiting["attempts"] == 0
    assert waiting["source"] == "obs://demo-partner-bills/customerBill/customerBill_202609.tar.gz"
    assert response["Location"] == waiting["url"] == f"http://testserver/api/v1/ingest-runs/{waiting['id']}/"
    done = finance.get(waiting["url"]).json()
    assert done["status"] == "succeeded" and done["percent"] == 100 and done["attempts"] == 1
    assert done["rows_done"] == done["rows_changed"] == 600 and done["parts_done"] == 3
    # The task goes on as from the page: monthly sums checked, lines rated.
    cycle = BillCycle.objects.get(cycle=CYCLE)
    assert cycle.lines_final and cycle.rated_at and cycle.monthly_sums_checked_at


def test_ingest_again_while_a_load_is_open_answers_the_same_run(month, finance):
    url = f"/api/v1/partner-bills/{CYCLE}/ingest/"

    first = finance.post(url)  # no worker runs: the load stays waiting
    again = finance.post(url)

    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert IngestRun.objects.count() == 1


def test_ingest_again_after_a_load_changes_no_line(loaded, finance, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = finance.post(f"/api/v1/partner-bills/{CYCLE}/ingest/")

    run = finance.get(response.json()["url"]).json()
    assert run["id"] != loaded.pk and run["status"] == "succeeded" and run["rows_changed"] == 0
    assert BillLine.objects.filter(cycle=CYCLE).count() == 600


def test_a_missing_bill_file_fails_the_run_with_the_reason(obs, finance, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = finance.post("/api/v1/partner-bills/2025-01/ingest/")

    run = finance.get(response.json()["url"]).json()
    assert run["status"] == "failed" and run["status_label"] == "Refused"
    assert "customerBill_202501.tar.gz is missing" in run["error"] and run["finished_at"]
    assert not BillLine.objects.exists()


def test_an_unknown_ingest_run_is_404(finance):
    response = finance.get("/api/v1/ingest-runs/999999/")

    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


# --- monthly sums ----------------------------------------------------------------------------------


def test_monthly_sums_are_checked_and_again_kept_once_per_customer(loaded, finance):
    url = f"/api/v1/partner-bills/{CYCLE}/monthly-sums/"

    first = finance.post(url)
    again = finance.post(url)

    customers = BillLine.objects.filter(cycle=CYCLE).values("customer_id").distinct().count()
    assert first.status_code == 200, first.json()
    assert first.json() == again.json() == {"cycle": CYCLE, "checked": customers, "mismatched": 0}
    assert CustomerMonthlySum.objects.filter(cycle=CYCLE).count() == customers


def test_monthly_sums_when_huawei_cloud_fails_is_a_plain_503(loaded, obs, finance):
    obs.add_fault("show_customer_monthly_sum", "error", **CLOUD_FAILS)

    response = finance.post(f"/api/v1/partner-bills/{CYCLE}/monthly-sums/")

    assert response.status_code == 503 and error_of(response)["code"] == "huaweicloud_unavailable"
    assert not CustomerMonthlySum.objects.exists()


# --- rating and drafts -----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["rate", "draft"])
def test_rating_or_drafting_a_cycle_without_a_complete_file_is_409_with_the_reason(finance, action):
    BillCycle.objects.create(cycle=CYCLE, lines_final=False)  # a load that is not finished

    response = finance.post(f"/api/v1/partner-bills/{CYCLE}/{action}/")

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "not_ready"
    assert error["message"] == "Not possible yet: the lines of 2026-09 are not complete."


def test_rate_prices_the_lines_and_again_gives_the_same_prices(drafts, finance):
    url = f"/api/v1/partner-bills/{CYCLE}/rate/"

    first = finance.post(url)
    prices = list(BillLine.objects.order_by("pk").values_list("rated_amount", flat=True))
    again = finance.post(url)

    assert first.json() == again.json() == {"cycle": CYCLE, "rated": 600}
    assert list(BillLine.objects.order_by("pk").values_list("rated_amount", flat=True)) == prices
    assert BillCycle.objects.get(cycle=CYCLE).rated_at is not None


def test_drafts_need_the_lines_rated_with_the_current_rules(drafts, finance):
    rule = RatingRule.objects.get()
    assert finance.patch(f"/api/v1/rating-rules/{rule.pk}/", {"percent": "12"}).status_code == 200

    refused = finance.post(f"/api/v1/partner-bills/{CYCLE}/draft/")
    finance.post(f"/api/v1/partner-bills/{CYCLE}/rate/")
    made = finance.post(f"/api/v1/partner-bills/{CYCLE}/draft/")

    assert refused.status_code == 409
    assert (
        error_of(refused)["message"] == "Not possible yet: the lines of 2026-09 are not rated with the current rules."
    )
    assert made.json() == {"cycle": CYCLE, "drafts": 2}
    official = sum(line.official_amount for line in BillLine.objects.filter(cycle=CYCLE))
    assert sum(bill.usage_amount for bill in drafts.all()) == sum(
        line.rated_amount for line in BillLine.objects.filter(cycle=CYCLE)
    )
    assert sum(bill.official_amount for bill in drafts.all()) == official


def test_drafting_again_makes_the_drafts_anew_and_leaves_issued_bills(drafts, finance):
    issued = services.customer_bill_issue(bill=drafts.get(cloud_customer_id=ALPHA))
    other = drafts.get(status=CustomerBill.Status.DRAFT)

    response = finance.post(f"/api/v1/partner-bills/{CYCLE}/draft/")

    assert response.json() == {"cycle": CYCLE, "drafts": 2}
    assert not CustomerBill.objects.filter(pk=other.pk).exists()  # replaced, with a new id
    alpha = CustomerBill.objects.filter(cloud_customer_id=ALPHA).order_by("version")
    assert [(bill.version, bill.status) for bill in alpha] == [(1, "issued"), (2, "draft")]
    assert alpha[0].number == issued.number and alpha[1].supersedes_id == issued.pk


# --- reconciliation drill-down and lines -----------------------------------------------------------


def test_a_customers_services_add_up_to_its_reconciliation_row(drafts, finance):
    reconciliation = finance.get(f"/api/v1/partner-bills/{CYCLE}/reconciliation/").json()

    body = finance.get(f"/api/v1/partner-bills/{CYCLE}/reconciliation/customers/{ALPHA}/").json()

    row = next(row for row in reconciliation["customers"] if row["customer_id"] == ALPHA)
    assert body["cycle"] == CYCLE and body["customer_id"] == ALPHA
    assert sum(service["line_count"] for service in body["services"]) == row["line_count"] == 400
    for name in ("official", "cost", "rated"):
        assert sum(Decimal(service[name]) for service in body["services"]) == Decimal(row[name])
    codes = [service["service_type_code"] for service in body["services"]]
    assert codes == sorted(codes)


@pytest.mark.parametrize(("cycle", "customer_id"), [(CYCLE, "no-such-customer"), ("2025-01", ALPHA)])
def test_a_customer_without_lines_in_the_cycle_is_404(drafts, finance, cycle, customer_id):
    response = finance.get(f"/api/v1/partner-bills/{cycle}/reconciliation/customers/{customer_id}/")

    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_lines_are_filtered_by_customer_and_service_and_paged_by_cursor(drafts, finance):
    service = BillLine.objects.filter(customer_id=ALPHA).values_list("service_type_code", flat=True).first()
    expected = BillLine.objects.filter(cycle=CYCLE, customer_id=ALPHA, service_type_code=service)
    query = {"customer_id": ALPHA, "service_type_code": service, "page_size": 7}

    seen, page = [], finance.get(f"/api/v1/partner-bills/{CYCLE}/lines/", query).json()
    while True:
        seen += page["results"]
        if not page["next"]:
            break
        page = finance.get(page["next"]).json()

    assert [line["line_id"] for line in seen] == sorted(expected.values_list("line_id", flat=True))
    assert {(line["customer_id"], line["service_type_code"]) for line in seen} == {(ALPHA, service)}
    first = expected.get(line_id=seen[0]["line_id"])
    assert seen[0]["rated_amount"] == str(first.rated_amount) and seen[0]["kind_label"]


def test_lines_by_cost_and_every_customers(drafts, finance):
    rows = finance.get(f"/api/v1/partner-bills/{CYCLE}/lines/", {"ordering": "-consume_amount"}).json()["results"]

    costs = [Decimal(row["consume_amount"]) for row in rows]
    assert costs == sorted(costs, reverse=True)
    assert costs[0] == max(BillLine.objects.values_list("consume_amount", flat=True))


@pytest.mark.parametrize(("cycle", "params", "status"), [("2025-01", {}, 404), (CYCLE, {"ordering": "pk"}, 400)])
def test_lines_of_an_unknown_cycle_are_404_and_a_bad_filter_400(drafts, finance, cycle, params, status):
    response = finance.get(f"/api/v1/partner-bills/{cycle}/lines/", params)

    assert response.status_code == status
    assert error_of(response)["code"] == ("not_found" if status == 404 else "invalid")


def test_line_list_queries_do_not_grow_with_the_rows(drafts, finance, django_assert_num_queries):
    finance.get("/api/v1/me/")  # last_used_at written once; not counted below

    for page_size in (5, 100):
        # The token with its user, the Finance group, whether the cycle has lines, the page.
        with django_assert_num_queries(4):
            rows = finance.get(f"/api/v1/partner-bills/{CYCLE}/lines/", {"page_size": page_size}).json()["results"]
        assert len(rows) == page_size


def test_a_customers_services_take_a_fixed_number_of_queries(drafts, finance, django_assert_num_queries):
    finance.get("/api/v1/me/")

    # The token with its user, the Finance group, the customer's lines grouped by service.
    with django_assert_num_queries(3):
        response = finance.get(f"/api/v1/partner-bills/{CYCLE}/reconciliation/customers/{ALPHA}/")
    assert response.status_code == 200


# --- the schema ------------------------------------------------------------------------------------


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))


def test_the_schema_describes_the_downloads_as_files_and_a_load_as_202(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    paths = schema["paths"]

    csv = paths["/api/v1/partner-bills/{cycle}/export/{kind}.csv"]["get"]["responses"]
    xlsx = paths["/api/v1/exports/{id}/download/"]["get"]["responses"]
    load = paths["/api/v1/partner-bills/{cycle}/ingest/"]["post"]["responses"]

    binary = {"type": "string", "format": "binary"}
    assert csv["200"]["content"] == {"text/csv": {"schema": binary}}
    sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx["200"]["content"] == {sheet: {"schema": binary}}
    assert xlsx["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert set(load) >= {"202", "400", "403", "503"} and "200" not in load
    assert load["202"]["headers"]["Location"]["required"] is True
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
