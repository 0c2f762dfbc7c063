"""Orders, their line items, yearly/monthly resources and pay-per-use resources of the simulated cloud.

Every row hangs off a `sandbox.Customer` (CASCADE), so a reset wipes commerce with the customers.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from sandbox.models import Customer


class Order(models.Model):
    """A yearly/monthly order (reference 5.4): new purchase, renewal or unsubscription."""

    class Status(models.IntegerChoices):
        PENDING_APPROVAL = 1, "pending approval"
        PENDING_REFUND = 2, "pending refund"
        PROCESSING = 3, "processing"
        CANCELLED = 4, "cancelled"
        COMPLETED = 5, "completed"
        PENDING_PAYMENT = 6, "pending payment"
        PENDING_CONFIRMATION = 9, "pending confirmation"

    class Type(models.IntegerChoices):
        NEW = 1, "new purchase"
        RENEWAL = 2, "renewal"
        CHANGE = 3, "change"
        UNSUBSCRIPTION = 4, "unsubscription"

    class Source(models.IntegerChoices):
        CUSTOMER = 1, "customer"
        AGENT = 2, "agent"
        SYSTEM = 8, "system-created"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="commerce_orders")
    order_id = models.CharField(max_length=64)
    order_type = models.IntegerField(choices=Type.choices)
    status = models.IntegerField(choices=Status.choices)
    source_type = models.IntegerField(choices=Source.choices, default=Source.CUSTOMER)
    service_type_code = models.CharField(max_length=64)
    official_amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    discount_amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    amount_after_discount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    # The discount chosen at payment: type as listed in amount_info.discounts (607 partner-granted).
    discount_type = models.IntegerField(null=True, blank=True)
    create_time = models.DateTimeField()
    payment_time = models.DateTimeField(null=True, blank=True)
    pending_payment_end_time = models.DateTimeField(null=True, blank=True)
    unsubscribe_reason_type = models.IntegerField(null=True, blank=True)
    unsubscribe_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order_id"], name="sandbox_commerce_order_id_unique")]
        ordering = ["-create_time", "-id"]

    def __str__(self):
        return self.order_id


class Resource(models.Model):
    """A yearly/monthly resource (reference 5.6); ECS/EIP/shared bandwidth are main, disks/bandwidth attached."""

    class Status(models.IntegerChoices):
        IN_USE = 2, "in use"
        CLOSED = 3, "closed"
        FROZEN = 4, "frozen"
        EXPIRED = 5, "expired"

    class ExpirePolicy(models.IntegerChoices):
        GRACE_PERIOD = 0, "enter the grace period"
        TO_PAY_PER_USE = 1, "convert to pay-per-use"
        DELETE = 2, "delete at expiry"
        AUTO_RENEW = 3, "auto-renew"
        FREEZE = 4, "freeze"
        DELETE_AFTER_RETENTION = 5, "delete after retention"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="commerce_resources")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="provisioned_resources")
    # The new-purchase line item this resource was provisioned from.
    line_item = models.ForeignKey("OrderLineItem", on_delete=models.CASCADE, related_name="provisioned_resources")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="attached")
    resource_id = models.CharField(max_length=64)
    resource_name = models.CharField(max_length=128)
    region_code = models.CharField(max_length=32)
    availability_zone = models.CharField(max_length=32, blank=True)
    project_id = models.CharField(max_length=64)
    service_type_code = models.CharField(max_length=64)
    resource_type_code = models.CharField(max_length=64)
    resource_spec_code = models.CharField(max_length=64)
    spec_size = models.IntegerField(null=True, blank=True)
    spec_size_measure_id = models.IntegerField(null=True, blank=True)
    product_id = models.CharField(max_length=64)
    product_spec_desc = models.CharField(max_length=200)
    status = models.IntegerField(choices=Status.choices, default=Status.IN_USE)
    effective_time = models.DateTimeField()
    expire_time = models.DateTimeField()
    expire_policy = models.IntegerField(choices=ExpirePolicy.choices, default=ExpirePolicy.GRACE_PERIOD)
    # Auto-renewal settings (reference 5.11): remaining times (0 = unlimited) and the period of one renewal.
    auto_renew_times = models.IntegerField(default=0)
    auto_renew_period_type = models.IntegerField(default=2)  # 2 month, 3 year
    update_time = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource_id"], name="sandbox_commerce_resource_id_unique")]
        ordering = ["expire_time", "id"]

    def __str__(self):
        return self.resource_id

    @property
    def is_main(self) -> bool:
        return self.parent_id is None


class OrderLineItem(models.Model):
    """One line of an order. New purchases: a product to provision (attached lines point at their main
    line). Renewals: a resource and the period it buys. Unsubscriptions: a (negative) refund of the
    unused part of an earlier paid line (`base_line`)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="line_items")
    order_line_item_id = models.CharField(max_length=80)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="attached")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, null=True, blank=True, related_name="lines")
    base_line = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="refunds")
    service_type_code = models.CharField(max_length=64)
    resource_type_code = models.CharField(max_length=64)
    region_code = models.CharField(max_length=32)
    availability_zone = models.CharField(max_length=32, blank=True)
    resource_spec = models.CharField(max_length=64)
    resource_size = models.IntegerField(null=True, blank=True)
    size_measure_id = models.IntegerField(null=True, blank=True)
    product_id = models.CharField(max_length=64)
    product_spec_desc = models.CharField(max_length=200)
    period_type = models.IntegerField(null=True, blank=True)  # 2 month, 3 year
    period_num = models.IntegerField(null=True, blank=True)
    subscription_num = models.IntegerField(default=1)
    official_amount = models.DecimalField(max_digits=16, decimal_places=2)
    discount_amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    amount_after_discount = models.DecimalField(max_digits=16, decimal_places=2)
    effective_time = models.DateTimeField(null=True, blank=True)
    expire_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order_line_item_id"], name="sandbox_commerce_line_item_id_unique")
        ]
        ordering = ["id"]

    def __str__(self):
        return self.order_line_item_id


