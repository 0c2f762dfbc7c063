"""Ingest of a cycle's bill file from the sandbox's OBS: wall time, rows per second, peak RSS.

Run by bench/run_all.py (which starts the sandbox, generates the file and makes the database), or
alone against a prepared database and a running sandbox:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/partner_portal_bench \\
        .venv/bin/python bench/ingest.py --cycle 2026-09 --sandbox http://127.0.0.1:PORT

Prints one JSON line: {"step", "rows", "seconds", "rows_per_second", "peak_rss_mib", "rss_before_mib", ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent


def django_setup(sandbox: str | None = None) -> None:
    sys.path.insert(0, str(REPO_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_portal.settings")
    os.environ["DJANGO_DEBUG"] = "false"  # no query log growing in memory
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + "x" * 50)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("PARTNER_PORTAL_TESTING", "1")  # development defaults for the rest
    if sandbox:
        os.environ["SANDBOX_URL"] = sandbox
        os.environ["BILL_OBS_ENDPOINT"] = f"{sandbox}/obs"
        for name in ("BSS", "OSM", "IAM"):
            os.environ[f"HUAWEICLOUD_{name}_ENDPOINT"] = sandbox
    import django

    django.setup()


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycle", required=True)
    parser.add_argument("--sandbox", required=True)
    args = parser.parse_args()
    django_setup(args.sandbox)
    from django.db import connection

    from billing import ingest

    connection.ensure_connection()
    before = rss_mib()
    started = time.perf_counter()
    run = ingest.ingest_from_obs(cycle=args.cycle)
    seconds = time.perf_counter() - started
    if run.status != "succeeded":
        raise SystemExit(f"ingest {run.status}: {run.error_part} {run.error_line} {run.error}")
    print(
        json.dumps(
            {
                "step": "ingest",
                "rows": run.rows_done,
                "seconds": seconds,
                "rows_per_second": run.rows_done / seconds,
                "peak_rss_mib": rss_mib(),
                "rss_before_mib": before,
                "parts": run.parts_done,
                "bytes": run.bytes_read,
                "database": connection.vendor,
            }
        )
    )


if __name__ == "__main__":
    main()
