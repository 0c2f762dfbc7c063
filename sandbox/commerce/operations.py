"""Commerce operations (reference 5.3-5.12): catalogue, ratings, orders, yearly/monthly and pay-per-use
resources. Callers: P partner, C the customer's own identity, P|C either (reference section 2)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from sandbox import clock
from sandbox import validation as v
from sandbox.bills.generator import BEIJING
from sandbox.commerce import catalogue, services
from sandbox.commerce.catalogue import CENT, UnknownProduct
from sandbox.commerce.models import FreeResource, FreeResourcePackage, OnDemandResource, Order, OrderLineItem, Resource
from sandbox.errors import ApiError, invalid_parameter
from sandbox.models import Customer
from sandbox.registry import Call, operation

TIME = "%Y-%m-%dT%H:%M:%SZ"
MAX_LIMIT = 100
ORDER_FILTER_STATUSES = {1, 3, 4, 5, 6, 9}
ORDER_TYPES = {"1", "2", "3", "4", "10", "11", "13", "14", "15"}


# --- request helpers -------------------------------------------------------------------------------


def _query(call: Call) -> dict:
    return {name: values[-1] for name, values in call.query.items()}


def _query_int(query: dict, name: str, *, default=None, minimum=None, maximum=None):
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_parameter(f"{name} must be an integer") from None
    return v.integer({name: value}, name, minimum=minimum, maximum=maximum)


def _page(data: dict, *, is_query: bool) -> tuple[int, int]:
    if is_query:
        offset = _query_int(data, "offset", default=0, minimum=0)
        limit = _query_int(data, "limit", default=10, minimum=1, maximum=MAX_LIMIT)
    else:
        offset = v.integer(data, "offset", minimum=0)
        limit = v.integer(data, "limit", minimum=1, maximum=MAX_LIMIT)
    return offset or 0, limit or 10


def _language(call: Call, default: str = "zh_CN") -> str:
    """X-Language: Huawei's default is zh_CN where the API takes the header; en_US where it does not."""
    value = (call.request.headers.get("X-Language", "") or default).lower().replace("-", "_")
    return "en_US" if value == "en_us" else "zh_CN"


def _no_indirect_partner(value) -> None:
    if value:
        raise ApiError(400, "CBC.99000037", "You have no permission on the reseller given in indirect_partner_id.")


def _caller_customer(call: Call) -> Customer | None:
    return getattr(call.principal, "customer", None)


def _customer_only(call: Call) -> Customer:
    """The calling customer of a C operation (the core enforces `callers` too; this is the fallback)."""
    try:
        from sandbox.auth import customer_of
    except ImportError:
        customer_of = None
    if customer_of is not None:
        return customer_of(call)
    customer = _caller_customer(call)
    if customer is None:
        raise ApiError(403, "CBC.0151", "Access denied: call this API with the customer's own identity.")
    return customer


def _partners_customer(call: Call, customer_id: str) -> Customer:
    customer = Customer.objects.filter(partner=call.partner, customer_id=customer_id, association_type="3").first()
    if customer is None:
        raise ApiError(400, "CBC.99000035", f"The customer {customer_id} is not a sub-customer of this partner.")
    return customer


def _strings(data: dict, name: str, *, maximum: int, required: bool = False) -> list[str]:
    value = data.get(name)
    if value is None or value == []:
        if required:
            raise invalid_parameter(f"{name} is required")
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise invalid_parameter(f"{name} must be a list of strings")
    if len(value) > maximum:
        raise invalid_parameter(f"{name} holds at most {maximum} ids")
    return value


def _ts(value: datetime | None) -> str | None:
    return value.strftime(TIME) if value else None


def _number(value: Decimal) -> float:
    return float(value)


def _period(data: dict) -> tuple[int, int]:
    period_type = v.integer(data, "period_type", required=True)
    if period_type not in (2, 3):
        raise invalid_parameter("period_type must be 2 (month) or 3 (year)")
    top = 11 if period_type == 2 else 3
    period_num = v.integer(data, "period_num", required=True, minimum=1, maximum=top)
    return period_type, period_num


# --- catalogue -------------------------------------------------------------------------------------


def _paged(items: list, offset: int, limit: int) -> list:
    return items[offset : offset + limit]


@operation("list_service_types", method="GET", path="/v2/products/service-types", rate_limit=10, callers="P|C")
def list_service_types(call: Call) -> dict:
    query = _query(call)
    offset, limit = _page(query, is_query=True)
    name = v.string(query, "service_type_name", max_length=128)
    language = _language(call)
    items = [
        {"service_type_name": catalogue.service_name(code, language), "service_type_code": code, "abbreviation": abbr}
        for code, (_en, _zh, abbr) in catalogue.SERVICE_TYPES.items()
    ]
    if name:
        items = [item for item in items if name.lower() in item["service_type_name"].lower()]
    return {"total_count": len(items), "service_types": _paged(items, offset, limit)}


@operation("list_resource_types", method="GET", path="/v2/products/resource-types", rate_limit=10, callers="P|C")
def list_resource_types(call: Call) -> dict:
    offset, limit = _page(_query(call), is_query=True)
    language = _language(call)
    items = [
        {
            "resource_type_code": code,
            "resource_type_name": catalogue.resource_type_name(code, language),
            "resource_type_desc": desc,
            "service_type_code": service,
        }
        for code, (_en, _zh, desc, service) in catalogue.RESOURCE_TYPES.items()
    ]
    return {"total_count": len(items), "resource_types": _paged(items, offset, limit)}