class OnDemandResource(models.Model):
    """A pay-per-use resource (reference 5.12); read-only demo data for list_customer_on_demand_resources."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="commerce_on_demand_resources")
    resource_id = models.CharField(max_length=64)
    resource_name = models.CharField(max_length=128)
    region_code = models.CharField(max_length=32)
    availability_zone_code = models.CharField(max_length=32, blank=True)
    service_type_code = models.CharField(max_length=64)
    resource_type_code = models.CharField(max_length=64)
    resource_spec_code = models.CharField(max_length=64)
    resource_info = models.JSONField(default=dict, blank=True)
    product_spec_desc = models.CharField(max_length=200)
    effective_time = models.DateTimeField()
    expire_time = models.DateTimeField(null=True, blank=True)
    status = models.IntegerField(default=1)  # 1 normal, 2 grace, 3 frozen, 4 changing, 5 closing, 6 closed

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource_id"], name="sandbox_commerce_on_demand_resource_id_unique")
        ]
        ordering = ["-effective_time", "id"]

    def __str__(self):
        return self.resource_id


class RenewalSettings(models.Model):
    """A customer's renewal settings (set_resources_renew_config): auto-renewals charged a number of days
    before the expiry, and renewed resources all expiring on one day of the month."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="commerce_renewal_settings")
    deduction_days = models.IntegerField(null=True, blank=True)  # DEDUCTION_DATE: 2 to 7 days before expiry
    expire_day = models.IntegerField(null=True, blank=True)  # EXPIRE_DATE: 1 to 28, -1 the last day of a month

    def __str__(self):
        return f"renewal settings of {self.customer_id}"


class FreeResourcePackage(models.Model):
    """A resource package the customer holds (list_free_resource_infos; demo data): usage quotas of a
    service, resettable every month or once for the package's life."""

    class Status(models.IntegerChoices):
        NOT_EFFECTIVE = 0, "not effective yet"
        EFFECTIVE = 1, "effective"
        USED_UP = 2, "used up"
        EXPIRED = 3, "expired"
        UNSUBSCRIBED = 4, "unsubscribed"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="commerce_free_resource_packages")
    order_instance_id = models.CharField(max_length=64)
    order_id = models.CharField(max_length=64)
    product_id = models.CharField(max_length=64)
    product_name = models.CharField(max_length=200)
    service_type_code = models.CharField(max_length=64)
    region_code = models.CharField(max_length=32)
    effective_time = models.DateTimeField()
    expire_time = models.DateTimeField()
    status = models.IntegerField(choices=Status.choices, default=Status.EFFECTIVE)
    quota_reuse_mode = models.IntegerField(default=1)  # 1 reset every natural month, 2 never reset

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order_instance_id"], name="sandbox_commerce_package_instance_unique")
        ]
        ordering = ["effective_time", "id"]

    def __str__(self):
        return self.order_instance_id


class FreeResource(models.Model):
    """One usage quota (resource item) of a resource package: one per usage type."""

    package = models.ForeignKey(FreeResourcePackage, on_delete=models.CASCADE, related_name="free_resources")
    free_resource_id = models.CharField(max_length=64)
    free_resource_type_name = models.CharField(max_length=100)
    usage_type_name = models.CharField(max_length=100)
    original_amount = models.DecimalField(max_digits=20, decimal_places=4)  # the quota (of a reset period)
    used_amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    measure_id = models.IntegerField()  # list_measure_units: 10 GB, 4 hour, ...

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["free_resource_id"], name="sandbox_commerce_free_resource_id_unique")
        ]
        ordering = ["id"]

    def __str__(self):
        return self.free_resource_id

    @property
    def amount(self):
        """What is left of the quota (in the current reset period)."""
        return max(self.original_amount - self.used_amount, 0)
