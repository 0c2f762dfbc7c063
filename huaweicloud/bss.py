"""BSS International (customers, real-name, budgets, ratings, orders, bills) as plain functions.

Every function makes one HUAWEI CLOUD call with the partner's credentials and returns frozen
dataclasses from `huaweicloud.types`; errors are `huaweicloud.errors` classes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from huaweicloudsdkbssintl.v2 import model as m

from huaweicloud.calls import call
from huaweicloud.clients import bss_client
from huaweicloud.errors import CloudRejected
from huaweicloud.types import (
    CreatedCustomer,
    IdentityCheck,
    MalformedValue,
    Page,
    SubCustomer,
    format_datetime,
    parse_datetime,
    parse_int,
    parse_str,
)

SearchType = Literal["email", "mobile", "name"]
# Create customer: "account already exists". The error body still carries its ids (reference 3.3).
ALREADY_EXISTS = "CBC.99000050"


def _required(value: Any, name: str) -> Any:
    if value is None or value == "":
        raise MalformedValue(f"{name} is missing")
    return value


# --- registration (reference section 3) ----------------------------------------------------------


def check_user_identity(*, search_type: SearchType, search_value: str) -> IdentityCheck:
    """Is this account name, email or mobile (`00XX-XXXXXXXX`) still free to register a customer?"""
    if search_type not in ("email", "mobile", "name"):
        raise ValueError(f"search_type must be email, mobile or name, not {search_type!r}")
    request = m.CheckUserIdentityRequest(
        body=m.CheckSubcustomerUserReq(search_type=search_type, search_value=search_value)
    )

    def parse(response: m.CheckUserIdentityResponse) -> IdentityCheck:
        result = _required(response.check_result, "check_result")
        if result not in ("available", "used_by_user"):
            raise MalformedValue(f"unknown check_result {result!r}")
        return IdentityCheck(
            available=result == "available",
            mobile_remain_available_num=parse_int(response.mobile_remain_available_num),
        )

    return call("check_user_identity", bss_client().check_user_identity, request, parse=parse)


def send_verification_code(*, email: str, lang: str = "en-us", timeout_minutes: int = 10) -> None:
    """Email a verification code, needed to create a customer with that email. Valid `timeout_minutes`."""
    if lang not in ("en-us", "zh-cn"):
        raise ValueError(f"lang must be en-us or zh-cn, not {lang!r}")
    if not 1 <= timeout_minutes <= 60:
        # Huawei silently turns anything above 60 into 5 minutes.
        raise ValueError("timeout_minutes must be between 1 and 60")
    request = m.SendVerificationMessageCodeRequest(
        body=m.SendVerificationCodeV2Req(receiver_type=2, email=email, timeout=timeout_minutes, lang=lang)
    )
    call("send_verification_message_code", bss_client().send_verification_message_code, request, parse=_nothing)


def create_sub_customer(
    *,
    xaccount_id: str,
    domain_name: str,
    email: str | None = None,
    verification_code: str | None = None,
    password: str | None = None,
    domain_area: str,
    is_close_market_ms: bool = False,
) -> CreatedCustomer:
    """Create the customer's HUAWEI CLOUD account, associated with the partner as a reseller customer.

    Idempotent on `xaccount_id`: if HUAWEI CLOUD already created an account for it (a retry after a
    lost answer), returns that account's ids with `already_existed=True`.
    """
    if email and not verification_code:
        raise ValueError("an email needs the verification code sent to it (send_verification_code)")
    request = m.CreateSubCustomerRequest(
        body=m.CreateCustomerV2Req(
            domain_name=domain_name,
            email=email or None,
            verification_code=verification_code if email else None,
            domain_area=domain_area,
            xaccount_id=xaccount_id,
            xaccount_type=settings.HUAWEICLOUD["XACCOUNT_TYPE"],
            password=password or None,
            is_close_market_ms="true" if is_close_market_ms else "false",
        )
    )

    def parse(response: m.CreateSubCustomerResponse) -> CreatedCustomer:
        return CreatedCustomer(
            customer_id=_required(response.domain_id, "domain_id"),
            domain_name=parse_str(response.domain_name) or domain_name,
        )

    try:
        return call("create_sub_customer", bss_client().create_sub_customer, request, parse=parse)
    except CloudRejected as exc:
        existing_id = exc.details.get("domain_id")
        if exc.error_code != ALREADY_EXISTS or not existing_id:
            raise
        return CreatedCustomer(
            customer_id=str(existing_id),
            domain_name=parse_str(exc.details.get("domain_name")) or domain_name,
            already_existed=True,
        )


# --- customers (reference section 5.1) -----------------------------------------------------------


def list_sub_customers(
    *,
    offset: int = 0,
    limit: int = 100,
    customer_id: str | None = None,
    account_name: str | None = None,
    associated_on_begin: datetime | None = None,
    associated_on_end: datetime | None = None,
) -> Page[SubCustomer]:
    """One page of the partner's customers. `account_name` matches partly; datetimes must be aware."""
    if offset < 0 or not 1 <= limit <= 100:
        raise ValueError("offset must be >= 0 and limit between 1 and 100")
    request = m.ListSubCustomersRequest(
        body=m.QuerySubCustomerListReq(
            offset=offset,
            limit=limit,
            customer_id=customer_id or None,
            account_name=account_name or None,
            associated_on_begin=format_datetime(associated_on_begin) if associated_on_begin else None,
            associated_on_end=format_datetime(associated_on_end) if associated_on_end else None,
        )
    )

    def parse(response: m.ListSubCustomersResponse) -> Page[SubCustomer]:
        return Page(
            count=_required(parse_int(response.count), "count"),
            items=tuple(_sub_customer(info) for info in response.customer_infos or ()),
        )

    return call("list_sub_customers", bss_client().list_sub_customers, request, parse=parse)


def _sub_customer(info: m.CustomerInformation) -> SubCustomer:
    return SubCustomer(
        customer_id=parse_str(_required(info.customer_id, "customer_id")),
        account_name=parse_str(info.account_name),
        real_name=parse_str(info.customer),
        associated_on=parse_datetime(info.associated_on),
        association_type=parse_str(info.association_type),
        label=parse_str(info.label),
        telephone=parse_str(info.telephone),
        country_code=parse_str(info.country_code),
        verified_status=parse_str(info.verified_status),
        customer_type=parse_int(info.customer_type),
        is_frozen=bool(parse_int(info.is_frozen)),
        account_managers=tuple(parse_str(manager.account_name) for manager in info.account_managers or ()),
        xaccount_id=parse_str(info.xaccount_id),
        xaccount_type=parse_str(info.xaccount_type),
        customer_level=parse_str(info.customer_level),
        email=parse_str(info.email),
    )


def _nothing(response: Any) -> None:
    return None
