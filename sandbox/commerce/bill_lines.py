"""What the customers' real orders and pay-per-use resources put on their bills (README "Bills", the open
cycle), for the bills area through `hooks.bill_line_sources`.

* Every order paid in the cycle: one line per resource of each order line, on the payment's date (UTC+8):
  bill type 1 new purchase, 2 renewal, 8 auto-renewal (a renewal the system made), 4 unsubscription
  (the negative refund); charging mode 1; the line's official, discount and paid amounts (a quantity
  above 1 splits them over its resources to the cent). Paid from the budget: credit. Known at payment.
* Every pay-per-use resource: one usage line (bill type 5, charging mode 3) per day (UTC+8) it ran, with
  the hours it ran that day (traffic-billed bandwidth: the GB it sent), at the catalogue's pay-per-use
  price less the partner discount. Known when the day is over.

Lines are a pure function of rows that do not change once written (paid orders and their lines, the
resources' ids, names and times), so a line comes back the same whenever it is asked for: what a customer
sees while the cycle is open is what the bill gets at the close.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from sandbox import hooks
from sandbox.bills import generator
from sandbox.bills.generator import BillLine
from sandbox.commerce import catalogue
from sandbox.commerce.models import OnDemandResource, Order
from sandbox.models import Customer, Partner

DAY = timedelta(days=1)
# Traffic-billed bandwidth sends this share of what its size could carry (uniform per day, sandbox policy).
TRAFFIC_UTILISATION = (0.01, 0.05)


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def _split(total: int, parts: int) -> list[int]:
    """`total` cents over `parts` resources exactly: the first ones take the remainder."""
    share, rest = divmod(abs(total), parts)
    sign = -1 if total < 0 else 1
    return [sign * (share + (1 if index < rest else 0)) for index in range(parts)]


def _names(service_type_code: str, resource_type_code: str) -> tuple[str, str]:
    return generator.type_names(service_type_code, resource_type_code) or (
        catalogue.service_name(service_type_code),
        catalogue.resource_type_name(resource_type_code),
    )


def _bill_type(order: Order) -> int:
    if order.order_type == Order.Type.NEW:
        return 1
    if order.order_type == Order.Type.UNSUBSCRIPTION:
        return 4
    return 8 if order.source_type == Order.Source.SYSTEM else 2


def _order_lines(order: Order, cycle: str, partner_id: str) -> Iterator[BillLine]:
    customer = order.customer
    bill_type = _bill_type(order)
    bill_date = generator.bill_day(order.payment_time)
    for item in order.line_items.all():
        if order.order_type == Order.Type.NEW:
            resources = sorted(item.provisioned_resources.all(), key=lambda resource: resource.pk)
        else:
            resources = [item.resource]
        if not resources:
            continue
        paid = item.base_line if bill_type == 4 else item  # a refund line counts in its paid line's unit
        unit = "Year" if paid.period_type == 3 else "Month"
        periods = paid.period_num or 1
        officials = _split(_cents(item.official_amount), len(resources))
        discounts = _split(_cents(item.discount_amount), len(resources))
        service_name, resource_type_name = _names(item.service_type_code, item.resource_type_code)
        for index, (resource, official, discount) in enumerate(zip(resources, officials, discounts, strict=True)):
            consume = official - discount
            yield BillLine(
                f"{item.order_line_item_id}-{index + 1:03d}",
                customer.customer_id,
                customer.domain_name,
                customer.customer,
                partner_id,
                cycle,
                bill_date,
                bill_type,
                1,
                item.service_type_code,
                service_name,
                item.resource_type_code,
                resource_type_name,
                item.region_code,
                resource.resource_id,
                resource.resource_name,
                item.product_spec_desc,
                order.order_id,
                0 if bill_type == 4 else periods * 100,
                unit,
                0 if bill_type == 4 else official * 100 // periods,
                f"USD/{unit.lower()}",
                official,
                discount,
                0,
                consume,
                0,
                consume,
                0,
            )


def _usage(resource: OnDemandResource, prod: catalogue.Product, size: int | None, day: str, seconds: float) -> int:
    """What the resource used on `day` in 1/100 units: hours it ran, or GB it sent (traffic-billed)."""
    if not prod.by_traffic:
        return int(seconds / 36)
    rng = random.Random(f"traffic:{resource.resource_id}:{day}")
    gb_per_second = (size or 1) / 8 / 1000 * rng.uniform(*TRAFFIC_UTILISATION)  # Mbit/s -> GB/s at that share
    return int(gb_per_second * seconds * 100)


def _usage_lines(resource: OnDemandResource, *, cycle: str, until: datetime, partner_id: str) -> Iterator[BillLine]:
    prod = catalogue.PRODUCTS.get((resource.resource_type_code, resource.resource_spec_code))
    if prod is None or resource.region_code not in catalogue.REGIONS:
        return
    size = int((resource.resource_info or {}).get("specSize") or 0) or None
    unit_price = _cents(catalogue.hourly_price(prod, region=resource.region_code, size=size) * 100)
    usage_unit = "GB" if prod.by_traffic else "Hour"
    service_name, resource_type_name = _names(resource.service_type_code, resource.resource_type_code)
    customer = resource.customer
    stop = min(until, generator.ends_at(cycle), resource.expire_time or until)
    day_start = max(generator.starts_at(cycle), resource.effective_time)
    # Back to the beginning of its day (UTC+8): days run from midnight to midnight Beijing time.
    day_start = datetime.fromisoformat(generator.bill_day(day_start)).replace(tzinfo=generator.BEIJING)
    while day_start + DAY <= until and day_start < stop:
        day_end = day_start + DAY
        day = generator.bill_day(day_start)
        ran = (min(day_end, stop) - max(day_start, resource.effective_time)).total_seconds()
        usage = _usage(resource, prod, size, day, ran)
        day_start = day_end
        if usage <= 0:
            continue
        official = (usage * unit_price + 5000) // 10000
        discount = official - _cents(catalogue.discounted(prod, generator.cents(official)))
        consume = official - discount
        yield BillLine(
            f"{resource.resource_id}-{day.replace('-', '')}",
            customer.customer_id,
            customer.domain_name,
            customer.customer,
            partner_id,
            cycle,
            day,
            5,
            3,
            resource.service_type_code,
            service_name,
            resource.resource_type_code,
            resource_type_name,
            resource.region_code,
            resource.resource_id,
            resource.resource_name,
            resource.product_spec_desc,
            f"RV{day.replace('-', '')}{resource.resource_id.replace('-', '')[:24]}",
            usage,
            usage_unit,
            unit_price,
            f"USD/{usage_unit}",
            official,
            discount,
            0,
            consume,
            0,
            consume,
            0,
        )


@hooks.on_bill_lines
def bill_lines(
    *, partner: Partner, cycle: str, until: datetime, customer: Customer | None = None
) -> Iterator[BillLine]:
    """The lines of orders paid and pay-per-use days finished in `cycle` by `until` (see the module)."""
    start, end = generator.starts_at(cycle), generator.ends_at(cycle)
    until = min(until, end)
    whose = {"customer": customer} if customer is not None else {"customer__partner": partner}
    orders = (
        Order.objects.filter(
            **whose,
            status=Order.Status.COMPLETED,
            order_type__in=[Order.Type.NEW, Order.Type.RENEWAL, Order.Type.UNSUBSCRIPTION],
            payment_time__gte=start,
            payment_time__lt=end,
            payment_time__lte=until,
        )
        .select_related("customer")
        .prefetch_related("line_items__resource", "line_items__base_line", "line_items__provisioned_resources")
        .order_by("payment_time", "id")
    )
    for order in orders:
        yield from _order_lines(order, cycle, partner.domain_id)
    resources = (
        OnDemandResource.objects.filter(**whose, effective_time__lt=until)
        .exclude(expire_time__lte=start)
        .select_related("customer")
        .order_by("id")
    )
    for resource in resources:
        yield from _usage_lines(resource, cycle=cycle, until=until, partner_id=partner.domain_id)
