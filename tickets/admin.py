from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from customers.admin import ReadOnlyAdmin
from huaweicloud.errors import CloudError
from tickets import services
from tickets.models import Ticket, TicketAttachment, TicketDiscovery, TicketEvent, TicketMessage


class TicketMessageInline(admin.TabularInline):
    model = TicketMessage
    extra = 0
    fields = ("created_at", "author", "replier_name", "text", "confidential", "notified_at")
    readonly_fields = ("created_at", "author", "replier_name", "text", "notified_at")
    can_delete = False

    @admin.display(description=_("message"))
    def text(self, message):
        # A password or key stays off this list; the ticket's own page shows it to whoever may read it.
        return _("(confidential: read it on the ticket's page)") if message.confidential else message.content


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ("at", "previous_status", "status", "source", "action", "actor", "notified_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("incident_id", "subject", "customer", "status", "created_at", "last_activity_at", "creation")
    list_filter = ("status", "creation", ("customer", admin.EmptyFieldListFilter), "created_at")
    list_select_related = ("customer",)
    search_fields = ("incident_id", "subject", "customer__account_name")
    raw_id_fields = ("customer", "created_by")
    readonly_fields = (
        "incident_id",
        "idempotency_key",
        "creation",
        "outcome_unclear",
        "attempt_started_at",
        "status",
        "reply_count",
        "category_id",
        "product_category_id",
        "product_category_name",
        "business_type_id",
        "business_type_name",
        "severity_id",
        "severity_name",
        "region_id",
        "synced_at",
        "deleted_at",
        "created_at",
        "last_activity_at",
    )
    inlines = [TicketMessageInline, TicketEventInline]
    actions = ["sync_now"]
    change_list_template = "admin/tickets/ticket/change_list.html"

    def add_view(self, request, form_url="", extra_context=None):
        # Opening a ticket (for a customer or for the partner itself) calls HUAWEI CLOUD: the portal's
        # form in its staff mode does it, through the same service as customers.
        return redirect("ticket_new")

    @admin.action(description=_("Sync the selected tickets from HUAWEI CLOUD"), permissions=["change"])
    def sync_now(self, request, queryset):
        done = 0
        for ticket in queryset.filter(incident_id__isnull=False).select_related("customer"):
            try:
                services.ticket_sync(ticket=ticket)
                done += 1
            except CloudError as exc:
                self.message_user(request, f"{ticket.incident_id}: {exc.user_message}", messages.ERROR)
        self.message_user(request, _("%(count)d tickets synced.") % {"count": done})


@admin.register(TicketAttachment)
class TicketAttachmentAdmin(admin.ModelAdmin):
    list_display = ("name", "ticket", "accessory_id", "size", "created_at")
    list_select_related = ("ticket",)
    search_fields = ("name", "accessory_id", "ticket__incident_id")
    raw_id_fields = ("ticket", "message")
    readonly_fields = ("accessory_id", "storage_name", "size", "content_type")


@admin.register(TicketDiscovery)
class TicketDiscoveryAdmin(ReadOnlyAdmin):
    """When the tickets raised in HUAWEI CLOUD directly were last looked for, per customer, and the last error."""

    list_display = ("owner", "covered_until", "finished_at", "found", "claimed_at", "short_error")
    list_select_related = ("customer",)
    search_fields = ("customer__account_name",)

    @admin.display(description=_("customer"), ordering="customer__account_name")
    def owner(self, obj):
        return obj.customer.account_name if obj.customer else _("Partner")

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.error[:120]
