"""Price inquiries (reference 5.3): yearly/monthly, pay-per-use, and renewal of existing resources.

Ratings are "Public" (P|C). With a `customer` the call acts as that customer and sends their project
id, so their partner discounts apply; without one (a signed-out visitor) it uses the partner's
credentials and the partner's own project in the products' region (`HUAWEICLOUD["RATING_PROJECT_ID"]`
when set, else from an IAM project-scoped partner token).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from huaweicloudsdkbssintl.v2 import model as m

from huaweicloud import identity
from huaweicloud.calls import call
from huaweicloud.clients import bss_client
from huaweicloud.types import CustomerRef, MalformedValue, parse_decimal, parse_int, parse_str

R = TypeVar("R")

PERIOD_MONTH = 2
PERIOD_YEAR = 3
_ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class PeriodProduct:
    """One line to price for a yearly/monthly purchase. `id` is ours, unique within the inquiry."""

    id: str
    cloud_service_type: str  # hws.service.type.ec2
    resource_type: str  # hws.resource.type.vm
    resource_spec: str  # s6.small.1.linux, SAS, 19_bgp ...
    region: str
    period_type: int  # 2 month, 3 year
    period_num: int
    subscription_num: int = 1
    available_zone: str | None = None
    resource_size: int | None = None  # disks and bandwidth ("linear" products)
    size_measure_id: int | None = None  # 15 Mbps, 17 GB


@dataclass(frozen=True, slots=True)
class OnDemandProduct:
    """One line to price for pay-per-use: `usage_value` of `usage_factor` (e.g. 1 hour of Duration)."""

    id: str
    cloud_service_type: str
    resource_type: str
    resource_spec: str
    region: str
    usage_factor: str = "Duration"
    usage_value: Decimal = Decimal("1")
    usage_measure_id: int = 4  # hour
    subscription_num: int = 1
    available_zone: str | None = None
    resource_size: int | None = None
    size_measure_id: int | None = None


@dataclass(frozen=True, slots=True)
class ProductPrice:
    id: str  # the PeriodProduct / OnDemandProduct id
    product_id: str
    official_amount: Decimal
    discount_amount: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Offer:
    """A discount HUAWEI CLOUD offers for the whole inquiry (yearly/monthly and renewal)."""

    discount_id: str
    discount_type: int | None  # 605 business contract, 606 distributor contract, 607 partner-set
    discount_name: str
    official_amount: Decimal
    discount_amount: Decimal
    amount: Decimal
    best_offer: bool
    products: tuple[ProductPrice, ...]


@dataclass(frozen=True, slots=True)
class Rating:
    """The price: `amount` = `official_amount` - `discount_amount`, with the best offer applied."""

    official_amount: Decimal
    discount_amount: Decimal
    amount: Decimal
    currency: str
    products: tuple[ProductPrice, ...]
    offers: tuple[Offer, ...]
    best_offer: Offer | None


@dataclass(frozen=True, slots=True)
class ResourceFailure:
    """A resource a batch call left out, with HUAWEI CLOUD's reason (e.g. CBC.30050007 not a main resource)."""

    resource_id: str
    error_code: str
    error_msg: str


@dataclass(frozen=True, slots=True)
class RenewalRating:
    official_amount: Decimal
    discount_amount: Decimal
    amount: Decimal
    currency: str
    resources: tuple[tuple[str, Decimal], ...]  # (resource_id, official amount)
    offers: tuple[Offer, ...]
    best_offer: Offer | None
    failures: tuple[ResourceFailure, ...]


def _money(value: Any) -> Decimal:
    return parse_decimal(value) or _ZERO


def _currency(value: Any) -> str:
    return parse_str(value) or "USD"  # empty means USD on the international site (reference 1)


def _project_id(customer: CustomerRef | None, region: str) -> str:
    if customer is not None:
        return identity.customer_project_id(
            customer_id=customer.customer_id, account_name=customer.account_name, region=region
        )
    return settings.HUAWEICLOUD.get("RATING_PROJECT_ID") or identity.partner_project_id(region=region)


