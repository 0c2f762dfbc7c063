"""Rating: set-based, exact to the cent, the most specific rule wins, preview saves nothing."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from billing import ingest, rating, services
from billing.models import BillCycle, BillLine, LineKind, RatingRule
from tests.billing.helpers import CUSTOMERS, CYCLE, chunks, good_file

pytestmark = pytest.mark.django_db
ALPHA, BETA = CUSTOMERS[0][0], CUSTOMERS[1][0]
EC2 = "hws.service.type.ec2"


@pytest.fixture
def lines():
    run = ingest.ingest(cycle=CYCLE, chunks=chunks(good_file(lines=900, part_rows=450)))
    assert run.status == "succeeded"
    return BillLine.objects.filter(cycle=CYCLE)


def expected(line: BillLine, percent: Decimal) -> Decimal:
    if line.kind == LineKind.ADJUSTMENT:
        return line.official_amount
    return (line.official_amount * (100 + percent) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_rating_is_exact_and_the_most_specific_rule_wins(lines, django_assert_max_num_queries):
    default = RatingRule.objects.create(percent=Decimal("7.25"), valid_from=date(2026, 1, 1))
    service = RatingRule.objects.create(percent=Decimal("-3.33"), service_type_code=EC2, valid_from=date(2026, 1, 1))
    customer = RatingRule.objects.create(percent=Decimal("15"), customer_id=BETA, valid_from=date(2026, 1, 1))
    both = RatingRule.objects.create(
        percent=Decimal("-12.5"), customer_id=BETA, service_type_code=EC2, valid_from=date(2026, 9, 16)
    )
    RatingRule.objects.create(percent=Decimal("50"), valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31))

    # Set-based: the rules are read once and the cycle is rated in one UPDATE, whatever its size.
    with django_assert_max_num_queries(4):
        assert services.cycle_rate(cycle=CYCLE) == 900

    for line in lines:
        if line.kind == LineKind.ADJUSTMENT:
            rule = None
        elif line.customer_id == BETA and line.service_type_code == EC2 and line.bill_date >= date(2026, 9, 16):
            rule = both
        elif line.customer_id == BETA:
            rule = customer
        elif line.service_type_code == EC2:
            rule = service
        else:
            rule = default
        percent = rule.percent if rule else Decimal(0)
        assert (line.rule_id, line.rated_amount) == (rule.pk if rule else None, expected(line, percent)), line.line_id
    assert BillCycle.objects.get(cycle=CYCLE).rated_at is not None


def test_half_cents_round_away_from_zero():
    line = BillLine(official_amount=Decimal("0.05"), kind=LineKind.CONSUMPTION)
    assert expected(line, Decimal("10")) == Decimal("0.06")  # 0.055
    line.official_amount = Decimal("-0.05")
    assert expected(line, Decimal("10")) == Decimal("-0.06")


def test_half_cent_lines_in_the_database_round_like_decimal(lines):
    first, second = lines.filter(kind=LineKind.CONSUMPTION).order_by("line_id")[:2]
    BillLine.objects.filter(pk=first.pk).update(official_amount=Decimal("0.05"))
    BillLine.objects.filter(pk=second.pk).update(official_amount=Decimal("-0.05"))
    RatingRule.objects.create(percent=Decimal("10"), valid_from=date(2026, 1, 1))

    rating.rate_cycle(cycle=CYCLE)

    assert BillLine.objects.get(pk=first.pk).rated_amount == Decimal("0.06")
    assert BillLine.objects.get(pk=second.pk).rated_amount == Decimal("-0.06")


def test_preview_shows_the_change_and_saves_nothing(lines):
    RatingRule.objects.create(percent=Decimal("10"), valid_from=date(2026, 1, 1))
    services.cycle_rate(cycle=CYCLE)
    before = {line.pk: line.rated_amount for line in lines}
    proposal = RatingRule(percent=Decimal("20"), customer_id=ALPHA, valid_from=date(2026, 1, 1))

    preview = rating.preview(cycle=CYCLE, rule=proposal)

    assert RatingRule.objects.count() == 1
    assert {line.pk: line.rated_amount for line in lines} == before
    assert [row.customer_id for row in preview.rows] == [ALPHA]
    services.rating_rule_save(rule=proposal, user=None)
    services.cycle_rate(cycle=CYCLE)
    alpha_total = sum(line.rated_amount for line in lines.all().filter(customer_id=ALPHA))
    assert preview.rows[0].after == alpha_total
    assert preview.after == sum(line.rated_amount for line in lines.all())


def test_saving_a_rule_asks_for_rating_again(lines):
    services.cycle_rate(cycle=CYCLE)

    services.rating_rule_save(rule=RatingRule(percent=Decimal("5"), valid_from=date(2026, 1, 1)), user=None)

    assert BillCycle.objects.get(cycle=CYCLE).rated_at is None
    with pytest.raises(services.NotReady):
        services.customer_bills_draft(cycle=CYCLE)


def test_fees_and_adjustments_follow_their_dates():
    fee = RatingRule(kind=RatingRule.Kind.FIXED_FEE, amount=Decimal("9"), valid_from=date(2026, 9, 20))
    old_fee = RatingRule(
        kind=RatingRule.Kind.FIXED_FEE, amount=Decimal("5"), valid_from=date(2026, 1, 1), valid_to=date(2026, 8, 31)
    )
    credit = RatingRule(
        kind=RatingRule.Kind.ADJUSTMENT, amount=Decimal("-3"), customer_id=ALPHA, valid_from=date(2026, 9, 2)
    )
    later = RatingRule(kind=RatingRule.Kind.ADJUSTMENT, amount=Decimal("4"), valid_from=date(2026, 10, 2))
    for pk, rule in enumerate((fee, old_fee, credit, later), 1):
        rule.pk = pk

    fees = rating.fees_for(CYCLE, [ALPHA, BETA], [fee, old_fee, credit, later])

    assert sorted((f.customer_id, f.amount) for f in fees) == [
        (ALPHA, Decimal("-3")),
        (ALPHA, Decimal("9")),
        (BETA, Decimal("9")),
    ]
