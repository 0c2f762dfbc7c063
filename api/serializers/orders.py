"""Orders, payments, resources, renewals, unsubscriptions, pay-per-use resources and usage."""

from __future__ import annotations

from rest_framework import serializers

from orders.models import (
    OnDemandResource,
    Order,
    OrderLineItem,
    OrderResource,
    PaymentAttempt,
    RenewalAttempt,
    Resource,
    Unsubscription,
)
from orders.resource_forms import PERIODS

MONEY = {"max_digits": 16, "decimal_places": 2}


class OrderSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", allow_null=True)
    resource_count = serializers.IntegerField()
    is_payable = serializers.BooleanField()
    is_cancellable = serializers.BooleanField()

    class Meta:
        model = Order
        fields = [
            "order_id",
            "status",
            "status_label",
            "order_type",
            "service_type_code",
            "service_type_name",
            "official_amount",
            "discount_amount",
            "amount",
            "coupon_amount",
            "refund_amount",
            "currency",
            "ordered_at",
            "paid_at",
            "pay_before",
            "resource_count",
            "is_payable",
            "is_cancellable",
        ]
        read_only_fields = fields


class OrderLineItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLineItem
        fields = [
            "line_item_id",
            "service_type_name",
            "product_spec_desc",
            "period_type",
            "period_num",
            "subscription_num",
            "effective_at",
            "expires_at",
            "official_amount",
            "amount",
            "currency",
        ]
        read_only_fields = fields


class OrderResourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderResource
        fields = [
            "resource_id",
            "resource_name",
            "region_code",
            "service_type_name",
            "resource_type_name",
            "product_spec_desc",
            "is_main_resource",
            "status",
            "expires_at",
        ]
        read_only_fields = fields


class PaymentAttemptSerializer(serializers.ModelSerializer):
    order_id = serializers.CharField(source="order.order_id")

    class Meta:
        model = PaymentAttempt
        fields = [
            "id",
            "order_id",
            "status",
            "amount",
            "discount_id",
            "coupon_ids",
            "error_code",
            "error_message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    line_items = OrderLineItemSerializer(many=True)
    resources = OrderResourceSerializer(many=True)
    payment_attempts = PaymentAttemptSerializer(many=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "line_items", "resources", "payment_attempts"]
        read_only_fields = fields


class OrderPaySerializer(serializers.Serializer):
    """One discount or coupons, not both (HUAWEI CLOUD's rule); nothing for the list price."""

    discount_id = serializers.RegexField(r"^[\w-]{1,80}$", required=False, allow_blank=True, default="")
    coupon_ids = serializers.ListField(
        child=serializers.RegexField(r"^[\w-]{1,80}$"), required=False, default=list, max_length=1
    )

    def validate(self, attrs):
        if attrs["discount_id"] and attrs["coupon_ids"]:
            raise serializers.ValidationError("Choose one discount or a coupon, not both.")
        return attrs


class ResourceSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", allow_null=True)
    auto_renew = serializers.BooleanField()
    days_left = serializers.IntegerField(allow_null=True)
    auto_renew_period = serializers.CharField(help_text="MONTH or YEAR; empty: the last order's period.")

    class Meta:
        model = Resource
        fields = [
            "resource_id",
            "resource_name",
            "region_code",
            "service_type_code",
            "service_type_name",
            "resource_type_code",
            "resource_type_name",
            "product_spec_desc",
            "is_main_resource",
            "parent_resource_id",
            "status",
            "status_label",
            "effective_at",
            "expires_at",
            "days_left",
            "expire_policy",
            "auto_renew",
            "auto_renew_period",
            "auto_renew_times",
            "order_id",
            "synced_at",
        ]
        read_only_fields = fields


class ResourceListSerializer(ResourceSerializer):
    attached = ResourceSerializer(source="attached_list", many=True)

    class Meta(ResourceSerializer.Meta):
        fields = [*ResourceSerializer.Meta.fields, "attached"]
        read_only_fields = fields


class ResourceIdsSerializer(serializers.Serializer):
    resource_ids = serializers.ListField(
        child=serializers.CharField(max_length=80),
        min_length=1,
        max_length=10,
        help_text="Main resources, up to 10 (HUAWEI CLOUD's limit); their attached resources follow.",
    )


class RenewSerializer(ResourceIdsSerializer):
    period = serializers.ChoiceField(
        choices=PERIODS, help_text='"2:n": n months (1-11); "3:n": n years (1-3).', default="2:1"
    )
    auto_pay = serializers.BooleanField(
        default=True, help_text="Pay at once from the customer's account; false: leave a renewal order to pay."
    )
    quoted_amount = serializers.DecimalField(allow_null=True, default=None, **MONEY)
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="Staff: required."
    )


class AutoRenewSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    period = serializers.ChoiceField(
        choices=["", *Resource.AutoRenewPeriod.values],
        required=False,
        default="",
        help_text="MONTH or YEAR each time; empty: the last order's period.",
    )
    times = serializers.IntegerField(min_value=0, max_value=99, required=False, allow_null=True, default=None)
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="Staff: required."
    )


class UnsubscribeSerializer(ResourceIdsSerializer):
    confirm = serializers.BooleanField(help_text="Must be true: the resources are deleted, which cannot be undone.")
    reason_type = serializers.ChoiceField(choices=[1, 2, 3, 4, 5], required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    estimated_refund = serializers.DecimalField(allow_null=True, default=None, **MONEY)

    def validate_confirm(self, value):
        if not value:
            raise serializers.ValidationError("Confirm that these resources will be deleted.")
        return value


class _AttemptSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")


class RenewalSerializer(_AttemptSerializer):
    class Meta:
        model = RenewalAttempt
        fields = [
            "id",
            "status",
            "status_label",
            "resource_ids",
            "period_type",
            "period_num",
            "auto_pay",
            "quoted_amount",
            "currency",
            "order_ids",
            "failures",
            "error_code",
            "error_message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class UnsubscriptionSerializer(_AttemptSerializer):
    class Meta:
        model = Unsubscription
        fields = [
            "id",
            "status",
            "status_label",
            "resource_ids",
            "resource_names",
            "estimated_refund",
            "refund_amount",
            "order_ids",
            "failures",
            "error_code",
            "error_message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class OnDemandResourceSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", allow_null=True)

    class Meta:
        model = OnDemandResource
        fields = [
            "resource_id",
            "resource_name",
            "region_code",
            "service_type_code",
            "service_type_name",
            "resource_type_name",
            "product_spec_desc",
            "status",
            "status_label",
            "effective_at",
            "expires_at",
            "cost_cycle",
            "cost_this_month",
            "synced_at",
        ]
        read_only_fields = fields


class UsageQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^20\d{2}-(0[1-9]|1[0-2])$", required=False, help_text="YYYY-MM; this month if left out."
    )
    by = serializers.ChoiceField(choices=["cycle", "day"], default="cycle")
    service = serializers.CharField(max_length=64, required=False, default="")


class ServiceTotalSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=4)


class UsageRecordSerializer(serializers.Serializer):
    bill_date = serializers.CharField(allow_blank=True, help_text="YYYY-MM-DD (Beijing time); empty per month.")
    bill_type = serializers.IntegerField(allow_null=True)
    region = serializers.CharField(allow_blank=True)
    cloud_service_type = serializers.CharField(allow_blank=True)
    cloud_service_type_name = serializers.CharField(allow_blank=True)
    resource_type_name = serializers.CharField(allow_blank=True)
    resource_id = serializers.CharField(allow_blank=True)
    resource_name = serializers.CharField(allow_blank=True)
    product_spec_desc = serializers.CharField(allow_blank=True)
    charge_mode = serializers.CharField(allow_blank=True)
    usage = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    official_amount = serializers.DecimalField(max_digits=20, decimal_places=4)
    discount_amount = serializers.DecimalField(max_digits=20, decimal_places=4)
    amount = serializers.DecimalField(max_digits=20, decimal_places=4)
    order_id = serializers.CharField(allow_blank=True)


class UsageSerializer(serializers.Serializer):
    cycle = serializers.CharField()
    by = serializers.CharField()
    total = serializers.DecimalField(max_digits=20, decimal_places=4)
    monthly_sum = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    currency = serializers.CharField()
    truncated = serializers.BooleanField()
    services = ServiceTotalSerializer(many=True)
    days = serializers.ListField(child=serializers.CharField())
    daily_total = serializers.ListField(child=serializers.DecimalField(max_digits=20, decimal_places=4))
    records = UsageRecordSerializer(many=True)
