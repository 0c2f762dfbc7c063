"""Orders: a mirror of the customers' yearly/monthly orders in HUAWEI CLOUD, and our payment attempts.

Orders are created in the HUAWEI CLOUD console (there is no "create order" API); this app mirrors
them (upserted on HUAWEI CLOUD's order id) and lets the customer pay or cancel the pending ones.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
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


# --- resources: the customers' yearly/monthly and pay-per-use resources (reference 5.6, 5.9-5.12) ----------


class Resource(models.Model):
    """A yearly/monthly resource, mirrored from HUAWEI CLOUD (upserted on its resource id).

    Main resources (an ECS, an EIP, a disk bought alone) carry their attached ones (the ECS's system
    disk, the EIP's bandwidth) through `parent`; renewals and unsubscriptions take main resources only.
    """

    class Status(models.IntegerChoices):
        IN_USE = 2, _("In use")
        CLOSED = 3, _("Closed")
        FROZEN = 4, _("Frozen")
        EXPIRED = 5, _("Expired")

    class ExpirePolicy(models.IntegerChoices):
        GRACE_PERIOD = 0, _("Grace period, then frozen")
        TO_PAY_PER_USE = 1, _("Switch to pay-per-use")
        DELETE = 2, _("Delete at expiry")
        AUTO_RENEW = 3, _("Renew automatically")
        FREEZE = 4, _("Freeze")
        DELETE_AFTER_RETENTION = 5, _("Delete after the retention period")

    class AutoRenewPeriod(models.TextChoices):
        MONTH = "MONTH", _("A month at a time")
        YEAR = "YEAR", _("A year at a time")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="resources")
    resource_id = models.CharField(_("resource id"), max_length=80)
    instance_id = models.CharField(max_length=80, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="attached", verbose_name=_("attached to")
    )
    parent_resource_id = models.CharField(max_length=80, blank=True)
    is_main_resource = models.BooleanField(_("main resource"), default=True)
    resource_name = models.CharField(_("name"), max_length=200, blank=True)
    region_code = models.CharField(_("region"), max_length=40, blank=True)
    service_type_code = models.CharField(_("service code"), max_length=64, blank=True)
    service_type_name = models.CharField(_("service"), max_length=200, blank=True)
    resource_type_code = models.CharField(max_length=64, blank=True)
    resource_type_name = models.CharField(_("resource type"), max_length=200, blank=True)
    resource_spec_code = models.CharField(max_length=120, blank=True)
    product_spec_desc = models.CharField(_("specification"), max_length=500, blank=True)
    project_id = models.CharField(max_length=64, blank=True)
    product_id = models.CharField(max_length=80, blank=True)
    spec_size = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    spec_size_measure_id = models.IntegerField(null=True, blank=True)
    status = models.IntegerField(_("state"), choices=Status.choices, null=True, blank=True)
    effective_at = models.DateTimeField(_("effective"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    expire_policy = models.IntegerField(_("at expiry"), choices=ExpirePolicy.choices, null=True, blank=True)
    # What we last asked for when switching auto-renewal on (HUAWEI CLOUD's list does not say).
    auto_renew_period = models.CharField(
        _("auto-renewal period"), max_length=8, choices=AutoRenewPeriod.choices, blank=True
    )
    auto_renew_times = models.PositiveSmallIntegerField(_("auto-renewals left"), null=True, blank=True)
    # The order that bought it, when the order mirror knows (OrderResource, reference 5.7).
    order_id = models.CharField(_("order"), max_length=64, blank=True)
    cloud_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    synced_at = models.DateTimeField(_("synced"), null=True, blank=True, editable=False)
    # The customer's sync pass (ResourceSync.run) that last saw it; a complete pass that did not is
    # recorded as `listed=False` (HUAWEI CLOUD dropped it; kept for history and reminders' sake).
    seen_by_sync_run = models.PositiveIntegerField(null=True, blank=True, editable=False)
    listed = models.BooleanField(_("listed by HUAWEI CLOUD"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["expires_at", "pk"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [models.UniqueConstraint(fields=["resource_id"], name="orders_resource_unique_resource_id")]
        indexes = [
            models.Index(fields=["customer", "is_main_resource", "expires_at"], name="orders_resource_cust_expiry"),
            models.Index(fields=["expires_at"], name="orders_resource_expiry"),
        ]

    def __str__(self) -> str:
        return self.resource_name or self.resource_id

    @property
    def auto_renew(self) -> bool:
        return self.expire_policy == self.ExpirePolicy.AUTO_RENEW

    @property
    def can_change(self) -> bool:
        """Renew, unsubscribe and auto-renewal take main resources that HUAWEI CLOUD still lists and has not closed."""
        return self.is_main_resource and self.listed and self.status != self.Status.CLOSED

    @property
    def days_left(self) -> int | None:
        """Whole days until expiry, rounded up (4 days and 23 hours left reads "5 days")."""
        if self.expires_at is None:
            return None
        return math.ceil((self.expires_at - timezone.now()).total_seconds() / 86400)


class ResourceSync(models.Model):
    """Where the resource sync of one customer stands: the saved cursor a retry resumes from.

    One pass walks the customer's yearly/monthly list page by page; each page is written in the same
    transaction as `next_offset`, so a pass cut short continues after the last page it wrote.
    """

    class Status(models.TextChoices):
        IDLE = "idle", _("Idle")
        RUNNING = "running", _("Running")
        FAILED = "failed", _("Interrupted")

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="resource_sync")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IDLE)
    run = models.PositiveIntegerField(_("pass"), default=0)
    next_offset = models.PositiveIntegerField(_("cursor"), default=0)
    total = models.PositiveIntegerField(_("total in HUAWEI CLOUD"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("last complete pass"), null=True, blank=True)
    on_demand_synced_at = models.DateTimeField(_("pay-per-use synced"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("resource sync")
        verbose_name_plural = _("resource syncs")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.status} #{self.run}"


class OnDemandResource(models.Model):
    """A pay-per-use resource (reference 5.12; HUAWEI CLOUD: delayed, for reference), with this month's cost."""

    class Status(models.IntegerChoices):
        NORMAL = 1, _("Normal")
        GRACE_PERIOD = 2, _("Grace period")
        FROZEN = 3, _("Frozen")
        CHANGING = 4, _("Changing")
        CLOSING = 5, _("Closing")
        CLOSED = 6, _("Closed")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="on_demand_resources")
    resource_id = models.CharField(_("resource id"), max_length=80)
    resource_name = models.CharField(_("name"), max_length=200, blank=True)
    region_code = models.CharField(_("region"), max_length=40, blank=True)
    availability_zone_code = models.CharField(max_length=40, blank=True)
    service_type_code = models.CharField(max_length=64, blank=True)
    service_type_name = models.CharField(_("service"), max_length=200, blank=True)
    resource_type_code = models.CharField(max_length=64, blank=True)
    resource_type_name = models.CharField(_("resource type"), max_length=200, blank=True)
    resource_spec_code = models.CharField(max_length=120, blank=True)
    product_spec_desc = models.CharField(_("specification"), max_length=500, blank=True)
    status = models.IntegerField(_("state"), choices=Status.choices, null=True, blank=True)
    effective_at = models.DateTimeField(_("since"), null=True, blank=True)
    expires_at = models.DateTimeField(_("until"), null=True, blank=True)
    spec_size = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    # Cost in `cost_cycle` (YYYY-MM, Beijing time) so far, from the customer's resource records.
    cost_cycle = models.CharField(max_length=7, blank=True)
    cost_this_month = models.DecimalField(_("cost this month"), max_digits=16, decimal_places=2, null=True, blank=True)
    synced_at = models.DateTimeField(_("synced"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "service_type_name", "resource_name", "pk"]
        verbose_name = _("pay-per-use resource")
        verbose_name_plural = _("pay-per-use resources")
        constraints = [
            models.UniqueConstraint(fields=["resource_id"], name="orders_on_demand_resource_unique_resource_id")
        ]

    def __str__(self) -> str:
        return self.resource_name or self.resource_id


class ResourceAction(models.Model):
    """What renewals and unsubscriptions share: one press of the button, kept with its idempotency key
    so the action is sent to HUAWEI CLOUD once, and its outcome (per-resource failures included)."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        DONE = "done", _("Accepted by HUAWEI CLOUD")
        REJECTED = "rejected", _("Refused by HUAWEI CLOUD")
        NOT_SENT = "not_sent", _("Not sent (HUAWEI CLOUD unavailable)")
        UNCLEAR = "unclear", _("Outcome unclear, being checked")
        NOT_APPLIED = "not_applied", _("Not applied (checked)")

    OPEN = (Status.SENDING, Status.UNCLEAR)

    idempotency_key = models.UUIDField(_("idempotency key"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SENDING)
    resource_ids = models.JSONField(default=list)
    order_ids = models.JSONField(default=list, blank=True)
    # [{"resource_id", "error_code", "error_msg"}]: resources HUAWEI CLOUD left out.
    failures = models.JSONField(default=list, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=80, blank=True)
    # Staff acting on the customer's request; empty when the customer did it.
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.customer_id} {', '.join(self.resource_ids)} {self.status}"


class RenewalAttempt(ResourceAction):
    """One press of "Renew", kept with its idempotency key, so a renewal is sent once.

    `expiries_before` holds the resources' expiry when it was sent: an UNCLEAR attempt (no answer) is
    resolved by reading the resources again (a later expiry, or a new renewal order, means it went
    through), never by renewing again.
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="renewal_attempts")
    period_type = models.PositiveSmallIntegerField()  # 2 month, 3 year
    period_num = models.PositiveSmallIntegerField()
    auto_pay = models.BooleanField(_("paid at once"), default=True)
    quoted_amount = models.DecimalField(_("quoted"), max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=8, default="USD")
    expiries_before = models.JSONField(default=dict, blank=True)

    class Meta(ResourceAction.Meta):
        verbose_name = _("renewal attempt")
        verbose_name_plural = _("renewal attempts")
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="orders_renewal_attempt_unique_key")]

    @property
    def period_label(self) -> str:
        unit = _("month(s)") if self.period_type == 2 else _("year(s)")
        return f"{self.period_num} {unit}"


