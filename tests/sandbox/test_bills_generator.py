"""The bill generator's pure parts: cycles and their close, line shares, deterministic lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sandbox.bills import generator

SHARE = generator.CustomerShare(
    ordinal=1,
    customer_id="5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a",
    account_name="demo-customer",
    customer_name="Demo",
    line_count=3_000,
)


def lines(seed=42, share=SHARE):
    return list(generator.customer_lines(seed=seed, cycle="2026-02", partner_id="p", share=share))


def test_a_cycle_closes_at_noon_beijing_on_the_5th():
    assert generator.closes_at("2026-10") == datetime(2026, 11, 5, 4, 0, tzinfo=UTC)
    assert generator.closes_at("2026-12") == datetime(2027, 1, 5, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "cycle"),
    [
        (datetime(2026, 11, 5, 3, 59, tzinfo=UTC), "2026-09"),
        (datetime(2026, 11, 5, 4, 0, tzinfo=UTC), "2026-10"),
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), "2026-11"),  # already 2027-01-01 in Beijing
    ],
)
def test_latest_closed_cycle(moment, cycle):
    assert generator.latest_closed_cycle(moment) == cycle


def test_cycle_of_is_beijing_time():
    assert generator.cycle_of(datetime(2026, 10, 31, 16, 0, tzinfo=UTC)) == "2026-11"


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-10", "2026/10", ""])
def test_bad_cycles(text):
    with pytest.raises(ValueError):
        generator.parse_cycle(text)


def test_share_lines_is_exact():
    counts = generator.share_lines(1_000_003, generator.customer_weights(seed=1, cycle="2026-10", count=37))

    assert sum(counts) == 1_000_003 and len(counts) == 37


def test_lines_are_deterministic_and_consistent():
    first = lines()

    assert first == lines()
    assert first != lines(seed=43)
    assert len(first) == 3_000
    assert [line.bill_date for line in first] == sorted(line.bill_date for line in first)
    for line in first:
        assert line.consume_amount == line.official_amount - line.discount_amount - line.truncated_amount
        assert line.consume_amount == line.cash_amount + line.credit_amount + line.coupon_amount
        kind = generator.bill_type_kind(line.bill_type)
        assert (line.consume_amount <= 0) if kind == 2 else True
    assert {generator.bill_type_kind(line.bill_type) for line in first} == {1, 2, 3}


def test_money_text():
    assert [generator.money_text(v) for v in (0, 5, 123456, -7, -100)] == ["0.00", "0.05", "1234.56", "-0.07", "-1.00"]
