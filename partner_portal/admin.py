from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from partner_portal.models import WorkerHeartbeat

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
