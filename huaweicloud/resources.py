"""The customer's resources (reference 5.6, 5.9-5.12): yearly/monthly subscriptions and what can be
done to them (renew, unsubscribe, auto-renewal), and pay-per-use resources.

Renewals and unsubscriptions are batches: resources HUAWEI CLOUD left out come back in
`BatchResult.failures` (e.g. CBC.30050007 "not a main resource"), not as an exception. They move
money and are never repeated here; after `CloudUnavailable(maybe_applied=True)` look at the
resources (`subscriptions_list(resource_ids=...)`: `expires_at`, `status`) or the customer's orders
before offering the action again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal

from huaweicloudsdkbssintl.v2 import model as m

from huaweicloud import identity
from huaweicloud.calls import call
from huaweicloud.clients import bss_client
from huaweicloud.ratings import (
    PERIOD_MONTH,
    PERIOD_YEAR,
    RenewalRating,
    ResourceFailure,
    failures_from,
    rate_renewal,
)
from huaweicloud.types import (
    CustomerRef,
    MalformedValue,
    Page,
    format_datetime,
    parse_datetime,
    parse_decimal,
    parse_int,
    parse_str,
)

# Yearly/monthly resource status (5.6).
STATUS_IN_USE = 2
STATUS_CLOSED = 3
STATUS_FROZEN = 4
STATUS_EXPIRED = 5
# expire_policy: 0 grace period, 1 to pay-per-use, 2 delete, 3 auto-renew, 4 freeze, 5 delete after retention.
EXPIRE_POLICY_AUTO_RENEW = 3
# Unsubscribe: 1 the resource and its renewed periods, 2 only the renewed periods not yet started.
UNSUBSCRIBE_ALL = 1
UNSUBSCRIBE_RENEWALS = 2
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Subscription:
    """A yearly/monthly resource (`OrderInstanceV2`)."""

    id: str
    resource_id: str
    resource_name: str
    region_code: str
    service_type_code: str
    service_type_name: str
    resource_type_code: str
    resource_type_name: str
    resource_spec_code: str
    product_spec_desc: str
    project_id: str
    product_id: str
    parent_resource_id: str
    is_main_resource: bool
    status: int | None
    effective_at: datetime | None
    expires_at: datetime | None
    expire_policy: int | None
    spec_size: Decimal | None
    spec_size_measure_id: int | None
    updated_at: datetime | None

    @property
    def auto_renew(self) -> bool:
        return self.expire_policy == EXPIRE_POLICY_AUTO_RENEW


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Orders a renewal or unsubscription created, and the resources it left out."""

    order_ids: tuple[str, ...]
    failures: tuple[ResourceFailure, ...]


@dataclass(frozen=True, slots=True)
class OnDemandResource:
    """A pay-per-use resource; HUAWEI CLOUD says the data is delayed and for reference (5.12)."""

    customer_id: str
    resource_id: str
    resource_name: str
    region_code: str
    availability_zone_code: str
    service_type_code: str
    service_type_name: str
    resource_type_code: str
    resource_type_name: str
    resource_spec_code: str
    product_spec_desc: str
    status: int | None  # 1 normal, 2 grace period, 3 frozen, 4 changing, 5 closing, 6 closed
    effective_at: datetime | None
    expires_at: datetime | None
    resource_info: MappingProxyType  # e.g. {"specSize": 40.0}


def _check_page(offset: int, limit: int) -> None:
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"offset must be >= 0 and limit between 1 and {MAX_LIMIT}")


def _ids(resource_ids: Sequence[str], maximum: int) -> list[str]:
    if isinstance(resource_ids, str) or len(resource_ids) > maximum:
        raise ValueError(f"at most {maximum} resource ids, as a sequence")
    return list(resource_ids)


def _required(value: Any, name: str) -> Any:
    if value is None or value == "":
        raise MalformedValue(f"{name} is missing")
    return value


# --- yearly/monthly ---------------------------------------------------------------------------------


