"""Loading a cycle's customer bill file (`customerBill_YYYYMM.tar.gz`) into `BillLine`.

The file is streamed, never held whole: byte chunks (from OBS through the gateway, or any iterator
in tests) -> gzip (zlib, checked to its trailer, so a truncated file is noticed even when it was cut
between two CSV parts) -> `tarfile` in stream mode -> `csv` over a text wrapper, one row at a time.

How a run stays correct (the choice for "never half-loaded"): **stage everything, then merge in one
transaction.**

1. Each CSV part is validated row by row while it is written to `StagedLine` (PostgreSQL `COPY`
   through psycopg 3; batched `bulk_create` elsewhere), inside one transaction per part; a bad row
   rolls its part back and the file is refused, with the part, the line number and the reason.
   A staged part is recorded (`IngestPart`), so a resumed run skips it.
2. When every part is staged, duplicates of a Line ID across parts are looked for, then one
   transaction upserts the staged lines on (cycle, Line ID) into `BillLine` (only new or changed
   lines: a re-run changes 0 rows), removes lines the file no longer has, marks the cycle's lines
   final and drops the staged rows. Until that commit nothing of the file is in `BillLine`.

A failure of the byte source (network) leaves the run INTERRUPTED with its staged parts: the next
start resumes it. A bad file leaves it FAILED and its staged rows deleted.
"""

from __future__ import annotations

import csv
import io
import re
import tarfile
import zlib
from collections.abc import Iterable, Iterator
from datetime import timedelta
from operator import itemgetter

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from billing.models import (
    ADJUSTMENT_TYPES,
    FILE_COLUMNS,
    LINE_FIELDS,
    REFUND_TYPES,
    BillCycle,
    BillLine,
    IngestPart,
    IngestRun,
    StagedLine,
)

HEADER = tuple(name for name, _ in FILE_COLUMNS)
PART_NAME = re.compile(r"^customerBill_(\d{6})_(\d{4,})\.csv$")
MONEY = re.compile(r"^-?\d{1,14}\.\d{2}$")
QUANTITY = re.compile(r"^-?\d{1,16}(\.\d{1,4})?$")
CHARGE_MODES = frozenset({"1", "3", "10", "11"})
BATCH = 5000
# A RUNNING run not touched for this long is taken to be dead (its worker was killed) and may be resumed.
STALE_RUN = timedelta(minutes=15)

# StagedLine columns in COPY order: run, part, line number, then the file's columns, then kind.
_FILE_INDEXES = tuple(i for i, (_, field) in enumerate(FILE_COLUMNS) if field)
_FILE_FIELDS = tuple(field for _, field in FILE_COLUMNS if field)
STAGE_COLUMNS = ("run_id", "part", "line_number", *_FILE_FIELDS, "kind")
_pick = itemgetter(*_FILE_INDEXES)
_COL = {name: i for i, name in enumerate(HEADER)}
_MONEY_COLUMNS = tuple(
    _COL[name]
    for name in (
        "Official Amount",
        "Discount Amount",
        "Truncated Amount",
        "Consume Amount",
        "Cash Amount",
        "Credit Amount",
        "Coupon Amount",
    )
)


class BillFileError(Exception):
    """The file is refused: it is missing, truncated, malformed or has unknown columns."""

    def __init__(self, reason: str, *, part: str = "", line: int | None = None):
        self.reason, self.part, self.line = reason, part, line
        where = f"{part} line {line}: " if part and line else (f"{part}: " if part else "")
        super().__init__(f"{where}{reason}")


class IngestBusy(Exception):
    """Another worker is loading this cycle right now."""


class _SourceFailed(Exception):
    """The byte source (OBS) failed mid-stream: the run can be resumed."""


