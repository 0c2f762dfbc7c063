"""Price inquiry (reference 5.3): the small catalogue we sell from, and a cached price per inquiry.

The catalogue codes are HUAWEI CLOUD's (`hws.service.type.*`, `hws.resource.type.*`, resource specs);
we keep the few services, specs and regions we sell here rather than fetch the whole catalogue.
Prices come from `list_rate_on_period_detail` (yearly/monthly) and `list_on_demand_resource_ratings`
(pay-per-use), as the signed-in customer (their discounts apply) or, for a visitor, as the partner.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from huaweicloud import ratings
from huaweicloud.errors import CloudRejected, CloudUnavailable
from huaweicloud.types import CustomerRef

CACHE_SECONDS = 300

REGIONS = {
    "ap-southeast-1": _("CN-Hong Kong"),
    "ap-southeast-2": _("AP-Bangkok"),
    "ap-southeast-3": _("AP-Singapore"),
    "ap-southeast-4": _("AP-Jakarta"),
    "af-south-1": _("AF-Johannesburg"),
    "la-south-2": _("LA-Santiago"),
}
DEFAULT_REGION = "ap-southeast-3"


@dataclass(frozen=True)
class Service:
    code: str  # ecs | evs | vpc | eip: the SSO console's service names
    name: object
    cloud_service_type: str
    resource_type: str
    specs: tuple[tuple[str, object], ...]
    size_label: object = ""
    size_measure_id: int | None = None  # linear products: GB (17) or Mbit/s (15)
    min_size: int = 1
    max_size: int = 1
    default_size: int | None = None


def _ecs_specs() -> tuple[tuple[str, object], ...]:
    sizes = {
        "s6": [("small.1", 1, 1), ("medium.2", 1, 2), ("large.2", 2, 4), ("xlarge.2", 4, 8), ("2xlarge.2", 8, 16)],
        "c7": [("large.2", 2, 4), ("xlarge.2", 4, 8), ("2xlarge.2", 8, 16)],
        "m7": [("large.8", 2, 16), ("xlarge.8", 4, 32), ("2xlarge.8", 8, 64)],
    }
    specs = []
    for family, rows in sizes.items():
        for size, cpus, gib in rows:
            for os_code, os_name in (("linux", "Linux"), ("win", "Windows")):
                specs.append((f"{family}.{size}.{os_code}", f"{family}.{size} · {cpus} vCPU · {gib} GiB · {os_name}"))
    return tuple(specs)


SERVICES = {
    "ecs": Service(
        "ecs", _("Elastic Cloud Server (ECS)"), "hws.service.type.ec2", "hws.resource.type.vm", _ecs_specs()
    ),
    "evs": Service(
        "evs",
        _("Elastic Volume Service (EVS)"),
        "hws.service.type.ebs",
        "hws.resource.type.volume",
        (
            ("SATA", _("Common I/O (SATA)")),
            ("SAS", _("High I/O (SAS)")),
            ("GPSSD", _("General Purpose SSD")),
            ("SSD", _("Ultra-high I/O (SSD)")),
        ),
        size_label=_("Size (GB)"),
        size_measure_id=17,
        min_size=10,
        max_size=32768,
        default_size=40,
    ),
    "vpc": Service(
        "vpc",
        _("VPC bandwidth"),
        "hws.service.type.vpc",
        "hws.resource.type.bandwidth",
        (
            ("19_bgp", _("Dedicated bandwidth, dynamic BGP")),
            ("19_sbgp", _("Dedicated bandwidth, static BGP")),
            ("19_share", _("Shared bandwidth")),
        ),
        size_label=_("Bandwidth (Mbit/s)"),
        size_measure_id=15,
        min_size=1,
        max_size=2000,
        default_size=5,
    ),
    "eip": Service(
        "eip",
        _("Elastic IP (EIP)"),
        "hws.service.type.vpc",
        "hws.resource.type.ip",
        (("5_bgp", _("Elastic IP, dynamic BGP")), ("5_sbgp", _("Elastic IP, static BGP"))),
    ),
}

BILLING_MONTHLY = "monthly"
BILLING_YEARLY = "yearly"
BILLING_PAY_PER_USE = "pay_per_use"


@dataclass(frozen=True)
class Inquiry:
    service: str
    region: str
    spec: str
    quantity: int
    billing: str
    period: int = 1
    size: int | None = None

    def key(self, customer: CustomerRef | None) -> str:
        payload = json.dumps({**asdict(self), "customer": customer.customer_id if customer else ""}, sort_keys=True)
        return "prices:" + hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Quote:
    official_amount: Decimal
    discount_amount: Decimal
    amount: Decimal
    currency: str
    discount_name: str
    per: str  # "hour" (pay-per-use), "month", "year" for the whole period
    as_customer: bool


@dataclass(frozen=True)
class QuoteError:
    message: str


def price_inquire(*, inquiry: Inquiry, customer: CustomerRef | None) -> Quote | QuoteError:
    """The price of `inquiry`, as the customer would pay it (or as a visitor sees it).

    Answers are cached for CACHE_SECONDS per identical inquiry and customer; failures are not.
    """
    key = inquiry.key(customer)
    cached = cache.get(key)
    if cached is not None:
        return cached
    service = SERVICES[inquiry.service]
    size = inquiry.size if service.size_measure_id else None
    common = {
        "id": "1",
        "cloud_service_type": service.cloud_service_type,
        "resource_type": service.resource_type,
        "resource_spec": inquiry.spec,
        "region": inquiry.region,
        "subscription_num": inquiry.quantity,
        "resource_size": size,
        "size_measure_id": service.size_measure_id if size else None,
    }
    try:
        if inquiry.billing == BILLING_PAY_PER_USE:
            rating = ratings.rate_on_demand(products=[ratings.OnDemandProduct(**common)], customer=customer)
            per = "hour"
        else:
            period_type = ratings.PERIOD_YEAR if inquiry.billing == BILLING_YEARLY else ratings.PERIOD_MONTH
            rating = ratings.rate_period(
                products=[ratings.PeriodProduct(**common, period_type=period_type, period_num=inquiry.period)],
                customer=customer,
            )
            per = "year" if inquiry.billing == BILLING_YEARLY else "month"
    except CloudRejected as exc:
        return QuoteError(str(_rejected_message(exc)))
    except CloudUnavailable as exc:
        return QuoteError(str(exc.user_message))
    quote = Quote(
        official_amount=rating.official_amount,
        discount_amount=rating.discount_amount,
        amount=rating.amount,
        currency=rating.currency,
        discount_name=rating.best_offer.discount_name if rating.best_offer else "",
        per=per,
        as_customer=customer is not None,
    )
    cache.set(key, quote, CACHE_SECONDS)
    return quote


def _rejected_message(exc: CloudRejected):
    if exc.error_code == "CBC.99006006":
        return _(
            "HUAWEI CLOUD does not sell this specification in this region. Choose another region or specification."
        )
    return exc.user_message