@operation("list_usage_types", method="GET", path="/v2/products/usage-types", rate_limit=10, callers="P|C")
def list_usage_types(call: Call) -> dict:
    query = _query(call)
    offset, limit = _page(query, is_query=True)
    resource_type = v.string(query, "resource_type_code", max_length=64)
    language = _language(call)
    items = []
    for code, factors in catalogue.USAGE_TYPES.items():
        if resource_type and code != resource_type:
            continue
        service = catalogue.RESOURCE_TYPES[code][3]
        for factor in factors:
            en, zh = catalogue.USAGE_TYPE_NAMES[factor]
            items.append(
                {
                    "code": factor,
                    "name": zh if language == "zh_CN" else en,
                    "resource_type_code": code,
                    "service_type_code": service,
                    "resource_type_name": catalogue.resource_type_name(code, language),
                    "service_type_name": catalogue.service_name(service, language),
                }
            )
    return {"total_count": len(items), "usage_types": _paged(items, offset, limit)}


@operation("list_measure_units", method="GET", path="/v2/bases/measurements", rate_limit=10, callers="P|C")
def list_measure_units(call: Call) -> dict:
    language = _language(call)
    return {
        "measure_units": [
            {
                "measure_id": mid,
                "measure_name": zh if language == "zh_CN" else en,
                "abbreviation": abbr,
                "measure_type": kind,
            }
            for mid, en, zh, abbr, kind in catalogue.MEASURE_UNITS
        ]
    }


@operation("list_conversions", method="GET", path="/v2/bases/conversions", rate_limit=10, callers="P|C")
def list_conversions(call: Call) -> dict:
    measure_type = _query_int(_query(call), "measure_type", minimum=1)
    return {
        "conversions": [
            {"measure_id": mid, "ref_measure_id": ref, "conversion_ratio": ratio, "measure_type": kind}
            for mid, ref, ratio, kind in catalogue.CONVERSIONS
            if measure_type is None or kind == measure_type
        ]
    }


@operation("list_service_resources", method="GET", path="/v2/products/service-resources", rate_limit=10, callers="P|C")
def list_service_resources(call: Call) -> dict:
    query = _query(call)
    offset, limit = _page(query, is_query=True)
    service = v.string(query, "service_type_code", max_length=64)
    language = _language(call)
    items = [
        {
            "basic_info": {
                "resource_type_code": code,
                "product_owner_service": owner,
                "name": catalogue.resource_type_name(code, language),
                "description": desc,
            }
        }
        for code, (_en, _zh, desc, owner) in catalogue.RESOURCE_TYPES.items()
        if not service or owner == service
    ]
    return {"total_count": len(items), "infos": _paged(items, offset, limit)}


# --- ratings ---------------------------------------------------------------------------------------


def _product_infos(data: dict) -> list[dict]:
    infos = data.get("product_infos")
    if not isinstance(infos, list) or not infos:
        raise invalid_parameter("product_infos is required (a list of 1 to 100 products)")
    if len(infos) > 100:
        raise invalid_parameter("product_infos holds at most 100 products")
    seen = set()
    for index, info in enumerate(infos):
        if not isinstance(info, dict):
            raise invalid_parameter(f"product_infos[{index}] must be an object")
        for name in ("id", "cloud_service_type", "resource_type", "resource_spec", "region"):
            v.string(info, name, required=True, max_length=64)
        if info["id"] in seen:
            raise invalid_parameter(f"product_infos[{index}].id {info['id']} is not unique")
        seen.add(info["id"])
        v.string(info, "available_zone", max_length=64)
        v.integer(info, "subscription_num", required=True, minimum=1, maximum=100)
    return infos


def _rated_product(info: dict, index: int):
    try:
        prod = catalogue.product(
            service_type_code=info["cloud_service_type"],
            resource_type_code=info["resource_type"],
            spec=info["resource_spec"],
            region=info["region"],
        )
    except UnknownProduct as exc:
        raise ApiError(
            400, services.CODE_PRODUCT_NOT_FOUND, f"Product not found (product_infos id {info['id']}): {exc}."
        ) from None
    size = v.integer(info, "resource_size", minimum=1)
    measure = v.integer(info, "size_measure_id")
    if prod.linear:
        if size is None or measure is None:
            raise invalid_parameter(
                f"product_infos[{index}]: resource_size and size_measure_id are required for {prod.spec}"
            )
        if measure != prod.size_measure_id:
            raise invalid_parameter(f"product_infos[{index}].size_measure_id must be {prod.size_measure_id}")
        if not prod.min_size <= size <= prod.max_size:
            raise invalid_parameter(
                f"product_infos[{index}].resource_size must be {prod.min_size} to {prod.max_size} for {prod.spec}"
            )
    return prod, size if prod.linear else None


