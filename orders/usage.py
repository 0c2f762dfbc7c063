"""The customer's resource usage and fees of a month (reference 5.13), read live from HUAWEI CLOUD.

Records come from `list_customerself_resource_records` (as the customer): by cycle (one line per
resource and bill type) or by day. The page's totals are sums of those records, so they equal
HUAWEI CLOUD's to the cent; the month's total is also checked against the monthly sum.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from huaweicloud import bills as cloud_bills
from huaweicloud.bills import ResourceFeeRecord
from orders.resources import BILL_TIMEZONE, customer_ref

# bill_type of resource records (reference 5.13).
BILL_TYPES = {
    1: _("New purchase"),
    2: _("Renewal"),
    3: _("Change"),
    4: _("Refund"),
    5: _("Usage"),
    8: _("Auto-renewal"),
    9: _("Compensation"),
    12: _("Hourly billing"),
    14: _("Support plan"),
    15: _("Tax"),
    16: _("Adjustment"),
    17: _("Minimum spend"),
}
PAGE = 1000
# A customer with more lines than this in a month gets the CSV, not the page.
MAX_PAGE_RECORDS = 20_000
ZERO = Decimal("0")
BY_CYCLE, BY_DAY = "cycle", "day"
STATISTIC_TYPES = {BY_CYCLE: cloud_bills.BY_CYCLE, BY_DAY: cloud_bills.BY_DAY}
CSV_COLUMNS = (
    "bill_cycle",
    "bill_date",
    "service_type_code",
    "service",
    "resource_type",
    "region",
    "resource_id",
    "resource_name",
    "specification",
    "charge_mode",
    "bill_type",
    "usage",
    "usage_measure_id",
    "unit_price",
    "official_amount",
    "discount_amount",
    "amount",
    "cash_amount",
    "credit_amount",
    "coupon_amount",
    "order_id",
)


@dataclass(frozen=True, slots=True)
class ServiceTotal:
    code: str
    name: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class MonthUsage:
    cycle: str
    by: str
    records: tuple[ResourceFeeRecord, ...]
    truncated: bool
    total: Decimal
    services: tuple[ServiceTotal, ...]
    days: tuple[str, ...]  # every date of the month, YYYY-MM-DD
    daily: dict  # service code -> list of amounts, one per day
    daily_total: tuple[Decimal, ...]
    monthly_sum: Decimal | None  # HUAWEI CLOUD's monthly sum (consume_amount), for reconciliation
    currency: str


def month_days(cycle: str) -> tuple[str, ...]:
    year, month = (int(part) for part in cycle.split("-"))
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return tuple((first + timedelta(days=n)).isoformat() for n in range((following - first).days))


def recent_cycles(today: date, count: int = 12) -> list[str]:
    year, month = today.year, today.month
    cycles = []
    for _n in range(count):
        cycles.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return cycles


def today_in_bill_time(now) -> date:
    return now.astimezone(BILL_TIMEZONE).date()


def records_iter(
    *, customer: Customer, cycle: str, by: str = BY_CYCLE, service: str = "", limit: int | None = None
) -> Iterator[ResourceFeeRecord]:
    """The month's records, page by page (never all of them in memory for the CSV)."""
    ref = customer_ref(customer)
    offset = 0
    while True:
        page = cloud_bills.customer_resource_records(
            customer=ref,
            cycle=cycle,
            statistic_type=STATISTIC_TYPES[by],
            cloud_service_type=service or None,
            offset=offset,
            limit=PAGE,
        )
        yield from page.items
        offset += len(page.items)
        if not page.items or offset >= page.count or (limit is not None and offset >= limit):
            return


def month_usage(*, customer: Customer, cycle: str, by: str = BY_CYCLE, service: str = "") -> MonthUsage:
    """Usage and fees of `cycle`: the table's records (`by` cycle or day), totals per service, and the
    spend of each day per service for the chart. Raises CloudError."""
    days = month_days(cycle)
    day_index = {day: n for n, day in enumerate(days)}
    daily: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * len(days))
    names: dict[str, str] = {}
    day_records = list(records_iter(customer=customer, cycle=cycle, by=BY_DAY, service=service, limit=MAX_PAGE_RECORDS))
    for record in day_records:
        names[record.cloud_service_type] = record.cloud_service_type_name or record.cloud_service_type
        index = day_index.get(record.bill_date)
        if index is not None:
            daily[record.cloud_service_type][index] += record.amount
    if by == BY_DAY:
        records = day_records
    else:
        records = list(
            records_iter(customer=customer, cycle=cycle, by=BY_CYCLE, service=service, limit=MAX_PAGE_RECORDS)
        )
    per_service: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for record in records:
        names.setdefault(record.cloud_service_type, record.cloud_service_type_name or record.cloud_service_type)
        per_service[record.cloud_service_type] += record.amount
    total = sum(per_service.values(), ZERO)
    monthly = cloud_bills.customer_monthly_sum(
        customer=customer_ref(customer), cycle=cycle, service_type_code=service or None, limit=1
    )
    return MonthUsage(
        cycle=cycle,
        by=by,
        records=tuple(records),
        truncated=len(records) >= MAX_PAGE_RECORDS,
        total=total,
        services=tuple(
            ServiceTotal(code=code, name=names.get(code, code), amount=amount)
            for code, amount in sorted(per_service.items(), key=lambda item: -item[1])
        ),
        days=days,
        daily=dict(daily),
        daily_total=tuple(sum(column, ZERO) for column in zip(*daily.values(), strict=True))
        if daily
        else tuple(ZERO for _ in days),
        monthly_sum=monthly.consume_amount,
        currency=monthly.currency,
    )


def chart_data(usage: MonthUsage) -> dict:
    """What static/js/usage.js draws: days on the x axis, one stacked series per service."""
    names = {service.code: service.name for service in usage.services}
    return {
        "labels": [day[-2:] for day in usage.days],
        "currency": usage.currency,
        "series": [
            {"code": code, "name": names.get(code, code), "data": [float(amount) for amount in amounts]}
            for code, amounts in sorted(usage.daily.items(), key=lambda item: -sum(item[1]))
        ],
        "services": [{"name": s.name, "amount": float(s.amount)} for s in usage.services],
    }


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell starting like a formula would run in a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def csv_lines(*, customer: Customer, cycle: str, by: str = BY_CYCLE, service: str = "") -> Iterator[str]:
    """The month's records as CSV lines, fetched a page at a time while the response streams."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for r in records_iter(customer=customer, cycle=cycle, by=by, service=service):
        yield writer.writerow(
            _cell(value)
            for value in (
                cycle,
                r.bill_date,
                r.cloud_service_type,
                r.cloud_service_type_name,
                r.resource_type_name,
                r.region,
                r.resource_id,
                r.resource_name,
                r.product_spec_desc,
                r.charge_mode,
                r.bill_type,
                r.usage,
                r.usage_measure_id,
                r.unit_price,
                r.official_amount,
                r.discount_amount,
                r.amount,
                r.cash_amount,
                r.credit_amount,
                r.coupon_amount,
                r.order_id,
            )
        )
