"""Writes of the commerce area: console purchases, payment, cancellation, renewal, unsubscription,
auto-renewal, and what the clock does to orders and resources.

Operations, the control API and (later) the SSO console page call these; they raise `ApiError` with
the business codes below. Time comes only from `sandbox.clock.now()`.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction

from sandbox import clock, hooks
from sandbox import services as core_services
from sandbox.commerce import catalogue
from sandbox.commerce.catalogue import CENT, Product, UnknownProduct
from sandbox.commerce.models import (
    FreeResourcePackage,
    OnDemandResource,
    Order,
    OrderLineItem,
    RenewalSettings,
    Resource,
)
from sandbox.errors import ApiError
from sandbox.models import Customer

# Business error codes (README "Commerce"). Documented by Huawei unless marked "sandbox choice".
CODE_ORDER_NOT_FOUND = "CBC.30000010"  # sandbox choice: no such order for this caller
CODE_ORDER_NOT_PAYABLE = "CBC.3106"  # Huawei: "The order status has changed and no payment can be made."
CODE_ORDER_NOT_CANCELLABLE = "CBC.30000067"  # sandbox choice: only pending-payment orders can be cancelled
CODE_BUDGET_EXCEEDED = "CBC.99003108"  # sandbox choice, used only until the core's budget_charge exists
CODE_NOT_MAIN = "CBC.30050007"  # Huawei: not a primary resource
CODE_NO_PERIOD = "CBC.30050008"  # Huawei: period type/number not available (sandbox: nothing renewed to drop)
CODE_ABSENT = "CBC.30050009"  # Huawei: resource expired-deleted or absent
CODE_IN_UNPAID_ORDER = "CBC.30050010"  # Huawei: resource is in an unpaid order
CODE_ALREADY_UNSUBSCRIBED = "CBC.3124"  # Huawei: resources have been unsubscribed from
CODE_AUTO_RENEW_ALREADY_OFF = "CBC.99003605"  # Huawei: auto-renewal already cancelled
CODE_PRODUCT_NOT_FOUND = "CBC.99006006"  # Huawei (ratings): product not found
CODE_EXPIRED = "CBC.3016"  # Huawei: expired resources exist (setting a conversion to pay-per-use)

DEDUCTION_DAYS = range(2, 8)  # DEDUCTION_DATE: an auto-renewal may be charged 2 to 7 days before expiry
PAYMENT_WINDOW = timedelta(days=15)  # sandbox policy: an unpaid order is cancelled after 15 days
GRACE_PERIOD = timedelta(days=15)  # expired (5) -> frozen (4)
RETENTION_PERIOD = timedelta(days=15)  # frozen (4) -> closed (3)

CONSOLE_SERVICES = ("ecs", "evs", "vpc", "eip")
SYSTEM_DISK_TYPE = "SAS"
SYSTEM_DISK_GB = 40


class ConsoleInputError(ValueError):
    """A console purchase that makes no sense (the control API answers 400 with the message)."""


# --- small helpers ---------------------------------------------------------------------------------


def new_order_id(now: datetime) -> str:
    """`CS` + yyMMddHHmm + 5 random letters/digits, like `CS2401011234ABCDE`."""
    suffix = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(5))
    return f"CS{now:%y%m%d%H%M}{suffix}"


def project_id_for(customer: Customer, region: str) -> str:
    """The customer's project id in `region` (stable; IAM project ids are 32 hex)."""
    return hashlib.md5(f"{customer.customer_id}|{region}".encode(), usedforsecurity=False).hexdigest()


def add_period(start: datetime, period_type: int, period_num: int) -> datetime:
    return start + (relativedelta(months=period_num) if period_type == 2 else relativedelta(years=period_num))


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _budget_charge(*, customer: Customer, amount: Decimal) -> None:
    """Spend `amount` of the customer's budget, or raise the budget business error."""
    core = getattr(core_services, "budget_charge", None)
    if core is not None:
        core(customer=customer, amount=amount)
        return
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.budget_amount - locked.used_amount < amount:
            raise ApiError(
                400,
                CODE_BUDGET_EXCEEDED,
                f"The budget is insufficient: {amount} USD needed, "
                f"{locked.budget_amount - locked.used_amount} USD left. Contact your partner.",
            )
        locked.used_amount += amount
        locked.save(update_fields=["used_amount"])


