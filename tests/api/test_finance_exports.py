"""Exports through the API: XLSX jobs built by the worker (any Finance member downloads any, as on the
exports page) and the streamed CSV of a cycle, from billing.exports as the pages."""

from __future__ import annotations

import csv
import io

import pytest

from billing.models import ExportJob
from tests.api.conftest import error_of
from tests.billing.helpers import CYCLE
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db
EXPORTS = "/api/v1/exports/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_an_xlsx_export_is_queued_202_built_and_downloaded_by_any_finance_member(
    drafts, finance, api_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = finance.post(EXPORTS, {"kind": "lines", "cycle": CYCLE})

    assert response.status_code == 202, response.json()
    queued = response.json()
    assert queued["status"] == "queued" and queued["download"] is None and queued["kind_label"] == "Bill lines"
    assert response["Location"] == queued["url"] == f"http://testserver/api/v1/exports/{queued['id']}/"
    assert queued["requested_by"] == ExportJob.objects.get().requested_by.username
    done = finance.get(queued["url"]).json()
    assert done["status"] == "done" and done["percent"] == 100 and done["rows_done"] == done["rows_total"] == 600
    assert done["download"] == f"http://testserver/api/v1/exports/{queued['id']}/download/"

    colleague = api_as(StaffUserFactory(group="Finance"))
    download = colleague.get(done["download"], headers={"Accept": XLSX})
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    assert download["Content-Disposition"] == f'attachment; filename="lines-{CYCLE}.xlsx"'
    assert b"".join(download.streaming_content).startswith(b"PK")  # a zip: xlsx


def test_each_request_is_a_new_export_but_the_same_idempotency_key_one(drafts, finance):
    body = {"kind": "bills", "cycle": CYCLE}
    headers = {"Idempotency-Key": "bills-2026-09"}

    first = finance.post(EXPORTS, body, headers=headers)
    again = finance.post(EXPORTS, body, headers=headers)
    other = finance.post(EXPORTS, body)

    assert first.status_code == again.status_code == other.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert other.json()["id"] != first.json()["id"]
    assert ExportJob.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"kind": "orders", "cycle": CYCLE}, {"kind": ['"orders" is not a valid choice.']}),
        ({"kind": "lines", "cycle": "2026-9"}, {"cycle": ["Write the cycle as YYYY-MM, e.g. 2026-10."]}),
        (
            {"kind": "lines", "cycle": "2025-01"},
            {"cycle": ["Finance has neither the partner bill nor lines of this cycle."]},
        ),
        ({}, {"kind": ["This field is required."], "cycle": ["This field is required."]}),
    ],
)
def test_a_bad_export_request_is_400_with_the_fields(drafts, finance, body, fields):
    response = finance.post(EXPORTS, body)

    assert response.status_code == 400 and error_of(response)["fields"] == fields
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("status", [ExportJob.Status.QUEUED, ExportJob.Status.RUNNING, ExportJob.Status.FAILED])
def test_an_export_not_done_is_409_to_download(finance, status):
    job = ExportJob.objects.create(
        kind="lines", cycle=CYCLE, status=status, error="disk full" if status == "failed" else ""
    )

    response = finance.get(f"{EXPORTS}{job.pk}/download/", headers={"Accept": XLSX})
    progress = finance.get(f"{EXPORTS}{job.pk}/").json()

    assert response.status_code == 409 and response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_done"
    assert progress["status"] == status and progress["download"] is None
    assert progress["error"] == job.error


@pytest.mark.parametrize("path", [f"{EXPORTS}999999/", f"{EXPORTS}999999/download/"])
def test_an_unknown_export_is_404(finance, path):
    response = finance.get(path)

    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_exports_are_listed_newest_first_and_filtered(finance):
    older = ExportJob.objects.create(kind="lines", cycle="2026-08", status=ExportJob.Status.DONE)
    newer = ExportJob.objects.create(kind="bills", cycle=CYCLE)

    every = finance.get(EXPORTS).json()["results"]
    bills = finance.get(EXPORTS, {"kind": "bills"}).json()["results"]
    august = finance.get(EXPORTS, {"cycle": "2026-08", "status": "done"}).json()["results"]
    bad = finance.get(EXPORTS, {"status": "lost"})

    assert [row["id"] for row in every] == [newer.pk, older.pk]
    assert [row["id"] for row in bills] == [newer.pk] and [row["id"] for row in august] == [older.pk]
    assert bad.status_code == 400 and "status" in error_of(bad)["fields"]


def test_export_list_queries_do_not_grow_with_the_rows(finance, django_assert_num_queries):
    finance.get("/api/v1/me/")  # last_used_at written once; not counted below
    users = StaffUserFactory.create_batch(3, group="Finance")

    for jobs in (2, 30):
        for n in range(ExportJob.objects.count(), jobs):
            ExportJob.objects.create(kind="lines", cycle=CYCLE, requested_by=users[n % 3])
        # The token with its user, the Finance group, the page with who asked for each export.
        with django_assert_num_queries(3):
            rows = finance.get(EXPORTS, {"page_size": 100}).json()["results"]
        assert len(rows) == jobs
    assert {row["requested_by"] for row in rows} == {user.username for user in users}


# --- CSV -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "rows"), [("lines", 600), ("bills", 2), ("reconciliation", 2)])
def test_a_cycles_csv_is_streamed_as_on_the_page(drafts, finance, kind, rows):
    response = finance.get(f"/api/v1/partner-bills/{CYCLE}/export/{kind}.csv", headers={"Accept": "text/csv"})

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{kind}-{CYCLE}.csv"'
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(table) == rows + 1


@pytest.mark.parametrize(
    ("cycle", "kind", "status"), [(CYCLE, "orders", 404), ("2025-01", "lines", 404), ("2026-9", "lines", 400)]
)
def test_a_csv_of_another_kind_or_an_unknown_cycle_is_a_json_error(drafts, finance, cycle, kind, status):
    response = finance.get(f"/api/v1/partner-bills/{cycle}/export/{kind}.csv", headers={"Accept": "text/csv"})

    assert response.status_code == status and response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == ("not_found" if status == 404 else "invalid")