@operation(
    "list_rate_on_period_detail",
    method="POST",
    path="/v2/bills/ratings/period-resources/subscribe-rate",
    rate_limit=30,
    callers="P|C",
)
def list_rate_on_period_detail(call: Call) -> dict:
    data = v.body_object(call.body)
    v.string(data, "project_id", required=True, max_length=64)
    infos = _product_infos(data)
    rated = []
    for index, info in enumerate(infos):
        period_type, period_num = _period(info)
        v.string(info, "fee_installment_mode", choices=["HALF_PAY", "ZERO_PAY", "NA"])
        prod, size = _rated_product(info, index)
        if prod.by_traffic:
            raise ApiError(
                400,
                services.CODE_PRODUCT_NOT_FOUND,
                f"Product not found (product_infos id {info['id']}): {prod.spec} is billed by traffic, "
                "pay-per-use only.",
            )
        count = info["subscription_num"]
        official = catalogue.period_price(
            prod, region=info["region"], size=size, period_type=period_type, period_num=period_num
        )
        rated.append((info, prod, official * count, catalogue.discounted(prod, official) * count))
    total = sum((official for _, _, official, _ in rated), Decimal("0"))
    after = sum((amount for _, _, _, amount in rated), Decimal("0"))
    result = {
        "official_website_rating_result": {
            "official_website_amount": _number(total),
            "measure_id": 1,
            "product_rating_results": [
                {
                    "id": info["id"],
                    "product_id": catalogue.product_id(prod, info["region"]),
                    "official_website_amount": _number(official),
                    "measure_id": 1,
                }
                for info, prod, official, _ in rated
            ],
        },
        "optional_discount_rating_results": [],
        "currency": "USD",
    }
    if after < total:
        result["optional_discount_rating_results"].append(
            {
                "discount_id": catalogue.PARTNER_DISCOUNT_ID,
                "amount": _number(after),
                "official_website_amount": _number(total),
                "discount_amount": _number(total - after),
                "measure_id": 1,
                "discount_type": catalogue.DISCOUNT_TYPE_RATING,
                "discount_name": catalogue.PARTNER_DISCOUNT_NAME,
                "best_offer": 1,
                "product_rating_results": [
                    {
                        "id": info["id"],
                        "product_id": catalogue.product_id(prod, info["region"]),
                        "amount": _number(amount),
                        "official_website_amount": _number(official),
                        "discount_amount": _number(official - amount),
                        "measure_id": 1,
                    }
                    for info, prod, official, amount in rated
                ],
            }
        )
    return result


@operation(
    "list_on_demand_resource_ratings",
    method="POST",
    path="/v2/bills/ratings/on-demand-resources",
    rate_limit=10,
    callers="P|C",
)
def list_on_demand_resource_ratings(call: Call) -> dict:
    data = v.body_object(call.body)
    v.string(data, "project_id", required=True, max_length=64)
    precision = v.integer(data, "inquiry_precision", minimum=0, maximum=1) or 0
    quantum = Decimal("0.000001") if precision == 0 else Decimal("0.0000000001")
    infos = _product_infos(data)
    results = []
    for index, info in enumerate(infos):
        prod, size = _rated_product(info, index)
        factor = v.string(info, "usage_factor", required=True, max_length=64)
        value = info.get("usage_value")
        if isinstance(value, bool) or not isinstance(value, int | Decimal) or value <= 0:
            raise invalid_parameter(f"product_infos[{index}].usage_value must be a number above 0")
        measure = v.integer(info, "usage_measure_id", required=True)
        allowed = catalogue.USAGE_TYPES.get(prod.resource_type_code, {})
        if prod.by_traffic:
            allowed = {"upflow": allowed.get("upflow", set())}
        elif prod.resource_type_code == catalogue.RESOURCE_BANDWIDTH:
            allowed = {"Duration": allowed["Duration"]}
        if factor not in allowed:
            raise ApiError(
                400,
                "CBC.99006074",
                f"The usage factor {factor} does not exist for {prod.spec} (product_infos id {info['id']}).",
            )
        if measure not in allowed[factor]:
            raise ApiError(
                400,
                "CBC.99006050",
                f"usage_measure_id {measure} is wrong for {factor} (product_infos id {info['id']}); "
                f"use {', '.join(str(m) for m in sorted(allowed[factor]))}.",
            )
        units = Decimal(value) * (24 if measure == catalogue.MEASURE_DAY else 1) * info["subscription_num"]
        official = (catalogue.hourly_price(prod, region=info["region"], size=size) * units).quantize(
            quantum, ROUND_HALF_UP
        )
        ratio = prod.partner_discount or Decimal("1")
        amount = (official * ratio).quantize(quantum, ROUND_HALF_UP)
        results.append((info, prod, official, amount))
    official_total = sum((r[2] for r in results), Decimal("0"))
    amount_total = sum((r[3] for r in results), Decimal("0"))
    return {
        "amount": _number(amount_total),
        "discount_amount": _number(official_total - amount_total),
        "official_website_amount": _number(official_total),
        "measure_id": 1,
        "currency": "USD",
        "product_rating_results": [
            {
                "id": info["id"],
                "product_id": catalogue.product_id(prod, info["region"], on_demand=True),
                "amount": _number(amount),
                "discount_amount": _number(official - amount),
                "official_website_amount": _number(official),
                "measure_id": 1,
                "discount_rating_results": (
                    [
                        {
                            "discount_id": catalogue.PARTNER_DISCOUNT_ID,
                            "discount_type": catalogue.DISCOUNT_TYPE_RATING,
                            "amount": _number(official - amount),
                            "measure_id": 1,
                            "discount_name": catalogue.PARTNER_DISCOUNT_NAME,
                        }
                    ]
                    if amount < official
                    else []
                ),
            }
            for info, prod, official, amount in results
        ],
    }


def _money_text(value: Decimal) -> str:
    return str(value.quantize(CENT))