def _budget_refund(*, customer: Customer, amount: Decimal) -> None:
    """Give `amount` (positive) back to the customer's budget."""
    core = getattr(core_services, "budget_refund", None)
    if core is not None:
        core(customer=customer, amount=amount)
        return
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        locked.used_amount = max(Decimal("0"), locked.used_amount - amount)
        locked.save(update_fields=["used_amount"])


def _line_id(order: Order, index: int) -> str:
    return f"{order.order_id}-{index:06d}"


# --- console purchase ------------------------------------------------------------------------------


@dataclass
class _Item:
    product: Product
    size: int | None


def _console_items(*, service: str, region: str, spec: str, size: int | None) -> tuple[_Item, list[_Item]]:
    """The main product and its attached products that one console purchase of `service` provisions."""

    def find(resource_type: str, wanted_spec: str) -> Product:
        try:
            return catalogue.product(
                service_type_code=None, resource_type_code=resource_type, spec=wanted_spec, region=region
            )
        except UnknownProduct as exc:
            raise ConsoleInputError(str(exc)) from None

    def sized(prod: Product, value: int | None, name: str) -> int:
        if value is None:
            raise ConsoleInputError(f"size ({name}) is required for {prod.spec}")
        if isinstance(value, bool) or not isinstance(value, int) or not prod.min_size <= value <= prod.max_size:
            raise ConsoleInputError(f"size must be an integer from {prod.min_size} to {prod.max_size} for {prod.spec}")
        return value

    if service == "ecs":
        vm = find(catalogue.RESOURCE_VM, spec)
        disk = find(catalogue.RESOURCE_VOLUME, SYSTEM_DISK_TYPE)
        return _Item(vm, None), [_Item(disk, sized(disk, size or SYSTEM_DISK_GB, "system disk GB"))]
    if service == "evs":
        disk = find(catalogue.RESOURCE_VOLUME, spec)
        return _Item(disk, sized(disk, size, "GB")), []
    if service == "vpc":
        if spec != "19_share":
            raise ConsoleInputError("vpc sells shared bandwidth: spec 19_share (dedicated bandwidth comes with an eip)")
        bandwidth = find(catalogue.RESOURCE_BANDWIDTH, spec)
        return _Item(bandwidth, sized(bandwidth, size, "Mbit/s")), []
    if service == "eip":
        ip = find(catalogue.RESOURCE_IP, spec)
        bandwidth = find(catalogue.RESOURCE_BANDWIDTH, spec.replace("5_", "19_"))
        return _Item(ip, None), [_Item(bandwidth, sized(bandwidth, size, "bandwidth Mbit/s"))]
    raise ConsoleInputError(f"service must be one of {', '.join(CONSOLE_SERVICES)}")


def _order_totals(order: Order) -> None:
    lines = list(order.line_items.all())
    order.official_amount = sum((line.official_amount for line in lines), Decimal("0"))
    order.discount_amount = sum((line.discount_amount for line in lines), Decimal("0"))
    order.amount_after_discount = sum((line.amount_after_discount for line in lines), Decimal("0"))
    order.save(update_fields=["official_amount", "discount_amount", "amount_after_discount"])


def _add_line(
    order: Order,
    index: int,
    item: _Item,
    *,
    region: str,
    zone: str,
    period_type,
    period_num,
    quantity,
    parent=None,
    resource=None,
) -> OrderLineItem:
    prod = item.product
    official = (
        catalogue.period_price(prod, region=region, size=item.size, period_type=period_type, period_num=period_num)
        * quantity
    )
    return OrderLineItem.objects.create(
        order=order,
        order_line_item_id=_line_id(order, index),
        parent=parent,
        resource=resource,
        service_type_code=prod.service_type_code,
        resource_type_code=prod.resource_type_code,
        region_code=region,
        availability_zone=zone,
        resource_spec=prod.spec,
        resource_size=item.size,
        size_measure_id=prod.size_measure_id,
        product_id=catalogue.product_id(prod, region),
        product_spec_desc=catalogue.spec_description(prod, item.size),
        period_type=period_type,
        period_num=period_num,
        subscription_num=quantity,
        official_amount=official,
        amount_after_discount=official,
    )


def _check_period(period_type, period_num) -> None:
    if period_type not in (2, 3):
        raise ConsoleInputError("period_type must be 2 (month) or 3 (year)")
    top = 11 if period_type == 2 else 3
    if isinstance(period_num, bool) or not isinstance(period_num, int) or not 1 <= period_num <= top:
        raise ConsoleInputError(f"period_num must be 1 to {top} for period_type {period_type}")


