from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from customers import budgets, realname
from customers.models import BudgetAlert, Customer, RealNameApplication, RealNameFile, SyncRun
from huaweicloud.budgets import BUDGET_MAX
from huaweicloud.errors import CloudError, CloudUnavailable
from partner_portal import audit

# --- budgets, freezes and sync: forms, filters and views used by CustomerAdmin --------------------------


class BudgetForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Budget (USD)"), min_value=Decimal("0"), max_value=BUDGET_MAX, max_digits=16, decimal_places=2
    )
    budget_type = forms.ChoiceField(
        label=_("Budget type"),
        choices=[("MONTHLY", _("Monthly (renewed every month)")), ("PACKAGE", _("One-off (package)"))],
        initial="MONTHLY",
    )
    freeze_at_limit = forms.TypedChoiceField(
        label=_("Freeze the customer when the budget is used up"),
        choices=[("", _("Leave as it is")), ("1", _("Yes")), ("0", _("No"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. Kept in the audit log with the change."),
    )
    # The budget this form was filled in from: a different one when saving means someone changed it meanwhile.
    based_on = forms.DecimalField(widget=forms.HiddenInput, required=False, max_digits=16, decimal_places=2)

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        return reason


class FreezeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        return reason


class BudgetUsageFilter(admin.SimpleListFilter):
    title = _("budget used")
    parameter_name = "budget_used"

    def lookups(self, request, model_admin):
        return [("80", _("80 percent or more")), ("100", _("100 percent or more")), ("none", _("No budget set"))]

    def queryset(self, request, queryset):
        if self.value() in ("80", "100"):
            share = Decimal(self.value()) / 100
            return queryset.filter(budget_amount__gt=0, budget_used__gte=F("budget_amount") * share)
        if self.value() == "none":
            return queryset.filter(budget_amount__isnull=True) | queryset.filter(budget_amount=0)
        return queryset


class CustomerStaffActionsMixin:
    """Budgets, freezes, sync status and the audit history on the customer admin (issue: staff customer management)."""

    change_form_template = "admin/customers/customer/change_form.html"
    change_list_template = "admin/customers/customer/change_list.html"

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("sync/", self.admin_site.admin_view(self.sync_view), name=f"{info}_sync"),
            path("<path:object_id>/budget/", self.admin_site.admin_view(self.budget_view), name=f"{info}_budget"),
            *super().get_urls(),
        ]

    # --- permissions ---

    def has_freeze_permission(self, request):
        return request.user.has_perm("customers.freeze_customer")

    # --- list page ---

    @admin.display(description=_("budget used"), ordering="budget_used")
    def budget_usage(self, obj):
        if obj.budget_amount is None:
            return "—"
        percent = obj.budget_used_percent
        return format_html(
            "{} / {} USD{}",
            obj.budget_used if obj.budget_used is not None else "—",
            obj.budget_amount,
            f" ({percent}%)" if percent is not None else "",
        )

    def changelist_view(self, request, extra_context=None):
        # One query: the latest runs of each kind are among the last few.
        latest = {}
        for run in SyncRun.objects.order_by("-started_at", "-pk")[:10]:
            latest.setdefault(run.kind, run)
        extra_context = {
            **(extra_context or {}),
            "customer_sync_run": latest.get(SyncRun.Kind.CUSTOMERS),
            "budget_sync_run": latest.get(SyncRun.Kind.BUDGETS),
            "can_sync": request.user.has_perm("customers.sync_customers"),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def sync_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("customers.sync_customers"):
            audit.record(action="sync.start", outcome=audit.Outcome.DENIED, request=request)
            raise PermissionDenied
        from customers import tasks

        kind = request.POST.get("kind")
        task = {"customers": tasks.customers_sync, "budgets": tasks.budgets_refresh}.get(kind)
        if task is None:
            raise Http404
        audit.record(action="sync.start", request=request, after={"kind": kind})
        try:
            task.delay()
        except CloudError as exc:  # eager (tests, development without a worker): the run itself failed
            self.message_user(request, budgets.cloud_error_message(exc), messages.WARNING)
        else:
            self.message_user(request, _("The sync has started. Its progress shows above the list."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:customers_customer_changelist"))

    # --- detail page ---

    def change_view(self, request, object_id, form_url="", extra_context=None):
        customer = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if customer is not None:
            extra_context["audit_entries"] = audit.entries_for(customer)[:50]
            extra_context["budget_url"] = reverse("admin:customers_customer_budget", args=[customer.pk])
        return super().change_view(request, object_id, form_url, extra_context=extra_context)

    # --- budget page ---

    def budget_view(self, request, object_id):
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404
        if not self.has_view_permission(request, customer):
            raise PermissionDenied
        can_change = request.user.has_perm("customers.change_budget")
        if request.method == "POST":
            if not can_change:
                audit.record(
                    action="budget.set",
                    outcome=audit.Outcome.DENIED,
                    request=request,
                    obj=customer,
                    after={"budget_amount": request.POST.get("amount", "")[:32]},
                    reason=request.POST.get("reason", "")[:500],
                )
                raise PermissionDenied
            form = BudgetForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    budgets.budget_set(
                        customer=customer,
                        amount=data["amount"],
                        based_on=data["based_on"],
                        budget_type=data["budget_type"],
                        freeze_at_limit=data["freeze_at_limit"],
                        reason=data["reason"],
                        request=request,
                    )
                except budgets.BudgetChangedMeanwhile as exc:
                    # Offer the current value as the new basis: saving again is a deliberate choice.
                    form = BudgetForm(
                        {**request.POST.dict(), "based_on": exc.current if exc.current is not None else ""}
                    )
                    form.is_valid()
                    form.add_error(
                        None,
                        _(
                            "The budget was changed meanwhile by someone else: it is now %(current)s USD. "
                            "Nothing was sent to HUAWEI CLOUD. Check the new value and save again if you still want yours."
                        )
                        % {"current": exc.current if exc.current is not None else "—"},
                    )
                    customer.refresh_from_db()
                except CloudError as exc:
                    form.add_error(None, budgets.cloud_error_message(exc))
                except budgets.CustomerNotBound:
                    form.add_error(None, _("This customer has no HUAWEI CLOUD account yet."))
                else:
                    self.message_user(
                        request,
                        _("The budget of %(customer)s is now %(amount)s USD.")
                        % {"customer": customer, "amount": data["amount"]},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:customers_customer_budget", args=[customer.pk]))
        else:
            refresh_error = None
            if customer.customer_id:
                try:
                    budgets.budget_refresh(customer=customer)
                except CloudError as exc:
                    refresh_error = budgets.cloud_error_message(exc)
            if refresh_error:
                self.message_user(
                    request,
                    _("Could not read the budget from HUAWEI CLOUD; showing the last known values. %(error)s")
                    % {"error": refresh_error},
                    messages.WARNING,
                )
            form = BudgetForm(
                initial={
                    "amount": customer.budget_amount,
                    "based_on": customer.budget_amount,
                    "budget_type": customer.budget_type or "MONTHLY",
                    "freeze_at_limit": ""
                    if customer.budget_freeze_at_limit is None
                    else ("1" if customer.budget_freeze_at_limit else "0"),
                }
            )
        records, records_error = (), None
        if customer.customer_id:
            try:
                records = budgets.budget_records(customer=customer).items
            except CloudError as exc:
                records_error = budgets.cloud_error_message(exc)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": customer,
            "customer": customer,
            "title": _("Budget of %(customer)s") % {"customer": customer},
            "form": form,
            "can_change": can_change,
            "records": records,
            "records_error": records_error,
            "audit_entries": audit.entries_for(customer).filter(action__startswith="budget.")[:50],
        }
        return TemplateResponse(request, "admin/customers/customer/budget.html", context)

    # --- freeze / unfreeze actions ---

    def _freeze_action(self, request, queryset, *, freeze):
        form = FreezeForm(request.POST if request.POST.get("confirm") else None)
        if form.is_bound and form.is_valid():
            results = budgets.customers_freeze(
                customers=list(queryset), freeze=freeze, reason=form.cleaned_data["reason"], request=request
            )
            return TemplateResponse(
                request,
                "admin/customers/customer/freeze_results.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "title": _("Frozen") if freeze else _("Unfrozen"),
                    "freeze": freeze,
                    "results": results,
                    "ok_count": sum(result.ok for result in results),
                    "failed_count": sum(not result.ok for result in results),
                },
            )
        return TemplateResponse(
            request,
            "admin/customers/customer/freeze_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Freeze customers") if freeze else _("Unfreeze customers"),
                "freeze": freeze,
                "customers": queryset,
                "form": form,
                "action": request.POST.get("action"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "select_across": request.POST.get("select_across", "0"),
            },
        )

    @admin.action(description=_("Freeze selected customers…"), permissions=["freeze"])
    def freeze_customers(self, request, queryset):
        return self._freeze_action(request, queryset, freeze=True)

    @admin.action(description=_("Unfreeze selected customers…"), permissions=["freeze"])
    def unfreeze_customers(self, request, queryset):
        return self._freeze_action(request, queryset, freeze=False)


@admin.register(Customer)
class CustomerAdmin(CustomerStaffActionsMixin, admin.ModelAdmin):
    list_display = [
        "account_name",
        "email",
        "customer_id",
        "binding",
        "real_name_status",
        "customer_type",
        "is_frozen",
        "budget_usage",
        "associated",
        "user",
        "created_at",
    ]
    list_filter = [
        "real_name_status",
        "is_frozen",
        BudgetUsageFilter,
        ("associated_on", admin.DateFieldListFilter),
        "associated",
        "binding",
        "customer_type",
    ]
    search_fields = ["account_name", "email", "customer_id", "xaccount_id"]
    actions = ["freeze_customers", "unfreeze_customers"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    # Mirrored from HUAWEI CLOUD (or our key for it): changed by sync and services, never by hand.
    readonly_fields = [
        "xaccount_id",
        "customer_id",
        "account_name",
        "email",
        "mobile",
        "domain_area",
        "binding",
        "binding_error",
        "real_name_status",
        "real_name",
        "customer_type",
        "is_frozen",
        "association_type",
        "associated_on",
        "label",
        "customer_level",
        "associated",
        "disassociated_at",
        "budget_amount",
        "budget_used",
        "budget_type",
        "budget_freeze_at_limit",
        "budget_refreshed_at",
        "created_at",
        "updated_at",
        "synced_at",
    ]
    fieldsets = [
        (None, {"fields": ["account_name", "email", "mobile", "domain_area", "user"]}),
        (
            _("HUAWEI CLOUD"),
            {
                "fields": [
                    "xaccount_id",
                    "customer_id",
                    "binding",
                    "binding_error",
                    "real_name_status",
                    "real_name",
                    "customer_type",
                    "is_frozen",
                    "association_type",
                    "associated_on",
                    "label",
                    "customer_level",
                    "associated",
                    "disassociated_at",
                ]
            },
        ),
        (
            _("Budget"),
            {
                "fields": [
                    "budget_amount",
                    "budget_used",
                    "budget_type",
                    "budget_freeze_at_limit",
                    "budget_refreshed_at",
                ]
            },
        ),
        (_("Sync"), {"fields": ["created_at", "updated_at", "synced_at"]}),
    ]

    def has_add_permission(self, request):
        # A customer is created by sign-up, which makes the HUAWEI CLOUD account too.
        return False

    def has_delete_permission(self, request, obj=None):
        # The cloud account outlives the row; deleting it here would orphan the binding.
        return False


# --- real-name authentication --------------------------------------------------------------------


class RealNameFileInline(admin.TabularInline):
    model = RealNameFile
    extra = 0
    can_delete = False
    fields = ["role", "link", "content_type", "size"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def link(self, obj):
        # Through the permission-checked view: the storage itself has no public URL.
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', reverse("realname_file", args=[obj.pk]), _("Open")
        )

    def has_add_permission(self, request, obj=None):
        return False


class RealNameApplicationInline(admin.TabularInline):
    """The customer's real-name history on the customer page; numbers masked."""

    model = RealNameApplication
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["submitted_at", "method", "name", "number_masked", "status", "opinion", "decided_at", "checked_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


# The customer page shows the real-name history (masked numbers only).
CustomerAdmin.inlines = [*CustomerAdmin.inlines, RealNameApplicationInline]


@admin.register(RealNameApplication)
class RealNameApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "customer",
        "method",
        "name",
        "number_masked",
        "status",
        "submitted_at",
        "decided_at",
        "next_check_at",
    ]
    list_filter = ["status", "method", "verified_type", "certificate_type"]
    # By the last four characters of a number (masked): a full number in a search would land in access logs.
    search_fields = ["customer__account_name", "customer__customer_id", "name", "number_masked"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    date_hierarchy = "submitted_at"
    inlines = [RealNameFileInline]
    actions = ["check_review_now"]
    # Everything was sent to HUAWEI CLOUD as it is: staff read it, never change it here.
    fields = [
        "customer",
        "method",
        "status",
        "verified_type",
        "certificate_type",
        "name",
        "number_masked",
        "legal_name",
        "legal_id_masked",
        "reg_country",
        "reg_address",
        "opinion",
        "submitted_at",
        "decided_at",
        "checked_at",
        "next_check_at",
        "check_count",
        "result_emailed_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Ask HUAWEI CLOUD for the review result now"))
    def check_review_now(self, request, queryset):
        decided = unchanged = failed = 0
        for application in queryset.select_related("customer").filter(status=RealNameApplication.Status.UNDER_REVIEW):
            try:
                if realname.realname_review_check(application=application):
                    decided += 1
                else:
                    unchanged += 1
            except CloudUnavailable as exc:
                failed += 1
                last_error = exc.user_message
        self.message_user(
            request,
            _("Review results: %(decided)d decided, %(unchanged)d still under review, %(failed)d could not be checked.")
            % {"decided": decided, "unchanged": unchanged, "failed": failed},
            messages.WARNING if failed else messages.SUCCESS,
        )
        if failed:
            self.message_user(request, last_error, messages.WARNING)


# --- sync runs and budget alerts: read-only ------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    """What the syncs did: staff look here for when they ran, how long, how many rows, and the last error."""

    list_display = [
        "started_at",
        "kind",
        "status",
        "duration",
        "total",
        "seen",
        "created",
        "updated",
        "disassociated",
        "attempts",
        "short_error",
    ]
    list_filter = ["kind", "status"]
    date_hierarchy = "started_at"
    list_select_related = ["triggered_by"]

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.error[:120]


@admin.register(BudgetAlert)
class BudgetAlertAdmin(ReadOnlyAdmin):
    list_display = ["customer", "threshold", "cycle", "budget_used", "budget_amount", "created_at", "emailed_at"]
    list_filter = ["threshold", "cycle"]
    search_fields = ["customer__account_name", "customer__customer_id"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
