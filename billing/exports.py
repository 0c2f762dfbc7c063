"""Exports of lines, customer bills and reconciliation: rows read with a server-side cursor in chunks,
written as CSV (streamed by the view) or XLSX (built by a worker, constant memory)."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.db import transaction
from django.http import FileResponse, StreamingHttpResponse

from billing import selectors
from billing.models import BillLine, CustomerBill, ExportJob

CHUNK = 5000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 1_048_575  # Excel's last row, minus the header
LINE_COLUMNS = (
    "cycle",
    "line_id",
    "customer_id",
    "account_name",
    "bill_date",
    "bill_type",
    "charge_mode",
    "service_type_code",
    "resource_type_name",
    "region",
    "resource_id",
    "resource_name",
    "usage",
    "usage_unit",
    "unit_price",
    "official_amount",
    "discount_amount",
    "truncated_amount",
    "consume_amount",
    "rated_amount",
    "rule_id",
)
BILL_COLUMNS = (
    "number",
    "cycle",
    "cloud_customer_id",
    "account_name",
    "version",
    "status",
    "line_count",
    "official_amount",
    "cost_amount",
    "usage_amount",
    "fees_amount",
    "adjustments_amount",
    "total_amount",
    "currency",
    "issued_at",
)
RECONCILIATION_COLUMNS = (
    "customer_id",
    "account_name",
    "line_count",
    "official",
    "cost",
    "rated",
    "monthly_sum",
    "bill_official",
    "bill_total",
    "margin",
)


# Each returns (columns, a callable giving the row count, the rows): the count is asked for only by
# the XLSX builder (progress), so a CSV download starts without waiting for it.
def line_rows(cycle: str) -> tuple[tuple[str, ...], Callable[[], int], Iterator[tuple]]:
    # In Line ID order: the unique (cycle, line_id) index gives rows at once, no sort of the cycle first.
    lines = BillLine.objects.filter(cycle=cycle).order_by("line_id")
    return LINE_COLUMNS, lines.count, lines.values_list(*LINE_COLUMNS).iterator(chunk_size=CHUNK)


def bill_rows(cycle: str):
    bills = CustomerBill.objects.filter(cycle=cycle).order_by("account_name", "version")
    return BILL_COLUMNS, bills.count, bills.values_list(*BILL_COLUMNS).iterator(chunk_size=CHUNK)


def reconciliation_rows(cycle: str):
    rows = selectors.reconciliation(cycle=cycle).customers

    def generate():
        for row in rows:
            yield tuple(getattr(row, column) for column in RECONCILIATION_COLUMNS)

    return RECONCILIATION_COLUMNS, rows.__len__, generate()


ROWS: dict[str, Callable] = {
    ExportJob.Kind.LINES: line_rows,
    ExportJob.Kind.BILLS: bill_rows,
    ExportJob.Kind.RECONCILIATION: reconciliation_rows,
}


class _Echo:
    def write(self, value: str) -> str:
        return value


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def csv_stream(kind: str, cycle: str) -> Iterator[str]:
    """CSV text, one chunk of rows at a time (the first chunk is the header: the response starts at once)."""
    columns, _, rows = ROWS[kind](cycle)
    writer = csv.writer(_Echo(), lineterminator="\n")
    yield writer.writerow(columns)
    # Inside a transaction the PostgreSQL cursor streams; in autocommit Django declares it WITH HOLD,
    # which makes the server run the whole query before the first row arrives.
    with transaction.atomic():
        buffer = []
        for row in rows:
            buffer.append(writer.writerow([_text(v) for v in row]))
            if len(buffer) >= 1000:
                yield "".join(buffer)
                buffer.clear()
        if buffer:
            yield "".join(buffer)


def csv_response(kind: str, cycle: str) -> StreamingHttpResponse:
    """The CSV export as a download that starts at once (the Finance pages and the API)."""
    response = StreamingHttpResponse(csv_stream(kind, cycle), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{cycle}.csv"'
    return response


def xlsx_response(job: ExportJob) -> FileResponse:
    """A built XLSX export as a download (the Finance pages and the API)."""
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=f"{job.kind}-{job.cycle}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


def build_xlsx(kind: str, cycle: str, *, progress: Callable[[int, int], None] | None = None) -> str:
    """Write the export to a temporary .xlsx file (xlsxwriter constant_memory: one row in memory at a
    time) and return its path; a new sheet after 1,048,575 rows. The caller deletes the file."""
    import xlsxwriter

    columns, count, rows = ROWS[kind](cycle)
    total = count()
    with tempfile.NamedTemporaryFile(prefix=f"export-{kind}-", suffix=".xlsx", delete=False) as handle:
        path = handle.name
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "0.00"})
    sheet = None
    sheet_rows = XLSX_MAX_ROWS
    done = 0
    if progress:
        progress(0, total)
    for row in rows:
        if sheet_rows >= XLSX_MAX_ROWS:
            sheet = workbook.add_worksheet(f"{kind} {len(workbook.worksheets()) + 1}")
            sheet.write_row(0, 0, columns, bold)
            sheet_rows = 0
        sheet_rows += 1
        for col, value in enumerate(row):
            if isinstance(value, Decimal):
                sheet.write_number(sheet_rows, col, float(value), money)
            elif value is None:
                continue
            elif isinstance(value, int | float):
                sheet.write_number(sheet_rows, col, value)
            else:
                sheet.write_string(sheet_rows, col, _text(value))
        done += 1
        if progress and done % 50_000 == 0:
            progress(done, total)
    if sheet is None:
        workbook.add_worksheet(kind).write_row(0, 0, columns, bold)
    workbook.close()
    if progress:
        progress(done, total)
    return path