@operation(
    "list_renew_rate_on_period",
    method="POST",
    path="/v2/bills/ratings/period-resources/renew-rate",
    rate_limit=10,
    callers="P|C",
)
def list_renew_rate_on_period(call: Call) -> dict:
    data = v.body_object(call.body)
    resource_ids = _strings(data, "resource_ids", maximum=10, required=True)
    period_type, period_num = _period(data)
    include = v.boolean(data, "include_relative_resources")
    customer = _caller_customer(call)
    if customer is None:
        # The partner quotes for its customers: find the owner of the first resource it knows.
        owner = (
            Resource.objects.filter(resource_id__in=resource_ids, customer__partner=call.partner)
            .select_related("customer")
            .first()
        )
        customers = [owner.customer] if owner else []
    else:
        customers = [customer]
    if customers:
        quotes, failures = services.renewal_quote(
            customer=customers[0],
            resource_ids=resource_ids,
            period_type=period_type,
            period_num=period_num,
            include_attached=include is not False,
        )
    else:
        quotes = []
        failures = [
            {"resource_id": rid, "error_code": services.CODE_ABSENT, "error_msg": "The resource does not exist."}
            for rid in dict.fromkeys(resource_ids)
        ]
    official = sum((o for _, prices in quotes for _, o, _ in prices), Decimal("0"))
    after = sum((d for _, prices in quotes for _, _, d in prices), Decimal("0"))
    return {
        "currency": "USD",
        "renew_inquiry_results": [
            {"resource_id": resource.resource_id, "amount": _money_text(sum((o for _, o, _ in prices), Decimal("0")))}
            for resource, prices in quotes
        ],
        "official_website_rating_result": {"official_website_amount": _money_text(official)},
        "optional_discount_rating_results": (
            [
                {
                    "discount_id": catalogue.PARTNER_DISCOUNT_ID,
                    "amount": _money_text(after),
                    "official_website_amount": _money_text(official),
                    "discount_amount": _money_text(official - after),
                    "discount_type": catalogue.DISCOUNT_TYPE_RATING,
                    "discount_name": catalogue.PARTNER_DISCOUNT_NAME,
                    "best_offer": 1,
                }
            ]
            if after < official
            else []
        ),
        "fail_resource_infos": failures,
    }


# --- orders ----------------------------------------------------------------------------------------


def _amount_info(discount_type: int | None, discount_amount: Decimal, consumed: Decimal) -> dict:
    return {
        "discounts": (
            [{"discount_type": str(discount_type), "discount_amount": _number(discount_amount)}]
            if discount_type and discount_amount
            else []
        ),
        "flexipurchase_coupon_amount": 0.0,
        "coupon_amount": 0.0,
        "stored_card_amount": 0.0,
        "commission_amount": 0.0,
        "consumed_amount": _number(consumed),
    }


def order_dict(order: Order, *, language: str = "en_US", detail: bool = False) -> dict:
    result = {
        "order_id": order.order_id,
        "customer_id": order.customer.customer_id,
        "service_type_code": order.service_type_code,
        "service_type_name": catalogue.service_name(order.service_type_code, language),
        "source_type": order.source_type,
        "status": order.status,
        "order_type": order.order_type,
        "amount_after_discount": _number(order.amount_after_discount),
        "official_amount": _number(order.official_amount),
        "measure_id": 1,
        "create_time": _ts(order.create_time),
        "payment_time": _ts(order.payment_time),
        "currency": "USD",
        "amount_info": _amount_info(
            order.discount_type,
            order.discount_amount,
            order.amount_after_discount if order.status == Order.Status.COMPLETED else Decimal("0"),
        ),
        "sub_order_infos": [],
    }
    if not detail:  # the list's CustomerOrderV2 has enterprise projects, the detail's CustomerOrderV3 not
        result["enterprise_projects"] = [{"id": "0", "name": "default"}]
    else:
        result["user_name"] = order.customer.domain_name
        result["pending_payment_end_time"] = (
            _ts(order.pending_payment_end_time) if order.status == Order.Status.PENDING_PAYMENT else None
        )
    return result


def line_item_dict(line: OrderLineItem, *, order: Order, language: str = "en_US") -> dict:
    base_product = {
        "product_id": line.product_id,
        "product_spec_desc": line.product_spec_desc,
        "category_code": line.resource_type_code,
        "product_owner_service": line.service_type_code,
        "commercial_resource": line.resource_type_code,
    }
    return {
        "order_line_item_id": line.order_line_item_id,
        "service_type_code": line.service_type_code,
        "service_type_name": catalogue.service_name(line.service_type_code, language),
        **base_product,
        "period_type": line.period_type,
        "period_num": line.period_num,
        "effective_time": _ts(line.effective_time),
        "expire_time": _ts(line.expire_time),
        "subscription_num": line.subscription_num,
        "amount_after_discount": _number(line.amount_after_discount),
        "official_amount": _number(line.official_amount),
        "amount_info": _amount_info(order.discount_type, line.discount_amount, Decimal("0")),
        "currency": "USD",
        "base_product_info": base_product,
        "order_id": order.order_id,
    }


