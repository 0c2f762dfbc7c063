"""Customer bills (`/bills/`) and the Finance pages (`/finance/`, Finance staff and superusers only)."""

from __future__ import annotations

import functools
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import exports, pdf, rating, selectors, services
from billing.forms import CYCLE, CycleForm, RatingRuleForm
from billing.models import CustomerBill, ExportJob, IngestRun, RatingRule
from huaweicloud.errors import CloudError
from partner_portal.templatetags.portal import customer_of

# --- customers -----------------------------------------------------------------------------------


@login_required
@require_GET
def bills(request):
    customer = customer_of(request.user)
    bills = selectors.bills_for_customer(customer=customer) if customer else CustomerBill.objects.none()
    return render(request, "billing/bills.html", {"bills": bills})


def _own_bill(request, pk: int) -> CustomerBill:
    customer = customer_of(request.user)
    bill = selectors.bill_for_customer(customer=customer, pk=pk) if customer else None
    if bill is None:
        # Another customer's bill, or a draft, is a 404: its existence is not disclosed.
        raise Http404
    return bill


@login_required
@require_GET
def bill_detail(request, pk: int):
    bill = _own_bill(request, pk)
    return render(request, "billing/bill_detail.html", {"bill": bill, "items": bill.items.all()})


@login_required
@require_GET
def bill_pdf(request, pk: int):
    bill = _own_bill(request, pk)
    return pdf.bill_pdf_response(bill, language=request.GET.get("lang") or request.LANGUAGE_CODE)


# --- Finance -------------------------------------------------------------------------------------


def finance_required(view):
    """Signed in (else the login page), and Finance or superuser (else 403)."""

    @functools.wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not selectors.is_finance(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _cycle_or_404(cycle: str) -> str:
    if not CYCLE.match(cycle):
        raise Http404
    return cycle


@finance_required
@require_GET
def dashboard(request):
    data = selectors.dashboard()
    chart = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return render(
        request,
        "billing/dashboard.html",
        {
            "data": data,
            "chart": chart,
            "cycles": selectors.cycles_overview(),
            "form": CycleForm(initial={"cycle": services.latest_closed_cycle()}),
        },
    )


@finance_required
@require_GET
def cycle_detail(request, cycle: str):
    cycle = _cycle_or_404(cycle)
    return render(
        request,
        "billing/cycle.html",
        {**selectors.cycle_overview(cycle=cycle), "export_kinds": ExportJob.Kind.choices},
    )


@finance_required
@require_POST
def cycle_open(request):
    form = CycleForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["cycle"][0])
        return redirect("finance:dashboard")
    return redirect("finance:cycle", cycle=form.cleaned_data["cycle"])


ACTIONS = ("ingest", "partner-bill", "monthly-sums", "rate", "draft", "issue")


@finance_required
@require_POST
def cycle_action(request, cycle: str, action: str):
    cycle = _cycle_or_404(cycle)
    if action not in ACTIONS:
        raise Http404
    try:
        if action == "ingest":
            services.bill_file_load(cycle=cycle, user=request.user)
            messages.success(request, _("Loading the bill file of %(cycle)s.") % {"cycle": cycle})
        elif action == "partner-bill":
            services.partner_bill_sync(cycle=cycle)
            messages.success(request, _("The partner bill of %(cycle)s is up to date.") % {"cycle": cycle})
        elif action == "monthly-sums":
            count = len(services.monthly_sums_check(cycle=cycle))
            messages.success(request, _("Checked the monthly sums of %(count)s customers.") % {"count": count})
        elif action == "rate":
            count = services.cycle_rate(cycle=cycle)
            messages.success(request, _("Rated %(count)s lines.") % {"count": count})
        elif action == "draft":
            count = services.customer_bills_draft(cycle=cycle)
            messages.success(request, _("Made %(count)s draft bills.") % {"count": count})
        elif action == "issue":
            count = services.customer_bills_issue(cycle=cycle, user=request.user, request=request)
            messages.success(request, _("Issued %(count)s bills.") % {"count": count})
    except services.NotReady as exc:
        messages.error(request, exc.user_message)
    except CloudError as exc:
        messages.error(request, exc.user_message)
    return redirect("finance:cycle", cycle=cycle)


