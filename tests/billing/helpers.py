"""Bill files for tests: good ones from the sandbox's own generator, bad ones built by hand."""

from __future__ import annotations

import csv
import io
import tarfile
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from billing import ingest, services
from billing.models import BillLine, CustomerBill, RatingRule
from sandbox.bills import generator

CYCLE = "2026-09"
CUSTOMERS = (
    ("c1" * 16, "alpha-co", "Alpha Co"),
    ("c2" * 16, "beta-co", "Beta Co"),
)


def good_file(*, lines: int = 900, part_rows: int = 250, cycle: str = CYCLE, seed: int = 3) -> bytes:
    """A valid customerBill_YYYYMM.tar.gz (several parts, refunds, adjustments, all charge modes)."""
    shares = [
        generator.CustomerShare(ordinal=i, customer_id=cid, account_name=name, customer_name=title, line_count=count)
        for i, ((cid, name, title), count) in enumerate(
            zip(CUSTOMERS, (lines * 2 // 3, lines - lines * 2 // 3), strict=True), 1
        )
    ]

    def all_lines():
        for share in shares:
            yield from generator.customer_lines(seed=seed, cycle=cycle, partner_id="p" * 32, share=share)

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / generator.object_key(cycle).split("/")[-1]
        generator.write_bill_file(path=path, cycle=cycle, lines=all_lines(), part_rows=part_rows)
        return path.read_bytes()


def file_parts(data: bytes) -> list[tuple[str, list[list[str]]]]:
    """The CSV parts of a file, as (name, rows with header)."""
    parts = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            text = archive.extractfile(member).read().decode()
            parts.append((member.name, list(csv.reader(io.StringIO(text)))))
    return parts


def build_file(parts: list[tuple[str, list[list[str]]]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, rows in parts:
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(rows)
            raw = text.getvalue().encode()
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


def chunks(data: bytes, size: int = 4096, *, fail_after: int | None = None, error: Exception | None = None):
    """The file in chunks, like OBS gives it; `fail_after` bytes then `error` (a broken download)."""
    sent = 0
    for start in range(0, len(data), size):
        if fail_after is not None and sent >= fail_after:
            raise error or ConnectionError("connection reset by peer")
        chunk = data[start : start + size]
        sent += len(chunk)
        yield chunk


def snapshot(cycle: str = CYCLE) -> list[tuple]:
    """Every line of the cycle, every field but the primary key."""
    fields = [f.name for f in BillLine._meta.fields if f.name != "id"]
    return list(BillLine.objects.filter(cycle=cycle).order_by("line_id").values_list(*fields))


def make_drafts(*, lines: int = 600):
    """The cycle's file loaded, rated +10 % and drafted: one draft bill per customer of CUSTOMERS."""
    ingest.ingest(cycle=CYCLE, chunks=chunks(good_file(lines=lines, part_rows=lines)))
    RatingRule.objects.create(percent=Decimal("10"), valid_from=date(2026, 1, 1))
    services.cycle_rate(cycle=CYCLE)
    services.customer_bills_draft(cycle=CYCLE)
    return CustomerBill.objects.filter(cycle=CYCLE)