@operation("list_customer_orders", method="GET", path="/v2/orders/customer-orders", rate_limit=20, callers="P|C")
def list_customer_orders(call: Call) -> dict:
    query = _query(call)
    offset, limit = _page(query, is_query=True)
    _no_indirect_partner(query.get("indirect_partner_id"))
    method = v.string(query, "method", choices=["oneself", "sub_customer"]) or "oneself"
    customer_id = v.string(query, "customer_id", max_length=64)
    order_by = v.string(query, "order_by", choices=["createTime", "-createTime"]) or "-createTime"
    status = _query_int(query, "status")
    if status is not None and status not in ORDER_FILTER_STATUSES:
        raise invalid_parameter("status must be one of 1, 3, 4, 5, 6, 9")
    order_type = v.string(query, "order_type")
    if order_type is not None and order_type not in ORDER_TYPES:
        raise invalid_parameter(f"order_type must be one of {', '.join(sorted(ORDER_TYPES, key=int))}")
    created_from, created_to = v.utc_time(query, "create_time_begin"), v.utc_time(query, "create_time_end")
    if created_from and created_to and created_to - created_from > timedelta(days=366):
        raise invalid_parameter("create_time_begin and create_time_end must be at most one year apart")
    paid_from, paid_to = v.utc_time(query, "payment_time_begin"), v.utc_time(query, "payment_time_end")

    customer = _caller_customer(call)
    if customer is not None:
        orders = Order.objects.filter(customer=customer)
    elif method == "sub_customer":
        if not customer_id:
            raise invalid_parameter("customer_id is required with method=sub_customer")
        orders = Order.objects.filter(customer=_partners_customer(call, customer_id))
    else:
        orders = Order.objects.none()  # the partner's own orders: it buys nothing in the sandbox
    if order_id := v.string(query, "order_id", max_length=64):
        orders = orders.filter(order_id=order_id)
    if service := v.string(query, "service_type_code", max_length=64):
        orders = orders.filter(service_type_code=service)
    if status is not None:
        orders = orders.filter(status=status)
    if order_type is not None:
        orders = orders.filter(order_type=int(order_type))
    if created_from:
        orders = orders.filter(create_time__gte=created_from)
    if created_to:
        orders = orders.filter(create_time__lte=created_to)
    if paid_from:
        orders = orders.filter(payment_time__gte=paid_from)
    if paid_to:
        orders = orders.filter(payment_time__lte=paid_to)
    orders = orders.select_related("customer").order_by(
        "create_time" if order_by == "createTime" else "-create_time", "id"
    )
    language = _language(call, default="en_US")
    return {
        "total_count": orders.count(),
        "order_infos": [order_dict(order, language=language) for order in orders[offset : offset + limit]],
    }


def _readable_order(call: Call, order_id: str) -> Order:
    customer = _caller_customer(call)
    orders = Order.objects.select_related("customer")
    if customer is not None:
        order = orders.filter(customer=customer, order_id=order_id).first()
    else:
        order = orders.filter(customer__partner=call.partner, order_id=order_id).first()
    if order is None:
        raise ApiError(400, services.CODE_ORDER_NOT_FOUND, f"The order {order_id} does not exist.")
    return order


@operation(
    "show_customer_order_details",
    method="GET",
    path="/v2/orders/customer-orders/details/{order_id}",
    rate_limit=10,
    callers="P|C",
)
def show_customer_order_details(call: Call) -> dict:
    query = _query(call)
    offset, limit = _page(query, is_query=True)
    _no_indirect_partner(query.get("indirect_partner_id"))
    order = _readable_order(call, call.path_params["order_id"])
    language = _language(call)
    lines = order.line_items.all()
    return {
        "total_count": lines.count(),
        "order_info": order_dict(order, language=language, detail=True),
        "order_line_items": [
            line_item_dict(line, order=order, language=language) for line in lines[offset : offset + limit]
        ],
    }


@operation(
    "list_order_discounts",
    method="GET",
    path="/v2/orders/customer-orders/order-discounts",
    rate_limit=10,
    callers="C",
)
def list_order_discounts(call: Call) -> dict:
    customer = _customer_only(call)
    order_id = v.string(_query(call), "order_id", required=True, max_length=64)
    order = services.order_for_customer(customer, order_id)
    lines = services.order_discount_lines(order) if order.status == Order.Status.PENDING_PAYMENT else []
    if not lines:
        return {"discounts": []}
    total = sum((amount for _, amount in lines), Decimal("0"))
    return {
        "discounts": [
            {
                "discount_id": catalogue.PARTNER_DISCOUNT_ID,
                "discount_value": _money_text(total),
                "discount_type": catalogue.DISCOUNT_TYPE_PAY,
                "orders": [
                    {
                        "order_id": order.order_id,
                        "order_line_items": [
                            {
                                "order_line_item_ids": [line.order_line_item_id],
                                "discount_mode": 0,
                                "discount_amount": _number(amount),
                                "discount_ratio": _number(
                                    ((line.official_amount - amount) / line.official_amount).quantize(CENT)
                                ),
                            }
                            for line, amount in lines
                        ],
                    }
                ],
            }
        ]
    }


@operation("pay_orders", method="POST", path="/v3/orders/customer-orders/pay", rate_limit=10, callers="C")
def pay_orders(call: Call) -> None:
    customer = _customer_only(call)
    data = v.body_object(call.body)
    order_id = v.string(data, "order_id", required=True, max_length=64)
    use_coupon = v.string(data, "use_coupon", choices=["YES", "NO"]) or "NO"
    use_discount = v.string(data, "use_discount", choices=["YES", "NO"]) or "NO"
    coupons = data.get("coupon_infos")
    discounts = data.get("discount_infos")
    if use_coupon == "YES":
        if not isinstance(coupons, list) or not 1 <= len(coupons) <= 3:
            raise invalid_parameter("coupon_infos (1 to 3 coupons) is required when use_coupon is YES")
        for index, coupon in enumerate(coupons):
            if not isinstance(coupon, dict) or coupon.get("type") not in (300, 301, 302, 303):
                raise invalid_parameter(f"coupon_infos[{index}].type must be 300, 301, 302 or 303")
            v.string(coupon, "id", required=True, max_length=64)
        # The sandbox issues no coupons, so none can be used.
        raise invalid_parameter(f"coupon_infos[0].id {coupons[0]['id']} is not a usable coupon of this customer")
    if coupons:
        raise invalid_parameter("coupon_infos must be absent when use_coupon is NO")
    if use_discount == "YES":
        if not isinstance(discounts, list) or len(discounts) != 1 or not isinstance(discounts[0], dict):
            raise invalid_parameter("discount_infos (exactly 1 discount) is required when use_discount is YES")
        discount = discounts[0]
        if discount.get("type") not in (0, 2, 3, 609):
            raise invalid_parameter("discount_infos[0].type must be 0, 2, 3 or 609")
        discount_id = v.string(discount, "id", required=True, max_length=64)
        if discount_id != catalogue.PARTNER_DISCOUNT_ID or discount["type"] != catalogue.DISCOUNT_TYPE_PAY:
            raise invalid_parameter(f"discount_infos[0].id {discount_id} is not a discount available for the order")
    elif discounts:
        raise invalid_parameter("discount_infos must be absent when use_discount is NO")
    services.order_pay(customer=customer, order_id=order_id, use_discount=use_discount == "YES")
    return None