def order_create_from_console(
    *,
    customer: Customer,
    service: str,
    region: str,
    spec: str,
    size: int | None = None,
    period_type: int = 2,
    period_num: int = 1,
    quantity: int = 1,
    availability_zone: str = "",
) -> Order:
    """A new-purchase order in pending payment (status 6), as the HUAWEI CLOUD console creates it.

    service: ecs (spec = flavour + .linux/.win; size = system disk GB, default 40, SAS attached),
    evs (SATA/SAS/GPSSD/SSD, size GB), vpc (19_share, size Mbit/s), eip (5_bgp/5_sbgp, size = Mbit/s
    of its attached dedicated bandwidth). Bad input raises ConsoleInputError.
    """
    if region not in catalogue.REGIONS:
        raise ConsoleInputError(f"region must be one of {', '.join(catalogue.REGIONS)}")
    _check_period(period_type, period_num)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 100:
        raise ConsoleInputError("quantity must be 1 to 100")
    main, attached = _console_items(service=service, region=region, spec=spec, size=size)
    now = clock.now()
    with transaction.atomic():
        order = Order.objects.create(
            customer=customer,
            order_id=new_order_id(now),
            order_type=Order.Type.NEW,
            status=Order.Status.PENDING_PAYMENT,
            source_type=Order.Source.CUSTOMER,
            service_type_code=main.product.service_type_code,
            create_time=now,
            pending_payment_end_time=now + PAYMENT_WINDOW,
        )
        common = {
            "region": region,
            "zone": availability_zone,
            "period_type": period_type,
            "period_num": period_num,
            "quantity": quantity,
        }
        main_line = _add_line(order, 1, main, **common)
        for index, item in enumerate(attached, start=2):
            _add_line(order, index, item, parent=main_line, **common)
        _order_totals(order)
    return order


# --- discounts and payment -------------------------------------------------------------------------


def order_discount_lines(order: Order) -> list[tuple[OrderLineItem, Decimal]]:
    """(line, discount amount) for the lines of `order` the partner discount applies to."""
    result = []
    for line in order.line_items.all():
        prod = catalogue.PRODUCTS.get((line.resource_type_code, line.resource_spec))
        if prod is None or prod.partner_discount is None or line.official_amount <= 0:
            continue
        result.append((line, line.official_amount - catalogue.discounted(prod, line.official_amount)))
    return result


def _apply_partner_discount(order: Order) -> None:
    lines = order_discount_lines(order)
    for line, amount in lines:
        line.discount_amount = amount
        line.amount_after_discount = line.official_amount - amount
        line.save(update_fields=["discount_amount", "amount_after_discount"])
    if lines:
        order.discount_type = catalogue.DISCOUNT_TYPE_RATING
        order.save(update_fields=["discount_type"])
        _order_totals(order)


def order_for_customer(customer: Customer, order_id: str, *, lock: bool = False) -> Order:
    orders = Order.objects.select_for_update() if lock else Order.objects
    order = orders.filter(customer=customer, order_id=order_id).first()
    if order is None:
        raise ApiError(400, CODE_ORDER_NOT_FOUND, f"The order {order_id} does not exist.")
    return order


def order_pay(*, customer: Customer, order_id: str, use_discount: bool = False) -> Order:
    """Pay a pending-payment order of `customer` from the budget: status 6 -> 5, resources provisioned
    (new purchase) or extended (renewal). With `use_discount` the partner discount applies."""
    now = clock.now()
    with transaction.atomic():
        # The row lock makes a double click pay once: the second request sees status 5 and is refused.
        order = order_for_customer(customer, order_id, lock=True)
        too_late = order.status == Order.Status.PENDING_PAYMENT and order.pending_payment_end_time <= now
        if too_late:
            order.status = Order.Status.CANCELLED
            order.save(update_fields=["status"])
        elif order.status != Order.Status.PENDING_PAYMENT:
            raise ApiError(
                400,
                CODE_ORDER_NOT_PAYABLE,
                f"The order status has changed and no payment can be made (order {order_id} is "
                f"{Order.Status(order.status).label}).",
            )
        else:
            if use_discount:
                _apply_partner_discount(order)
            _budget_charge(customer=customer, amount=order.amount_after_discount)
            order.status = Order.Status.COMPLETED
            order.payment_time = now
            order.save(update_fields=["status", "payment_time"])
            if order.order_type == Order.Type.NEW:
                _provision(order, now)
            elif order.order_type == Order.Type.RENEWAL:
                _extend(order)
    if too_late:  # raised after the commit, so the cancellation is kept
        raise ApiError(
            400, CODE_ORDER_NOT_PAYABLE, f"The order {order_id} was not paid in time and has been cancelled."
        )
    return order


