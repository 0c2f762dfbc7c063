"""Ticket discovery (tickets.services.tickets_discover) of a customer with N tickets raised in the console.

Starts the sandbox on a free port (demo world) and a throw-away SQLite test database, creates N - 4
tickets for demo-customer with its own identity (the demo world has 4), then times the first
discovery (every ticket new: one list call per 100, one detail call each, under the gateway's rate
limit of OSM calls) and a second run (nothing new: list calls only), with their SQL query counts.

    .venv/bin/python bench/tickets_discover.py [--tickets 100 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_portal.settings")
os.environ.setdefault("PARTNER_PORTAL_TESTING", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def measure(label: str, customer, sandbox) -> None:
    from tickets import services

    sandbox.clear_requests()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        counts = services.tickets_discover(customer=customer)
        seconds = time.perf_counter() - started
    calls = {op: len(sandbox.requests(op)) for op in ("list_cases", "show_case_detail")}
    print(
        f"  {label}: {seconds:.1f} s, found {counts['found']}, known {counts['known']}, "
        f"list_cases {calls['list_cases']}, show_case_detail {calls['show_case_detail']}, "
        f"{len(queries)} SQL queries"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, nargs="+", default=[100, 200])
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, serialize=False)
    settings.DEBUG = False
    try:
        from huaweicloud import clients
        from tests.factories import CustomerFactory
        from tests.sandbox_server import DEMO_CUSTOMER, SandboxClient, run_sandbox
        from tests.sandbox_tickets_helpers import console_ticket
        from tickets.models import Ticket, TicketDiscovery, TicketMessage

        with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as directory, run_sandbox(Path(directory)) as process:
            sandbox = SandboxClient(process.url)
            settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "OSM_ENDPOINT": process.url, "IAM_ENDPOINT": process.url}
            customer = CustomerFactory(
                account_name=DEMO_CUSTOMER["account_name"],
                xaccount_id=DEMO_CUSTOMER["xaccount_id"],
                customer_id=DEMO_CUSTOMER["customer_id"],
                email=DEMO_CUSTOMER["email"],
            )
            share = settings.HUAWEICLOUD["RATE_LIMIT_SHARE"]
            print(f"SQLite, sandbox on 127.0.0.1, {os.cpu_count()} cores, OSM rate limit share {share}:")
            for total in args.tickets:
                sandbox.reset()
                cache.clear()
                clients.reset_clients()
                Ticket.objects.all().delete()
                TicketDiscovery.objects.all().delete()
                sandbox.config(throttling=False)  # creating them is not what is measured
                for n in range(total - 4):
                    console_ticket(sandbox, f"Question {n}", account_name=DEMO_CUSTOMER["account_name"])
                sandbox.config(throttling=True)
                print(f"{total} tickets of one customer:")
                measure("first run", customer, sandbox)
                assert Ticket.objects.filter(customer=customer).count() == total
                messages = TicketMessage.objects.count()
                TicketDiscovery.objects.update(covered_until=None)  # the worst case: the whole list again
                measure("second run without cursor", customer, sandbox)
                measure("second run with cursor", customer, sandbox)
                assert TicketMessage.objects.count() == messages
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