class _GunzipReader(io.RawIOBase):
    """A readable stream of the decompressed bytes of a gzip byte-chunk iterator.

    zlib checks the gzip trailer (CRC and length); `finish()` says whether the stream really ended.
    """

    def __init__(self, chunks: Iterable[bytes], on_bytes=None):
        self._chunks = iter(chunks)
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._buffer = b""
        self._source_done = False
        self.bytes_read = 0
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        while not self._buffer and not self._source_done:
            if self._zlib.eof:
                self._source_done = True
                return
            try:
                chunk = next(self._chunks)
            except StopIteration:
                self._source_done = True
                self._buffer = self._zlib.flush()
                return
            except Exception as exc:
                raise _SourceFailed(str(exc)) from exc
            self.bytes_read += len(chunk)
            if self._on_bytes:
                self._on_bytes(self.bytes_read)
            try:
                self._buffer = self._zlib.decompress(chunk)
            except zlib.error as exc:
                raise BillFileError(f"the file is not a valid gzip archive ({exc})") from exc

    def readinto(self, target) -> int:
        self._fill()
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size

    def finish(self) -> None:
        """Read what the tar reader left (padding) and check the gzip stream ended properly."""
        while self.read(1 << 16):
            pass
        if not self._zlib.eof:
            raise BillFileError("the file is truncated: the archive ends before its end")


def waiting_run(*, cycle: str, started_by=None) -> IngestRun:
    """The cycle's open run, or a new one waiting for a worker (RUNNING, 0 attempts): what a load asked
    for on the page or the API shows until a worker takes it (`_open_run`)."""
    run = IngestRun.objects.filter(cycle=cycle, status__in=IngestRun.OPEN).first()
    if run is not None:
        return run
    try:
        with transaction.atomic():
            return IngestRun.objects.create(cycle=cycle, started_by=started_by, source=obs_source(cycle))
    except IntegrityError:
        # Asked for twice at once: the other request's run.
        return IngestRun.objects.get(cycle=cycle, status__in=IngestRun.OPEN)


def _open_run(*, cycle: str, started_by=None, source: str = "") -> IngestRun:
    """The cycle's open run to resume (or a waiting one to start), or a new one. Claimed with a
    conditional UPDATE, so two workers never load the same cycle at once."""
    now = timezone.now()
    run = IngestRun.objects.filter(cycle=cycle, status__in=IngestRun.OPEN).first()
    if run is not None:
        claimed = (
            IngestRun.objects.filter(pk=run.pk, status=IngestRun.Status.INTERRUPTED).update(
                status=IngestRun.Status.RUNNING, attempts=F("attempts") + 1, updated_at=now
            )
            or IngestRun.objects.filter(pk=run.pk, status=IngestRun.Status.RUNNING, attempts=0).update(
                attempts=1, updated_at=now
            )
            or IngestRun.objects.filter(
                pk=run.pk, status=IngestRun.Status.RUNNING, updated_at__lt=now - STALE_RUN
            ).update(attempts=F("attempts") + 1, updated_at=now)
        )
        if not claimed:
            raise IngestBusy(f"cycle {cycle} is being loaded by run {run.pk}")
        run.refresh_from_db()
        # A part that was being staged when the run stopped was rolled back; drop any leftovers.
        done = list(run.parts.values_list("number", flat=True))
        StagedLine.objects.filter(run_id=run.pk).exclude(part__in=done).delete()
        return run
    try:
        return IngestRun.objects.create(cycle=cycle, started_by=started_by, source=source, attempts=1)
    except IntegrityError:
        raise IngestBusy(f"cycle {cycle} is being loaded by another run") from None


def _cycle_dates(cycle: str) -> frozenset[str]:
    year, month = int(cycle[:4]), int(cycle[5:])
    import calendar

    return frozenset(f"{cycle}-{day:02d}" for day in range(1, calendar.monthrange(year, month)[1] + 1))


