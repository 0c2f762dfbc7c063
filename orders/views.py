"""Prices, orders, paying and cancelling. Another customer's order is a 404, never a 403."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.models import Customer
from huaweicloud import budgets as cloud_budgets
from huaweicloud.errors import CloudError, CloudUnavailable
from orders import prices, selectors, services
from orders.forms import PayForm, PriceForm
from orders.models import Order

PER_PAGE = 25


def _customer_or_none(user) -> Customer | None:
    if not user.is_authenticated:
        return None
    try:
        customer = user.customer
    except Customer.DoesNotExist:
        return None
    if customer.binding != Customer.Binding.BOUND or not customer.customer_id:
        return None
    return customer


def _customer(request) -> Customer:
    # Orders are the signed-in customer's own; staff and customers without a cloud account have none here.
    customer = _customer_or_none(request.user)
    if customer is None:
        raise Http404("No HUAWEI CLOUD account.")
    return customer


# --- prices ----------------------------------------------------------------------------------------


@require_GET
def prices_page(request):
    """The price of one product. A GET form: works without JavaScript; htmx swaps in the result."""
    customer = _customer_or_none(request.user)
    submitted = "service" in request.GET
    form = PriceForm(request.GET if submitted else None)
    quote = None
    inquiry = None
    if submitted and form.is_valid():
        inquiry = form.inquiry()
        quote = prices.price_inquire(inquiry=inquiry, customer=services.customer_ref(customer) if customer else None)
    context = {
        "form": form,
        "quote": quote,
        "inquiry": inquiry,
        "customer": customer,
        "services": prices.SERVICES,
        "is_error": isinstance(quote, prices.QuoteError),
    }
    if request.htmx:
        return render(request, "prices/result.html", context)
    return render(request, "prices/prices.html", context)


# --- orders ----------------------------------------------------------------------------------------


@login_required
@require_GET
def orders_page(request):
    customer = _customer(request)
    tab = request.GET.get("status", "all")
    if tab not in {slug: label for slug, label, _s in selectors.STATUS_TABS}:
        tab = "all"
    search = request.GET.get("q", "")[:100]
    orders = selectors.orders_for_customer(customer=customer, tab=tab, search=search)
    page = Paginator(orders, PER_PAGE).get_page(request.GET.get("page"))
    counts = selectors.tab_counts(customer=customer)
    tabs = [
        {"slug": slug, "label": label, "count": counts[slug], "active": slug == tab}
        for slug, label, _s in selectors.STATUS_TABS
    ]
    context = {
        "customer": customer,
        "page_obj": page,
        "orders": page.object_list,
        "tabs": tabs,
        "tab": tab,
        "search": search,
        "last_sync": services.last_sync(customer=customer),
    }
    return render(request, "orders/orders.html", context)


@login_required
@require_POST
def orders_refresh(request):
    customer = _customer(request)
    try:
        result = services.orders_sync(customer=customer)
    except CloudError as exc:
        messages.error(request, exc.user_message)
    else:
        messages.success(
            request,
            _("Orders refreshed from HUAWEI CLOUD: %(new)s new, %(changed)s changed.")
            % {"new": result.created, "changed": result.changed},
        )
    return redirect(_safe_back(request, reverse("orders")))


def _safe_back(request, default: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/orders/") and "//" not in target else default


@login_required
@require_GET
def order_detail(request, order_id: str):
    customer = _customer(request)
    order = selectors.order_for_customer(customer=customer, order_id=order_id)
    context = {
        "customer": customer,
        "order": order,
        "open_payment": selectors.order_open_payment(order=order),
        "tickets_url": _url_or_none("tickets"),
    }
    return render(request, "orders/order_detail.html", context)


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@login_required
@require_POST
def order_refresh(request, order_id: str):
    customer = _customer(request)
    order = selectors.order_for_customer(customer=customer, order_id=order_id)
    try:
        services.order_refresh(order=order)
    except CloudError as exc:
        messages.error(request, exc.user_message)
    else:
        messages.success(request, _("Order refreshed from HUAWEI CLOUD."))
    return redirect("order_detail", order_id=order.order_id)


def _budget_left(customer: Customer):
    """What is left of the customer's budget, fresh from HUAWEI CLOUD, else our mirror, else None."""
    try:
        budget = cloud_budgets.show_sub_customer_budget(customer_id=customer.customer_id)
        return budget.amount - budget.used
    except CloudError:
        if customer.budget_amount is not None and customer.budget_used is not None:
            return customer.budget_amount - customer.budget_used
        return None


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def order_pay(request, order_id: str):
    customer = _customer(request)
    order = selectors.order_for_customer(customer=customer, order_id=order_id)
    error = None
    if request.method == "POST":
        form = PayForm(request.POST)
        if form.is_valid():
            discount_id, coupon_ids = form.payment_choice()
            try:
                attempt = services.order_pay(
                    order=order,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    user=request.user,
                    discount_id=discount_id,
                    coupon_ids=coupon_ids,
                )
            except services.PaymentInProgress as exc:
                messages.warning(request, exc.message)
                return redirect("order_detail", order_id=order.order_id)
            except services.OrderActionRefused as exc:
                error = exc.message
            else:
                if attempt.status == attempt.Status.SENDING:
                    # The same form, sent again while its first sending is still under way.
                    messages.info(
                        request,
                        _("A payment of this order is being sent to HUAWEI CLOUD. Wait a moment and reload the page."),
                    )
                elif attempt.status == attempt.Status.SUCCEEDED:
                    messages.success(
                        request,
                        _("Order %(order)s is paid. HUAWEI CLOUD is setting up your resources.")
                        % {"order": order.order_id},
                    )
                else:
                    messages.warning(
                        request,
                        _(
                            "HUAWEI CLOUD did not answer in time. Your payment may still have gone through: "
                            "we check the order's state before any new payment, so you will not pay twice."
                        ),
                    )
                return redirect("order_detail", order_id=order.order_id)
        else:
            error = _("The payment form was incomplete. Please try again.")
        order = selectors.order_for_customer(customer=customer, order_id=order_id)
    if not order.is_payable:
        if error:
            messages.error(request, error)
        elif order.status == Order.Status.PENDING_PAYMENT:
            messages.error(request, _("The payment deadline of this order has passed."))
        return redirect("order_detail", order_id=order.order_id)

    options_error = None
    discounts, coupons = (), ()
    try:
        options = services.order_payment_options(order=order)
        discounts, coupons = options["discounts"], options["coupons"]
    except CloudUnavailable as exc:
        options_error = exc.user_message
    except CloudError as exc:
        options_error = exc.user_message
    rows = []
    for discount in discounts:
        saving = sum((line.discount_amount or 0 for line in discount.lines), Decimal("0"))
        pays = max(order.amount - saving, Decimal("0"))
        rows.append({"value": f"discount:{discount.discount_id}", "kind": "discount", "saving": saving, "pays": pays})
    rows += [{"value": f"coupon:{c.coupon_id}", "kind": "coupon", "coupon": c} for c in coupons]
    rows.append({"value": "none", "kind": "none"})
    form = PayForm(initial={"idempotency_key": uuid.uuid4(), "option": rows[0]["value"]})
    context = {
        "customer": customer,
        "order": order,
        "form": form,
        "rows": rows,
        "selected": rows[0]["value"],
        "error": error,
        "options_error": options_error,
        "budget_left": _budget_left(customer),
        "open_payment": selectors.order_open_payment(order=order),
    }
    return render(request, "orders/order_pay.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def order_cancel(request, order_id: str):
    customer = _customer(request)
    order = selectors.order_for_customer(customer=customer, order_id=order_id)
    if request.method == "POST":
        try:
            services.order_cancel(order=order, user=request.user)
        except services.OrderActionRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Order %(order)s is canceled.") % {"order": order.order_id})
        return redirect("order_detail", order_id=order.order_id)
    if not order.is_cancellable:
        messages.error(request, _("Only orders waiting for payment can be canceled."))
        return redirect("order_detail", order_id=order.order_id)
    return render(request, "orders/order_cancel.html", {"customer": customer, "order": order})
