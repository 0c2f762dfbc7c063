"""Orders: a mirror of the customers' yearly/monthly orders in HUAWEI CLOUD, and our payment attempts.

Orders are created in the HUAWEI CLOUD console (there is no "create order" API); this app mirrors
them (upserted on HUAWEI CLOUD's order id) and lets the customer pay or cancel the pending ones.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer

# An order paid this long ago and still processing, or completed without resources, is reported as
# stuck (reference 5.4: "unsubscribe products that failed to be provisioned" has no API).
PROVISIONING_GRACE = timedelta(hours=1)


class Order(models.Model):
    class Status(models.IntegerChoices):
        # HUAWEI CLOUD's order status codes (reference 5.4).
        PENDING_APPROVAL = 1, _("Pending approval")
        PENDING_REFUND = 2, _("Pending refund")
        PROCESSING = 3, _("Processing")
        CANCELLED = 4, _("Canceled")
        COMPLETED = 5, _("Completed")
        PENDING_PAYMENT = 6, _("Pending payment")
        PENDING_CONFIRMATION = 9, _("Pending confirmation")
        PENDING_SHIPMENT = 10, _("Pending shipment")
        PENDING_RECEIPT = 11, _("Pending receipt")
        PENDING_PICKUP = 12, _("Pending pickup")
        REPLACEMENT = 13, _("Replacement in progress")

    class OrderType(models.IntegerChoices):
        NEW = 1, _("New purchase")
        RENEWAL = 2, _("Renewal")
        CHANGE = 3, _("Change")
        UNSUBSCRIPTION = 4, _("Unsubscription")
        TO_PAY_PER_USE = 10, _("Yearly/monthly to pay-per-use")
        TO_YEARLY_MONTHLY = 11, _("Pay-per-use to yearly/monthly")
        TRIAL = 13, _("Trial")
        TRIAL_TO_COMMERCIAL = 14, _("Trial to commercial")
        FEE_ADJUSTMENT = 15, _("Fee adjustment")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    order_id = models.CharField(_("order id"), max_length=64)
    service_type_code = models.CharField(max_length=64, blank=True)
    service_type_name = models.CharField(_("service"), max_length=200, blank=True)
    status = models.IntegerField(_("status"), choices=Status.choices, null=True)
    order_type = models.IntegerField(_("order type"), choices=OrderType.choices, null=True)
    source_type = models.IntegerField(null=True, blank=True)
    official_amount = models.DecimalField(_("list price"), max_digits=16, decimal_places=2, default=0)
    discount_amount = models.DecimalField(_("discount"), max_digits=16, decimal_places=2, default=0)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=0)
    coupon_amount = models.DecimalField(_("paid with coupons"), max_digits=16, decimal_places=2, default=0)
    currency = models.CharField(max_length=8, default="USD")
    user_name = models.CharField(max_length=200, blank=True)
    ordered_at = models.DateTimeField(_("ordered"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    pay_before = models.DateTimeField(_("pay before"), null=True, blank=True)
    # Unsubscription orders: what HUAWEI CLOUD refunds (sum of the negative refund lines, as a positive amount).
    refund_amount = models.DecimalField(_("refund"), max_digits=16, decimal_places=2, null=True, blank=True)
    details_synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    resources_synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set once by the daily reminder task (a conditional UPDATE claims it), so a reminder goes out once.
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-ordered_at", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [models.UniqueConstraint(fields=["order_id"], name="orders_order_unique_order_id")]
        indexes = [models.Index(fields=["customer", "status", "-ordered_at"], name="orders_customer_status")]

    def __str__(self) -> str:
        return self.order_id

    @property
    def is_payable(self) -> bool:
        if self.status != self.Status.PENDING_PAYMENT:
            return False
        return self.pay_before is None or self.pay_before > timezone.now()

    @property
    def is_cancellable(self) -> bool:
        return self.status == self.Status.PENDING_PAYMENT

    @property
    def provisioning_stuck(self) -> bool:
        """Paid a while ago, yet still processing or completed without any resource: needs a person."""
        if self.order_type not in (self.OrderType.NEW, self.OrderType.CHANGE):
            return False
        since = self.paid_at or self.ordered_at
        if since is None or since > timezone.now() - PROVISIONING_GRACE:
            return False
        if self.status == self.Status.PROCESSING:
            return True
        # Only known once the resources were asked for; `resource_count` comes from the selector.
        count = getattr(self, "resource_count", None)
        return self.status == self.Status.COMPLETED and self.resources_synced_at is not None and count == 0


class OrderLineItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="line_items")
    line_item_id = models.CharField(max_length=80)
    service_type_code = models.CharField(max_length=64, blank=True)
    service_type_name = models.CharField(_("service"), max_length=200, blank=True)
    product_id = models.CharField(max_length=80, blank=True)
    product_spec_desc = models.CharField(_("specification"), max_length=500, blank=True)
    period_type = models.IntegerField(null=True, blank=True)
    period_num = models.IntegerField(null=True, blank=True)
    subscription_num = models.IntegerField(_("quantity"), null=True, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    official_amount = models.DecimalField(_("list price"), max_digits=16, decimal_places=2, default=0)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=0)
    currency = models.CharField(max_length=8, default="USD")

    class Meta:
        ordering = ["line_item_id"]
        verbose_name = _("order line item")
        verbose_name_plural = _("order line items")
        constraints = [models.UniqueConstraint(fields=["line_item_id"], name="orders_line_item_unique_id")]

    def __str__(self) -> str:
        return self.line_item_id

    @property
    def period_label(self) -> str:
        labels = {0: _("day"), 1: _("week"), 2: _("month"), 3: _("year"), 4: _("hour")}
        label = labels.get(self.period_type)
        if label is None or not self.period_num:
            return ""
        return f"{self.period_num} × {label}"


class OrderResource(models.Model):
    """A yearly/monthly resource an order provisioned (reference 5.7: resources queried by order id)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="resources")
    resource_id = models.CharField(_("resource id"), max_length=80)
    resource_name = models.CharField(_("name"), max_length=200, blank=True)
    region_code = models.CharField(_("region"), max_length=40, blank=True)
    service_type_name = models.CharField(_("service"), max_length=200, blank=True)
    resource_type_name = models.CharField(_("resource type"), max_length=200, blank=True)
    product_spec_desc = models.CharField(_("specification"), max_length=500, blank=True)
    is_main_resource = models.BooleanField(default=False)
    status = models.IntegerField(_("status"), null=True, blank=True)  # 2 in use, 3 closed, 4 frozen, 5 expired
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    STATUS_LABELS = {2: _("In use"), 3: _("Closed"), 4: _("Frozen"), 5: _("Expired")}

    class Meta:
        ordering = ["-is_main_resource", "resource_id"]
        verbose_name = _("order resource")
        verbose_name_plural = _("order resources")
        constraints = [
            models.UniqueConstraint(fields=["order", "resource_id"], name="orders_order_resource_unique"),
        ]

    def __str__(self) -> str:
        return self.resource_name or self.resource_id

    @property
    def status_label(self) -> str:
        return str(self.STATUS_LABELS.get(self.status, "—"))


