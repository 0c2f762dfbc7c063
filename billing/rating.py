"""Rating: the customer's price of every line of a cycle, from the partner's rules, in SQL.

One UPDATE over the whole cycle (a CASE built from the few rules, no Python loop per line):

    rated = official price x (100 + percent) / 100, rounded half-up (away from zero) to the cent, per line

Computed in integer arithmetic so that it is exact on every database: the official amount in cents
times (10,000 + percent in hundredths), then divided by 10,000 with half-up rounding. Adjustment
lines (bill types 9, 16, ...: compensations and deductions by HUAWEI CLOUD) are passed on at their
official amount, never marked up. A line no rule covers is billed at the official price.

Fixed monthly fees and one-off adjustments are not per line: they become items of the customer bill
(`fees_for`).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import BigIntegerField, Case, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Cast, Round
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from billing.models import BillCycle, BillLine, LineKind, RatingRule

CENT = Decimal("0.01")


def cycle_bounds(cycle: str) -> tuple[date, date]:
    year, month = int(cycle[:4]), int(cycle[5:])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _overlaps(rule: RatingRule, first: date, last: date) -> bool:
    return rule.valid_from <= last and (rule.valid_to is None or rule.valid_to >= first)


def _priority(rule: RatingRule) -> tuple:
    return (rule.specificity, rule.valid_from, rule.pk or 10**18)


def percent_rules(cycle: str, rules: list[RatingRule] | None = None) -> list[RatingRule]:
    """The percent rules valid at some day of `cycle`, the winning one first."""
    first, last = cycle_bounds(cycle)
    if rules is None:
        rules = list(RatingRule.objects.filter(kind=RatingRule.Kind.PERCENT))
    found = [r for r in rules if r.kind == RatingRule.Kind.PERCENT and _overlaps(r, first, last)]
    return sorted(found, key=_priority, reverse=True)


def _condition(rule: RatingRule) -> Q:
    condition = Q(bill_date__gte=rule.valid_from)
    if rule.valid_to:
        condition &= Q(bill_date__lte=rule.valid_to)
    if rule.customer_id:
        condition &= Q(customer_id=rule.customer_id)
    if rule.service_type_code:
        condition &= Q(service_type_code=rule.service_type_code)
    return condition


def _basis_points(rule: RatingRule) -> int:
    return int(rule.percent * 100)


def rule_expression(rules: list[RatingRule]) -> Case:
    """The id of the rule that prices a line (NULL: official price)."""
    whens = [When(kind=LineKind.ADJUSTMENT, then=Value(None, output_field=BigIntegerField()))]
    whens += [When(_condition(r), then=Value(r.pk, output_field=BigIntegerField())) for r in rules]
    # Cast: with only NULL branches PostgreSQL would type the CASE as text.
    return Cast(
        Case(*whens, default=Value(None, output_field=BigIntegerField()), output_field=BigIntegerField()),
        BigIntegerField(),
    )


def rated_cents_expression(rules: list[RatingRule]):
    """A line's customer price in whole cents (an integer expression), under `rules` (winner first)."""
    whens = [When(kind=LineKind.ADJUSTMENT, then=Value(0))]
    whens += [When(_condition(r), then=Value(_basis_points(r))) for r in rules]
    basis_points = Case(*whens, default=Value(0), output_field=BigIntegerField())
    official_cents = Cast(Round(F("official_amount") * Value(100)), BigIntegerField())
    scaled = official_cents * (Value(10_000) + basis_points)
    half = Value(5_000)
    return Case(
        When(GreaterThanOrEqual(scaled, 0), then=(scaled + half) / Value(10_000)),
        default=-((-scaled + half) / Value(10_000)),
        output_field=BigIntegerField(),
    )


def rated_amount_expression(rules: list[RatingRule]):
    return Cast(rated_cents_expression(rules) * Value(CENT), DecimalField(max_digits=16, decimal_places=2))