@finance_required
@require_GET
def run_progress(request, pk: int):
    """The run's progress card; htmx polls it while the run is open."""
    run = get_object_or_404(IngestRun, pk=pk)
    return render(request, "billing/includes/run_progress.html", {"run": run})


@finance_required
def rules(request, pk: int | None = None):
    rule = get_object_or_404(RatingRule, pk=pk) if pk else None
    form = RatingRuleForm(request.POST or None, instance=rule)
    preview = None
    if request.method == "POST":
        if "delete" in request.POST and rule:
            services.rating_rule_delete(rule=rule, user=request.user, request=request)
            messages.success(request, _("The rule was deleted. Rate the cycles again before drafting bills."))
            return redirect("finance:rules")
        if form.is_valid():
            if "preview" in request.POST:
                cycle = form.cleaned_data["preview_cycle"] or services.latest_closed_cycle()
                preview = rating.preview(cycle=cycle, rule=form.save(commit=False))
            else:
                services.rating_rule_save(rule=form.save(commit=False), user=request.user, request=request)
                messages.success(request, _("The rule was saved. Rate the cycles again before drafting bills."))
                return redirect("finance:rules")
    return render(
        request,
        "billing/rules.html",
        {"form": form, "rule": rule, "rules": RatingRule.objects.all(), "preview": preview},
    )


@finance_required
@require_GET
def cycle_bills(request, cycle: str):
    cycle = _cycle_or_404(cycle)
    page = Paginator(selectors.current_bills(cycle=cycle), 50).get_page(request.GET.get("page"))
    return render(request, "billing/cycle_bills.html", {"cycle": cycle, "page": page})


@finance_required
def finance_bill(request, pk: int):
    bill = get_object_or_404(selectors.customer_bills(), pk=pk)
    if request.method == "POST":
        services.customer_bill_issue(bill=bill, user=request.user, request=request)
        messages.success(request, _("Bill issued."))
        return redirect("finance:bill", pk=pk)
    return render(request, "billing/finance_bill.html", {"bill": bill, "items": bill.items.all()})


@finance_required
@require_GET
def finance_bill_pdf(request, pk: int):
    bill = get_object_or_404(selectors.customer_bills(), pk=pk)
    return pdf.bill_pdf_response(bill, language=request.GET.get("lang") or request.LANGUAGE_CODE)


@finance_required
@require_GET
def reconciliation(request, cycle: str):
    cycle = _cycle_or_404(cycle)
    customer_id = request.GET.get("customer", "")
    service = request.GET.get("service", "")
    context = {"cycle": cycle, "customer_id": customer_id, "service": service}
    if customer_id and service:
        lines = selectors.lines_for(cycle=cycle, customer_id=customer_id, service_type_code=service).order_by("pk")
        context["page"] = Paginator(lines, 100).get_page(request.GET.get("page"))
    elif customer_id:
        context["services"] = selectors.customer_services(cycle=cycle, customer_id=customer_id)
    else:
        context["rec"] = selectors.reconciliation(cycle=cycle)
    return render(request, "billing/reconciliation.html", context)


@finance_required
@require_GET
def export_csv(request, cycle: str, kind: str):
    cycle = _cycle_or_404(cycle)
    if kind not in ExportJob.Kind.values:
        raise Http404
    return exports.csv_response(kind, cycle)


@finance_required
def export_list(request):
    if request.method == "POST":
        form = CycleForm(request.POST)
        kind = request.POST.get("kind")
        if form.is_valid() and kind in ExportJob.Kind.values:
            services.export_request(kind=kind, cycle=form.cleaned_data["cycle"], user=request.user)
            messages.success(request, _("The export is being built; it appears below when ready."))
        else:
            messages.error(request, _("Choose an export and a cycle written YYYY-MM."))
        return redirect("finance:exports")
    return render(request, "billing/exports.html", {"jobs": selectors.export_jobs()[:50]})


@finance_required
@require_GET
def export_progress(request, pk: int):
    job = get_object_or_404(ExportJob, pk=pk)
    return render(request, "billing/includes/export_row.html", {"job": job})


@finance_required
@require_GET
def export_download(request, pk: int):
    job = get_object_or_404(ExportJob, pk=pk, status=ExportJob.Status.DONE)
    return exports.xlsx_response(job)
