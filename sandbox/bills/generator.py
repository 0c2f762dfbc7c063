"""Deterministic bill lines, the customerBill_YYYYMM.tar.gz file, and the bill's totals.

One customer's lines of a cycle are a pure function of (seed, cycle, customer id, ordinal, line count):
`customer_lines()` yields them in bill-date order. The file writer and the customer operations call the
same function, so the file, the partner bill, the monthly sums and the resource records agree to the
cent. Money is kept in integer cents (unit prices in 1/10,000 USD, usage in 1/100 units) and turned
into 2-decimal `Decimal`s at the edges: sums are exact.

Bill types of a line (reference 5.13): consumption 1 new purchase, 2 renewal, 5 usage, 8 auto-renewal,
12 hourly billing; refund 4 unsubscription (negative amounts); adjustment 9 compensation (negative) and
16 deduction (positive). `bill_type_kind()` maps them to the 1/2/3 of show_customer_monthly_sum.
Charging modes: 1 yearly/monthly, 3 pay-per-use, 10 reserved instance, 11 savings plan.
"""

from __future__ import annotations

import calendar
import csv
import gzip
import hashlib
import heapq
import itertools
import os
import random
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

BEIJING = timezone(timedelta(hours=8))
CURRENCY = "USD"
PART_ROWS = 100_000

REFUND_TYPES = frozenset({4, 20, 24})
ADJUSTMENT_TYPES = frozenset({9, 16, 101, 102})

# Header of every CSV part; one row per line. Names follow Partner Center's "partner bill fields"
# (reference 5.15); the real file's header was not retrievable, so this one is the sandbox's.
CSV_HEADER = (
    "Line ID",
    "Customer ID",
    "Account Name",
    "Customer Name",
    "Partner ID",
    "Billing Cycle",
    "Bill Date",
    "Bill Type",
    "Billing Mode",
    "Service Type Code",
    "Service Type Name",
    "Resource Type Code",
    "Resource Type Name",
    "Region",
    "Resource ID",
    "Resource Name",
    "Specifications",
    "Trade ID",
    "Usage",
    "Usage Unit",
    "Unit Price",
    "Unit Price Unit",
    "Official Amount",
    "Discount Amount",
    "Truncated Amount",
    "Consume Amount",
    "Cash Amount",
    "Credit Amount",
    "Coupon Amount",
    "Currency",
)


@dataclass(frozen=True)
class ServiceItem:
    service_type_code: str
    service_type_name: str
    resource_type_code: str
    resource_type_name: str
    name_prefix: str
    specs: tuple[str, ...]
    usage_unit: str  # of pay-per-use usage
    usage_measure_id: int  # Huawei measure unit id of that usage (4 hour, 10 GB)
    price_range: tuple[int, int]  # pay-per-use price per usage unit, in 1/10,000 USD
    modes: tuple[int, ...]  # charging modes this product is sold in, repeated for weight
    weight: int


