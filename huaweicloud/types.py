"""What the gateway returns: frozen dataclasses with Decimal money and aware UTC datetimes.

Never SDK model objects: callers must not depend on the SDK's classes, which change with its
near-daily releases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# HUAWEI CLOUD's timestamp format in requests and responses (reference section 1).
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class MalformedValue(ValueError):
    """A field of a HUAWEI CLOUD answer has a value we cannot read (the gateway maps it to CloudUnavailable)."""


def parse_datetime(value: Any) -> datetime | None:
    """`2019-05-06T08:05:01Z` -> aware UTC datetime; None or "" -> None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        try:
            parsed = datetime.strptime(text, TIMESTAMP_FORMAT)
        except ValueError:
            try:
                # Be lenient with what some APIs send: fractions of a second or an explicit offset.
                parsed = datetime.fromisoformat(text)
            except ValueError:
                raise MalformedValue(f"not a timestamp: {text[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """Aware datetime -> `yyyy-MM-ddTHH:mm:ssZ` in UTC, as HUAWEI CLOUD expects."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("HUAWEI CLOUD timestamps need a timezone-aware datetime.")
    return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_decimal(value: Any) -> Decimal | None:
    """Money as Decimal whatever JSON type carried it (float, int, str, Decimal); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MalformedValue("a boolean is not an amount")
    try:
        # str() first: Decimal(0.1) would keep the float's binary error.
        amount = Decimal(str(value))
    except InvalidOperation:
        raise MalformedValue(f"not an amount: {str(value)[:40]!r}") from None
    if not amount.is_finite():
        raise MalformedValue(f"not an amount: {value!r}")
    return amount


def parse_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MalformedValue("a boolean is not a number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MalformedValue(f"not a whole number: {str(value)[:40]!r}") from None


def parse_str(value: Any) -> str:
    """Optional text field: None -> "" (the models store blank strings, not NULL)."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise MalformedValue("expected text")
    return str(value)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: `count` is HUAWEI CLOUD's total over all pages."""

    count: int
    items: tuple[T, ...]


@dataclass(frozen=True, slots=True)
class IdentityCheck:
    """Answer of `check_user_identity`: can this name / email / mobile register a new customer?"""

    available: bool
    # Only for a mobile number: how many more customers may still register with it.
    mobile_remain_available_num: int | None = None


@dataclass(frozen=True, slots=True)
class CreatedCustomer:
    customer_id: str
    domain_name: str
    # True when HUAWEI CLOUD already had an account for this xaccount_id (CBC.99000050): a retry
    # after a lost answer; the ids are those of the existing account.
    already_existed: bool = False


@dataclass(frozen=True, slots=True)
class SubCustomer:
    """A customer associated with the partner, as `list_sub_customers` reports it (reference 5.1)."""

    customer_id: str
    account_name: str
    real_name: str  # Huawei's `customer`: the real-name authenticated name
    associated_on: datetime | None
    association_type: str  # "1" referral, "3" reseller
    label: str
    telephone: str
    country_code: str  # e.g. "0086"
    verified_status: str  # "-1", "0", "1", "2", "3" (reference 4.5)
    customer_type: int | None  # -1 not set, 0 individual, 1 enterprise
    is_frozen: bool
    account_managers: tuple[str, ...]
    xaccount_id: str
    xaccount_type: str
    customer_level: str  # "V0".."V5"
    email: str

    @property
    def mobile(self) -> str:
        """Telephone with its country code, as HUAWEI CLOUD writes it elsewhere: `0086-13800000000`."""
        if self.telephone and self.country_code:
            return f"{self.country_code}-{self.telephone}"
        return self.telephone


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """The customer a customer-scoped call acts as: HUAWEI CLOUD's account id and account (domain) name.

    IAM's assume_role names the account (`account_name`); BSS answers carry the id (`customer_id`).
    """

    customer_id: str
    account_name: str

    def __post_init__(self) -> None:
        if not self.customer_id or not self.account_name:
            raise ValueError("a customer needs both its customer_id and its account_name")
