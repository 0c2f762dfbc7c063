"""How long the sandbox takes to generate a partner bill, and how much memory it needs.

Generates customerBill_YYYYMM.tar.gz (CSV parts of 100,000 rows) plus the bill's aggregates into a
temporary SQLite database and bucket folder, for 100,000 and 1,000,000 lines over 100 synthetic
customers (empty world); each size in its own process so that its peak RSS is its own.

    .venv/bin/python bench/bill_generate.py [--lines 1000000] [--customers 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent


def child(lines: int, customers: int, directory: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    os.environ["SANDBOX_DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    sys.path.insert(0, str(REPO_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    from sandbox import services as core_services
    from sandbox.bills import services
    from sandbox.models import Partner

    call_command("migrate", interactive=False, verbosity=0)
    core_services.world_load(world="empty")
    partner = Partner.objects.get()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = services.bill_generate(partner=partner, cycle="2026-10", customers=customers, lines=lines, seed=42)
    seconds = time.perf_counter() - started
    bill = result.bill_cycle
    print(
        json.dumps(
            {
                "lines": bill.line_count,
                "customers": result.customer_count,
                "parts": bill.part_count,
                "seconds": seconds,
                "file_bytes": bill.object_size,
                "rss_before_kib": before,
                "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100, help="synthetic customers beside the partner's own")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--directory", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.lines, args.customers, args.directory)
        return

    print(f"Bill generation on {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores,")
    print("SQLite in a temporary folder, CSV parts of 100,000 rows in a gzip tar (level 1).")
    for lines in sorted({min(100_000, args.lines), args.lines}):
        with tempfile.TemporaryDirectory(prefix="bench-bills-") as directory:
            output = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    "--lines",
                    str(lines),
                    "--customers",
                    str(args.customers),
                    "--directory",
                    directory,
                ],
                check=True,
                capture_output=True,
                text=True,
                cwd=REPO_DIR,
                timeout=600,
            ).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        print(
            f"{figures['lines']:>9,} lines, {figures['customers']} customers, {figures['parts']} parts: "
            f"{figures['seconds']:.1f} s ({figures['lines'] / figures['seconds']:,.0f} lines/s), "
            f"file {figures['file_bytes'] / 2**20:.1f} MiB, peak RSS {figures['peak_rss_kib'] / 1024:.0f} MiB "
            f"(after setup {figures['rss_before_kib'] / 1024:.0f} MiB)"
        )


if __name__ == "__main__":
    main()