CATALOG: tuple[ServiceItem, ...] = (
    ServiceItem(
        "hws.service.type.ec2",
        "Elastic Cloud Server",
        "hws.resource.type.vm",
        "ECS",
        "ecs",
        (
            "s6.large.2 | 2 vCPUs | 4 GiB | Linux",
            "c7.xlarge.2 | 4 vCPUs | 8 GiB | Linux",
            "m7.2xlarge.8 | 8 vCPUs | 64 GiB | Windows",
        ),
        "Hour",
        4,
        (420, 5200),
        (1, 1, 3, 3, 3, 10, 11),
        30,
    ),
    ServiceItem(
        "hws.service.type.ebs",
        "Elastic Volume Service",
        "hws.resource.type.volume",
        "EVS Disk",
        "evs",
        ("General Purpose SSD | 100 GB", "Ultra-high I/O | 500 GB", "High I/O | 40 GB"),
        "Hour",
        4,
        (70, 1400),
        (1, 3, 3),
        20,
    ),
    ServiceItem(
        "hws.service.type.vpc",
        "Virtual Private Cloud",
        "hws.resource.type.ip",
        "Elastic IP",
        "eip",
        ("Dynamic BGP | 1 IP",),
        "Hour",
        4,
        (40, 60),
        (1, 3),
        10,
    ),
    ServiceItem(
        "hws.service.type.vpc",
        "Virtual Private Cloud",
        "hws.resource.type.bandwidth",
        "Bandwidth",
        "bandwidth",
        ("Dedicated | 5 Mbit/s", "Dedicated | 20 Mbit/s", "Shared | 100 Mbit/s"),
        "GB",
        10,
        (800, 1200),
        (1, 3, 3),
        10,
    ),
    ServiceItem(
        "hws.service.type.obs",
        "Object Storage Service",
        "hws.resource.type.obs",
        "OBS Bucket",
        "bucket",
        ("Standard storage", "Infrequent Access storage"),
        "GB",
        10,
        (2, 25),
        (3,),
        10,
    ),
    ServiceItem(
        "hws.service.type.rds",
        "Relational Database Service",
        "hws.resource.type.rds.vm",
        "RDS DB Instance",
        "rds",
        ("MySQL 8.0 | rds.mysql.x1.large.2 | primary/standby", "PostgreSQL 15 | rds.pg.x1.xlarge.4 | single"),
        "Hour",
        4,
        (1800, 9600),
        (1, 1, 3, 10),
        10,
    ),
    ServiceItem(
        "hws.service.type.elb",
        "Elastic Load Balance",
        "hws.resource.type.elb",
        "Load Balancer",
        "elb",
        ("Dedicated | Small I | Network load balancing",),
        "Hour",
        4,
        (250, 900),
        (3,),
        5,
    ),
    ServiceItem(
        "hws.service.type.cdn",
        "Content Delivery Network",
        "hws.resource.type.cdn",
        "CDN Domain",
        "cdn",
        ("Traffic | Asia Pacific 1",),
        "GB",
        10,
        (400, 1200),
        (3,),
        5,
    ),
)
CATALOG_WEIGHTS = [item.weight for item in CATALOG]
_TYPE_NAMES = {
    (item.service_type_code, item.resource_type_code): (item.service_type_name, item.resource_type_name)
    for item in CATALOG
}


def type_names(service_type_code: str, resource_type_code: str) -> tuple[str, str] | None:
    """(service type name, resource type name) the generated lines use for this pair, if they know it: other
    line sources take the same names, so a monthly sum item has one name whoever made its lines."""
    return _TYPE_NAMES.get((service_type_code, resource_type_code))


REGIONS = {
    "ap-southeast-1": "CN-Hong Kong",
    "ap-southeast-2": "AP-Bangkok",
    "ap-southeast-3": "AP-Singapore",
    "ap-southeast-4": "AP-Jakarta",
    "af-south-1": "AF-Johannesburg",
    "la-south-2": "LA-Santiago",
    "sa-brazil-1": "LA-Sao Paulo1",
}
REGION_CODES = tuple(REGIONS)

# A yearly/monthly resource costs its hourly price for 730 hours with 20% off (per month).
HOURS_PER_MONTH = 730


class BillLine(NamedTuple):
    """One line of the bill file. Amounts in cents, `usage` in 1/100 units, `unit_price` in 1/10,000 USD."""

    line_id: str
    customer_id: str
    account_name: str
    customer_name: str
    partner_id: str
    cycle: str
    bill_date: str
    bill_type: int
    charge_mode: int
    service_type_code: str
    service_type_name: str
    resource_type_code: str
    resource_type_name: str
    region: str
    resource_id: str
    resource_name: str
    product_spec: str
    trade_id: str
    usage: int
    usage_unit: str
    unit_price: int
    price_unit: str
    official_amount: int
    discount_amount: int
    truncated_amount: int
    consume_amount: int
    cash_amount: int
    credit_amount: int
    coupon_amount: int


@dataclass(frozen=True)
class CustomerShare:
    """Which customer gets how many lines, and under which names (a BillCustomer row, without the DB)."""

    ordinal: int
    customer_id: str
    account_name: str
    customer_name: str
    line_count: int


def bill_type_kind(bill_type: int) -> int:
    """1 consumption, 2 refund, 3 adjustment: the bill_type of show_customer_monthly_sum."""
    if bill_type in REFUND_TYPES:
        return 2
    if bill_type in ADJUSTMENT_TYPES:
        return 3
    return 1


def cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def money_text(value: int) -> str:
    if value < 0:
        value = -value
        return f"-{value // 100}.{value % 100:02d}"
    return f"{value // 100}.{value % 100:02d}"


def price_text(value: int) -> str:
    return f"{value // 10000}.{value % 10000:04d}"


# --- cycles ---------------------------------------------------------------------------------------