def _resource_name(prod: Product) -> str:
    prefix = {
        catalogue.RESOURCE_VM: "ecs",
        catalogue.RESOURCE_VOLUME: "volume",
        catalogue.RESOURCE_IP: "eip",
        catalogue.RESOURCE_BANDWIDTH: "bandwidth",
    }[prod.resource_type_code]
    return f"{prefix}-{secrets.token_hex(2)}"


def _new_resource(order: Order, line: OrderLineItem, *, parent: Resource | None, now, expire) -> Resource:
    prod = catalogue.PRODUCTS[(line.resource_type_code, line.resource_spec)]
    return Resource.objects.create(
        customer=order.customer,
        order=order,
        line_item=line,
        parent=parent,
        resource_id=str(uuid.uuid4()),
        resource_name=_resource_name(prod),
        region_code=line.region_code,
        availability_zone=line.availability_zone,
        project_id=project_id_for(order.customer, line.region_code),
        service_type_code=line.service_type_code,
        resource_type_code=line.resource_type_code,
        resource_spec_code=line.resource_spec,
        spec_size=line.resource_size,
        spec_size_measure_id=line.size_measure_id,
        product_id=line.product_id,
        product_spec_desc=line.product_spec_desc,
        status=Resource.Status.IN_USE,
        effective_time=now,
        expire_time=expire,
        auto_renew_period_type=line.period_type or 2,
        update_time=now,
    )


def _provision(order: Order, now: datetime) -> None:
    """Create the resources a paid new-purchase order bought (subscription_num of each main line)."""
    for line in order.line_items.filter(parent__isnull=True):
        expire = add_period(now, line.period_type, line.period_num)
        attached_lines = list(line.attached.all())
        for current in [line, *attached_lines]:
            current.effective_time, current.expire_time = now, expire
            current.save(update_fields=["effective_time", "expire_time"])
        for _ in range(line.subscription_num):
            main = _new_resource(order, line, parent=None, now=now, expire=expire)
            for attached in attached_lines:
                _new_resource(order, attached, parent=main, now=now, expire=expire)


def _aligned(expire: datetime, day: int) -> datetime:
    """The first `day` of a month (-1: its last day) on or after `expire`, at the same time of day."""
    for months in (0, 1):
        month = expire + relativedelta(months=months)
        candidate = month + relativedelta(day=31) if day == -1 else month.replace(day=day)
        if candidate >= expire:
            return candidate
    raise AssertionError("unreachable: next month's day is always later")


def _extend(order: Order) -> None:
    """Move each renewed resource's expiry by the line's period, starting from its current expiry, then
    on to the customer's unified expiry day if one is set (the days up to it are free: sandbox choice)."""
    settings = RenewalSettings.objects.filter(customer_id=order.customer_id).first()
    expire_day = settings.expire_day if settings else None
    for line in order.line_items.select_related("resource"):
        resource = line.resource
        line.effective_time = resource.expire_time
        line.expire_time = add_period(resource.expire_time, line.period_type, line.period_num)
        if expire_day:
            line.expire_time = _aligned(line.expire_time, expire_day)
        line.save(update_fields=["effective_time", "expire_time"])
        resource.expire_time = line.expire_time
        resource.update_time = clock.now()
        fields = ["expire_time", "update_time"]
        if resource.status in (Resource.Status.EXPIRED, Resource.Status.FROZEN):
            resource.status = Resource.Status.IN_USE
            fields.append("status")
        resource.save(update_fields=fields)


def order_cancel(*, customer: Customer, order_id: str) -> Order:
    """Cancel a pending-payment order (6 -> 4); any other status is refused."""
    with transaction.atomic():
        order = order_for_customer(customer, order_id, lock=True)
        if order.status != Order.Status.PENDING_PAYMENT:
            raise ApiError(
                400,
                CODE_ORDER_NOT_CANCELLABLE,
                f"Only orders pending payment can be cancelled; order {order_id} is "
                f"{Order.Status(order.status).label}.",
            )
        order.status = Order.Status.CANCELLED
        order.save(update_fields=["status"])
    return order


