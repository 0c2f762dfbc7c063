"""Order reads shared by the pages and the admin."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from orders.models import Order, OrderLineItem, PaymentAttempt

# The status tabs of the orders page: (slug, label, statuses).
STATUS_TABS = [
    ("all", _("All"), ()),
    ("pending-payment", _("Pending payment"), (Order.Status.PENDING_PAYMENT,)),
    ("processing", _("Processing"), (Order.Status.PROCESSING,)),
    ("pending-approval", _("Pending approval"), (Order.Status.PENDING_APPROVAL, Order.Status.PENDING_CONFIRMATION)),
    ("completed", _("Completed"), (Order.Status.COMPLETED,)),
    ("canceled", _("Canceled"), (Order.Status.CANCELLED,)),
]
_TAB_STATUSES = {slug: statuses for slug, _label, statuses in STATUS_TABS}


def orders_for_customer(*, customer: Customer, tab: str = "all", search: str = "") -> QuerySet[Order]:
    """The customer's orders, newest first, with their resource count (one query, whatever the number)."""
    orders = Order.objects.filter(customer=customer).annotate(resource_count=Count("resources"))
    statuses = _TAB_STATUSES.get(tab) or ()
    if statuses:
        orders = orders.filter(status__in=statuses)
    search = search.strip()
    if search:
        orders = orders.filter(
            Q(order_id__icontains=search)
            | Q(service_type_name__icontains=search)
            | Q(line_items__product_spec_desc__icontains=search)
        ).distinct()
    return orders.order_by("-ordered_at", "-pk")


def tab_counts(*, customer: Customer) -> dict[str, int]:
    """Orders per tab, in one query."""
    counts = dict(
        Order.objects.filter(customer=customer).values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {
        slug: sum(counts.get(s, 0) for s in statuses) if statuses else sum(counts.values())
        for slug, _l, statuses in STATUS_TABS
    }


def order_for_customer(*, customer: Customer, order_id: str) -> Order:
    """One of the customer's own orders with its lines, resources and payments; another's is a 404."""
    return get_object_or_404(
        Order.objects.filter(customer=customer)
        .select_related("customer")
        .annotate(resource_count=Count("resources"))
        .prefetch_related(
            Prefetch("line_items", queryset=OrderLineItem.objects.order_by("line_item_id")),
            "resources",
            Prefetch("payment_attempts", queryset=PaymentAttempt.objects.order_by("-created_at")),
        ),
        order_id=order_id,
    )


def order_open_payment(*, order: Order) -> PaymentAttempt | None:
    return next((a for a in order.payment_attempts.all() if a.status in PaymentAttempt.OPEN), None)