class PaymentAttempt(models.Model):
    """One press of "Pay", kept with its idempotency key, so a payment is sent once.

    The key comes from a hidden field made when the confirmation page rendered: the same form sent
    twice finds its attempt here and sends nothing. At most one attempt per order is open (SENDING or
    UNCLEAR; a partial unique index): a second one waits for the first to be resolved, and an UNCLEAR
    one is resolved by asking HUAWEI CLOUD for the order's state, never by paying again.
    """

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        SUCCEEDED = "succeeded", _("Paid")
        REJECTED = "rejected", _("Refused by HUAWEI CLOUD")
        NOT_SENT = "not_sent", _("Not sent (HUAWEI CLOUD unavailable)")
        UNCLEAR = "unclear", _("Outcome unclear, being checked")
        NOT_APPLIED = "not_applied", _("Not applied (checked)")

    OPEN = (Status.SENDING, Status.UNCLEAR)

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payment_attempts")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payment_attempts")
    idempotency_key = models.UUIDField(_("idempotency key"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SENDING)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=0)
    discount_id = models.CharField(max_length=80, blank=True)
    coupon_ids = models.JSONField(default=list, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment attempt")
        verbose_name_plural = _("payment attempts")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="orders_payment_attempt_unique_key"),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=["sending", "unclear"]),
                name="orders_payment_attempt_one_open_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.status}"