# --- renewal ---------------------------------------------------------------------------------------


def _fail(resource_id: str, code: str, message: str) -> dict:
    return {"resource_id": resource_id, "error_code": code, "error_msg": message}


def _in_unpaid_order(resource: Resource) -> bool:
    return OrderLineItem.objects.filter(
        resource__in=[resource, *resource.attached.all()], order__status=Order.Status.PENDING_PAYMENT
    ).exists()


def _main_resource_problem(customer: Customer, resource_id: str) -> tuple[Resource | None, dict | None]:
    resource = Resource.objects.filter(customer=customer, resource_id=resource_id).first()
    if resource is None or resource.status == Resource.Status.CLOSED:
        return None, _fail(resource_id, CODE_ABSENT, "The resource does not exist or has been deleted.")
    if not resource.is_main:
        return None, _fail(resource_id, CODE_NOT_MAIN, "The resource is not a primary resource.")
    return resource, None


def resource_renewal_price(resource: Resource, *, period_type: int, period_num: int, include_attached: bool = True):
    """[(resource, official, after partner discount)] for renewing `resource` (and its attached ones)."""
    targets = [resource]
    if include_attached:
        targets += [r for r in resource.attached.all() if r.status != Resource.Status.CLOSED]
    result = []
    for target in targets:
        prod = catalogue.PRODUCTS[(target.resource_type_code, target.resource_spec_code)]
        official = catalogue.period_price(
            prod, region=target.region_code, size=target.spec_size, period_type=period_type, period_num=period_num
        )
        result.append((target, official, catalogue.discounted(prod, official)))
    return result


def renewal_quote(
    *, customer: Customer, resource_ids: list[str], period_type: int, period_num: int, include_attached: bool = True
) -> tuple[list, list[dict]]:
    """([(main resource, [(resource, official, discounted)])], failures) for list_renew_rate_on_period."""
    quotes, failures = [], []
    for resource_id in dict.fromkeys(resource_ids):
        resource, problem = _main_resource_problem(customer, resource_id)
        if problem:
            failures.append(problem)
            continue
        quotes.append(
            (
                resource,
                resource_renewal_price(
                    resource, period_type=period_type, period_num=period_num, include_attached=include_attached
                ),
            )
        )
    return quotes, failures


def _renewal_order(customer: Customer, resource: Resource, *, period_type, period_num, now, source) -> Order:
    order = Order.objects.create(
        customer=customer,
        order_id=new_order_id(now),
        order_type=Order.Type.RENEWAL,
        status=Order.Status.PENDING_PAYMENT,
        source_type=source,
        service_type_code=resource.service_type_code,
        create_time=now,
        pending_payment_end_time=now + PAYMENT_WINDOW,
    )
    main_line = None
    for index, (target, official, _discounted) in enumerate(
        resource_renewal_price(resource, period_type=period_type, period_num=period_num), start=1
    ):
        prod = catalogue.PRODUCTS[(target.resource_type_code, target.resource_spec_code)]
        line = OrderLineItem.objects.create(
            order=order,
            order_line_item_id=_line_id(order, index),
            parent=main_line,
            resource=target,
            service_type_code=target.service_type_code,
            resource_type_code=target.resource_type_code,
            region_code=target.region_code,
            availability_zone=target.availability_zone,
            resource_spec=target.resource_spec_code,
            resource_size=target.spec_size,
            size_measure_id=target.spec_size_measure_id,
            product_id=catalogue.product_id(prod, target.region_code),
            product_spec_desc=target.product_spec_desc,
            period_type=period_type,
            period_num=period_num,
            official_amount=official,
            amount_after_discount=official,
        )
        main_line = main_line or line
    _order_totals(order)
    return order


def resources_renew(
    *, customer: Customer, resource_ids: list[str], period_type: int, period_num: int, auto_pay: bool
) -> tuple[list[str], list[dict]]:
    """One renewal order (type 2) per main resource; pending payment, or paid at once with `auto_pay`
    (partner discount applied, as Huawei's auto-pay does). Returns (order ids, per-resource failures)."""
    now = clock.now()
    order_ids, failures = [], []
    for resource_id in dict.fromkeys(resource_ids):
        resource, problem = _main_resource_problem(customer, resource_id)
        if problem is None and _in_unpaid_order(resource):
            problem = _fail(resource_id, CODE_IN_UNPAID_ORDER, "The resource is included in an unpaid order.")
        if problem:
            failures.append(problem)
            continue
        try:
            with transaction.atomic():
                order = _renewal_order(
                    customer,
                    resource,
                    period_type=period_type,
                    period_num=period_num,
                    now=now,
                    source=Order.Source.CUSTOMER,
                )
                if auto_pay:
                    order_pay(customer=customer, order_id=order.order_id, use_discount=True)
        except ApiError as exc:
            failures.append(_fail(resource_id, exc.error_code, exc.error_msg))
            continue
        order_ids.append(order.order_id)
    return order_ids, failures


