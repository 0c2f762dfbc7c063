"""Resource and usage pages: the customer's own resources only (another customer's is a 404)."""

from __future__ import annotations

import itertools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.models import Customer
from huaweicloud.errors import CloudError
from orders import resource_selectors as selectors
from orders import resources as services
from orders import usage as usage_reads
from orders.models import Resource, ResourceSync, Unsubscription
from orders.resource_forms import (
    AutoRenewForm,
    RenewConfirmForm,
    RenewQuoteForm,
    ResourceFilterForm,
    UnsubscribeForm,
    UsageForm,
    parse_period,
)

PER_PAGE = 100
CONSOLE_SERVICES = (("ecs", "ECS"), ("evs", "EVS"), ("vpc", "VPC"), ("eip", "EIP"))


def _customer(request) -> Customer:
    # Resources are the signed-in customer's own; staff and customers without a cloud account have none here.
    try:
        customer = request.user.customer
    except Customer.DoesNotExist:
        raise Http404("No customer profile.") from None
    if customer.binding != Customer.Binding.BOUND or not customer.customer_id:
        raise Http404("No HUAWEI CLOUD account.")
    return customer


def _order_url(order_id: str) -> str | None:
    if not order_id:
        return None
    try:
        return reverse("order_detail", args=[order_id])
    except NoReverseMatch:
        return None


def _console_url(service: str | None) -> str | None:
    if not service:
        return None
    return f"{reverse('sso:console')}?{urlencode({'service': service, 'action': 'manage'})}"


def _decorate(resource):
    """Adds the "Manage" console link (and, for yearly/monthly ones, the order's page) to a resource."""
    resource.console_url = _console_url(
        selectors.console_service(
            service_type_code=resource.service_type_code, resource_type_code=resource.resource_type_code
        )
    )
    resource.order_url = _order_url(getattr(resource, "order_id", ""))
    return resource


def _ids(data) -> list[str]:
    return list(dict.fromkeys(value for value in data.getlist("ids") if value))


# --- yearly/monthly ----------------------------------------------------------------------------------------


@login_required
@require_GET
def resources_page(request):
    customer = _customer(request)
    choices = selectors.resource_filter_choices(customer=customer)
    form = ResourceFilterForm(request.GET or None, services=choices["services"], regions=choices["regions"])
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    queryset = selectors.resources_for_customer(
        customer=customer,
        service=filters.get("service") or "",
        region=filters.get("region") or "",
        status=filters.get("state"),
        expiring=bool(filters.get("expiring")),
    )
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    for resource in page:
        _decorate(resource)
        for attached in resource.attached_list:
            _decorate(attached)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "customer": customer,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "sync": ResourceSync.objects.filter(customer=customer).first(),
        "console_links": [(label, _console_url(service)) for service, label in CONSOLE_SERVICES],
        "now": timezone.now(),
    }
    return render(request, "resources/list.html", context)


@login_required
@require_POST
def resources_refresh(request):
    customer = _customer(request)
    try:
        services.resources_sync(customer=customer)
    except services.ResourceSyncBusy:
        messages.warning(request, _("Your resources are being refreshed right now. Please look again in a minute."))
    except CloudError as exc:
        messages.error(request, exc.user_message)
    else:
        messages.success(request, _("Resources refreshed from HUAWEI CLOUD."))
    return redirect("resources")