def rate_cycle(*, cycle: str) -> int:
    """Price every line of `cycle` with the current rules (one UPDATE); the number of lines."""
    rules = percent_rules(cycle)
    count = BillLine.objects.filter(cycle=cycle).update(
        rated_amount=rated_amount_expression(rules), rule_id=rule_expression(rules)
    )
    BillCycle.objects.filter(cycle=cycle).update(rated_at=timezone.now())
    return count


@dataclass(frozen=True)
class Fee:
    customer_id: str
    rule: RatingRule
    amount: Decimal


def fees_for(cycle: str, customer_ids, rules: list[RatingRule] | None = None) -> list[Fee]:
    """Fixed monthly fees (every cycle they are valid in) and one-off adjustments (the cycle of their
    `valid_from`) of the given customers. A rule without a customer applies to each of them."""
    first, last = cycle_bounds(cycle)
    if rules is None:
        rules = list(RatingRule.objects.exclude(kind=RatingRule.Kind.PERCENT).order_by("pk"))
    customer_ids = set(customer_ids)
    fees = []
    for rule in rules:
        if rule.kind == RatingRule.Kind.FIXED_FEE:
            applies = _overlaps(rule, first, last)
        elif rule.kind == RatingRule.Kind.ADJUSTMENT:
            applies = first <= rule.valid_from <= last
        else:
            continue
        if not applies:
            continue
        targets = [rule.customer_id] if rule.customer_id else sorted(customer_ids)
        fees += [Fee(customer_id=c, rule=rule, amount=rule.amount) for c in targets if c in customer_ids]
    return fees


@dataclass(frozen=True)
class PreviewRow:
    customer_id: str
    account_name: str
    official: Decimal
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True)
class Preview:
    cycle: str
    rows: list[PreviewRow]  # customers whose bill changes, largest change first
    before: Decimal
    after: Decimal
    customers: int

    @property
    def change(self) -> Decimal:
        return self.after - self.before


def _cents(value) -> Decimal:
    return (Decimal(value or 0) * CENT).quantize(CENT)


def preview(*, cycle: str, rule: RatingRule, delete: bool = False) -> Preview:
    """What saving (or deleting) `rule` would do to the customer bills of `cycle`, without saving:
    each customer's total (lines + fees + adjustments) now and after. Two sums in one query."""
    current = list(RatingRule.objects.all())
    proposed = [r for r in current if r.pk != rule.pk]
    if not delete:
        proposed.append(rule)
    lines = BillLine.objects.filter(cycle=cycle)
    per_customer = (
        lines.values("customer_id")
        .annotate(
            official=Sum("official_amount"),
            before=Sum(rated_cents_expression(percent_rules(cycle, current))),
            after=Sum(rated_cents_expression(percent_rules(cycle, proposed))),
        )
        .order_by("customer_id")
    )
    names = dict(lines.values_list("customer_id", "account_name").distinct())
    totals = {row["customer_id"]: row for row in per_customer}
    fees_before: dict[str, Decimal] = {}
    fees_after: dict[str, Decimal] = {}
    for fee in fees_for(cycle, totals, [r for r in current if r.kind != RatingRule.Kind.PERCENT]):
        fees_before[fee.customer_id] = fees_before.get(fee.customer_id, Decimal(0)) + fee.amount
    for fee in fees_for(cycle, totals, [r for r in proposed if r.kind != RatingRule.Kind.PERCENT]):
        fees_after[fee.customer_id] = fees_after.get(fee.customer_id, Decimal(0)) + fee.amount
    rows = []
    before_total = after_total = Decimal("0.00")
    for customer_id, row in totals.items():
        before = _cents(row["before"]) + fees_before.get(customer_id, 0)
        after = _cents(row["after"]) + fees_after.get(customer_id, 0)
        before_total += before
        after_total += after
        if before != after:
            rows.append(
                PreviewRow(
                    customer_id=customer_id,
                    account_name=names.get(customer_id, ""),
                    official=Decimal(row["official"] or 0).quantize(CENT),
                    before=before,
                    after=after,
                )
            )
    rows.sort(key=lambda r: (-abs(r.change), r.account_name))
    return Preview(cycle=cycle, rows=rows, before=before_total, after=after_total, customers=len(totals))