# --- unsubscription --------------------------------------------------------------------------------


def _paid_lines(resource: Resource) -> list[tuple[OrderLineItem, Decimal]]:
    """(line, amount paid for this resource) of every completed purchase/renewal that covers it."""
    result = []
    purchase = resource.line_item
    if purchase.order.status == Order.Status.COMPLETED:
        result.append((purchase, purchase.amount_after_discount / purchase.subscription_num))
    for line in resource.lines.filter(order__order_type=Order.Type.RENEWAL, order__status=Order.Status.COMPLETED):
        result.append((line, line.amount_after_discount))
    return result


def _unused_share(line: OrderLineItem, now: datetime) -> Decimal:
    if line.effective_time is None or line.expire_time is None or line.expire_time <= now:
        return Decimal("0")
    total = (line.expire_time - line.effective_time).total_seconds()
    unused = (line.expire_time - max(now, line.effective_time)).total_seconds()
    return Decimal(str(unused / total)) if total > 0 else Decimal("0")


def resources_unsubscribe(
    *,
    customer: Customer,
    resource_ids: list[str],
    unsubscribe_type: int,
    reason_type: int | None,
    reason: str,
    now: datetime | None = None,
    refund_budget: bool = True,
) -> tuple[list[str], list[dict]]:
    """One unsubscription order (type 4, completed at once) per main resource, with a negative refund
    line per paid line for its unused part; type 1 closes the resource (and its attached ones), type 2
    drops only renewed periods that have not started. `now`/`refund_budget` let the demo world
    back-date one without touching the budget."""
    now = now or clock.now()
    order_ids, failures = [], []
    for resource_id in dict.fromkeys(resource_ids):
        resource = Resource.objects.filter(customer=customer, resource_id=resource_id).first()
        if resource is not None and resource.status == Resource.Status.CLOSED:
            failures.append(_fail(resource_id, CODE_ALREADY_UNSUBSCRIBED, "The resource has been unsubscribed."))
            continue
        resource, problem = _main_resource_problem(customer, resource_id)
        if problem is None and _in_unpaid_order(resource):
            problem = _fail(resource_id, CODE_IN_UNPAID_ORDER, "The resource is included in an unpaid order.")
        if problem:
            failures.append(problem)
            continue
        targets = [resource, *resource.attached.exclude(status=Resource.Status.CLOSED)]
        refunds = []
        for target in targets:
            for line, paid in _paid_lines(target):
                if unsubscribe_type == 2 and (line.effective_time is None or line.effective_time <= now):
                    continue
                refunds.append((target, line, _money(paid * _unused_share(line, now))))
        if unsubscribe_type == 2 and not refunds:
            failures.append(_fail(resource_id, CODE_NO_PERIOD, "The resource has no renewed period to unsubscribe."))
            continue
        with transaction.atomic():
            order = Order.objects.create(
                customer=customer,
                order_id=new_order_id(now),
                order_type=Order.Type.UNSUBSCRIPTION,
                status=Order.Status.COMPLETED,
                source_type=Order.Source.CUSTOMER,
                service_type_code=resource.service_type_code,
                create_time=now,
                payment_time=now,
                unsubscribe_reason_type=reason_type,
                unsubscribe_reason=reason,
            )
            for index, (target, line, amount) in enumerate(refunds, start=1):
                OrderLineItem.objects.create(
                    order=order,
                    order_line_item_id=_line_id(order, index),
                    resource=target,
                    base_line=line,
                    service_type_code=target.service_type_code,
                    resource_type_code=target.resource_type_code,
                    region_code=target.region_code,
                    resource_spec=target.resource_spec_code,
                    resource_size=target.spec_size,
                    size_measure_id=target.spec_size_measure_id,
                    product_id=target.product_id,
                    product_spec_desc=target.product_spec_desc,
                    official_amount=-amount,
                    amount_after_discount=-amount,
                    effective_time=now,
                )
            _order_totals(order)
            for target in targets:
                if unsubscribe_type == 1:
                    target.status = Resource.Status.CLOSED
                    target.expire_time = min(target.expire_time, now)
                else:
                    starts = [line.effective_time for t, line, _ in refunds if t == target]
                    if starts:
                        target.expire_time = min(starts)
                target.update_time = now
                target.save(update_fields=["status", "expire_time", "update_time"])
            refunded = -order.amount_after_discount
            if refunded > 0 and refund_budget:
                _budget_refund(customer=customer, amount=refunded)
        order_ids.append(order.order_id)
    return order_ids, failures