def _rows(reader: Iterator[list[str]], *, cycle: str, part: str, run_id: int, number: int) -> Iterator[tuple]:
    """Validated staging rows of one CSV part. Raises BillFileError naming the line."""
    try:
        header = next(reader)
    except StopIteration:
        raise BillFileError("the part is empty: no header row", part=part, line=1) from None
    if tuple(header) != HEADER:
        unknown = [name for name in header if name not in _COL]
        missing = [name for name in HEADER if name not in header]
        detail = []
        if unknown:
            detail.append("unknown columns: " + ", ".join(unknown))
        if missing:
            detail.append("missing columns: " + ", ".join(missing))
        raise BillFileError("; ".join(detail) or "the columns are not in the expected order", part=part, line=1)
    dates = _cycle_dates(cycle)
    width = len(HEADER)
    i_line, i_customer, i_account, i_cycle, i_date = 0, 1, 2, 5, 6
    i_type, i_mode, i_usage, i_price, i_currency = 7, 8, 18, 20, 29
    o, d, t, c, cash, credit, coupon = _MONEY_COLUMNS
    money_match = MONEY.match
    quantity_match = QUANTITY.match
    line = 1
    for row in reader:
        line += 1
        if len(row) != width:
            raise BillFileError(f"{len(row)} fields instead of {width}", part=part, line=line)
        if not row[i_line] or len(row[i_line]) > 64:
            raise BillFileError("Line ID is empty or longer than 64 characters", part=part, line=line)
        if not row[i_customer] or len(row[i_customer]) > 64 or len(row[i_account]) > 64:
            raise BillFileError("Customer ID or Account Name is empty or too long", part=part, line=line)
        if row[i_cycle] != cycle:
            raise BillFileError(f"Billing Cycle {row[i_cycle]!r} is not {cycle}", part=part, line=line)
        if row[i_date] not in dates:
            raise BillFileError(f"Bill Date {row[i_date]!r} is not a day of {cycle}", part=part, line=line)
        bill_type = row[i_type]
        if not bill_type.isdigit() or len(bill_type) > 4:
            raise BillFileError(f"Bill Type {bill_type!r} is not a number", part=part, line=line)
        if row[i_mode] not in CHARGE_MODES:
            raise BillFileError(f"Billing Mode {row[i_mode]!r} is not 1, 3, 10 or 11", part=part, line=line)
        for index in _MONEY_COLUMNS:
            if not money_match(row[index]):
                raise BillFileError(
                    f"{HEADER[index]} {row[index]!r} is not an amount with two decimals", part=part, line=line
                )
        for index in (i_usage, i_price):
            if not quantity_match(row[index]):
                raise BillFileError(f"{HEADER[index]} {row[index]!r} is not a number", part=part, line=line)
        if len(row[i_currency]) != 3:
            raise BillFileError(f"Currency {row[i_currency]!r} is not a currency code", part=part, line=line)
        # Amounts have exactly two decimals (checked above): whole cents as integers, exactly.
        cents = [int(row[index].replace(".", "")) for index in (o, d, t, c, cash, credit, coupon)]
        if cents[0] - cents[1] - cents[2] != cents[3]:
            raise BillFileError(
                "Consume Amount is not Official Amount - Discount Amount - Truncated Amount", part=part, line=line
            )
        if cents[4] + cents[5] + cents[6] != cents[3]:
            raise BillFileError(
                "Consume Amount is not Cash Amount + Credit Amount + Coupon Amount", part=part, line=line
            )
        kind = 2 if int(bill_type) in REFUND_TYPES else 3 if int(bill_type) in ADJUSTMENT_TYPES else 1
        yield (run_id, number, line, *_pick(row), kind)


def _stage_copy(rows: Iterator[tuple], *, part: str) -> int:
    """PostgreSQL: COPY the rows into the staging table; a value the database refuses names its line."""
    import psycopg

    count = 0
    sql = f"COPY {StagedLine._meta.db_table} ({', '.join(STAGE_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor:
        try:
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        except psycopg.errors.DataError as exc:
            # "COPY billing_stagedline, line N": N counts data rows of this part; + 1 for the header.
            found = re.search(r"line (\d+)", str(getattr(exc.diag, "context", "") or ""))
            line = int(found.group(1)) + 1 if found else None
            raise BillFileError(f"a value is out of range: {exc.diag.message_primary}", part=part, line=line) from exc
    return count


