"""How fast the sandbox answers a customer's bill records of the open cycle, against a closed one.

Starts a sandbox on a temporary database, moves its clock to the last evening of the month (the whole
month shown so far: the worst case), opens the current cycle again so that its biggest customer has
`--lines` generated lines (`POST /_sandbox/bills/open`), and times the customer-bill calls as that
customer through the official SDK: list_customerself_resource_records (first page of 1,000, per
statistic type), list_customerself_resource_record_details and show_customer_monthly_sum (the open
cycle adds them up per request). Then the same cycle once closed, for comparison.

    .venv/bin/python bench/open_cycle.py [--lines 50000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_DIR))


def timed(call, repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def calls(client, cycle: str) -> dict:
    from huaweicloudsdkbssintl.v2 import (
        ListCustomerselfResourceRecordDetailsRequest,
        ListCustomerselfResourceRecordsRequest,
        QueryResRecordsDetailReq,
        ShowCustomerMonthlySumRequest,
    )

    def records(statistic_type):
        return lambda: client.list_customerself_resource_records(
            ListCustomerselfResourceRecordsRequest(cycle=cycle, statistic_type=statistic_type, limit=1000)
        )

    return {
        "records, detail (3)": records(3),
        "records, by day (2)": records(2),
        "records, by cycle (1)": records(1),
        "record details": lambda: client.list_customerself_resource_record_details(
            ListCustomerselfResourceRecordDetailsRequest(body=QueryResRecordsDetailReq(cycle=cycle, limit=1000))
        ),
        "monthly sum": lambda: client.show_customer_monthly_sum(
            ShowCustomerMonthlySumRequest(bill_cycle=cycle, limit=1000)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=50_000, help="generated lines of the biggest customer")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from sandbox.bills import generator
    from tests.sandbox_server import SandboxClient, run_sandbox

    with tempfile.TemporaryDirectory(prefix="bench-open-cycle-") as directory, run_sandbox(Path(directory)) as sandbox:
        client = SandboxClient(sandbox.url)
        client.reset()
        client.config(throttling=False)
        now = datetime.strptime(client.clock()["now"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        cycle = generator.cycle_of(now)
        last_evening = generator.ends_at(cycle) - timedelta(hours=1)
        client.advance_clock(seconds=max(0.0, (last_evening - now).total_seconds()))

        def reopen(lines: int) -> dict:
            response = client.http.post(f"{sandbox.url}/_sandbox/bills/open", json={"lines": lines}, timeout=60)
            response.raise_for_status()
            return response.json()

        # The shares' weights do not depend on the number of lines: scale it so the biggest gets --lines.
        probe = reopen(100_000)["largest_shares"][0]["lines"]
        opened = reopen(math.ceil(args.lines * 100_000 / probe))
        biggest = opened["largest_shares"][0]
        customer = client.customer_client(biggest["account_name"])
        open_times = {name: timed(call, args.repeat) for name, call in calls(customer, cycle).items()}

        # Past the 5th noon the same cycle is closed: its file and sums are written, its records regenerated.
        client.advance_clock(seconds=(generator.closes_at(cycle) - last_evening).total_seconds() + 60)
        customer = client.customer_client(biggest["account_name"])  # a fresh token on the moved clock
        closed_times = {name: timed(call, args.repeat) for name, call in calls(customer, cycle).items()}

    print(
        f"Open-cycle records on {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores;"
    )
    print(
        f"{biggest['account_name']}: {biggest['lines']:,} generated lines in {cycle} (all days shown), "
        f"median of {args.repeat} requests through the SDK, seconds"
    )
    print(f"{'call':<24}{'open cycle':>12}{'closed cycle':>14}")
    for name, seconds in open_times.items():
        print(f"{name:<24}{seconds:>12.3f}{closed_times[name]:>14.3f}")


if __name__ == "__main__":
    main()