class Unsubscription(ResourceAction):
    """One press of "Unsubscribe" (reference 5.10), kept with its idempotency key; sent once.

    `estimated_refund` is what we showed before (an estimate); `refund_lines` / `refund_amount` are what
    HUAWEI CLOUD's unsubscription orders refund (reference 5.8), read after it answered.
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="unsubscriptions")
    resource_names = models.JSONField(default=dict, blank=True)
    unsubscribe_type = models.PositiveSmallIntegerField(default=1)
    reason_type = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    estimated_refund = models.DecimalField(
        _("estimated refund"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    refund_lines = models.JSONField(default=list, blank=True)
    refund_amount = models.DecimalField(_("refund"), max_digits=16, decimal_places=2, null=True, blank=True)

    class Meta(ResourceAction.Meta):
        verbose_name = _("unsubscription")
        verbose_name_plural = _("unsubscriptions")
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="orders_unsubscription_unique_key")]


class ExpiryReminder(models.Model):
    """An email that a resource expires without auto-renewal in 30, 7 or 1 days: one row per resource,
    threshold and expiry date, so each is sent once; a renewal (a new expiry date) starts afresh."""

    THRESHOLDS = (30, 7, 1)

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="expiry_reminders")
    threshold_days = models.PositiveSmallIntegerField(_("days before expiry"))
    expires_at = models.DateTimeField(_("expiry"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Claimed with a conditional UPDATE before sending; cleared again if the mail server failed.
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "threshold_days", "expires_at"], name="orders_expiry_reminder_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.threshold_days}d"