def _stage_orm(rows: Iterator[tuple]) -> int:
    """Other databases (SQLite): batched bulk_create into the staging table."""
    count = 0
    batch: list[StagedLine] = []
    for row in rows:
        batch.append(StagedLine(**dict(zip(STAGE_COLUMNS, row, strict=True))))
        if len(batch) >= BATCH:
            StagedLine.objects.bulk_create(batch)
            count += len(batch)
            batch.clear()
    if batch:
        StagedLine.objects.bulk_create(batch)
        count += len(batch)
    return count


class _MemberReader(io.RawIOBase):
    """A tar member of a stream-mode archive as a plain readable stream (TextIOWrapper asks the
    member whether it can seek, which the stream-mode member cannot answer on Python < 3.12)."""

    def __init__(self, member_file):
        self._file = member_file

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        data = self._file.read(len(target))
        target[: len(data)] = data
        return len(data)


def _stage_part(run: IngestRun, member_file, *, name: str, number: int) -> int:
    text = io.TextIOWrapper(io.BufferedReader(_MemberReader(member_file), 1 << 16), encoding="utf-8", newline="")
    reader = csv.reader(text, strict=True)
    rows = _rows(reader, cycle=run.cycle, part=name, run_id=run.pk, number=number)
    try:
        with transaction.atomic():
            count = _stage_copy(rows, part=name) if connection.vendor == "postgresql" else _stage_orm(rows)
            IngestPart.objects.create(run=run, name=name, number=number, rows=count)
    except UnicodeDecodeError as exc:
        raise BillFileError(f"the part is not UTF-8 text ({exc.reason})", part=name) from exc
    except csv.Error as exc:
        raise BillFileError(f"not valid CSV ({exc})", part=name, line=reader.line_num or None) from exc
    return count


# The raw SQL below is built only from table and column names of our own models; values are parameters.


def _duplicate_check(run: IngestRun) -> None:
    table = StagedLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT line_id FROM {table} WHERE run_id = %s GROUP BY line_id HAVING COUNT(*) > 1 LIMIT 1",  # noqa: S608
            [run.pk],
        )
        found = cursor.fetchone()
    if found:
        second = StagedLine.objects.filter(run_id=run.pk, line_id=found[0]).order_by("part", "line_number")[1]
        part = run.parts.get(number=second.part).name
        raise BillFileError(
            f"Line ID {found[0]} appears more than once in the file", part=part, line=second.line_number
        )


def _differs_sql(alias_staged: str, alias_line: str) -> str:
    # Every column is NOT NULL, so plain equality is enough (and works on every database).
    same = " AND ".join(f"{alias_line}.{field} = {alias_staged}.{field}" for field in LINE_FIELDS)
    return f"NOT ({same})"


