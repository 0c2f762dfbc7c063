"""Yearly/monthly orders (reference 5.4, 5.5, 5.8): list, details, discounts, pay, cancel, refunds, coupons.

Orders are created in the HUAWEI CLOUD console or by renewals and unsubscriptions; there is no
"create order" API. Paying and cancelling act as the customer (C only); reads act as the customer
too, or as the partner where noted.

Paying is money-moving and is never repeated here, not by the SDK, not by this module. When
`order_pay` raises `CloudUnavailable` with `maybe_applied=True` (the request went out and the answer
was lost), the payment may have happened: call `order_detail` and look at `order.status`
(`STATUS_PENDING_PAYMENT` still 6 -> not paid, safe to offer payment again; `STATUS_PROCESSING` 3 or
`STATUS_COMPLETED` 5 -> paid). With `maybe_applied=False` nothing reached HUAWEI CLOUD.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from huaweicloudsdkbssintl.v2 import model as m

from huaweicloud import identity
from huaweicloud.calls import call
from huaweicloud.clients import bss_client
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

# Order status (reference 5.4). The list filter accepts 1, 3, 4, 5, 6 and 9.
STATUS_PENDING_APPROVAL = 1
STATUS_PENDING_REFUND = 2
STATUS_PROCESSING = 3
STATUS_CANCELLED = 4
STATUS_COMPLETED = 5
STATUS_PENDING_PAYMENT = 6
STATUS_PENDING_CONFIRMATION = 9
FILTER_STATUSES = frozenset({1, 3, 4, 5, 6, 9})
# Order types: 1 new purchase, 2 renewal, 3 change, 4 unsubscription, 10 to pay-per-use, 11 to
# yearly/monthly, 13 trial, 14 trial to commercial, 15 fee adjustment.
ORDER_TYPES = frozenset({1, 2, 3, 4, 10, 11, 13, 14, 15})
# Coupon type sent with a payment: the coupons `coupons_list` returns are cash coupons (type 1).
CASH_COUPON = 301
MAX_LIMIT = 100
_ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class Discount:
    discount_type: str  # 300 discount coupon, 301 cash coupon, 500-502 agent, 600-607 contract, 609 ...
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    customer_id: str
    service_type_code: str
    service_type_name: str
    source_type: int | None  # 1 customer, 2 agent, ...
    status: int | None
    order_type: int | None
    official_amount: Decimal
    amount: Decimal  # after discounts
    currency: str
    created_at: datetime | None
    paid_at: datetime | None
    discounts: tuple[Discount, ...]
    coupon_amount: Decimal
    # Only in `order_detail`:
    user_name: str = ""
    pay_before: datetime | None = None  # pending_payment_end_time

    @property
    def discount_amount(self) -> Decimal:
        return self.official_amount - self.amount


@dataclass(frozen=True, slots=True)
class OrderLineItem:
    order_line_item_id: str
    order_id: str
    service_type_code: str
    service_type_name: str
    product_id: str
    product_spec_desc: str
    period_type: int | None  # 0 day, 1 week, 2 month, 3 year, 4 hour, 5 one-off, 6 on-demand
    period_num: int | None
    subscription_num: int | None
    effective_at: datetime | None
    expires_at: datetime | None
    official_amount: Decimal
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class OrderDetail:
    order: Order
    line_items: tuple[OrderLineItem, ...]


@dataclass(frozen=True, slots=True)
class DiscountLine:
    order_id: str
    order_line_item_ids: tuple[str, ...]
    discount_mode: int | None  # 0 rate, 1 fixed price, 2 reduction
    discount_amount: Decimal | None
    discount_ratio: Decimal | None


@dataclass(frozen=True, slots=True)
class OrderDiscount:
    """A discount that may be used when paying an order: pass it to `order_pay(discount=...)`."""

    discount_id: str
    discount_type: int  # 0 promotion, 1 contract, 2 business, 3 partner-granted, 609 price adjustment
    discount_value: str
    lines: tuple[DiscountLine, ...]


@dataclass(frozen=True, slots=True)
class RefundLine:
    id: str
    amount: Decimal  # negative = refunded to the customer; positive = consumed amount or fee
    customer_id: str
    service_type_code: str
    service_type_name: str
    resource_type_code: str
    resource_type_name: str
    region_code: str
    base_order_id: str  # the original order this amount belongs to


@dataclass(frozen=True, slots=True)
class Coupon:
    coupon_id: str
    coupon_code: str
    status: int | None  # 1 not activated, 2 usable, 3 used, 4 expired, 5 reclaimed
    coupon_type: int | None  # 1 cash coupon
    face_value: Decimal
    balance: Decimal | None
    currency: str
    valid_from: datetime | None
    expires_at: datetime | None
    plan_name: str
    order_id: str


def _money(value: Any) -> Decimal:
    return parse_decimal(value) or _ZERO


def _check_page(offset: int, limit: int) -> None:
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"offset must be >= 0 and limit between 1 and {MAX_LIMIT}")


def _order(info: Any) -> Order:
    amounts = info.amount_info
    return Order(
        order_id=parse_str(_required(info.order_id, "order_id")),
        customer_id=parse_str(info.customer_id),
        service_type_code=parse_str(info.service_type_code),
        service_type_name=parse_str(info.service_type_name),
        source_type=parse_int(info.source_type),
        status=parse_int(info.status),
        order_type=parse_int(info.order_type),
        official_amount=_money(info.official_amount),
        amount=_money(info.amount_after_discount),
        currency=parse_str(info.currency) or "USD",
        created_at=parse_datetime(info.create_time),
        paid_at=parse_datetime(info.payment_time),
        discounts=tuple(
            Discount(discount_type=parse_str(d.discount_type), amount=_money(d.discount_amount))
            for d in (amounts.discounts if amounts else None) or ()
        ),
        coupon_amount=_money(amounts.coupon_amount if amounts else None),
        user_name=parse_str(getattr(info, "user_name", None)),
        pay_before=parse_datetime(getattr(info, "pending_payment_end_time", None)),
    )


def _required(value: Any, name: str) -> Any:
    if value is None or value == "":
        raise MalformedValue(f"{name} is missing")
    return value


# --- reads -------------------------------------------------------------------------------------------


def orders_list(
    *,
    customer: CustomerRef,
    status: int | None = None,
    order_type: int | None = None,
    order_id: str | None = None,
    service_type_code: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    newest_first: bool = True,
    offset: int = 0,
    limit: int = 10,
    as_partner: bool = False,
) -> Page[Order]:
    """One page of the customer's orders. `as_partner`: ask with the partner's credentials
    (`method=sub_customer`), e.g. from staff pages, without a customer token."""
    _check_page(offset, limit)
    if status is not None and status not in FILTER_STATUSES:
        raise ValueError(f"status filter must be one of {sorted(FILTER_STATUSES)}")
    if order_type is not None and order_type not in ORDER_TYPES:
        raise ValueError(f"order_type must be one of {sorted(ORDER_TYPES)}")
    request = m.ListCustomerOrdersRequest(
        order_id=order_id or None,
        status=status,
        order_type=str(order_type) if order_type is not None else None,  # a string in the filter
        service_type_code=service_type_code or None,
        create_time_begin=format_datetime(created_from) if created_from else None,
        create_time_end=format_datetime(created_to) if created_to else None,
        order_by="-createTime" if newest_first else "createTime",
        offset=offset,
        limit=limit,
    )

    def parse(response: m.ListCustomerOrdersResponse) -> Page[Order]:
        return Page(
            count=_required(parse_int(response.total_count), "total_count"),
            items=tuple(_order(info) for info in response.order_infos or ()),
        )

    if as_partner:
        request.customer_id = customer.customer_id
        request.method = "sub_customer"
        return call("list_customer_orders", bss_client().list_customer_orders, request, parse=parse)
    return identity.call_as_customer("list_customer_orders", customer, request, parse=parse, repeatable=True)


# Line items come in pages of at most 100; an order with more than this many is not one we sell.
_MAX_LINE_PAGES = 10


def order_detail(*, customer: CustomerRef, order_id: str, language: str = "en_US") -> OrderDetail:
    """The order with all its line items, as the customer. Also the way to learn whether a payment
    whose answer was lost went through (see the module docstring)."""
    if language not in ("en_US", "zh_CN"):
        raise ValueError("language must be en_US or zh_CN")
    lines: list[OrderLineItem] = []
    for _page in range(_MAX_LINE_PAGES):
        request = m.ShowCustomerOrderDetailsRequest(
            order_id=order_id, x_language=language, offset=len(lines), limit=MAX_LIMIT
        )
        order, page_lines, total = identity.call_as_customer(
            "show_customer_order_details", customer, request, parse=_parse_detail_page, repeatable=True
        )
        lines.extend(page_lines)
        if not page_lines or len(lines) >= total:
            break
    return OrderDetail(order=order, line_items=tuple(lines))


def _parse_detail_page(response: m.ShowCustomerOrderDetailsResponse) -> tuple[Order, list[OrderLineItem], int]:
    info = _required(response.order_info, "order_info")
    order = _order(info)
    lines = [
        OrderLineItem(
            order_line_item_id=parse_str(_required(line.order_line_item_id, "order_line_item_id")),
            order_id=parse_str(line.order_id) or order.order_id,
            service_type_code=parse_str(line.service_type_code),
            service_type_name=parse_str(line.service_type_name),
            product_id=parse_str(line.product_id),
            product_spec_desc=parse_str(line.product_spec_desc),
            period_type=parse_int(line.period_type),
            period_num=parse_int(line.period_num),
            subscription_num=parse_int(line.subscription_num),
            effective_at=parse_datetime(line.effective_time),
            expires_at=parse_datetime(line.expire_time),
            official_amount=_money(line.official_amount),
            amount=_money(line.amount_after_discount),
            currency=parse_str(line.currency) or "USD",
        )
        for line in response.order_line_items or ()
    ]
    return order, lines, parse_int(response.total_count) or 0


def order_discounts(*, customer: CustomerRef, order_id: str) -> tuple[OrderDiscount, ...]:
    """Discounts the customer may use to pay this pending-payment order."""
    request = m.ListOrderDiscountsRequest(order_id=order_id)

    def parse(response: m.ListOrderDiscountsResponse) -> tuple[OrderDiscount, ...]:
        return tuple(
            OrderDiscount(
                discount_id=parse_str(_required(d.discount_id, "discount_id")),
                discount_type=_required(parse_int(d.discount_type), "discount_type"),
                discount_value=parse_str(d.discount_value),
                lines=tuple(
                    DiscountLine(
                        order_id=parse_str(o.order_id),
                        order_line_item_ids=tuple(parse_str(i) for i in line.order_line_item_ids or ()),
                        discount_mode=parse_int(line.discount_mode),
                        discount_amount=parse_decimal(line.discount_amount),
                        discount_ratio=parse_decimal(line.discount_ratio),
                    )
                    for o in d.orders or ()
                    for line in o.order_line_items or ()
                ),
            )
            for d in response.discounts or ()
        )

    return identity.call_as_customer("list_order_discounts", customer, request, parse=parse, repeatable=True)


def refund_order_detail(*, customer_id: str, order_id: str) -> tuple[RefundLine, ...]:
    """What an unsubscription (or downgrade) order refunds, per resource, as the partner."""
    request = m.ShowRefundOrderDetailsRequest(order_id=order_id, customer_id=customer_id)

    def parse(response: m.ShowRefundOrderDetailsResponse) -> tuple[RefundLine, ...]:
        return tuple(
            RefundLine(
                id=parse_str(info.id),
                amount=_money(info.amount),
                customer_id=parse_str(info.customer_id),
                service_type_code=parse_str(info.service_type_code),
                service_type_name=parse_str(info.service_type_name),
                resource_type_code=parse_str(info.resource_type_code),
                resource_type_name=parse_str(info.resource_type_name),
                region_code=parse_str(info.region_code),
                base_order_id=parse_str(info.base_order_id),
            )
            for info in response.refund_infos or ()
        )

    return call("show_refund_order_details", bss_client().show_refund_order_details, request, parse=parse)


def coupons_list(
    *,
    customer: CustomerRef,
    status: int | None = None,
    order_id: str | None = None,
    offset: int = 0,
    limit: int = 10,
) -> Page[Coupon]:
    """The customer's coupons, as the customer (2 = usable)."""
    _check_page(offset, limit)
    request = m.ListSubCustomerCouponsRequest(status=status, order_id=order_id or None, offset=offset, limit=limit)

    def parse(response: m.ListSubCustomerCouponsResponse) -> Page[Coupon]:
        return Page(
            count=_required(parse_int(response.count), "count"),
            items=tuple(
                Coupon(
                    coupon_id=parse_str(_required(c.coupon_id, "coupon_id")),
                    coupon_code=parse_str(c.coupon_code),
                    status=parse_int(c.status),
                    coupon_type=parse_int(c.coupon_type),
                    face_value=_money(c.face_value),
                    balance=parse_decimal(c.balance),
                    currency=parse_str(c.currency) or "USD",
                    valid_from=parse_datetime(c.valid_time),
                    expires_at=parse_datetime(c.expire_time),
                    plan_name=parse_str(c.plan_name),
                    order_id=parse_str(c.order_id),
                )
                for c in response.user_coupons or ()
            ),
        )

    return identity.call_as_customer("list_sub_customer_coupons", customer, request, parse=parse, repeatable=True)