@operation("cancel_customer_order", method="PUT", path="/v2/orders/customer-orders/cancel", rate_limit=10, callers="C")
def cancel_customer_order(call: Call) -> None:
    customer = _customer_only(call)
    data = v.body_object(call.body)
    order_id = v.string(data, "order_id", required=True, max_length=64)
    services.order_cancel(customer=customer, order_id=order_id)
    return None


@operation(
    "show_refund_order_details",
    method="GET",
    path="/v2/orders/customer-orders/refund-orders",
    rate_limit=10,
    callers="P|C",
)
def show_refund_order_details(call: Call) -> dict:
    query = _query(call)
    order_id = v.string(query, "order_id", required=True, max_length=64)
    _no_indirect_partner(query.get("indirect_partner_id"))
    customer = _caller_customer(call)
    if customer is None:
        customer = _partners_customer(call, v.string(query, "customer_id", required=True, max_length=64))
    order = services.order_for_customer(customer, order_id)
    if order.order_type != Order.Type.UNSUBSCRIPTION:
        return {"total_count": 0, "refund_infos": []}
    language = _language(call, default="en_US")
    lines = order.line_items.select_related("base_line__order")
    return {
        "total_count": len(lines),
        "refund_infos": [
            {
                "id": line.order_line_item_id,
                "amount": _number(line.amount_after_discount),
                "measure_id": "1",
                "customer_id": customer.customer_id,
                "resource_type_code": line.resource_type_code,
                "service_type_code": line.service_type_code,
                "resource_type_name": catalogue.resource_type_name(line.resource_type_code, language),
                "service_type_name": catalogue.service_name(line.service_type_code, language),
                "region_code": line.region_code,
                "base_order_id": line.base_line.order.order_id if line.base_line else None,
            }
            for line in lines
        ],
    }


# --- yearly/monthly resources ----------------------------------------------------------------------


def resource_dict(resource: Resource, *, language: str = "en_US") -> dict:
    return {
        "id": resource.resource_id.replace("-", "")[:32],
        "resource_id": resource.resource_id,
        "resource_name": resource.resource_name,
        "region_code": resource.region_code,
        "service_type_code": resource.service_type_code,
        "resource_type_code": resource.resource_type_code,
        "resource_type_name": catalogue.resource_type_name(resource.resource_type_code, language),
        "service_type_name": catalogue.service_name(resource.service_type_code, language),
        "resource_spec_code": resource.resource_spec_code,
        "project_id": resource.project_id,
        "product_id": resource.product_id,
        "parent_resource_id": resource.parent.resource_id if resource.parent_id else None,
        "is_main_resource": 1 if resource.is_main else 0,
        "status": resource.status,
        "effective_time": _ts(resource.effective_time),
        "expire_time": _ts(resource.expire_time),
        "expire_policy": resource.expire_policy,
        "product_spec_desc": resource.product_spec_desc,
        "spec_size": resource.spec_size,
        "spec_size_measure_id": resource.spec_size_measure_id,
        "update_time": _ts(resource.update_time),
        "enterprise_project": {"id": "0", "name": "default"},
    }


@operation(
    "list_pay_per_use_customer_resources",
    method="POST",
    path="/v2/orders/suscriptions/resources/query",
    rate_limit=10,
    callers="P|C",
)
def list_pay_per_use_customer_resources(call: Call) -> dict:
    data = v.body_object(call.body, required=False)
    offset, limit = _page(data, is_query=False)
    resource_ids = _strings(data, "resource_ids", maximum=50)
    only_main = v.integer(data, "only_main_resource", minimum=0, maximum=1) or 0
    status_list = data.get("status_list") or []
    if not isinstance(status_list, list) or any(s not in (2, 3, 4, 5) or isinstance(s, bool) for s in status_list):
        raise invalid_parameter("status_list holds statuses 2, 3, 4 and 5")
    customer = _caller_customer(call)
    if customer is None:
        customer = _partners_customer(call, v.string(data, "customer_id", required=True, max_length=64))
    resources = Resource.objects.filter(customer=customer)
    if resource_ids:
        resources = resources.filter(resource_id__in=resource_ids)
    if order_id := v.string(data, "order_id", max_length=64):
        resources = resources.filter(Q(order__order_id=order_id) | Q(lines__order__order_id=order_id)).distinct()
    if only_main:
        resources = resources.filter(parent__isnull=True)
    if status_list:
        resources = resources.filter(status__in=status_list)
    if begin := v.utc_time(data, "expire_time_begin"):
        resources = resources.filter(expire_time__gte=begin)
    if end := v.utc_time(data, "expire_time_end"):
        resources = resources.filter(expire_time__lte=end)
    if service := v.string(data, "service_type_code", max_length=64):
        resources = resources.filter(service_type_code=service)
    resources = resources.select_related("parent").order_by("expire_time", "id")
    language = _language(call, default="en_US")
    return {
        "total_count": resources.count(),
        "data": [resource_dict(r, language=language) for r in resources[offset : offset + limit]],
    }