def _merge(run: IngestRun) -> int:
    """Upsert the run's staged lines into BillLine in the caller's transaction; the rows changed.

    Only new or changed lines are written (a re-run writes nothing). The staged rows are joined to
    the lines on the unique (cycle, Line ID) alone, so the planner uses that index or a hash join.
    """
    staged, lines = StagedLine._meta.db_table, BillLine._meta.db_table
    first_load = not BillLine.objects.filter(cycle=run.cycle).exists()
    if first_load:
        source = f"FROM {staged} s WHERE s.run_id = %s"
    else:
        source = (
            f"FROM {staged} s LEFT JOIN {lines} b ON b.cycle = s.cycle AND b.line_id = s.line_id "  # noqa: S608
            f"WHERE s.run_id = %s AND (b.id IS NULL OR {_differs_sql('s', 'b')})"
        )
    changed = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fresh statistics: without them the planner takes the staging table for a few rows.
            cursor.execute(f"ANALYZE {staged}")
        if not first_load:
            # Lines the file no longer has (a corrected file was delivered): gone with it.
            cursor.execute(
                f"DELETE FROM {lines} WHERE cycle = %s AND NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM {staged} s WHERE s.run_id = %s AND s.line_id = {lines}.line_id)",
                [run.cycle, run.pk],
            )
            changed += cursor.rowcount
        if connection.vendor == "postgresql":
            columns = ", ".join(LINE_FIELDS)
            updates = ", ".join(f"{field} = EXCLUDED.{field}" for field in LINE_FIELDS)
            cursor.execute(
                f"INSERT INTO {lines} ({columns}) SELECT {', '.join(f's.{f}' for f in LINE_FIELDS)} {source} "  # noqa: S608
                f"ON CONFLICT (cycle, line_id) DO UPDATE SET {updates}, rated_amount = NULL, rule_id = NULL",
                [run.pk],
            )
            return changed + cursor.rowcount
        # Fallback: only new or changed lines, read in batches and upserted with bulk_create.
        cursor.execute(f"SELECT {', '.join(f's.{f}' for f in LINE_FIELDS)} {source}", [run.pk])  # noqa: S608
        while rows := cursor.fetchmany(BATCH):
            batch = [_line(values) for values in rows]
            changed += _upsert(batch)
    return changed


_LINE_FIELD_OBJECTS = [BillLine._meta.get_field(name) for name in LINE_FIELDS]


def _line(values: tuple) -> BillLine:
    # Raw values from the database: let each field turn them into Python values (SQLite gives text
    # dates and float-ish decimals).
    return BillLine(**{f.attname: f.to_python(v) for f, v in zip(_LINE_FIELD_OBJECTS, values, strict=True)})


def _upsert(batch: list[BillLine]) -> int:
    BillLine.objects.bulk_create(
        batch,
        update_conflicts=True,
        unique_fields=["cycle", "line_id"],
        update_fields=[*[f for f in LINE_FIELDS if f not in ("cycle", "line_id")], "rated_amount", "rule_id"],
    )
    count = len(batch)
    batch.clear()
    return count


def _finish(run: IngestRun, **fields) -> IngestRun:
    fields.setdefault("finished_at", timezone.now())
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=[*fields, "updated_at"])
    return run


