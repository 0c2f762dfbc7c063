"""Exports of a cycle's lines: CSV (as the streaming view produces it) and XLSX (as the worker builds it).

    DATABASE_URL=... .venv/bin/python bench/exports.py --cycle 2026-09 --format csv|xlsx

CSV: time to the first chunk (the header and the first rows), rows per second, peak RSS; the text is
counted and dropped, as a response sent to the client would be. XLSX: the file is built in a
temporary folder (xlsxwriter constant_memory) and deleted. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import django_setup, rss_mib  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycle", required=True)
    parser.add_argument("--format", choices=["csv", "xlsx"], required=True)
    args = parser.parse_args()
    django_setup()
    from django.db import connection, transaction

    from billing import exports

    connection.ensure_connection()
    before = rss_mib()
    figures = {"step": f"export {args.format}", "database": connection.vendor}
    started = time.perf_counter()
    if args.format == "csv":
        rows = size = 0
        first = first_rows = None
        # The view streams outside a transaction; a server-side cursor needs one on PostgreSQL
        # only when not autocommit, which Django handles (WITH HOLD). Same here.
        for chunk in exports.csv_stream("lines", args.cycle):
            if first is None:
                first = time.perf_counter() - started  # the header
            elif first_rows is None:
                first_rows = time.perf_counter() - started  # the first 1,000 rows, after the query
            rows += chunk.count("\n")
            size += len(chunk)
        rows -= 1  # the header
        figures.update(first_byte_seconds=first, first_rows_seconds=first_rows, bytes=size)
    else:
        with transaction.atomic():
            path = exports.build_xlsx("lines", args.cycle)
        figures["bytes"] = os.path.getsize(path)
        os.unlink(path)
        from billing.models import BillLine

        rows = BillLine.objects.filter(cycle=args.cycle).count()
    seconds = time.perf_counter() - started
    figures.update(
        rows=rows, seconds=seconds, rows_per_second=rows / seconds, peak_rss_mib=rss_mib(), rss_before_mib=before
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
