"""Staff see every order with its lines, resources and the customer's payment attempts (read-only).

There is deliberately no "pay" action: paying acts as the customer and only the customer may do it.
"""

from __future__ import annotations

from django.contrib import admin

from orders.models import Order, OrderLineItem, OrderResource, PaymentAttempt


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
