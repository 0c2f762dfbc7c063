"""Control API of the commerce area (local mode only): what the HUAWEI CLOUD console would do."""

from __future__ import annotations

from django.http import JsonResponse

from sandbox.commerce import services
from sandbox.commerce.models import Order
from sandbox.commerce.operations import line_item_dict, order_dict
from sandbox.control import BadInput, _json, control
from sandbox.models import Customer

PURCHASE_FIELDS = {
    "customer_id",
    "service",
    "region",
    "spec",
    "size",
    "period_type",
    "period_num",
    "quantity",
    "availability_zone",
}


def order_state(order: Order) -> dict:
    return {
        **order_dict(order, detail=True),
        "order_line_items": [line_item_dict(line, order=order) for line in order.line_items.all()],
    }


@control("POST")
def console_purchase(request):
    """Create a pending-payment new-purchase order as the console does after "Buy Now"."""
    data = _json(request)
    unknown = set(data) - PURCHASE_FIELDS
    if unknown:
        raise BadInput(f"unknown field(s): {', '.join(sorted(unknown))}")
    customer = Customer.objects.filter(customer_id=data.get("customer_id") or "").first()
    if customer is None:
        raise BadInput("customer_id must be the id of an existing customer")
    for name in ("service", "region", "spec"):
        if not isinstance(data.get(name), str) or not data[name]:
            raise BadInput(f"{name} is required (a string)")
    try:
        order = services.order_create_from_console(
            customer=customer,
            service=data["service"],
            region=data["region"],
            spec=data["spec"],
            size=data.get("size"),
            period_type=data.get("period_type", 2),
            period_num=data.get("period_num", 1),
            quantity=data.get("quantity", 1),
            availability_zone=data.get("availability_zone") or "",
        )
    except services.ConsoleInputError as exc:
        raise BadInput(str(exc)) from None
    return JsonResponse(order_state(order), status=201)


@control("GET")
def order_detail(request, order_id: str):
    """An order with all its line items, whoever owns it (for tests and the console page)."""
    order = Order.objects.select_related("customer").filter(order_id=order_id).first()
    if order is None:
        return JsonResponse({"error": f"no order {order_id}"}, status=404)
    return JsonResponse(order_state(order))