def _region(products: Sequence[PeriodProduct | OnDemandProduct]) -> str:
    if not products:
        raise ValueError("at least one product to price")
    regions = {product.region for product in products}
    if len(regions) != 1:
        # The project id in the request belongs to one region.
        raise ValueError("price one region per inquiry")
    if len({product.id for product in products}) != len(products):
        raise ValueError("product ids must be unique within an inquiry")
    return regions.pop()


def _rate(operation: str, request: Any, customer: CustomerRef | None, parse: Callable[[Any], R]) -> R:
    if customer is not None:
        return identity.call_as_customer(operation, customer, request, parse=parse, repeatable=True)
    return call(operation, getattr(bss_client(), operation), request, parse=parse)


def _best(offers: tuple[Offer, ...]) -> Offer | None:
    flagged = [offer for offer in offers if offer.best_offer]
    if flagged:
        return flagged[0]
    return min(offers, key=lambda offer: offer.amount, default=None)


# --- yearly/monthly --------------------------------------------------------------------------------


def rate_period(*, products: Sequence[PeriodProduct], customer: CustomerRef | None = None) -> Rating:
    """Price of buying `products` yearly/monthly (one region per inquiry)."""
    region = _region(products)
    for product in products:
        if product.period_type not in (PERIOD_MONTH, PERIOD_YEAR) or product.period_num < 1:
            raise ValueError("period_type must be 2 (month) or 3 (year) and period_num at least 1")
    request = m.ListRateOnPeriodDetailRequest(
        body=m.RateOnPeriodReq(
            project_id=_project_id(customer, region),
            product_infos=[
                m.PeriodProductInfo(
                    id=p.id,
                    cloud_service_type=p.cloud_service_type,
                    resource_type=p.resource_type,
                    resource_spec=p.resource_spec,
                    region=p.region,
                    available_zone=p.available_zone,
                    resource_size=p.resource_size,
                    size_measure_id=p.size_measure_id,
                    period_type=p.period_type,
                    period_num=p.period_num,
                    subscription_num=p.subscription_num,
                )
                for p in products
            ],
        )
    )
    return _rate("list_rate_on_period_detail", request, customer, _parse_period)


def _parse_period(response: m.ListRateOnPeriodDetailResponse) -> Rating:
    official = response.official_website_rating_result
    if official is None:
        raise MalformedValue("official_website_rating_result is missing")
    official_amount = _money(official.official_website_amount)
    official_products = tuple(
        ProductPrice(
            id=parse_str(p.id),
            product_id=parse_str(p.product_id),
            official_amount=_money(p.official_website_amount),
            discount_amount=_ZERO,
            amount=_money(p.official_website_amount),
        )
        for p in official.product_rating_results or ()
    )
    offers = tuple(
        Offer(
            discount_id=parse_str(o.discount_id),
            discount_type=parse_int(o.discount_type),
            discount_name=parse_str(o.discount_name),
            official_amount=_money(o.official_website_amount),
            discount_amount=_money(o.discount_amount),
            amount=_money(o.amount),
            best_offer=parse_int(o.best_offer) == 1,
            products=tuple(
                ProductPrice(
                    id=parse_str(p.id),
                    product_id=parse_str(p.product_id),
                    official_amount=_money(p.official_website_amount),
                    discount_amount=_money(p.discount_amount),
                    amount=_money(p.amount),
                )
                for p in o.product_rating_results or ()
            ),
        )
        for o in response.optional_discount_rating_results or ()
    )
    best = _best(offers)
    return Rating(
        official_amount=official_amount,
        discount_amount=best.discount_amount if best else _ZERO,
        amount=best.amount if best else official_amount,
        currency=_currency(response.currency),
        products=best.products if best and best.products else official_products,
        offers=offers,
        best_offer=best,
    )


# --- pay-per-use -----------------------------------------------------------------------------------