def subscriptions_list(
    *,
    customer: CustomerRef,
    resource_ids: Sequence[str] = (),
    order_id: str | None = None,
    only_main: bool = False,
    statuses: Sequence[int] = (),
    expires_from: datetime | None = None,
    expires_to: datetime | None = None,
    service_type_code: str | None = None,
    offset: int = 0,
    limit: int = 10,
) -> Page[Subscription]:
    """The customer's yearly/monthly resources, as the customer (the SDK calls this
    `list_pay_per_use_customer_resources`). `order_id`: the resources an order provisioned (5.7)."""
    _check_page(offset, limit)
    if any(status not in (2, 3, 4, 5) for status in statuses):
        raise ValueError("statuses are 2 in use, 3 closed, 4 frozen, 5 expired")
    request = m.ListPayPerUseCustomerResourcesRequest(
        body=m.QueryResourcesReq(
            resource_ids=_ids(resource_ids, 50) or None,
            order_id=order_id or None,
            only_main_resource=1 if only_main else 0,
            status_list=list(statuses) or None,
            expire_time_begin=format_datetime(expires_from) if expires_from else None,
            expire_time_end=format_datetime(expires_to) if expires_to else None,
            service_type_code=service_type_code or None,
            offset=offset,
            limit=limit,
        )
    )

    def parse(response: m.ListPayPerUseCustomerResourcesResponse) -> Page[Subscription]:
        return Page(
            count=_required(parse_int(response.total_count), "total_count"),
            items=tuple(_subscription(item) for item in response.data or ()),
        )

    return identity.call_as_customer(
        "list_pay_per_use_customer_resources", customer, request, parse=parse, repeatable=True
    )


def _subscription(item: Any) -> Subscription:
    return Subscription(
        id=parse_str(item.id),
        resource_id=parse_str(_required(item.resource_id, "resource_id")),
        resource_name=parse_str(item.resource_name),
        region_code=parse_str(item.region_code),
        service_type_code=parse_str(item.service_type_code),
        service_type_name=parse_str(item.service_type_name),
        resource_type_code=parse_str(item.resource_type_code),
        resource_type_name=parse_str(item.resource_type_name),
        resource_spec_code=parse_str(item.resource_spec_code),
        product_spec_desc=parse_str(item.product_spec_desc),
        project_id=parse_str(item.project_id),
        product_id=parse_str(item.product_id),
        parent_resource_id=parse_str(item.parent_resource_id),
        is_main_resource=parse_int(item.is_main_resource) == 1,
        status=parse_int(item.status),
        effective_at=parse_datetime(item.effective_time),
        expires_at=parse_datetime(item.expire_time),
        expire_policy=parse_int(item.expire_policy),
        spec_size=parse_decimal(item.spec_size),
        spec_size_measure_id=parse_int(item.spec_size_measure_id),
        updated_at=parse_datetime(item.update_time),
    )


def renewal_quote(
    *,
    customer: CustomerRef,
    resource_ids: Sequence[str],
    period_type: int,
    period_num: int,
    include_relative_resources: bool = True,
) -> RenewalRating:
    """What renewing would cost (same as `huaweicloud.ratings.rate_renewal`)."""
    return rate_renewal(
        customer=customer,
        resource_ids=resource_ids,
        period_type=period_type,
        period_num=period_num,
        include_relative_resources=include_relative_resources,
    )


def _batch(response: Any) -> BatchResult:
    return BatchResult(
        order_ids=tuple(parse_str(order_id) for order_id in response.order_ids or ()),
        failures=failures_from(response.fail_resource_infos),
    )


def resources_renew(
    *,
    customer: CustomerRef,
    resource_ids: Sequence[str],
    period_type: int,
    period_num: int,
    auto_pay: bool = False,
) -> BatchResult:
    """Renew main resources (attached ones follow). `auto_pay=False` leaves pending-payment orders
    to pay with `orders.order_pay`; True pays at once by HUAWEI CLOUD's auto-pay rules. Never retried."""
    ids = _ids(resource_ids, 10)
    top = 11 if period_type == PERIOD_MONTH else 3
    if not ids or period_type not in (PERIOD_MONTH, PERIOD_YEAR) or not 1 <= period_num <= top:
        raise ValueError("1-10 resource ids; 1-11 months (period_type 2) or 1-3 years (period_type 3)")
    request = m.RenewalResourcesRequest(
        body=m.RenewalResourcesReq(
            resource_ids=ids, period_type=period_type, period_num=period_num, is_auto_pay=1 if auto_pay else 0
        )
    )
    return identity.call_as_customer("renewal_resources", customer, request, parse=_batch)


