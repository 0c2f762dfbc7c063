"""Staff see every order with its lines, resources and the customer's payment attempts (read-only).

There is deliberately no "pay" action: paying acts as the customer and only the customer may do it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huaweicloud.errors import CloudError
from orders import resources as resource_services
from orders.models import (
    ExpiryReminder,
    OnDemandResource,
    Order,
    OrderLineItem,
    OrderResource,
    PaymentAttempt,
    RenewalAttempt,
    Resource,
    ResourceSync,
    Unsubscription,
)
from orders.resource_forms import period_choices


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineItemInline(ReadOnlyInline):
    model = OrderLineItem
    fields = (
        "line_item_id",
        "service_type_name",
        "product_spec_desc",
        "period_type",
        "period_num",
        "subscription_num",
        "official_amount",
        "amount",
        "currency",
        "effective_at",
        "expires_at",
    )
    readonly_fields = fields


class OrderResourceInline(ReadOnlyInline):
    model = OrderResource
    fields = (
        "resource_id",
        "resource_name",
        "service_type_name",
        "region_code",
        "product_spec_desc",
        "is_main_resource",
        "status",
        "expires_at",
    )
    readonly_fields = fields


class PaymentAttemptInline(ReadOnlyInline):
    model = PaymentAttempt
    fields = (
        "created_at",
        "status",
        "amount",
        "discount_id",
        "coupon_ids",
        "error_code",
        "error_message",
        "request_id",
        "finished_at",
        "idempotency_key",
    )
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "order_id",
        "customer",
        "service_type_name",
        "order_type",
        "status",
        "amount",
        "currency",
        "ordered_at",
        "paid_at",
    )
    list_filter = ("status", "order_type", ("customer", admin.RelatedOnlyFieldListFilter))
    search_fields = ("order_id", "customer__account_name", "customer__customer_id", "service_type_name")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)
    date_hierarchy = "ordered_at"
    inlines = [OrderLineItemInline, OrderResourceInline, PaymentAttemptInline]
    actions = None  # no bulk actions: staff never pay or cancel for a customer
    # Mirrored from HUAWEI CLOUD: what the cloud says wins, so nothing here is edited by hand.
    readonly_fields = (
        "customer",
        "order_id",
        "service_type_code",
        "service_type_name",
        "status",
        "order_type",
        "source_type",
        "official_amount",
        "discount_amount",
        "amount",
        "coupon_amount",
        "refund_amount",
        "currency",
        "user_name",
        "ordered_at",
        "paid_at",
        "pay_before",
        "details_synced_at",
        "resources_synced_at",
        "expiry_reminder_sent_at",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(admin.ModelAdmin):
    list_display = ("created_at", "order", "customer", "status", "amount", "error_code")
    list_filter = ("status",)
    search_fields = ("order__order_id", "customer__account_name", "idempotency_key")
    list_select_related = ("order", "customer")
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- resources: staff see every customer's resources and act on a customer's request ---------------------


class ExpiringFilter(admin.SimpleListFilter):
    title = _("expiry")
    parameter_name = "expiring"

    def lookups(self, request, model_admin):
        return [
            ("7", _("Within 7 days")),
            ("30", _("Within 30 days")),
            ("30_manual", _("Within 30 days, auto-renewal off")),
            ("expired", _("Expired")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() in ("7", "30"):
            return queryset.filter(expires_at__gt=now, expires_at__lte=now + timedelta(days=int(self.value())))
        if self.value() == "30_manual":
            return queryset.filter(expires_at__gt=now, expires_at__lte=now + timedelta(days=30)).exclude(
                expire_policy=Resource.ExpirePolicy.AUTO_RENEW
            )
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now)
        return queryset


class StaffReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required: who asked and how (e.g. ticket number). Kept in the audit log."),
    )


class StaffRenewForm(StaffReasonForm):
    period = forms.ChoiceField(label=_("Renew for"))
    pay = forms.ChoiceField(
        label=_("Payment"),
        choices=[
            ("order", _("Leave a renewal order for the customer to pay")),
            ("now", _("Pay now from the customer's account")),
        ],
        initial="order",
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = period_choices()


class StaffAutoRenewForm(StaffReasonForm):
    period = forms.ChoiceField(
        label=_("Renew each time for"),
        required=False,
        choices=[("", _("The same period as the last order")), *Resource.AutoRenewPeriod.choices],
    )


class AttachedInline(admin.TabularInline):
    model = Resource
    fk_name = "parent"
    fields = ("resource_id", "resource_name", "resource_type_name", "status", "expires_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("attached resources")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = (
        "resource_name",
        "resource_id",
        "customer",
        "service_type_name",
        "region_code",
        "status",
        "expires_at",
        "auto_renew_display",
        "is_main_resource",
        "listed",
    )
    list_filter = (
        ExpiringFilter,
        "status",
        "expire_policy",
        "service_type_name",
        "region_code",
        "is_main_resource",
        "listed",
    )
    search_fields = ("resource_id", "resource_name", "customer__account_name", "customer__customer_id", "order_id")
    list_select_related = ("customer",)
    raw_id_fields = ("customer", "parent")
    ordering = ("expires_at",)
    inlines = [AttachedInline]
    actions = ["autorenew_on", "autorenew_off", "renew"]

    def get_readonly_fields(self, request, obj=None):
        # Everything is HUAWEI CLOUD's; staff change it only through the actions (which call HUAWEI CLOUD).
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("auto-renewal"), boolean=True)
    def auto_renew_display(self, obj):
        return obj.auto_renew

    def _staff_form(self, request, form_class, title, queryset, action, **initial):
        form = form_class(request.POST if request.POST.get("confirm") else None, initial=initial)
        if form.is_bound and form.is_valid():
            return form, None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "resources": queryset,
            "action": action,
        }
        return None, TemplateResponse(request, "admin/orders/resource/staff_action.html", context)

    def _autorenew(self, request, queryset, *, enabled):
        queryset = queryset.select_related("customer")
        title = _("Switch auto-renewal on") if enabled else _("Switch auto-renewal off")
        form, page = self._staff_form(
            request,
            StaffAutoRenewForm if enabled else StaffReasonForm,
            title,
            queryset,
            "autorenew_on" if enabled else "autorenew_off",
        )
        if page is not None:
            return page
        done = 0
        for resource in queryset:
            try:
                resource_services.resource_autorenew_set(
                    resource=resource,
                    enabled=enabled,
                    period=form.cleaned_data.get("period") or "",
                    acted_by=request.user,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
                done += 1
            except (CloudError, resource_services.ResourceActionRefused) as exc:
                message = getattr(exc, "user_message", None) or getattr(exc, "message", str(exc))
                self.message_user(request, f"{resource}: {message}", messages.ERROR)
        self.message_user(
            request, _("Auto-renewal changed for %(count)d resources.") % {"count": done}, messages.SUCCESS
        )
        return None

    @admin.action(description=_("Switch auto-renewal on (customer's request)…"), permissions=["change"])
    def autorenew_on(self, request, queryset):
        return self._autorenew(request, queryset, enabled=True)

    @admin.action(description=_("Switch auto-renewal off (customer's request)…"), permissions=["change"])
    def autorenew_off(self, request, queryset):
        return self._autorenew(request, queryset, enabled=False)

    @admin.action(description=_("Renew (customer's request)…"), permissions=["change"])
    def renew(self, request, queryset):
        resources = list(queryset.select_related("customer"))
        customers = {resource.customer_id for resource in resources}
        if len(customers) != 1 or len(resources) > 10:
            self.message_user(request, _("Renew up to 10 resources of one customer at a time."), messages.ERROR)
            return None
        form, page = self._staff_form(
            request, StaffRenewForm, _("Renew resources"), queryset, "renew", idempotency_key=uuid.uuid4(), period="2:1"
        )
        if page is not None:
            return page
        period_type, period_num = (int(part) for part in form.cleaned_data["period"].split(":"))
        try:
            attempt = resource_services.resources_renew(
                customer=resources[0].customer,
                resources=resources,
                period_type=period_type,
                period_num=period_num,
                auto_pay=form.cleaned_data["pay"] == "now",
                idempotency_key=form.cleaned_data["idempotency_key"],
                acted_by=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except resource_services.ResourceActionRefused as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        level = (
            messages.SUCCESS
            if attempt.status == RenewalAttempt.Status.DONE and not attempt.failures
            else messages.WARNING
        )
        failures = "; ".join(f"{f['resource_id']}: {f['error_msg']}" for f in attempt.failures)
        self.message_user(
            request,
            _("Renewal: %(status)s. Orders: %(orders)s. %(failures)s")
            % {
                "status": attempt.get_status_display(),
                "orders": ", ".join(attempt.order_ids) or "—",
                "failures": failures or attempt.error_message,
            },
            level,
        )
        return None


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OnDemandResource)
class OnDemandResourceAdmin(ReadOnlyAdmin):
    list_display = (
        "resource_name",
        "resource_id",
        "customer",
        "service_type_name",
        "status",
        "cost_this_month",
        "cost_cycle",
    )
    list_filter = ("status", "service_type_name", "region_code")
    search_fields = ("resource_id", "resource_name", "customer__account_name")
    list_select_related = ("customer",)


@admin.register(RenewalAttempt)
class RenewalAttemptAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "customer",
        "status",
        "period_type",
        "period_num",
        "auto_pay",
        "quoted_amount",
        "acted_by",
    )
    list_filter = ("status", "auto_pay")
    search_fields = ("customer__account_name", "idempotency_key")
    list_select_related = ("customer", "acted_by")


@admin.register(Unsubscription)
class UnsubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "customer", "status", "estimated_refund", "refund_amount", "acted_by")
    list_filter = ("status",)
    search_fields = ("customer__account_name", "idempotency_key")
    list_select_related = ("customer", "acted_by")


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnlyAdmin):
    list_display = ("resource", "threshold_days", "expires_at", "sent_at")
    list_filter = ("threshold_days",)
    search_fields = ("resource__resource_id", "resource__customer__account_name")
    list_select_related = ("resource",)


@admin.register(ResourceSync)
class ResourceSyncAdmin(ReadOnlyAdmin):
    list_display = ("customer", "status", "run", "next_offset", "total", "finished_at", "on_demand_synced_at")
    list_filter = ("status",)
    list_select_related = ("customer",)