def rate_on_demand(
    *, products: Sequence[OnDemandProduct], customer: CustomerRef | None = None, precise: bool = False
) -> Rating:
    """Price of using `products` pay-per-use for `usage_value` (e.g. one hour). `precise`: 10 decimals."""
    region = _region(products)
    request = m.ListOnDemandResourceRatingsRequest(
        body=m.RateOnDemandReq(
            project_id=_project_id(customer, region),
            inquiry_precision=1 if precise else 0,
            product_infos=[
                m.DemandProductInfo(
                    id=p.id,
                    cloud_service_type=p.cloud_service_type,
                    resource_type=p.resource_type,
                    resource_spec=p.resource_spec,
                    region=p.region,
                    available_zone=p.available_zone,
                    resource_size=p.resource_size,
                    size_measure_id=p.size_measure_id,
                    usage_factor=p.usage_factor,
                    usage_value=p.usage_value,
                    usage_measure_id=p.usage_measure_id,
                    subscription_num=p.subscription_num,
                )
                for p in products
            ],
        )
    )
    return _rate("list_on_demand_resource_ratings", request, customer, _parse_on_demand)


def _parse_on_demand(response: m.ListOnDemandResourceRatingsResponse) -> Rating:
    if response.amount is None or response.official_website_amount is None:
        raise MalformedValue("amount is missing")
    products = tuple(
        ProductPrice(
            id=parse_str(p.id),
            product_id=parse_str(p.product_id),
            official_amount=_money(p.official_website_amount),
            discount_amount=_money(p.discount_amount),
            amount=_money(p.amount),
        )
        for p in response.product_rating_results or ()
    )
    # Pay-per-use prices come with the discounts already applied: there is nothing to choose.
    return Rating(
        official_amount=_money(response.official_website_amount),
        discount_amount=_money(response.discount_amount),
        amount=_money(response.amount),
        currency=_currency(response.currency),
        products=products,
        offers=(),
        best_offer=None,
    )


# --- renewal ---------------------------------------------------------------------------------------


def rate_renewal(
    *,
    customer: CustomerRef,
    resource_ids: Sequence[str],
    period_type: int,
    period_num: int,
    include_relative_resources: bool = True,
) -> RenewalRating:
    """What renewing the customer's (main) resources would cost. Resources that cannot be renewed
    come back in `failures`, not as an error."""
    _check_renewal(resource_ids, period_type, period_num)
    request = m.ListRenewRateOnPeriodRequest(
        body=m.ListRenewRateOnPeriodReq(
            resource_ids=list(resource_ids),
            period_type=period_type,
            period_num=period_num,
            include_relative_resources=include_relative_resources,
        )
    )
    return identity.call_as_customer(
        "list_renew_rate_on_period", customer, request, parse=_parse_renewal, repeatable=True
    )


def _check_renewal(resource_ids: Sequence[str], period_type: int, period_num: int) -> None:
    if isinstance(resource_ids, str) or not 1 <= len(resource_ids) <= 10:
        raise ValueError("between 1 and 10 resource ids")
    top = 11 if period_type == PERIOD_MONTH else 3
    if period_type not in (PERIOD_MONTH, PERIOD_YEAR) or not 1 <= period_num <= top:
        raise ValueError("renew 1-11 months (period_type 2) or 1-3 years (period_type 3)")


def _parse_renewal(response: m.ListRenewRateOnPeriodResponse) -> RenewalRating:
    official = response.official_website_rating_result
    official_amount = _money(official.official_website_amount if official else None)
    offers = tuple(
        Offer(
            discount_id=parse_str(o.discount_id),
            discount_type=parse_int(o.discount_type),
            discount_name=parse_str(o.discount_name),
            official_amount=_money(o.official_website_amount),
            discount_amount=_money(o.discount_amount),
            amount=_money(o.amount),
            best_offer=parse_int(o.best_offer) == 1,
            products=(),
        )
        for o in response.optional_discount_rating_results or ()
    )
    best = _best(offers)
    return RenewalRating(
        official_amount=official_amount,
        discount_amount=best.discount_amount if best else _ZERO,
        amount=best.amount if best else official_amount,
        currency=_currency(response.currency),
        resources=tuple((parse_str(r.resource_id), _money(r.amount)) for r in response.renew_inquiry_results or ()),
        offers=offers,
        best_offer=best,
        failures=failures_from(response.fail_resource_infos),
    )


def failures_from(infos: Any) -> tuple[ResourceFailure, ...]:
    """`fail_resource_infos` of a batch answer as data (reference 8: per-item failures raise nothing)."""
    return tuple(
        ResourceFailure(
            resource_id=parse_str(info.resource_id),
            error_code=parse_str(info.error_code),
            error_msg=parse_str(info.error_msg),
        )
        for info in infos or ()
    )