def resources_unsubscribe(
    *,
    customer: CustomerRef,
    resource_ids: Sequence[str],
    unsubscribe_type: int = UNSUBSCRIBE_ALL,
    reason_type: int | None = None,
    reason: str = "",
) -> BatchResult:
    """Unsubscribe main resources; the order ids are unsubscription orders (refunds:
    `orders.refund_order_detail`). `reason_type`: 1 hard to use, 2 missing functions, 3 too complex,
    4 unhappy with service, 5 other. Cannot be undone. Never retried."""
    ids = _ids(resource_ids, 10)
    if not ids or unsubscribe_type not in (UNSUBSCRIBE_ALL, UNSUBSCRIBE_RENEWALS):
        raise ValueError("1-10 resource ids; unsubscribe_type 1 or 2")
    if reason_type is not None and not 1 <= reason_type <= 5:
        raise ValueError("reason_type is 1 to 5")
    request = m.CancelResourcesSubscriptionRequest(
        body=m.UnsubscribeResourcesReq(
            resource_ids=ids,
            unsubscribe_type=unsubscribe_type,
            unsubscribe_reason_type=reason_type,
            unsubscribe_reason=reason or None,
        )
    )
    return identity.call_as_customer("cancel_resources_subscription", customer, request, parse=_batch)


def autorenew_enable(
    *,
    customer: CustomerRef,
    resource_id: str,
    times: int | None = None,
    period: Literal["MONTH", "YEAR"] | None = None,
) -> None:
    """Renew automatically at expiry, `times` times (0 or None = unlimited), each for `period`
    (None = the last order's period). On an ECS this covers its disks."""
    if times is not None and not 0 <= times <= 99:
        raise ValueError("times is 0 (unlimited) to 99")
    if period not in (None, "MONTH", "YEAR"):
        raise ValueError("period is MONTH or YEAR")
    request = m.AutoRenewalResourcesRequest(
        resource_id=resource_id, body=m.AutoRenewalResourcesReq(auto_renew_times=times, period_type=period)
    )
    identity.call_as_customer("auto_renewal_resources", customer, request, parse=_nothing)


def autorenew_disable(*, customer: CustomerRef, resource_id: str) -> None:
    request = m.CancelAutoRenewalResourcesRequest(resource_id=resource_id)
    identity.call_as_customer("cancel_auto_renewal_resources", customer, request, parse=_nothing)


def _nothing(response: Any) -> None:
    return None


# --- pay-per-use (partner) ------------------------------------------------------------------------------


def on_demand_resources_list(
    *,
    customer_id: str,
    region_code: str | None = None,
    service_type_code: str | None = None,
    resource_ids: Sequence[str] = (),
    status: int | None = None,
    effective_from: datetime | None = None,
    effective_to: datetime | None = None,
    offset: int = 0,
    limit: int = 10,
    language: str = "en_US",
) -> Page[OnDemandResource]:
    """A customer's pay-per-use resources, as the partner."""
    _check_page(offset, limit)
    if status is not None and not 1 <= status <= 6:
        raise ValueError("status is 1 to 6")
    request = m.ListCustomerOnDemandResourcesRequest(
        x_language=language,
        body=m.QueryCustomerOnDemandResourcesReq(
            customer_id=customer_id,
            region_code=region_code or None,
            service_type_code=service_type_code or None,
            resource_ids=_ids(resource_ids, 50) or None,
            effective_time_begin=format_datetime(effective_from) if effective_from else None,
            effective_time_end=format_datetime(effective_to) if effective_to else None,
            status=status,
            offset=offset,
            limit=limit,
        ),
    )

    def parse(response: m.ListCustomerOnDemandResourcesResponse) -> Page[OnDemandResource]:
        return Page(
            count=_required(parse_int(response.total_count), "total_count"),
            items=tuple(_on_demand(item) for item in response.resources or ()),
        )

    return call(
        "list_customer_on_demand_resources", bss_client().list_customer_on_demand_resources, request, parse=parse
    )


def _on_demand(item: Any) -> OnDemandResource:
    info: Any = {}
    if item.resource_info:
        # A JSON document inside a string field.
        try:
            info = json.loads(item.resource_info)
        except ValueError:
            raise MalformedValue("resource_info is not JSON") from None
        if not isinstance(info, dict):
            raise MalformedValue("resource_info is not a JSON object")
    return OnDemandResource(
        customer_id=parse_str(item.customer_id),
        resource_id=parse_str(_required(item.resource_id, "resource_id")),
        resource_name=parse_str(item.resource_name),
        region_code=parse_str(item.region_code),
        availability_zone_code=parse_str(item.availability_zone_code),
        service_type_code=parse_str(item.service_type_code),
        service_type_name=parse_str(item.service_type_name),
        resource_type_code=parse_str(item.resource_type_code),
        resource_type_name=parse_str(item.resource_type_name),
        resource_spec_code=parse_str(item.resource_spec_code),
        product_spec_desc=parse_str(item.product_spec_desc),
        status=parse_int(item.status),
        effective_at=parse_datetime(item.effective_time),
        expires_at=parse_datetime(item.expire_time),
        resource_info=MappingProxyType(info),
    )
