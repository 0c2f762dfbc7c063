"""Loading the bill file: correct, resumable, never half-loaded, refuses bad files with the line."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Sum

from billing import ingest
from billing.models import BillCycle, BillLine, IngestPart, IngestRun, StagedLine
from huaweicloud.errors import CloudUnavailable
from tests.billing.helpers import CYCLE, build_file, chunks, file_parts, good_file, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def data() -> bytes:
    return good_file(lines=900, part_rows=250)  # 4 parts


def test_clean_run_loads_every_line_and_marks_the_cycle_final(data):
    run = ingest.ingest(cycle=CYCLE, chunks=chunks(data))

    assert run.status == IngestRun.Status.SUCCEEDED, run.error
    assert (run.parts_done, run.rows_done, run.rows_changed) == (4, 900, 900)
    assert BillLine.objects.filter(cycle=CYCLE).count() == 900
    bill_cycle = BillCycle.objects.get(cycle=CYCLE)
    assert bill_cycle.lines_final and bill_cycle.line_count == 900
    assert not StagedLine.objects.exists()
    line = BillLine.objects.get(cycle=CYCLE, line_id="202609000010000001")
    assert line.customer_id == "c1" * 16 and line.account_name == "alpha-co"
    assert line.consume_amount == line.official_amount - line.discount_amount - line.truncated_amount
    # Refunds, adjustments and several charge modes are in the file.
    assert set(BillLine.objects.values_list("kind", flat=True).distinct()) == {1, 2, 3}
    assert len(set(BillLine.objects.values_list("charge_mode", flat=True).distinct())) >= 3


def test_a_rerun_changes_zero_rows(data):
    ingest.ingest(cycle=CYCLE, chunks=chunks(data))
    before = snapshot()

    again = ingest.ingest(cycle=CYCLE, chunks=chunks(data))

    assert again.status == IngestRun.Status.SUCCEEDED
    assert again.rows_changed == 0
    assert snapshot() == before


def test_interrupted_then_resumed_gives_the_same_rows_as_one_clean_run(data):
    ingest.ingest(cycle=CYCLE, chunks=chunks(data))
    clean = snapshot()
    BillLine.objects.all().delete()
    BillCycle.objects.all().delete()

    with pytest.raises(CloudUnavailable):
        ingest.ingest(
            cycle=CYCLE,
            chunks=chunks(data, fail_after=len(data) // 2, error=CloudUnavailable(operation="obs_get_object")),
        )
    run = IngestRun.objects.get(status=IngestRun.Status.INTERRUPTED)
    staged_parts = run.parts.count()
    assert 0 < staged_parts < 4
    # Nothing of the file is visible until every part is merged.
    assert not BillLine.objects.exists()
    assert not BillCycle.objects.get(cycle=CYCLE).lines_final

    with mock.patch.object(ingest, "_stage_part", wraps=ingest._stage_part) as stage:
        resumed = ingest.ingest(cycle=CYCLE, chunks=chunks(data))

    assert resumed.pk == run.pk and resumed.status == IngestRun.Status.SUCCEEDED
    assert stage.call_count == 4 - staged_parts  # the staged parts were skipped
    assert snapshot() == clean


def test_a_second_start_while_a_run_is_busy_is_refused(data):
    IngestRun.objects.create(cycle=CYCLE, status=IngestRun.Status.RUNNING, attempts=1)

    with pytest.raises(ingest.IngestBusy):
        ingest.ingest(cycle=CYCLE, chunks=chunks(data))


def test_a_load_asked_for_waits_as_a_run_that_the_worker_starts_once(data):
    waiting = ingest.waiting_run(cycle=CYCLE)
    assert ingest.waiting_run(cycle=CYCLE) == waiting  # asked again: the same run
    assert waiting.status == IngestRun.Status.RUNNING and waiting.attempts == 0
    assert waiting.source.startswith("obs://") and waiting.source.endswith("customerBill_202609.tar.gz")

    run = ingest.ingest(cycle=CYCLE, chunks=chunks(data))

    assert run.pk == waiting.pk and run.status == IngestRun.Status.SUCCEEDED and run.attempts == 1
    assert IngestRun.objects.count() == 1


def _refused(data: bytes) -> IngestRun:
    run = ingest.ingest(cycle=CYCLE, chunks=chunks(data))
    assert run.status == IngestRun.Status.FAILED
    assert not BillLine.objects.exists(), "a refused file must not be half-loaded"
    assert not StagedLine.objects.exists()
    assert not IngestPart.objects.exists()
    assert not BillCycle.objects.filter(lines_final=True).exists()
    return run


def test_a_malformed_row_in_a_later_part_refuses_the_whole_file_with_its_line(data):
    parts = file_parts(data)
    name, rows = parts[2]
    rows[5][22] = "12.3x"  # Official Amount of data row 5 = line 6 of the part

    run = _refused(build_file(parts))

    assert run.error_part == name and run.error_line == 6
    assert "Official Amount" in run.error and "12.3x" in run.error


def test_unknown_columns_are_refused_at_line_1(data):
    parts = file_parts(data)
    parts[0][1][0].append("Surprise")
    for row in parts[0][1][1:]:
        row.append("x")

    run = _refused(build_file(parts))

    assert run.error_line == 1 and "unknown columns: Surprise" in run.error


def test_amounts_that_do_not_add_up_are_refused(data):
    parts = file_parts(data)
    parts[1][1][3][25] = "999999.99"  # Consume Amount

    run = _refused(build_file(parts))

    assert (run.error_part, run.error_line) == (parts[1][0], 4)
    assert "Consume Amount" in run.error


def test_a_row_with_missing_fields_is_refused(data):
    parts = file_parts(data)
    parts[3][1][7] = parts[3][1][7][:10]

    run = _refused(build_file(parts))

    assert run.error_line == 8 and "10 fields instead of 30" in run.error


def test_a_duplicate_line_id_across_parts_is_refused(data):
    parts = file_parts(data)
    parts[2][1][9][0] = parts[0][1][1][0]

    run = _refused(build_file(parts))

    assert run.error_part == parts[2][0] and run.error_line == 10
    assert "more than once" in run.error


def test_a_truncated_file_is_refused(data):
    run = _refused(data[: len(data) * 2 // 3])

    assert "truncated" in run.error


def test_a_file_cut_between_two_parts_is_refused():
    # Two complete parts, then the archive stops: the gzip stream has no end.
    import zlib

    whole = build_file(file_parts(good_file(lines=500, part_rows=250)))
    raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(whole)
    first_part_end = 512 + ((len(raw) // 2) // 512) * 512
    cut = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    truncated = cut.compress(raw[:first_part_end]) + cut.flush(zlib.Z_SYNC_FLUSH)

    run = _refused(truncated)

    assert "truncated" in run.error or "damaged" in run.error


def test_a_file_that_is_not_a_tar_gz_is_refused():
    run = _refused(b"<html>502 Bad Gateway</html>")

    assert "gzip" in run.error


def test_a_file_of_another_cycle_is_refused(data):
    run = ingest.ingest(cycle="2026-08", chunks=chunks(data))

    assert run.status == IngestRun.Status.FAILED
    assert "unexpected file" in run.error
    assert not BillLine.objects.exists()


def test_the_bulk_path_follows_the_database(data):
    """PostgreSQL stages with COPY; other databases with batched bulk_create."""
    with (
        mock.patch.object(ingest, "_stage_copy", wraps=ingest._stage_copy) as copy,
        mock.patch.object(ingest, "_stage_orm", wraps=ingest._stage_orm) as orm,
    ):
        run = ingest.ingest(cycle=CYCLE, chunks=chunks(data))

    assert run.status == IngestRun.Status.SUCCEEDED
    if connection.vendor == "postgresql":
        assert copy.call_count == 4 and orm.call_count == 0
    else:
        assert orm.call_count == 4 and copy.call_count == 0


def test_a_corrected_file_replaces_the_lines_exactly(data):
    ingest.ingest(cycle=CYCLE, chunks=chunks(data))
    parts = file_parts(data)
    del parts[3][1][1]  # one line fewer
    row = parts[0][1][2]
    row[22] = row[25] = row[26] = "1.00"  # a changed amount (official = consume = cash)
    for index in (23, 24, 27, 28):
        row[index] = "0.00"

    run = ingest.ingest(cycle=CYCLE, chunks=chunks(build_file(parts)))

    assert run.status == IngestRun.Status.SUCCEEDED, run.error
    assert run.rows_changed == 2
    assert BillLine.objects.count() == 899
    assert BillLine.objects.get(line_id=row[0]).official_amount == Decimal("1.00")
    total = BillLine.objects.aggregate(total=Sum("consume_amount"))["total"]
    assert total is not None
