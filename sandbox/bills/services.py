"""Writes of the bills area: generate a cycle's bill (file + aggregates), open and close cycles,
synthetic customers, buckets; and the customer's lines and sums of a cycle the operations answer with."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from sandbox import clock, hooks
from sandbox.bills import generator
from sandbox.bills.generator import BillLine
from sandbox.bills.models import BillCustomer, BillCycle, BillSum, RealLine
from sandbox.models import Customer, Partner

SYNTHETIC_XACCOUNT_PREFIX = "synthetic-"
MAX_LINES = 20_000_000
MAX_SYNTHETIC_CUSTOMERS = 100_000
DEMO_LINES = 5_000  # the demo world's closed bill, and the generated lines of every cycle that opens

_FIRST = ("Amber", "Blue", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Indigo", "Jade", "Kite", "Lotus")
_SECOND = ("Bakery", "Clinic", "Freight", "Games", "Labs", "Media", "Motors", "Retail", "Studio", "Textiles", "Travel")
_SUFFIX = ("Pte. Ltd.", "Sdn. Bhd.", "Co., Ltd.", "Inc.", "S.A.", "")
_AREAS = ("SG", "MY", "TH", "ID", "PH", "VN", "CL", "MX", "EG", "ZA")


# --- buckets --------------------------------------------------------------------------------------


def obs_root() -> Path:
    return Path(settings.SANDBOX_OBS_ROOT)


def bucket_name(partner: Partner) -> str:
    """The partner's bill bucket (Huawei uploads into a bucket the partner names; here `<domain>-bills`)."""
    return f"{partner.domain_name}-bills"


def bucket_path(partner: Partner) -> Path:
    return obs_root() / bucket_name(partner)


def bucket_clear(*, partner: Partner) -> None:
    """Remove the partner's bill files (a world reset starts from an empty bucket)."""
    shutil.rmtree(bucket_path(partner) / "customerBill", ignore_errors=True)
    bucket_path(partner).mkdir(parents=True, exist_ok=True)


# --- customers ------------------------------------------------------------------------------------


