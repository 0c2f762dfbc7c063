from django.contrib import admin

from billing import selectors
from billing.models import (
    BillCycle,
    BillLine,
    CustomerBill,
    CustomerBillItem,
    CustomerMonthlySum,
    ExportJob,
    IngestRun,
    PartnerBill,
    RatingRule,
)


class FinanceOnly:
    """Only Finance and superusers see billing, in the admin too."""

    def has_module_permission(self, request):
        return selectors.is_finance(request.user)

    def has_view_permission(self, request, obj=None):
        return selectors.is_finance(request.user) and super().has_view_permission(request, obj)


class ReadOnly(FinanceOnly):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PartnerBill)
class PartnerBillAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "cycle",
        "consume_amount",
        "refunds",
        "adjustments",
        "tax_amount",
        "initial_amount_due",
        "synced_at",
    ]


@admin.register(BillCycle)
class BillCycleAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["cycle", "lines_final", "line_count", "ingested_at", "rated_at", "monthly_sums_checked_at"]


@admin.register(BillLine)
class BillLineAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "cycle",
        "line_id",
        "account_name",
        "service_type_code",
        "official_amount",
        "consume_amount",
        "rated_amount",
    ]
    list_filter = ["cycle", "kind", "charge_mode"]
    search_fields = ["=line_id", "=customer_id", "account_name", "=resource_id"]
    show_full_result_count = False


@admin.register(IngestRun)
class IngestRunAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["pk", "cycle", "status", "parts_done", "rows_done", "rows_changed", "started_at", "finished_at"]
    list_filter = ["status", "cycle"]
    list_select_related = ["started_by"]


@admin.register(CustomerMonthlySum)
class CustomerMonthlySumAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["cycle", "account_name", "consume_amount", "lines_consume_amount", "checked_at"]
    list_filter = ["cycle"]
    search_fields = ["=customer_id", "account_name"]


@admin.register(RatingRule)
class RatingRuleAdmin(FinanceOnly, admin.ModelAdmin):
    list_display = ["pk", "kind", "customer_id", "service_type_code", "percent", "amount", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["=customer_id", "service_type_code", "description"]
    raw_id_fields = ["created_by"]


class CustomerBillItemInline(admin.TabularInline):
    model = CustomerBillItem
    extra = 0
    can_delete = False
    readonly_fields = [
        "kind",
        "service_type_name",
        "resource_id",
        "resource_name",
        "description",
        "line_count",
        "official_amount",
        "cost_amount",
        "amount",
    ]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CustomerBill)
class CustomerBillAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["__str__", "cycle", "account_name", "version", "status", "total_amount", "issued_at"]
    list_filter = ["status", "cycle"]
    search_fields = ["=number", "=cloud_customer_id", "account_name"]
    list_select_related = ["customer"]
    inlines = [CustomerBillItemInline]


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["pk", "kind", "cycle", "status", "rows_done", "rows_total", "created_at"]
    list_select_related = ["requested_by"]