def ingest(
    *,
    cycle: str,
    chunks: Iterable[bytes],
    started_by=None,
    source: str = "",
    bytes_total: int | None = None,
    run: IngestRun | None = None,
) -> IngestRun:
    """Load `chunks` (the bytes of customerBill_YYYYMM.tar.gz) as the lines of `cycle`.

    Resumes the cycle's open run if there is one. Returns the run: SUCCEEDED, or FAILED with the
    reason (a bad file). Raises what the byte source raised when it failed mid-stream, with the
    run left INTERRUPTED (resumable).
    """
    run = run or _open_run(cycle=cycle, started_by=started_by, source=source)
    BillCycle.objects.get_or_create(cycle=cycle)
    staged = set(run.parts.values_list("name", flat=True))
    if bytes_total is not None and run.bytes_total != bytes_total:
        run.bytes_total = bytes_total
        run.save(update_fields=["bytes_total", "updated_at"])
    progress = {"bytes": run.bytes_read}

    def on_bytes(count: int) -> None:
        progress["bytes"] = count

    reader = _GunzipReader(chunks, on_bytes=on_bytes)
    part_name = ""
    try:
        try:
            archive = tarfile.open(fileobj=reader, mode="r|")  # noqa: SIM115 (closed by the with below)
        except tarfile.ReadError as exc:
            raise BillFileError(f"the file is not a tar.gz archive ({exc})") from exc
        seen = 0
        with archive:
            try:
                for member in archive:
                    part_name = member.name
                    if not member.isfile():
                        continue
                    match = PART_NAME.match(member.name)
                    if not match or match.group(1) != cycle.replace("-", ""):
                        raise BillFileError(f"unexpected file {member.name!r} in the archive")
                    seen += 1
                    if member.name in staged:
                        continue  # staged by an earlier attempt of this run
                    count = _stage_part(run, archive.extractfile(member), name=member.name, number=int(match.group(2)))
                    staged.add(member.name)
                    IngestRun.objects.filter(pk=run.pk).update(
                        parts_done=len(staged),
                        rows_done=F("rows_done") + count,
                        bytes_read=progress["bytes"],
                        updated_at=timezone.now(),
                    )
                part_name = ""
            except tarfile.ReadError as exc:
                raise BillFileError(f"the file is truncated or damaged ({exc})", part=part_name) from exc
        reader.finish()
        if not seen:
            raise BillFileError("the archive holds no CSV part")
        run.refresh_from_db()
        _duplicate_check(run)
        with transaction.atomic():
            changed = _merge(run)
            count = BillLine.objects.filter(cycle=cycle).count()
            bill_cycle = BillCycle.objects.select_for_update().get(cycle=cycle)
            bill_cycle.lines_final = True
            bill_cycle.line_count = count
            bill_cycle.ingested_at = timezone.now()
            update = ["lines_final", "line_count", "ingested_at"]
            if changed:
                bill_cycle.rated_at = None
                update.append("rated_at")
            bill_cycle.save(update_fields=update)
            StagedLine.objects.filter(run_id=run.pk).delete()
            _finish(
                run,
                status=IngestRun.Status.SUCCEEDED,
                error="",
                rows_changed=changed,
                bytes_read=progress["bytes"],
                parts_done=len(staged),
            )
        if connection.vendor == "postgresql":
            # A million new rows: fresh statistics for the rating and the exports that come next.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {BillLine._meta.db_table}")
        return run
    except BillFileError as exc:
        StagedLine.objects.filter(run_id=run.pk).delete()
        run.parts.all().delete()
        return _finish(
            run,
            status=IngestRun.Status.FAILED,
            error=exc.reason,
            error_part=exc.part or part_name,
            error_line=exc.line,
            bytes_read=progress["bytes"],
        )
    except _SourceFailed as exc:
        _finish(
            run,
            status=IngestRun.Status.INTERRUPTED,
            error=f"the download stopped: {exc}",
            bytes_read=progress["bytes"],
            finished_at=None,
        )
        raise exc.__cause__ from None
    except BaseException:
        # Anything else (a bug, the worker stopping): keep the staged parts for a resume.
        _finish(run, status=IngestRun.Status.INTERRUPTED, error="stopped unexpectedly", finished_at=None)
        raise


def obs_source(cycle: str) -> str:
    from huaweicloud import bills as gateway

    return f"obs://{settings.BILL_OBS_BUCKET}/{gateway.bill_file_key(cycle)}"


def ingest_from_obs(*, cycle: str, started_by=None) -> IngestRun:
    """Load the cycle's file from the partner's OBS bucket (`settings.BILL_OBS_BUCKET`).

    A missing file (not delivered yet) fails the run with that reason; OBS being unreachable raises
    CloudUnavailable with the run left INTERRUPTED, for a retry to resume.
    """
    from huaweicloud import bills as gateway
    from huaweicloud.errors import CloudRejected, CloudUnavailable

    key = gateway.bill_file_key(cycle)
    bucket = settings.BILL_OBS_BUCKET
    run = _open_run(cycle=cycle, started_by=started_by, source=obs_source(cycle))
    try:
        chunks = gateway.bill_file_chunks(cycle=cycle, bucket=bucket)
    except CloudRejected as exc:
        return _finish(
            run,
            status=IngestRun.Status.FAILED,
            error=f"the file {key} is missing from the bucket {bucket} ({exc.error_code or exc.status_code})",
        )
    except CloudUnavailable:
        _finish(run, status=IngestRun.Status.INTERRUPTED, error="OBS did not answer", finished_at=None)
        raise
    return ingest(cycle=cycle, chunks=chunks, run=run)
