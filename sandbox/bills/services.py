"""Writes of the bills area: generate a cycle's bill (file + aggregates), synthetic customers, buckets."""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from sandbox import clock
from sandbox.bills import generator
from sandbox.bills.models import BillCustomer, BillCycle, BillSum
from sandbox.models import Customer, Partner

SYNTHETIC_XACCOUNT_PREFIX = "synthetic-"
MAX_LINES = 20_000_000
MAX_SYNTHETIC_CUSTOMERS = 100_000
DEMO_LINES = 5_000  # the demo world's bill, and the bill of a cycle the clock closes

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


# --- generation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateResult:
    bill_cycle: BillCycle
    customer_count: int
    seconds: float


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
    the totals and per-customer aggregates; replaces an earlier bill of that cycle. Deterministic: the
    same customers, lines and seed give the same file and amounts.

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
    shares = [
        generator.CustomerShare(
            ordinal=ordinal,
            customer_id=customer.customer_id,
            account_name=customer.domain_name,
            customer_name=customer.customer,
            line_count=count,
        )
        for ordinal, (customer, count) in enumerate(zip(people, counts, strict=True), start=1)
    ]
    totals = generator.Totals()

    def all_lines():
        for share in shares:
            for line in generator.customer_lines(seed=seed, cycle=cycle, partner_id=partner.domain_id, share=share):
                totals.add(share.ordinal, line)
                yield line

    key = generator.object_key(cycle)
    written = generator.write_bill_file(
        path=bucket_path(partner) / key, cycle=cycle, lines=all_lines(), part_rows=part_rows
    )
    by_ordinal = {share.ordinal: customer for share, customer in zip(shares, people, strict=True)}
    cents = generator.cents
    with transaction.atomic():
        BillCycle.objects.filter(partner=partner, cycle=cycle).delete()
        bill = BillCycle.objects.create(
            partner=partner,
            cycle=cycle,
            seed=seed,
            line_count=written.line_count,
            part_rows=part_rows,
            part_count=written.part_count,
            consume_amount=cents(totals.by_kind[1]),
            refunds=cents(totals.by_kind[2]),
            adjustments=cents(totals.by_kind[3]),
            # The sandbox charges no tax: resale bills on the international site carry none here.
            tax_amount=cents(0),
            object_key=key,
            object_size=written.size,
            object_md5=written.md5,
            generated_at=clock.now(),
        )
        BillCustomer.objects.bulk_create(
            [
                BillCustomer(
                    bill_cycle=bill,
                    customer=by_ordinal[share.ordinal],
                    ordinal=share.ordinal,
                    line_count=share.line_count,
                    account_name=share.account_name,
                    customer_name=share.customer_name,
                )
                for share in shares
            ],
            batch_size=500,
        )
        BillSum.objects.bulk_create(
            [
                BillSum(
                    bill_cycle=bill,
                    customer=by_ordinal[ordinal],
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
            ],
            batch_size=500,
        )
    return GenerateResult(bill_cycle=bill, customer_count=len(shares), seconds=time.perf_counter() - started)


def share_of(bill_customer: BillCustomer) -> generator.CustomerShare:
    return generator.CustomerShare(
        ordinal=bill_customer.ordinal,
        customer_id=bill_customer.customer.customer_id,
        account_name=bill_customer.account_name,
        customer_name=bill_customer.customer_name,
        line_count=bill_customer.line_count,
    )


def customer_bill_lines(*, bill_customer: BillCustomer):
    """Regenerate one customer's lines of a cycle (exactly those in the file)."""
    bill = bill_customer.bill_cycle
    return generator.customer_lines(
        seed=bill.seed, cycle=bill.cycle, partner_id=bill.partner.domain_id, share=share_of(bill_customer)
    )


def cycles_close(*, before, after) -> list[BillCycle]:
    """The clock moved from `before` to `after`: every cycle whose bill came out in between and has no
    bill yet gets a demo-sized one for each partner (as Huawei's monthly run would)."""
    made = []
    cycle = generator.shift_cycle(generator.cycle_of(before), -1)
    last = generator.latest_closed_cycle(after)
    while cycle <= last:
        if before < generator.closes_at(cycle) <= after:
            for partner in Partner.objects.all():
                if not BillCycle.objects.filter(partner=partner, cycle=cycle).exists():
                    result = bill_generate(partner=partner, cycle=cycle, lines=DEMO_LINES, seed=demo_seed(cycle))
                    made.append(result.bill_cycle)
        cycle = generator.shift_cycle(cycle, 1)
    return made


def demo_seed(cycle: str) -> int:
    return int(cycle.replace("-", ""))