# --- auto-renewal ----------------------------------------------------------------------------------


def _main_resource_or_error(customer: Customer, resource_id: str) -> Resource:
    resource, problem = _main_resource_problem(customer, resource_id)
    if problem:
        raise ApiError(400, problem["error_code"], problem["error_msg"])
    return resource


def auto_renewal_enable(*, customer: Customer, resource_id: str, times: int | None, period_type: int | None) -> None:
    """expire_policy 3 on the main resource and its attached ones; `times` 0 = unlimited."""
    resource = _main_resource_or_error(customer, resource_id)
    now = clock.now()
    for target in [resource, *resource.attached.exclude(status=Resource.Status.CLOSED)]:
        target.expire_policy = Resource.ExpirePolicy.AUTO_RENEW
        target.auto_renew_times = times or 0
        if period_type:
            target.auto_renew_period_type = period_type
        target.update_time = now
        target.save(update_fields=["expire_policy", "auto_renew_times", "auto_renew_period_type", "update_time"])


def auto_renewal_disable(*, customer: Customer, resource_id: str) -> None:
    resource = _main_resource_or_error(customer, resource_id)
    if resource.expire_policy != Resource.ExpirePolicy.AUTO_RENEW:
        raise ApiError(400, CODE_AUTO_RENEW_ALREADY_OFF, "Auto-renewal has been cancelled already.")
    now = clock.now()
    for target in [resource, *resource.attached.all()]:
        if target.expire_policy == Resource.ExpirePolicy.AUTO_RENEW:
            target.expire_policy = Resource.ExpirePolicy.GRACE_PERIOD
            target.update_time = now
            target.save(update_fields=["expire_policy", "update_time"])


# --- renewal settings and conversion to pay-per-use --------------------------------------------------


def renewal_settings_set(*, customer: Customer, deduction_days: int | None = None, expire_day: int | None = None):
    """Store one of the customer's renewal settings (the other keeps its value)."""
    settings, _ = RenewalSettings.objects.get_or_create(customer=customer)
    if deduction_days is not None:
        settings.deduction_days = deduction_days
    if expire_day is not None:
        settings.expire_day = expire_day
    settings.save()
    return settings


def resources_to_on_demand(*, customer: Customer, resource_ids: list[str], set_up: bool) -> list[dict]:
    """Set (or cancel) the conversion of main resources, with their attached ones, to pay-per-use at
    expiry (expire_policy 1; the clock converts them). Returns per-id failures."""
    failures = []
    now = clock.now()
    for resource_id in dict.fromkeys(resource_ids):
        resource, problem = _main_resource_problem(customer, resource_id)
        if problem is None and set_up and resource.status != Resource.Status.IN_USE:
            problem = _fail(resource_id, CODE_EXPIRED, "The resource has expired; renew it first.")
        if problem is None and set_up and _in_unpaid_order(resource):
            problem = _fail(resource_id, CODE_IN_UNPAID_ORDER, "The resource is included in an unpaid order.")
        if problem:
            failures.append({"id": resource_id, "error_code": problem["error_code"], "error_msg": problem["error_msg"]})
            continue
        for target in [resource, *resource.attached.exclude(status=Resource.Status.CLOSED)]:
            if set_up:
                # Replaces auto-renewal, as choosing "pay-per-use at expiry" does in the console.
                target.expire_policy = Resource.ExpirePolicy.TO_PAY_PER_USE
                target.auto_renew_times = 0
            elif target.expire_policy == Resource.ExpirePolicy.TO_PAY_PER_USE:
                target.expire_policy = Resource.ExpirePolicy.GRACE_PERIOD
            target.update_time = now
            target.save(update_fields=["expire_policy", "auto_renew_times", "update_time"])
    return failures