def parse_cycle(cycle: str) -> tuple[int, int]:
    """(year, month) of a `YYYY-MM` cycle; ValueError if it is not one."""
    if len(cycle) != 7 or cycle[4] != "-" or not (cycle[:4] + cycle[5:]).isdigit():
        raise ValueError(f"a bill cycle is written YYYY-MM, not {cycle!r}")
    year, month = int(cycle[:4]), int(cycle[5:])
    if not 1 <= month <= 12 or year < 2000:
        raise ValueError(f"a bill cycle is written YYYY-MM, not {cycle!r}")
    return year, month


def cycle_of(moment: datetime) -> str:
    """The bill cycle (UTC+8) a moment falls in."""
    return moment.astimezone(BEIJING).strftime("%Y-%m")


def shift_cycle(cycle: str, months: int) -> str:
    year, month = parse_cycle(cycle)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def closes_at(cycle: str) -> datetime:
    """When a cycle's partner bill is out: 12:00 Beijing time on the 5th of the next month (reference 5.14)."""
    year, month = parse_cycle(shift_cycle(cycle, 1))
    return datetime(year, month, 5, 12, 0, tzinfo=BEIJING).astimezone(UTC)


def starts_at(cycle: str) -> datetime:
    """When a cycle begins: 00:00 Beijing time on its 1st."""
    year, month = parse_cycle(cycle)
    return datetime(year, month, 1, tzinfo=BEIJING).astimezone(UTC)


def ends_at(cycle: str) -> datetime:
    return starts_at(shift_cycle(cycle, 1))


def bill_day(moment: datetime) -> str:
    """The bill date (UTC+8, `YYYY-MM-DD`) a moment falls on."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d")


def latest_closed_cycle(moment: datetime) -> str:
    cycle = shift_cycle(cycle_of(moment), -1)
    return cycle if closes_at(cycle) <= moment else shift_cycle(cycle, -1)


def object_key(cycle: str) -> str:
    return f"customerBill/customerBill_{cycle.replace('-', '')}.tar.gz"


# --- lines ----------------------------------------------------------------------------------------


def share_lines(total: int, weights: list[float]) -> list[int]:
    """Split `total` lines over customers proportionally to `weights`, exactly (largest remainder)."""
    if not weights:
        return []
    weight_sum = sum(weights)
    raw = [total * w / weight_sum for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def customer_weights(*, seed: int, cycle: str, count: int) -> list[float]:
    """How big each customer's bill is, relative to the others (a few big spenders, many small ones)."""
    rng = random.Random(f"weights:{seed}:{cycle}")
    return [rng.paretovariate(1.5) for _ in range(count)]


@dataclass
class _Resource:
    item: ServiceItem
    charge_mode: int
    region: str
    resource_id: str
    resource_name: str
    spec: str
    price: int  # 1/10,000 USD per usage unit (pay-per-use) or per month (yearly/monthly)
    price_unit: str
    usage_unit: str
    order_id: str
    auto_renew: bool


def _resources(rng: random.Random, *, count: int, cycle_compact: str, ordinal: int) -> list[_Resource]:
    home = rng.choice(REGION_CODES)
    resources = []
    for index in range(count):
        item = rng.choices(CATALOG, CATALOG_WEIGHTS)[0]
        mode = rng.choice(item.modes)
        region = home if rng.random() < 0.7 else rng.choice(REGION_CODES)
        hourly = rng.randint(*item.price_range)
        if mode == 1:
            price = hourly * HOURS_PER_MONTH * 8 // 10
            price_unit, usage_unit = "USD/month", "Month"
        else:
            price = hourly
            price_unit, usage_unit = f"USD/{item.usage_unit}", item.usage_unit
        bits = rng.getrandbits(128)
        resource_id = f"{bits:032x}"
        resource_id = (
            f"{resource_id[:8]}-{resource_id[8:12]}-{resource_id[12:16]}-{resource_id[16:20]}-{resource_id[20:]}"
        )
        resources.append(
            _Resource(
                item=item,
                charge_mode=mode,
                region=region,
                resource_id=resource_id,
                resource_name=f"{item.name_prefix}-{ordinal:04d}-{index + 1:03d}",
                spec=rng.choice(item.specs),
                price=price,
                price_unit=price_unit,
                usage_unit=usage_unit,
                order_id=f"CS{cycle_compact[2:]}{ordinal % 10000:04d}{index:04d}{bits % 1000:03d}",
                auto_renew=rng.random() < 0.5,
            )
        )
    return resources


