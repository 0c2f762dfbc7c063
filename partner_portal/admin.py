from django.contrib import admin
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partner_portal import audit
from partner_portal.models import AuditEntry, WorkerHeartbeat

admin.site.site_header = _("Partner Portal administration")
admin.site.site_title = _("Partner Portal admin")
admin.site.index_title = _("Customers, orders, bills and tickets")
admin.site.site_url = "/"


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """Read-only: the worker writes these rows; staff only look."""

    list_display = ["name", "beaten_at", "hostname", "count"]
    ordering = ["name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log: read-only, searchable, exportable. Nobody adds, changes or deletes entries here."""

    list_display = ["at", "actor_name", "action", "outcome", "object_repr", "short_reason", "ip"]
    list_filter = ["outcome", "action", "object_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_name", "action", "object_repr", "object_id", "reason", "message", "ip"]
    date_hierarchy = "at"
    ordering = ["-at", "-pk"]
    actions = ["export_csv"]
    fields = [
        "at",
        "actor",
        "actor_name",
        "action",
        "outcome",
        "object_type",
        "object_id",
        "object_repr",
        "before",
        "after",
        "reason",
        "message",
        "ip",
    ]
    readonly_fields = fields
    raw_id_fields = ["actor"]

    @admin.display(description=_("reason"))
    def short_reason(self, obj):
        return obj.reason[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Export selected entries as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        # Streamed: the log can be long; select all + this action exports every matching entry.
        response = StreamingHttpResponse(audit.csv_rows(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{timezone.now():%Y%m%d-%H%M%S}.csv"'
        return response