def _convert_to_on_demand(resource: Resource) -> None:
    """At expiry: the yearly/monthly resource closes and goes on as a pay-per-use one (same id)."""
    for target in [resource, *resource.attached.exclude(status=Resource.Status.CLOSED)]:
        OnDemandResource.objects.create(
            customer=target.customer,
            resource_id=target.resource_id,
            resource_name=target.resource_name,
            region_code=target.region_code,
            availability_zone_code=target.availability_zone,
            service_type_code=target.service_type_code,
            resource_type_code=target.resource_type_code,
            resource_spec_code=target.resource_spec_code,
            resource_info={"specSize": float(target.spec_size)} if target.spec_size else {},
            product_spec_desc=target.product_spec_desc,
            effective_time=resource.expire_time,
        )
        target.status = Resource.Status.CLOSED
        target.update_time = resource.expire_time
        target.save(update_fields=["status", "update_time"])


# --- the clock -------------------------------------------------------------------------------------


def _deduction_lead(customer: Customer) -> timedelta:
    """How long before the expiry an auto-renewal is charged: the customer's DEDUCTION_DATE, else at the
    expiry itself (sandbox choice)."""
    settings = RenewalSettings.objects.filter(customer=customer).first()
    return timedelta(days=settings.deduction_days) if settings and settings.deduction_days else timedelta(0)


def _auto_renew(resource: Resource, now: datetime) -> bool:
    """Renew `resource` by its auto-renewal period until it runs past `now` (the charging day, with a
    deduction lead); False if that failed."""
    lead = _deduction_lead(resource.customer)
    while resource.expire_time - lead <= now:
        if _in_unpaid_order(resource):
            return False
        try:
            with transaction.atomic():
                order = _renewal_order(
                    resource.customer,
                    resource,
                    period_type=resource.auto_renew_period_type,
                    period_num=1,
                    now=now,
                    source=Order.Source.SYSTEM,
                )
                order_pay(customer=resource.customer, order_id=order.order_id, use_discount=True)
        except ApiError:
            return False  # budget exhausted: the resource expires like any other
        resource.refresh_from_db()
        if resource.auto_renew_times:
            left = resource.auto_renew_times - 1
            for target in [resource, *resource.attached.all()]:
                target.auto_renew_times = left
                if left == 0:  # the last allowed renewal: back to the grace-period policy
                    target.expire_policy = Resource.ExpirePolicy.GRACE_PERIOD
                target.save(update_fields=["auto_renew_times", "expire_policy"])
            if left == 0:
                break
    return resource.expire_time > now


@hooks.on_clock_advance
def clock_advanced(before: datetime, after: datetime) -> None:
    """Cancel unpaid orders past their deadline, expire resource packages, auto-renew, convert to
    pay-per-use, then expire / freeze / close resources."""
    Order.objects.filter(status=Order.Status.PENDING_PAYMENT, pending_payment_end_time__lte=after).update(
        status=Order.Status.CANCELLED
    )
    FreeResourcePackage.objects.filter(
        status__in=[FreeResourcePackage.Status.EFFECTIVE, FreeResourcePackage.Status.USED_UP], expire_time__lte=after
    ).update(status=FreeResourcePackage.Status.EXPIRED)
    main = Resource.objects.filter(parent__isnull=True, status=Resource.Status.IN_USE).select_related("customer")
    longest_lead = timedelta(days=max(DEDUCTION_DAYS))
    for resource in main.filter(expire_time__lte=after + longest_lead, expire_policy=Resource.ExpirePolicy.AUTO_RENEW):
        _auto_renew(resource, after)  # renews only those whose charging day (the customer's lead) has come
    for resource in main.filter(expire_time__lte=after, expire_policy=Resource.ExpirePolicy.TO_PAY_PER_USE):
        _convert_to_on_demand(resource)
    open_ = Resource.objects.exclude(status=Resource.Status.CLOSED)
    open_.filter(expire_time__lte=after - GRACE_PERIOD - RETENTION_PERIOD).update(
        status=Resource.Status.CLOSED, update_time=after
    )
    open_.filter(
        expire_time__lte=after - GRACE_PERIOD, status__in=[Resource.Status.IN_USE, Resource.Status.EXPIRED]
    ).update(status=Resource.Status.FROZEN, update_time=after)
    open_.filter(expire_time__lte=after, status=Resource.Status.IN_USE).update(
        status=Resource.Status.EXPIRED, update_time=after
    )