@login_required
@require_http_methods(["GET", "POST"])
def resource_renew(request):
    customer = _customer(request)
    data = request.POST if request.method == "POST" else request.GET
    ids = _ids(data)
    if not ids:
        messages.warning(request, _("Choose the resources to renew first."))
        return redirect("resources")
    resources = selectors.resources_by_ids(customer=customer, resource_ids=ids)
    if request.method == "POST":
        form = RenewConfirmForm(request.POST)
        if form.is_valid():
            period_type, period_num = parse_period(form.cleaned_data["period"])
            try:
                attempt = services.resources_renew(
                    customer=customer,
                    resources=resources,
                    period_type=period_type,
                    period_num=period_num,
                    auto_pay=form.cleaned_data["pay"] == "now",
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    quoted_amount=form.cleaned_data.get("quoted_amount"),
                    request=request,
                )
            except services.ResourceActionRefused as exc:
                messages.error(request, exc.message)
                if exc.attempt is not None:
                    return redirect("resource_renewal", pk=exc.attempt.pk)
                return redirect(f"{reverse('resource_renew')}?{urlencode({'ids': ids}, doseq=True)}")
            except CloudError as exc:
                messages.error(request, exc.user_message)
                return redirect(f"{reverse('resource_renew')}?{urlencode({'ids': ids}, doseq=True)}")
            return redirect("resource_renewal", pk=attempt.pk)
        quote_form = form
    else:
        quote_form = RenewQuoteForm(request.GET if "period" in request.GET else None)
    quote = confirm = None
    if quote_form.is_bound and quote_form.is_valid():
        period_type, period_num = parse_period(quote_form.cleaned_data["period"])
        try:
            quote = services.renewal_quote(
                customer=customer, resources=resources, period_type=period_type, period_num=period_num
            )
        except services.ResourceActionRefused as exc:
            messages.error(request, exc.message)
        except CloudError as exc:
            messages.error(request, exc.user_message)
        else:
            confirm = RenewConfirmForm(
                initial={
                    "period": quote_form.cleaned_data["period"],
                    "pay": quote_form.cleaned_data["pay"],
                    "idempotency_key": RenewConfirmForm.new_key(),
                    "quoted_amount": quote.amount,
                }
            )
    failures = {f.resource_id: f for f in quote.failures} if quote else {}
    quoted = dict(quote.resources) if quote else {}
    for resource in resources:
        resource.quote_failure = failures.get(resource.resource_id)
        resource.quoted_amount = quoted.get(resource.resource_id)
    context = {
        "customer": customer,
        "resources": resources,
        "ids": ids,
        "form": quote_form if quote_form.is_bound else RenewQuoteForm(),
        "quote": quote,
        "confirm": confirm,
    }
    return render(request, "resources/renew.html", context)


@login_required
@require_GET
def resource_renewal(request, pk: int):
    customer = _customer(request)
    attempt = selectors.renewal_for_customer(customer=customer, pk=pk)
    return render(request, "resources/renewal.html", _attempt_context(customer, attempt))


def _attempt_context(customer: Customer, attempt) -> dict:
    names = selectors.resource_names(customer=customer, resource_ids=attempt.resource_ids)
    failures = {f["resource_id"]: f for f in attempt.failures}
    done = attempt.status == attempt.Status.DONE
    current = {
        r.resource_id: r for r in Resource.objects.filter(customer=customer, resource_id__in=attempt.resource_ids)
    }
    rows = []
    for resource_id in attempt.resource_ids:
        resource = current.get(resource_id)
        rows.append(
            {
                "resource_id": resource_id,
                "name": names.get(resource_id) or getattr(attempt, "resource_names", {}).get(resource_id, ""),
                "failure": failures.get(resource_id),
                "accepted": done and resource_id not in failures,
                "resource": resource,
            }
        )
    return {
        "customer": customer,
        "attempt": attempt,
        "rows": rows,
        "order_links": [(order_id, _order_url(order_id)) for order_id in attempt.order_ids],
    }


@login_required
@require_POST
def resource_renewal_check(request, pk: int):
    customer = _customer(request)
    attempt = selectors.renewal_for_customer(customer=customer, pk=pk)
    try:
        services.renewal_attempt_resolve(attempt=attempt)
    except CloudError as exc:
        messages.error(request, exc.user_message)
    return redirect("resource_renewal", pk=attempt.pk)


