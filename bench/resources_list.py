"""The customer's resources page (/resources/) with 10 and 1,000 resources: queries and time per request.

Runs against a throw-away SQLite test database (Django's test runner machinery), nothing else.

    .venv/bin/python bench/resources_list.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_portal.settings")
os.environ.setdefault("PARTNER_PORTAL_TESTING", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

REPEAT = 20


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, serialize=False)
    try:
        from tests.factories import CustomerFactory
        from tests.orders.test_resources_queries import _resources

        for count in (10, 1000):
            customer = CustomerFactory()
            _resources(customer, count)
            client = Client()
            client.force_login(customer.user)
            client.get("/resources/")  # templates compiled, caches warm
            times = []
            for _ in range(REPEAT):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get("/resources/")
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200
            print(
                f"/resources/ with {count} resources ({count // 2} main + {count // 2} attached, 100 main per page), "
                f"SQLite, {os.cpu_count()} cores: {len(queries)} queries, median {statistics.median(times) * 1000:.1f} ms, "
                f"max {max(times) * 1000:.1f} ms over {REPEAT} requests"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
