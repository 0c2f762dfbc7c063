"""Finance at scale: generate a month of bill lines in the sandbox, then measure ingest, rating, CSV and
XLSX export, each in its own process (so each peak RSS is its own), and print a table.

    .venv/bin/python bench/run_all.py [--lines 1000000] [--small 100000] [--customers 100]
        [--database postgres://postgres@127.0.0.1:5432/partner_portal_bench]

The database is dropped and made anew (PostgreSQL: `<name>`; a sqlite:/// URL works too), migrated,
and left for a look afterwards. The sandbox runs on a free port with its own temporary folder.
Targets (issue): ingest 1M < 60 s with peak RSS < 300 MB, the same peak for the small and the large
file; rating 1M < 30 s; CSV > 50,000 rows/s, first byte < 1 s, flat memory; XLSX 1M < 4 min, RSS < 250 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

REPO_DIR = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO_DIR))


def make_database(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme.startswith("postgres"):
        import psycopg

        name = parsed.path.lstrip("/")
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    elif parsed.scheme == "sqlite":
        Path(parsed.path).unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": url, "PARTNER_PORTAL_TESTING": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO_DIR, env=env, check=True)


def child(script: str, *args: str, database: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database}
    output = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        cwd=REPO_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/partner_portal_bench")
    args = parser.parse_args()
    from tests.sandbox_server import SandboxClient, run_sandbox

    make_database(args.database)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-finance-") as directory, run_sandbox(Path(directory)) as sandbox:
        client = SandboxClient(sandbox.url)
        client.reset()
        cycles = {"2026-08": args.small, "2026-09": args.lines} if args.small else {"2026-09": args.lines}
        for cycle, lines in cycles.items():
            started = time.perf_counter()
            response = client.http.post(
                f"{sandbox.url}/_sandbox/bills/generate",
                json={"cycle": cycle, "customers": args.customers, "lines": lines, "seed": 42},
                timeout=900,
            )
            response.raise_for_status()
            generated = response.json()
            print(
                f"generated {cycle}: {generated['lines']:,} lines, {generated['parts']} parts, "
                f"{generated['size'] / 2**20:.1f} MiB in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            results.append(child("ingest.py", "--cycle", cycle, "--sandbox", sandbox.url, database=args.database))
            print(json.dumps(results[-1]), flush=True)
    large = "2026-09"
    for script, extra in (("rating.py", []), ("exports.py", ["--format", "csv"]), ("exports.py", ["--format", "xlsx"])):
        results.append(child(script, "--cycle", large, *extra, database=args.database))
        print(json.dumps(results[-1]), flush=True)

    vendor = results[0]["database"]
    print()
    print(
        f"Finance bench on {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, {vendor}, {args.customers} synthetic customers + the demo ones"
    )
    print(f"{'step':<14}{'rows':>11}{'seconds':>10}{'rows/s':>11}{'peak RSS MiB':>14}{'first rows s':>14}")
    for r in results:
        first = f"{r['first_rows_seconds']:.3f}" if "first_rows_seconds" in r else ""
        print(
            f"{r['step']:<14}{r['rows']:>11,}{r['seconds']:>10.1f}{r['rows_per_second']:>11,.0f}"
            f"{r['peak_rss_mib']:>14.0f}{first:>14}"
        )


if __name__ == "__main__":
    main()