def synthetic_customers_ensure(*, partner: Partner, count: int) -> list[Customer]:
    """Synthetic customers 1..count of the partner (created once, same ids every time), reseller-associated
    so that list_sub_customers sees them."""
    if count <= 0:
        return []
    wanted = {f"{SYNTHETIC_XACCOUNT_PREFIX}{i:05d}": i for i in range(1, count + 1)}
    existing = set(
        Customer.objects.filter(partner=partner, xaccount_id__in=list(wanted)).values_list("xaccount_id", flat=True)
    )
    now = clock.now()
    new = []
    for xaccount_id, i in wanted.items():
        if xaccount_id in existing:
            continue
        name = f"{partner.domain_name}-c{i:05d}"
        company = " ".join(
            part
            for part in (_FIRST[i % len(_FIRST)], _SECOND[(i // len(_FIRST)) % len(_SECOND)], _SUFFIX[i % 6])
            if part
        )
        new.append(
            Customer(
                partner=partner,
                customer_id=hashlib.md5(f"{partner.domain_id}:synthetic:{i}".encode()).hexdigest(),  # noqa: S324
                domain_name=name,
                xaccount_id=xaccount_id,
                xaccount_type=partner.xaccount_type,
                domain_area=_AREAS[i % len(_AREAS)],
                email=f"{name}@example.com",
                customer=company,
                verified_status=Customer.VerifiedStatus.AUTHENTICATED
                if i % 5
                else Customer.VerifiedStatus.UNDER_REVIEW,
                customer_type=1 if i % 3 else 0,
                association_type="3",
                associated_on=now,
                visible_after=now,
                created_at=now,
                label="synthetic",
            )
        )
    Customer.objects.bulk_create(new, batch_size=500)
    return list(Customer.objects.filter(partner=partner, xaccount_id__in=list(wanted)).order_by("xaccount_id"))


def bill_customers(*, partner: Partner, synthetic: int) -> list[Customer]:
    """Who is in a bill: the partner's own customers (demo and created ones), then synthetic 1..N."""
    own = list(
        Customer.objects.filter(partner=partner)
        .exclude(xaccount_id__startswith=SYNTHETIC_XACCOUNT_PREFIX)
        .order_by("associated_on", "customer_id")
    )
    return own + synthetic_customers_ensure(partner=partner, count=synthetic)


# --- writing a bill -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateResult:
    bill_cycle: BillCycle
    customer_count: int
    seconds: float


@dataclass(frozen=True)
class _Entry:
    """One customer of a bill being written: its share of generated lines and its real lines."""

    customer: Customer
    share: generator.CustomerShare
    real: tuple[BillLine, ...] = ()
    stored: bool = False  # its BillCustomer row exists already (the cycle was open)


def _write_file(*, partner: Partner, cycle: str, seed: int, entries: list[_Entry], part_rows: int):
    """Stream every entry's lines (generated and real, merged by bill date) into the cycle's file."""
    totals = generator.Totals()

    def all_lines():
        for entry in entries:
            generated = generator.customer_lines(
                seed=seed, cycle=cycle, partner_id=partner.domain_id, share=entry.share
            )
            for line in generator.merge_lines(generated, entry.real):
                totals.add(entry.share.ordinal, line)
                yield line

    written = generator.write_bill_file(
        path=bucket_path(partner) / generator.object_key(cycle), cycle=cycle, lines=all_lines(), part_rows=part_rows
    )
    return written, totals


def _sum_rows(bill: BillCycle, totals: generator.Totals, customers: dict[int, Customer]) -> list[BillSum]:
    """BillSum rows (unsaved, in their model's order) of `totals`; `customers` by ordinal."""
    cents = generator.cents
    return [
        BillSum(
            bill_cycle=bill,
            customer=customers[ordinal],
            service_type_code=service,
            service_type_name=totals.names[(service, resource)][0],
            resource_type_code=resource,
            resource_type_name=totals.names[(service, resource)][1],
            charging_mode=mode,
            bill_type=kind,
            line_count=acc[0],
            official_amount=cents(acc[1]),
            discount_amount=cents(acc[2]),
            truncated_amount=cents(acc[3]),
            consume_amount=cents(acc[4]),
            cash_amount=cents(acc[5]),
            credit_amount=cents(acc[6]),
            coupon_amount=cents(acc[7]),
        )
        for (ordinal, service, resource, mode, kind), acc in sorted(totals.sums.items())
    ]


def _store(*, bill: BillCycle, entries: list[_Entry], written, totals: generator.Totals, now) -> None:
    """Record what was written into `bill` (inside the caller's transaction): totals, file, the customers'
    shares not stored yet, their sums and their real lines."""
    cents = generator.cents
    bill.line_count = written.line_count
    bill.part_count = written.part_count
    bill.consume_amount = cents(totals.by_kind[1])
    bill.refunds = cents(totals.by_kind[2])
    bill.adjustments = cents(totals.by_kind[3])
    # The sandbox charges no tax: resale bills on the international site carry none here.
    bill.tax_amount = cents(0)
    bill.object_key = generator.object_key(bill.cycle)
    bill.object_size = written.size
    bill.object_md5 = written.md5
    bill.generated_at = now
    bill.save()
    BillCustomer.objects.bulk_create(
        [_share_row(bill, entry.customer, entry.share) for entry in entries if not entry.stored], batch_size=500
    )
    customers = {entry.share.ordinal: entry.customer for entry in entries}
    BillSum.objects.bulk_create(_sum_rows(bill, totals, customers), batch_size=500)
    RealLine.objects.bulk_create(
        [
            RealLine(bill_cycle=bill, customer=entry.customer, line_id=line.line_id, values=list(line))
            for entry in entries
            for line in entry.real
        ],
        batch_size=500,
    )


def _shares(people: list[Customer], counts: list[int]) -> list[generator.CustomerShare]:
    return [
        generator.CustomerShare(
            ordinal=ordinal,
            customer_id=customer.customer_id,
            account_name=customer.domain_name,
            customer_name=customer.customer,
            line_count=count,
        )
        for ordinal, (customer, count) in enumerate(zip(people, counts, strict=True), start=1)
    ]


def _share_row(bill: BillCycle, customer: Customer, share: generator.CustomerShare) -> BillCustomer:
    return BillCustomer(
        bill_cycle=bill,
        customer=customer,
        ordinal=share.ordinal,
        line_count=share.line_count,
        account_name=share.account_name,
        customer_name=share.customer_name,
    )


def bill_generate(
    *,
    partner: Partner,
    cycle: str,
    customers: int = 0,
    lines: int = 5_000,
    seed: int = 42,
    part_rows: int = generator.PART_ROWS,
) -> GenerateResult:
    """Generate the partner's bill of `cycle`: write customerBill_YYYYMM.tar.gz into its bucket and store
    the totals and per-customer aggregates; replaces an earlier bill of that cycle, open or not (its
    lines are then these generated ones only). Deterministic: the same customers, lines and seed give
    the same file and amounts.

    `customers` synthetic customers are added to the partner's own; `lines` are spread over all of them.
    """
    generator.parse_cycle(cycle)
    if not 0 <= lines <= MAX_LINES:
        raise ValueError(f"lines must be between 0 and {MAX_LINES}")
    if not 0 <= customers <= MAX_SYNTHETIC_CUSTOMERS:
        raise ValueError(f"customers must be between 0 and {MAX_SYNTHETIC_CUSTOMERS}")
    if part_rows < 1:
        raise ValueError("part_rows must be at least 1")
    started = time.perf_counter()
    people = bill_customers(partner=partner, synthetic=customers)
    counts = generator.share_lines(lines, generator.customer_weights(seed=seed, cycle=cycle, count=len(people)))
    entries = [
        _Entry(customer=customer, share=share) for customer, share in zip(people, _shares(people, counts), strict=True)
    ]
    written, totals = _write_file(partner=partner, cycle=cycle, seed=seed, entries=entries, part_rows=part_rows)
    with transaction.atomic():
        BillCycle.objects.filter(partner=partner, cycle=cycle).delete()
        bill = BillCycle(partner=partner, cycle=cycle, seed=seed, part_rows=part_rows)
        _store(bill=bill, entries=entries, written=written, totals=totals, now=clock.now())
    return GenerateResult(bill_cycle=bill, customer_count=len(entries), seconds=time.perf_counter() - started)


def share_of(bill_customer: BillCustomer) -> generator.CustomerShare:
    return generator.CustomerShare(
        ordinal=bill_customer.ordinal,
        customer_id=bill_customer.customer.customer_id,
        account_name=bill_customer.account_name,
        customer_name=bill_customer.customer_name,
        line_count=bill_customer.line_count,
    )


# --- the open cycle -------------------------------------------------------------------------------


def demo_seed(cycle: str) -> int:
    return int(cycle.replace("-", ""))


def real_lines(*, partner: Partner, cycle: str, until, customer: Customer | None = None) -> dict[str, list[BillLine]]:
    """The lines of the customers' real activity in `cycle` known at `until` (hooks.bill_line_sources:
    orders paid, days of pay-per-use usage), per customer id, in bill-date order."""
    found: dict[str, list[BillLine]] = defaultdict(list)
    for source in hooks.bill_line_sources:
        for line in source(partner=partner, cycle=cycle, until=until, customer=customer):
            found[line.customer_id].append(line)
    for lines in found.values():
        lines.sort(key=lambda line: (line.bill_date, line.line_id))
    return found


def _named(lines, share: generator.CustomerShare | None) -> tuple[BillLine, ...]:
    """Real lines under the names the customer's share was written with (a rename in the cycle changes nothing)."""
    if share is None:
        return tuple(lines)
    return tuple(line._replace(account_name=share.account_name, customer_name=share.customer_name) for line in lines)


def _open(*, partner: Partner, cycle: str, people: list[Customer], lines: int, seed: int) -> BillCycle:
    counts = generator.share_lines(lines, generator.customer_weights(seed=seed, cycle=cycle, count=len(people)))
    bill = BillCycle.objects.create(partner=partner, cycle=cycle, seed=seed)
    BillCustomer.objects.bulk_create(
        [_share_row(bill, customer, share) for customer, share in zip(people, _shares(people, counts), strict=True)],
        batch_size=500,
    )
    return bill


def _joined_before(partner: Partner, cycle: str) -> list[Customer]:
    start = generator.starts_at(cycle)
    return [c for c in bill_customers(partner=partner, synthetic=0) if c.associated_on < start]


def cycle_open(*, partner: Partner, cycle: str) -> BillCycle:
    """Open `cycle` for the partner: decide once who gets how many generated lines (the partner's own
    customers associated before the cycle began; DEMO_LINES in all; the seed is the cycle's digits). The
    lines shown while it is open and the bill it closes with are then made from the same shares."""
    try:
        with transaction.atomic():
            return _open(
                partner=partner,
                cycle=cycle,
                people=_joined_before(partner, cycle),
                lines=DEMO_LINES,
                seed=demo_seed(cycle),
            )
    except IntegrityError:
        # Another request opened it at the same moment, with the same shares.
        return BillCycle.objects.get(partner=partner, cycle=cycle)


def cycle_reopen(*, partner: Partner, cycle: str, customers: int = 0, lines: int = DEMO_LINES, seed: int) -> BillCycle:
    """Open `cycle` (begun, not closed) again with other shares: `lines` generated lines over the partner's
    customers associated before it began and `customers` synthetic ones; replaces its open shares (what
    was shown so far changes) or a bill generated for it early. For demos and load tests of an open month."""
    now = clock.now()
    if not generator.starts_at(cycle) <= now < generator.closes_at(cycle):
        raise ValueError(f"{cycle} is not open: a cycle is open from its 1st until its bill is out on the 5th")
    if not 0 <= lines <= MAX_LINES:
        raise ValueError(f"lines must be between 0 and {MAX_LINES}")
    people = _joined_before(partner, cycle) + synthetic_customers_ensure(partner=partner, count=customers)
    with transaction.atomic():
        BillCycle.objects.filter(partner=partner, cycle=cycle).delete()
        return _open(partner=partner, cycle=cycle, people=people, lines=lines, seed=seed)


def cycle_close(*, bill: BillCycle) -> BillCycle:
    """Generate an open cycle's bill: its shares' generated lines and the customers' real lines of the
    whole cycle (customers with real lines but no share get one of 0 generated lines)."""
    partner, cycle = bill.partner, bill.cycle
    real = real_lines(partner=partner, cycle=cycle, until=generator.ends_at(cycle))
    rows = list(bill.bill_customers.select_related("customer"))
    entries = []
    for row in rows:
        share = share_of(row)
        entries.append(
            _Entry(customer=row.customer, share=share, real=_named(real.pop(share.customer_id, ()), share), stored=True)
        )
    ordinal = max((row.ordinal for row in rows), default=0)
    for customer in Customer.objects.filter(partner=partner, customer_id__in=list(real)).order_by(
        "associated_on", "customer_id"
    ):
        ordinal += 1
        share = generator.CustomerShare(ordinal, customer.customer_id, customer.domain_name, customer.customer, 0)
        entries.append(_Entry(customer=customer, share=share, real=tuple(real[customer.customer_id])))
    written, totals = _write_file(
        partner=partner, cycle=cycle, seed=bill.seed, entries=entries, part_rows=bill.part_rows
    )
    now = clock.now()
    with transaction.atomic():
        # Two requests closing the same cycle at once write the same file; the one that claims the row stores it.
        if BillCycle.objects.filter(pk=bill.pk, generated_at__isnull=True).update(generated_at=now):
            _store(bill=bill, entries=entries, written=written, totals=totals, now=now)
    return BillCycle.objects.select_related("partner").get(pk=bill.pk)


def cycle_bill(*, partner: Partner, cycle: str, now) -> BillCycle | None:
    """The partner's bill of `cycle` as it stands at `now`; None for a cycle not begun, or closed without
    ever being open (nothing consumed). A cycle that has begun and is not closed opens on first use; an
    open cycle whose close has passed in real time (no clock move closed it) is generated now."""
    bill = BillCycle.objects.select_related("partner").filter(partner=partner, cycle=cycle).first()
    if bill is None:
        if not generator.starts_at(cycle) <= now < generator.closes_at(cycle):
            return None
        bill = cycle_open(partner=partner, cycle=cycle)
    if bill.generated_at is None and generator.closes_at(cycle) <= now:
        bill = cycle_close(bill=bill)
    return bill


def cycles_open(*, partner: Partner, now) -> None:
    """Open the cycles that have begun and are not closed at `now` (the current one, and the last one until
    its close on the 5th)."""
    current = generator.cycle_of(now)
    for cycle in (generator.shift_cycle(current, -1), current):
        cycle_bill(partner=partner, cycle=cycle, now=now)


def cycles_close(*, before, after) -> list[BillCycle]:
    """The clock moved from `before` to `after`: every cycle whose bill came out in between and has none
    yet gets one for each partner, from its open shares and the customers' real lines (opened now if it
    never was), as Huawei's monthly run would."""
    made = []
    cycle = generator.shift_cycle(generator.cycle_of(before), -1)
    last = generator.latest_closed_cycle(after)
    while cycle <= last:
        if before < generator.closes_at(cycle) <= after:
            for partner in Partner.objects.all():
                bill = BillCycle.objects.select_related("partner").filter(partner=partner, cycle=cycle).first()
                bill = bill or cycle_open(partner=partner, cycle=cycle)
                if bill.generated_at is None:
                    made.append(cycle_close(bill=bill))
        cycle = generator.shift_cycle(cycle, 1)
    return made


# --- what the customer operations read ------------------------------------------------------------


def _customer_lines(bill: BillCycle, customer: Customer, now) -> Iterator[BillLine]:
    row = BillCustomer.objects.select_related("customer").filter(bill_cycle=bill, customer=customer).first()
    share = share_of(row) if row else None
    partner_id = bill.partner.domain_id
    generated = (
        generator.customer_lines(seed=bill.seed, cycle=bill.cycle, partner_id=partner_id, share=share)
        if share
        else iter(())
    )
    today = generator.bill_day(now)
    if bill.generated_at is None:
        # Open: generated lines of the days gone by, real ones as soon as they are known.
        real = real_lines(partner=bill.partner, cycle=bill.cycle, until=now, customer=customer)
        return generator.merge_lines(
            generator.lines_before(generated, today), _named(real.get(customer.customer_id, ()), share)
        )
    real = [BillLine(*line.values) for line in bill.real_lines.filter(customer=customer)]
    lines = generator.merge_lines(generated, real)
    return generator.lines_before(lines, today) if now < generator.closes_at(bill.cycle) else lines


def customer_lines(*, customer: Customer, cycle: str) -> Iterator[BillLine]:
    """The customer's lines of `cycle` as HUAWEI CLOUD shows them now, in bill-date order: every line of a
    closed cycle's bill; before the close, the lines dated before today (UTC+8) and real orders as soon
    as they are paid. What an open cycle shows is part of the bill it closes with, unchanged."""
    now = clock.now()
    bill = cycle_bill(partner=customer.partner, cycle=cycle, now=now)
    return _customer_lines(bill, customer, now) if bill is not None else iter(())


def customer_sums(*, customer: Customer, cycle: str) -> list[BillSum]:
    """The customer's monthly sum items of `cycle` (BillSum order): a closed bill's stored sums, else the
    sums of the lines shown so far (unsaved rows)."""
    now = clock.now()
    bill = cycle_bill(partner=customer.partner, cycle=cycle, now=now)
    if bill is None:
        return []
    if bill.generated_at is not None and generator.closes_at(cycle) <= now:
        return list(bill.sums.filter(customer=customer).select_related("customer"))
    totals = generator.Totals()
    for line in _customer_lines(bill, customer, now):
        totals.add(0, line)
    return _sum_rows(bill, totals, {0: customer})


def customer_cycles(*, customer: Customer, first: str, last: str) -> list[str]:
    """The cycles from `first` to `last` (YYYY-MM) in which the customer may have lines: its bills', the
    partner's open ones and those not closed now."""
    now = clock.now()
    cycles = set(
        BillCycle.objects.filter(partner_id=customer.partner_id, cycle__gte=first, cycle__lte=last)
        .filter(Q(bill_customers__customer=customer) | Q(generated_at__isnull=True))
        .values_list("cycle", flat=True)
    )
    current = generator.cycle_of(now)
    for cycle in (generator.shift_cycle(current, -1), current):
        if first <= cycle <= last and now < generator.closes_at(cycle):
            cycles.add(cycle)
    return sorted(cycles)