def customer_lines(*, seed: int, cycle: str, partner_id: str, share: CustomerShare) -> Iterator[BillLine]:
    """The customer's lines of the cycle, in bill-date order. Same arguments, same lines, always."""
    lines = share.line_count
    if lines <= 0:
        return
    year, month = parse_cycle(cycle)
    days = calendar.monthrange(year, month)[1]
    compact = cycle.replace("-", "")
    rng = random.Random(f"lines:{seed}:{cycle}:{share.customer_id}")
    random_ = rng.random
    resource_count = max(1, min(400, (lines + 19) // 20))
    rounds = (lines + resource_count - 1) // resource_count
    discount_pct = rng.choice((0, 0, 5, 10, 15))
    credit_share = rng.choice((0.0, 0.0, 0.3, 0.8))
    coupon_share = rng.choice((0.0, 0.03, 0.1))
    resources = _resources(rng, count=resource_count, cycle_compact=compact, ordinal=share.ordinal)
    dates = [f"{cycle}-{day:02d}" for day in range(1, days + 1)]
    prefix = f"{compact}{share.ordinal:05d}"
    customer_id, account_name, customer_name = share.customer_id, share.account_name, share.customer_name

    for i in range(lines):
        res = resources[i % resource_count]
        round_ = i // resource_count
        bill_date = dates[round_ * days // rounds]
        mode = res.charge_mode
        unit_price = res.price
        u = random_()
        if u < 0.02 or (mode == 1 and u < 0.03):
            # Adjustment: a compensation (negative) or a deduction (positive), paid in cash.
            amount = 50 + int(random_() * 5000)
            if random_() < 0.6:
                bill_type, amount = 9, -amount
            else:
                bill_type = 16
            usage = unit_price = discount = truncated = 0
            official = consume = cash = amount
            credit = coupon = 0
            trade_id = f"AJ{prefix}{i:07d}"
        elif mode == 1 and u < 0.12:
            # Unsubscription: part of a month back, refunded to cash.
            official = -((unit_price * (10 + int(random_() * 90)) + 5000) // 10000)
            discount = -((-official) * discount_pct // 100)
            truncated = 0
            consume = cash = official - discount
            credit = coupon = usage = 0
            bill_type = 4
            trade_id = f"{res.order_id}R"
        else:
            if mode == 1:
                bill_type = 1 if round_ == 0 else (8 if res.auto_renew else 2)
                usage = 100
                trade_id = res.order_id if round_ == 0 else f"{res.order_id}{round_ % 100:02d}"
            else:
                bill_type = 12 if mode == 10 else 5
                usage = 1 + int(random_() * 2400)
                trade_id = f"RV{prefix}{i:07d}"
            official = (usage * unit_price + 5000) // 10000
            discount = official * discount_pct // 100
            payable = official - discount
            # Yearly/monthly orders drop the cents below a dime (the "truncated" amount).
            truncated = payable % 10 if mode == 1 else 0
            consume = payable - truncated
            coupon = consume // 5 if random_() < coupon_share else 0
            rest = consume - coupon
            credit = rest if random_() < credit_share else 0
            cash = rest - credit
        yield BillLine(
            f"{prefix}{i:07d}",
            customer_id,
            account_name,
            customer_name,
            partner_id,
            cycle,
            bill_date,
            bill_type,
            mode,
            res.item.service_type_code,
            res.item.service_type_name,
            res.item.resource_type_code,
            res.item.resource_type_name,
            res.region,
            res.resource_id,
            res.resource_name,
            res.spec,
            trade_id,
            usage,
            res.usage_unit,
            unit_price,
            res.price_unit,
            official,
            discount,
            truncated,
            consume,
            cash,
            credit,
            coupon,
        )


def lines_before(lines: Iterable[BillLine], day: str) -> Iterator[BillLine]:
    """The lines (in bill-date order) whose bill date is before `day`; stops reading at the first that is not."""
    return itertools.takewhile(lambda line: line.bill_date < day, lines)


def merge_lines(generated: Iterable[BillLine], others: Iterable[BillLine]) -> Iterator[BillLine]:
    """Two bill-date ordered streams as one: on the same date the generated lines come first."""
    return heapq.merge(generated, others, key=lambda line: line.bill_date)


def csv_row(line: BillLine) -> tuple:
    return (
        *line[:18],
        money_text(line.usage),
        line.usage_unit,
        price_text(line.unit_price),
        line.price_unit,
        money_text(line.official_amount),
        money_text(line.discount_amount),
        money_text(line.truncated_amount),
        money_text(line.consume_amount),
        money_text(line.cash_amount),
        money_text(line.credit_amount),
        money_text(line.coupon_amount),
        CURRENCY,
    )


# --- totals ---------------------------------------------------------------------------------------


class Totals:
    """Running sums of lines, per customer and (service, resource type, charging mode, kind of bill type)."""

    def __init__(self):
        # (ordinal, service_type_code, resource_type_code, charge_mode, kind) -> [count, 7 amounts...]
        self.sums: dict[tuple, list[int]] = {}
        self.names: dict[tuple[str, str], tuple[str, str]] = {}
        self.by_kind = {1: 0, 2: 0, 3: 0}
        self.line_count = 0

    def add(self, ordinal: int, line: BillLine) -> None:
        kind = bill_type_kind(line.bill_type)
        key = (ordinal, line.service_type_code, line.resource_type_code, line.charge_mode, kind)
        acc = self.sums.get(key)
        if acc is None:
            acc = self.sums[key] = [0] * 8
            self.names[(line.service_type_code, line.resource_type_code)] = (
                line.service_type_name,
                line.resource_type_name,
            )
        acc[0] += 1
        acc[1] += line.official_amount
        acc[2] += line.discount_amount
        acc[3] += line.truncated_amount
        acc[4] += line.consume_amount
        acc[5] += line.cash_amount
        acc[6] += line.credit_amount
        acc[7] += line.coupon_amount
        self.by_kind[kind] += line.consume_amount
        self.line_count += 1


# --- the file -------------------------------------------------------------------------------------


class _HashingWriter:
    """A binary file that also keeps the MD5 (the S3 ETag) and the size of what went through it."""

    def __init__(self, raw):
        self.raw = raw
        self.md5 = hashlib.md5()  # noqa: S324 - an ETag, not security
        self.size = 0

    def write(self, data: bytes) -> int:
        self.md5.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    size: int
    md5: str
    part_count: int
    line_count: int


def write_bill_file(
    *,
    path: Path,
    cycle: str,
    lines: Iterable[BillLine],
    part_rows: int = PART_ROWS,
    compresslevel: int = 1,
    on_line: Callable[[BillLine], None] | None = None,
) -> WrittenFile:
    """Stream `lines` into `path` (customerBill_YYYYMM.tar.gz) as CSV parts of `part_rows` rows each.

    Only one part at a time is on disk uncompressed (a temporary file beside `path`), none in memory;
    the archive is written under a temporary name and renamed into place when complete. Member and
    gzip times are the cycle's close, so the same lines give byte-identical files.
    """
    if part_rows < 1:
        raise ValueError("part_rows must be at least 1")
    compact = cycle.replace("-", "")
    mtime = int(closes_at(cycle).timestamp())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    tmp_archive = Path(tmp_name)
    line_count = part_count = 0
    try:
        with os.fdopen(fd, "wb") as raw:
            hashing = _HashingWriter(raw)
            with (
                gzip.GzipFile(filename="", mode="wb", fileobj=hashing, compresslevel=compresslevel, mtime=mtime) as gz,
                tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar,
            ):
                iterator = iter(lines)
                exhausted = False
                while not exhausted:
                    part_count += 1
                    part_name = f"customerBill_{compact}_{part_count:04d}.csv"
                    part_fd, part_tmp = tempfile.mkstemp(prefix=f".{part_name}.", dir=path.parent)
                    try:
                        rows = 0
                        with os.fdopen(part_fd, "w", encoding="utf-8", newline="") as part:
                            writer = csv.writer(part, lineterminator="\n")
                            writer.writerow(CSV_HEADER)
                            for line in iterator:
                                writer.writerow(csv_row(line))
                                if on_line is not None:
                                    on_line(line)
                                rows += 1
                                if rows == part_rows:
                                    break
                            else:
                                exhausted = True
                        line_count += rows
                        if rows == 0 and part_count > 1:
                            part_count -= 1  # the previous part ended exactly at the last line
                            break
                        info = tarfile.TarInfo(part_name)
                        info.size = os.path.getsize(part_tmp)
                        info.mtime = mtime
                        info.mode = 0o644
                        with open(part_tmp, "rb") as part_in:
                            tar.addfile(info, part_in)
                    finally:
                        os.unlink(part_tmp)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp_archive, 0o644)  # mkstemp makes it private; an uploaded object is plainly readable
        os.replace(tmp_archive, path)
    except BaseException:
        tmp_archive.unlink(missing_ok=True)
        raise
    return WrittenFile(
        path=path, size=hashing.size, md5=hashing.md5.hexdigest(), part_count=part_count, line_count=line_count
    )