@operation(
    "renewal_resources", method="POST", path="/v2/orders/subscriptions/resources/renew", rate_limit=10, callers="C"
)
def renewal_resources(call: Call) -> dict:
    customer = _customer_only(call)
    data = v.body_object(call.body)
    resource_ids = _strings(data, "resource_ids", maximum=10, required=True)
    period_type, period_num = _period(data)
    auto_pay = v.integer(data, "is_auto_pay", minimum=0, maximum=1) or 0
    order_ids, failures = services.resources_renew(
        customer=customer,
        resource_ids=resource_ids,
        period_type=period_type,
        period_num=period_num,
        auto_pay=bool(auto_pay),
    )
    return {"order_ids": order_ids, "fail_resource_infos": failures}


@operation(
    "cancel_resources_subscription",
    method="POST",
    path="/v2/orders/subscriptions/resources/unsubscribe",
    rate_limit=10,
    callers="C",
)
def cancel_resources_subscription(call: Call) -> dict:
    customer = _customer_only(call)
    data = v.body_object(call.body)
    resource_ids = _strings(data, "resource_ids", maximum=10, required=True)
    unsubscribe_type = v.integer(data, "unsubscribe_type", required=True)
    if unsubscribe_type not in (1, 2):
        raise invalid_parameter("unsubscribe_type must be 1 (resource and renewed periods) or 2 (renewed periods)")
    reason_type = v.integer(data, "unsubscribe_reason_type", minimum=1, maximum=5)
    reason = v.string(data, "unsubscribe_reason", max_length=500) or ""
    order_ids, failures = services.resources_unsubscribe(
        customer=customer,
        resource_ids=resource_ids,
        unsubscribe_type=unsubscribe_type,
        reason_type=reason_type,
        reason=reason,
    )
    return {"order_ids": order_ids, "fail_resource_infos": failures}


@operation(
    "auto_renewal_resources",
    method="POST",
    path="/v2/orders/subscriptions/resources/autorenew/{resource_id}",
    rate_limit=10,
    callers="C",
)
def auto_renewal_resources(call: Call) -> None:
    customer = _customer_only(call)
    data = v.body_object(call.body, required=False)
    times = v.integer(data, "auto_renew_times", minimum=0, maximum=99)
    period = v.string(data, "period_type", choices=["MONTH", "YEAR"])
    services.auto_renewal_enable(
        customer=customer,
        resource_id=call.path_params["resource_id"],
        times=times,
        period_type={"MONTH": 2, "YEAR": 3}.get(period),
    )
    return None


@operation(
    "cancel_auto_renewal_resources",
    method="DELETE",
    path="/v2/orders/subscriptions/resources/autorenew/{resource_id}",
    rate_limit=10,
    callers="C",
)
def cancel_auto_renewal_resources(call: Call) -> None:
    customer = _customer_only(call)
    services.auto_renewal_disable(customer=customer, resource_id=call.path_params["resource_id"])
    return None


RENEW_CONFIG_VALUES = {
    "DEDUCTION_DATE": [str(day) for day in services.DEDUCTION_DAYS],
    "EXPIRE_DATE": [*(str(day) for day in range(1, 29)), "-1"],
}


@operation(
    "set_resources_renew_config",
    method="POST",
    path="/v2/orders/subscriptions/resources/renew/config",
    rate_limit=10,
    callers="C",
)
def set_resources_renew_config(call: Call) -> dict:
    """DEDUCTION_DATE: auto-renewals are charged 2-7 days before the expiry; EXPIRE_DATE: renewed resources
    expire on that day of the month (1-28, -1 the last day)."""
    customer = _customer_only(call)
    data = v.body_object(call.body)
    name = v.string(data, "config_name", required=True, choices=list(RENEW_CONFIG_VALUES))
    value = v.string(data, "config_value", required=True, choices=RENEW_CONFIG_VALUES[name])
    if name == "DEDUCTION_DATE":
        services.renewal_settings_set(customer=customer, deduction_days=int(value))
    else:
        services.renewal_settings_set(customer=customer, expire_day=int(value))
    return {"error_code": "CBC.0000", "error_msg": "Success."}


@operation(
    "update_period_to_on_demand",
    method="POST",
    path="/v2/orders/subscriptions/resources/to-on-demand",
    rate_limit=10,
    callers="C",
)
def update_period_to_on_demand(call: Call) -> dict:
    """SET_UP / CANCEL the conversion of yearly/monthly main resources to pay-per-use at their expiry."""
    customer = _customer_only(call)
    data = v.body_object(call.body)
    operation_name = v.string(data, "operation", required=True, choices=["SET_UP", "CANCEL"])
    resource_ids = _strings(data, "resource_ids", maximum=100, required=True)
    failures = services.resources_to_on_demand(
        customer=customer, resource_ids=resource_ids, set_up=operation_name == "SET_UP"
    )
    return {"error_details": failures}


# --- resource packages -----------------------------------------------------------------------------

def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


