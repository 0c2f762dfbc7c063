"""Rating of a loaded cycle (one UPDATE with the rules as CASE): wall time, rows per second, peak RSS.

    DATABASE_URL=... .venv/bin/python bench/rating.py --cycle 2026-09

Creates a small price policy first (default markup, a service discount, two customer rules) when the
database has no rule. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import django_setup, rss_mib  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycle", required=True)
    args = parser.parse_args()
    django_setup()
    from django.db import connection

    from billing import services
    from billing.models import BillLine, RatingRule

    if not RatingRule.objects.exists():
        start = date(2020, 1, 1)
        customers = list(BillLine.objects.filter(cycle=args.cycle).values_list("customer_id", flat=True).distinct()[:2])
        RatingRule.objects.create(percent=Decimal("8.5"), valid_from=start)
        RatingRule.objects.create(percent=Decimal("-4"), service_type_code="hws.service.type.ec2", valid_from=start)
        for customer_id in customers:
            RatingRule.objects.create(percent=Decimal("12.25"), customer_id=customer_id, valid_from=start)
    connection.ensure_connection()
    before = rss_mib()
    started = time.perf_counter()
    rows = services.cycle_rate(cycle=args.cycle)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "step": "rating",
                "rows": rows,
                "seconds": seconds,
                "rows_per_second": rows / seconds,
                "peak_rss_mib": rss_mib(),
                "rss_before_mib": before,
                "database": connection.vendor,
            }
        )
    )


if __name__ == "__main__":
    main()
