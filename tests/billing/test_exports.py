"""Exports: CSV streamed, XLSX built by a task, served only to Finance."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import exports, ingest, services
from billing.models import BillLine, ExportJob, RatingRule
from tests.billing.helpers import CYCLE, chunks, good_file
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated():
    ingest.ingest(cycle=CYCLE, chunks=chunks(good_file(lines=300, part_rows=300)))
    RatingRule.objects.create(percent=Decimal("10"), valid_from=date(2026, 1, 1))
    services.cycle_rate(cycle=CYCLE)
    services.customer_bills_draft(cycle=CYCLE)


@pytest.fixture
def finance_user():
    return StaffUserFactory(group="Finance")


@pytest.mark.parametrize(("kind", "rows"), [("lines", 300), ("bills", 2), ("reconciliation", 2)])
def test_csv_is_streamed(rated, client, finance_user, kind, rows):
    client.force_login(finance_user)

    response = client.get(reverse("finance:export_csv", args=[CYCLE, kind]))

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(table) == rows + 1


def test_csv_lines_carry_exact_amounts(rated):
    text = "".join(exports.csv_stream("lines", CYCLE))
    table = list(csv.DictReader(io.StringIO(text)))

    total = sum(Decimal(row["rated_amount"]) for row in table)
    assert total == sum(line.rated_amount for line in BillLine.objects.all())


def test_xlsx_is_built_by_a_task_and_downloaded_only_by_finance(
    rated, client, finance_user, django_capture_on_commit_callbacks
):
    client.force_login(finance_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("finance:exports"), {"cycle": CYCLE, "kind": "lines"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE and job.rows_done == job.rows_total == 300

    download = client.get(reverse("finance:export_download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")  # a zip: xlsx

    client.force_login(StaffUserFactory(group="Operations"))
    assert client.get(reverse("finance:export_download", args=[job.pk])).status_code == 403


def test_xlsx_starts_a_new_sheet_past_the_row_limit(rated, monkeypatch):
    import zipfile

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 120)

    path = exports.build_xlsx("lines", CYCLE)

    with zipfile.ZipFile(path) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 3  # 300 rows at 120 a sheet