@login_required
@require_http_methods(["GET", "POST"])
def resource_autorenew(request, resource_id: str):
    customer = _customer(request)
    resource = selectors.resource_for_customer(customer=customer, resource_id=resource_id)
    form = AutoRenewForm(request.POST or None, initial={"action": "off" if resource.auto_renew else "on"})
    if request.method == "POST" and form.is_valid():
        enabled = form.cleaned_data["action"] == "on"
        try:
            services.resource_autorenew_set(
                resource=resource,
                enabled=enabled,
                period=form.cleaned_data.get("period") or "",
                times=form.cleaned_data.get("times"),
                request=request,
            )
        except services.ResourceActionRefused as exc:
            messages.error(request, exc.message)
        except CloudError as exc:
            messages.error(request, exc.user_message)
        else:
            if enabled:
                messages.success(request, _("Auto-renewal is on for %(name)s.") % {"name": resource})
            else:
                messages.success(request, _("Auto-renewal is off for %(name)s.") % {"name": resource})
            return redirect("resources")
    return render(
        request, "resources/autorenew.html", {"customer": customer, "resource": _decorate(resource), "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource_unsubscribe(request):
    customer = _customer(request)
    data = request.POST if request.method == "POST" else request.GET
    ids = _ids(data)
    if not ids:
        messages.warning(request, _("Choose the resources to unsubscribe first."))
        return redirect("resources")
    resources = selectors.resources_by_ids(customer=customer, resource_ids=ids)
    if request.method == "POST":
        form = UnsubscribeForm(request.POST, resources=resources)
        if form.is_valid():
            try:
                unsubscription = services.resources_unsubscribe(
                    customer=customer,
                    resources=resources,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    estimated_refund=form.cleaned_data.get("estimated_refund"),
                    reason_type=form.cleaned_data.get("reason_type"),
                    reason=form.cleaned_data.get("reason") or "",
                    request=request,
                )
            except services.ResourceActionRefused as exc:
                messages.error(request, exc.message)
                if exc.attempt is not None:
                    return redirect("resource_unsubscription", pk=exc.attempt.pk)
                return redirect("resources")
            except CloudError as exc:
                messages.error(request, exc.user_message)
                return redirect("resources")
            return redirect("resource_unsubscription", pk=unsubscription.pk)
    else:
        form = None
    estimate = None
    try:
        estimate = services.unsubscribe_estimate(customer=customer, resources=resources)
    except services.ResourceActionRefused as exc:
        messages.error(request, exc.message)
        return redirect("resources")
    except CloudError as exc:
        messages.warning(request, exc.user_message)
    if form is None:
        form = UnsubscribeForm(
            resources=resources,
            initial={
                "idempotency_key": RenewConfirmForm.new_key(),
                "estimated_refund": estimate.amount if estimate else None,
            },
        )
    per_resource = dict(estimate.per_resource) if estimate else {}
    for resource in resources:
        resource.estimated_refund = per_resource.get(resource.resource_id)
    context = {"customer": customer, "resources": resources, "ids": ids, "form": form, "estimate": estimate}
    return render(request, "resources/unsubscribe.html", context)


@login_required
@require_GET
def resource_unsubscription(request, pk: int):
    customer = _customer(request)
    unsubscription = selectors.unsubscription_for_customer(customer=customer, pk=pk)
    return render(request, "resources/unsubscription.html", _attempt_context(customer, unsubscription))


@login_required
@require_POST
def resource_unsubscription_check(request, pk: int):
    customer = _customer(request)
    unsubscription = selectors.unsubscription_for_customer(customer=customer, pk=pk)
    try:
        if unsubscription.status == Unsubscription.Status.UNCLEAR:
            services.unsubscription_resolve(unsubscription=unsubscription)
        elif unsubscription.order_ids:
            services.unsubscription_refunds_fetch(unsubscription=unsubscription)
    except CloudError as exc:
        messages.error(request, exc.user_message)
    return redirect("resource_unsubscription", pk=unsubscription.pk)


# --- pay-per-use ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def on_demand_resources(request):
    customer = _customer(request)
    rows = list(selectors.on_demand_for_customer(customer=customer))
    for row in rows:
        _decorate(row)
    context = {
        "customer": customer,
        "rows": rows,
        "sync": ResourceSync.objects.filter(customer=customer).first(),
        "cycle": services.current_cycle(),
    }
    return render(request, "resources/on_demand.html", context)


# --- usage ---------------------------------------------------------------------------------------------------


def _usage_params(request) -> tuple[str, str, str]:
    form = UsageForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    cycle = data.get("month") or services.current_cycle()
    return cycle, data.get("by") or usage_reads.BY_CYCLE, data.get("service") or ""


@login_required
@require_GET
def usage_page(request):
    customer = _customer(request)
    cycle, by, service = _usage_params(request)
    today = usage_reads.today_in_bill_time(timezone.now())
    usage = error = None
    try:
        usage = usage_reads.month_usage(customer=customer, cycle=cycle, by=by, service=service)
    except CloudError as exc:
        error = exc.user_message
    context = {
        "customer": customer,
        "cycle": cycle,
        "by": by,
        "service": service,
        "cycles": usage_reads.recent_cycles(today),
        "usage": usage,
        "error": error,
        "chart_data": usage_reads.chart_data(usage) if usage else None,
        "rows": [(record, usage_reads.BILL_TYPES.get(record.bill_type, "")) for record in usage.records]
        if usage
        else [],
        "csv_query": urlencode({"month": cycle, "by": by, **({"service": service} if service else {})}),
    }
    return render(request, "usage/usage.html", context)


@login_required
@require_GET
def usage_csv(request):
    customer = _customer(request)
    cycle, by, service = _usage_params(request)
    lines = usage_reads.csv_lines(customer=customer, cycle=cycle, by=by, service=service)
    # The header and the first page of records before any byte goes out: if HUAWEI CLOUD fails there,
    # the customer is sent back to the usage page with the reason instead of getting a cut file.
    first = []
    try:
        first = [next(lines), next(lines)]
    except StopIteration:
        pass
    except CloudError as exc:
        messages.error(request, exc.user_message)
        return redirect(f"{reverse('usage')}?{urlencode({'month': cycle, 'by': by})}")
    response = StreamingHttpResponse(itertools.chain(first, lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="usage-{cycle}-{by}.csv"'
    return response