# --- writes (customer only) ------------------------------------------------------------------------


def order_pay(
    *,
    customer: CustomerRef,
    order_id: str,
    coupon_ids: Sequence[str] = (),
    discount: OrderDiscount | None = None,
) -> None:
    """Pay a pending-payment order as the customer, with up to 3 cash coupons or one discount.

    Never retried. `CloudUnavailable(maybe_applied=True)`: resolve with `order_detail` (module docstring).
    """
    if isinstance(coupon_ids, str) or len(coupon_ids) > 3:
        raise ValueError("at most 3 coupon ids, as a sequence")
    if coupon_ids and discount is not None:
        # HUAWEI CLOUD: paying with a coupon forfeits the discount (reference 5.4).
        raise ValueError("pay with coupons or with a discount, not both")
    body = m.PayCustomerOrderV3Req(
        order_id=order_id,
        use_coupon="YES" if coupon_ids else "NO",
        use_discount="YES" if discount is not None else "NO",
        coupon_infos=[m.CouponSimpleInfoOrderPayV3(id=cid, type=CASH_COUPON) for cid in coupon_ids] or None,
        discount_infos=(
            [m.DiscountSimpleInfoV3(id=discount.discount_id, type=discount.discount_type)] if discount else None
        ),
    )
    identity.call_as_customer("pay_orders", customer, m.PayOrdersRequest(body=body), parse=_nothing)


def order_cancel(*, customer: CustomerRef, order_id: str) -> None:
    """Cancel a pending-payment order as the customer (other statuses: CloudRejected)."""
    request = m.CancelCustomerOrderRequest(body=m.CancelCustomerOrderReq(order_id=order_id))
    identity.call_as_customer("cancel_customer_order", customer, request, parse=_nothing)


def _nothing(response: Any) -> None:
    return None
