"""Results are frozen dataclasses with Decimal money and aware UTC datetimes."""

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from huaweicloud.types import (
    CreatedCustomer,
    IdentityCheck,
    MalformedValue,
    Page,
    SubCustomer,
    format_datetime,
    parse_datetime,
    parse_decimal,
    parse_int,
)


def test_parse_datetime_gives_aware_utc():
    assert parse_datetime("2019-05-06T08:05:01Z") == datetime(2019, 5, 6, 8, 5, 1, tzinfo=UTC)
    assert parse_datetime("2019-05-06T16:05:01+08:00") == datetime(2019, 5, 6, 8, 5, 1, tzinfo=UTC)
    assert parse_datetime("2019-05-06T08:05:01.250Z").tzinfo is UTC
    assert parse_datetime(None) is None
    assert parse_datetime("") is None
    with pytest.raises(MalformedValue):
        parse_datetime("yesterday")


def test_format_datetime_needs_aware_and_writes_utc():
    assert format_datetime(datetime(2024, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))) == "2024-01-01T00:00:00Z"
    with pytest.raises(ValueError):
        format_datetime(datetime(2024, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.1, Decimal("0.1")), (12, Decimal("12")), ("3.50", Decimal("3.50")), (Decimal("1.10"), Decimal("1.10"))],
)
def test_parse_decimal(value, expected):
    parsed = parse_decimal(value)
    assert isinstance(parsed, Decimal)
    assert parsed == expected
    assert str(parsed) == str(expected)


@pytest.mark.parametrize("value", ["abc", True, "NaN", "Infinity", [1]])
def test_parse_decimal_refuses_what_is_not_money(value):
    with pytest.raises(MalformedValue):
        parse_decimal(value)


def test_parse_int():
    assert parse_int("3") == 3
    assert parse_int(None) is None
    with pytest.raises(MalformedValue):
        parse_int("three")


@pytest.mark.parametrize(
    "instance",
    [
        IdentityCheck(available=True),
        CreatedCustomer(customer_id="c", domain_name="d"),
        Page(count=0, items=()),
    ],
)
def test_results_are_frozen(instance):
    assert dataclasses.is_dataclass(instance)
    first_field = dataclasses.fields(instance)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(instance, first_field, None)


def test_sub_customer_mobile_has_the_country_code():
    fields = {f.name: "" for f in dataclasses.fields(SubCustomer)}
    fields.update(associated_on=None, customer_type=None, is_frozen=False, account_managers=())
    customer = SubCustomer(**{**fields, "telephone": "13800000000", "country_code": "0086"})
    assert customer.mobile == "0086-13800000000"
    assert SubCustomer(**{**fields, "telephone": "13800000000"}).mobile == "13800000000"