@operation("list_free_resource_infos", method="POST", path="/v3/payments/free-resources/query", callers="C")
def list_free_resource_infos(call: Call) -> dict:
    """The calling customer's resource packages with their items (each item's id is what
    list_free_resource_usages asks about)."""
    customer = _customer_only(call)
    data = v.body_object(call.body, required=False)
    offset, limit = _page(data, is_query=False)
    status = v.integer(data, "status", minimum=0, maximum=4)
    services_wanted = _strings(data, "service_type_code_list", maximum=100)
    packages = FreeResourcePackage.objects.filter(customer=customer).prefetch_related("free_resources")
    for name in ("region_code", "order_id", "product_id"):
        if value := v.string(data, name, max_length=64):
            packages = packages.filter(**{name: value})
    if product_name := v.string(data, "product_name", max_length=200):
        packages = packages.filter(product_name__icontains=product_name)
    if (project := v.string(data, "enterprise_project_id", max_length=64)) and project != "0":
        packages = packages.none()  # everything is in the default project
    if status is not None:
        packages = packages.filter(status=status)
    if services_wanted:
        packages = packages.filter(service_type_code__in=[code.lower() for code in services_wanted])
    language = _language(call)
    return {
        "total_count": packages.count(),
        "free_resource_packages": [
            {
                "order_instance_id": package.order_instance_id,
                "order_id": package.order_id,
                "product_id": package.product_id,
                "product_name": package.product_name,
                "enterprise_project_id": "0",
                "enterprise_project_scope": 0,
                "effective_time": _ts(package.effective_time),
                "expire_time": _ts(package.expire_time),
                "status": package.status,
                "service_type_code": package.service_type_code,
                "service_type_name": catalogue.service_name(package.service_type_code, language),
                "region_code": package.region_code,
                "source_type": 0,
                "bundle_type": "ATOMIC_PKG",
                "quota_reuse_mode": package.quota_reuse_mode,
                "free_resources": [
                    {
                        "free_resource_id": item.free_resource_id,
                        "usage_type_name": item.usage_type_name,
                        "amount": _decimal_text(item.amount),
                        "original_amount": _decimal_text(item.original_amount),
                        "measure_id": item.measure_id,
                    }
                    for item in package.free_resources.all()
                ],
            }
            for package in packages[offset : offset + limit]
        ],
    }


def _reset_period(now: datetime) -> tuple[datetime, datetime]:
    """The natural month (UTC+8, as bill cycles) `now` is in: a resettable package's quota period."""
    start = now.astimezone(BEIJING).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start + relativedelta(months=1) - timedelta(seconds=1)
    return start.astimezone(UTC), end.astimezone(UTC)


@operation(
    "list_free_resource_usages",
    method="POST",
    path="/v2/payments/free-resources/usages/details/query",
    callers="C",
)
def list_free_resource_usages(call: Call) -> dict:
    """What is left of the given package items; ids that are not the caller's are left out."""
    customer = _customer_only(call)
    data = v.body_object(call.body)
    wanted = _strings(data, "free_resource_ids", maximum=100, required=True)
    if any(len(item_id) > 64 for item_id in wanted):
        raise invalid_parameter("free_resource_ids holds ids of at most 64 characters")
    items = FreeResource.objects.select_related("package").filter(
        package__customer=customer, free_resource_id__in=wanted
    )
    by_id = {item.free_resource_id: item for item in items}
    start, end = _reset_period(clock.now())
    result = []
    for item_id in dict.fromkeys(wanted):
        item = by_id.get(item_id)
        if item is None:
            continue
        package = item.package
        monthly = package.quota_reuse_mode == 1
        result.append(
            {
                "free_resource_id": item.free_resource_id,
                "free_resource_type_name": item.free_resource_type_name,
                "quota_reuse_cycle": 4 if monthly else None,  # 4: a month
                "quota_reuse_cycle_type": 1 if monthly else None,  # 1: natural period
                "usage_type_name": item.usage_type_name,
                "start_time": _ts(start if monthly else package.effective_time),
                "end_time": _ts(end if monthly else package.expire_time),
                "amount": _number(item.amount),
                "original_amount": _number(item.original_amount),
                "measure_id": item.measure_id,
            }
        )
    return {"free_resources": result}


# --- pay-per-use resources -------------------------------------------------------------------------


@operation(
    "list_customer_on_demand_resources",
    method="POST",
    path="/v2/partners/sub-customers/on-demand-resources/query",
    rate_limit=10,
    callers="P",
)
def list_customer_on_demand_resources(call: Call) -> dict:
    data = v.body_object(call.body)
    customer_id = v.string(data, "customer_id", required=True, max_length=64)
    _no_indirect_partner(v.string(data, "indirect_partner_id"))
    offset, limit = _page(data, is_query=False)
    resource_ids = _strings(data, "resource_ids", maximum=50)
    status = v.integer(data, "status", minimum=1, maximum=6)
    customer = _partners_customer(call, customer_id)
    resources = OnDemandResource.objects.filter(customer=customer)
    if region := v.string(data, "region_code", max_length=64):
        resources = resources.filter(region_code=region)
    if service := v.string(data, "service_type_code", max_length=64):
        resources = resources.filter(service_type_code=service)
    if resource_ids:
        resources = resources.filter(resource_id__in=resource_ids)
    if begin := v.utc_time(data, "effective_time_begin"):
        resources = resources.filter(effective_time__gte=begin)
    if end := v.utc_time(data, "effective_time_end"):
        resources = resources.filter(effective_time__lte=end)
    if status is not None:
        resources = resources.filter(status=status)
    language = _language(call)
    return {
        "total_count": resources.count(),
        "resources": [
            {
                "customer_id": customer.customer_id,
                "region_code": r.region_code,
                "availability_zone_code": r.availability_zone_code,
                "service_type_code": r.service_type_code,
                "resource_type_code": r.resource_type_code,
                "service_type_name": catalogue.service_name(r.service_type_code, language),
                "resource_type_name": catalogue.resource_type_name(r.resource_type_code, language),
                "resource_id": r.resource_id,
                "resource_name": r.resource_name,
                "effective_time": _ts(r.effective_time),
                "expire_time": _ts(r.expire_time),
                "status": r.status,
                "resource_spec_code": r.resource_spec_code,
                "resource_info": json.dumps(r.resource_info, separators=(",", ":")),
                "product_spec_desc": r.product_spec_desc,
            }
            for r in resources[offset : offset + limit]
        ],
    }
