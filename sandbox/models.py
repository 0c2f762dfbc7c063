"""State of the simulated HUAWEI CLOUD: partners, their customers, and the test hooks' rows."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Partner(models.Model):
    """A partner account and the credentials it signs with (one per AK in this sandbox)."""

    domain_id = models.CharField(max_length=64, unique=True)
    domain_name = models.CharField(max_length=64, unique=True)
    access_key = models.CharField(max_length=64, unique=True)
    secret_key = models.CharField(max_length=128)
    xaccount_type = models.CharField(max_length=64)
    iam_user = models.CharField(max_length=64)
    iam_password = models.CharField(max_length=128)

    def __str__(self):
        return self.domain_name


class Customer(models.Model):
    """A HUAWEI CLOUD account associated with a partner (`customer_id` == the account's domain id)."""

    class VerifiedStatus(models.TextChoices):
        NOT_AUTHENTICATED = "-1", "not authenticated"
        UNDER_REVIEW = "0", "under review"
        REJECTED = "1", "rejected"
        AUTHENTICATED = "2", "authenticated"
        FAILED = "3", "failed"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="customers")
    customer_id = models.CharField(max_length=64)
    domain_name = models.CharField(max_length=64)
    xaccount_id = models.CharField(max_length=64)
    xaccount_type = models.CharField(max_length=64)
    domain_area = models.CharField(max_length=2, default="SG")
    email = models.CharField(max_length=254, blank=True)
    country_code = models.CharField(max_length=8, blank=True)
    telephone = models.CharField(max_length=32, blank=True)
    has_password = models.BooleanField(default=False)
    is_close_market_ms = models.BooleanField(default=False)
    # Real-name authentication: `customer` is the authenticated (real) name.
    customer = models.CharField(max_length=200, blank=True)
    verified_status = models.CharField(
        max_length=2, choices=VerifiedStatus.choices, default=VerifiedStatus.NOT_AUTHENTICATED
    )
    customer_type = models.IntegerField(default=-1)  # -1 not set, 0 individual, 1 enterprise
    association_type = models.CharField(max_length=1, default="3")  # 1 referral, 3 reseller
    associated_on = models.DateTimeField(default=timezone.now)
    label = models.CharField(max_length=200, blank=True)
    is_frozen = models.IntegerField(default=0)
    customer_level = models.CharField(max_length=2, default="V0")
    account_managers = models.JSONField(default=list, blank=True)
    # Budget set by the partner (reference 5.2); USD.
    budget_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    used_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    budget_type = models.CharField(max_length=10, default="MONTHLY")  # MONTHLY | PACKAGE
    frozen_operate_type = models.IntegerField(null=True, blank=True)  # 0 manual, 1 auto-freeze over budget
    # The association is asynchronous on the real cloud: queries show the customer from then on.
    visible_after = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer_id"], name="sandbox_customer_id_unique"),
            models.UniqueConstraint(fields=["domain_name"], name="sandbox_customer_domain_name_unique"),
            models.UniqueConstraint(fields=["partner", "xaccount_id"], name="sandbox_customer_xaccount_unique"),
        ]
        ordering = ["-associated_on", "id"]

    def __str__(self):
        return self.domain_name

    @property
    def mobile(self) -> str:
        return f"{self.country_code}-{self.telephone}" if self.telephone else ""


class VerificationCode(models.Model):
    """An email verification code sent by `send_verification_message_code`, usable once."""

    email = models.CharField(max_length=254, db_index=True)
    code = models.CharField(max_length=6)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"code for {self.email}"


class OutboxMessage(models.Model):
    """A message the simulated cloud 'sent' (emails with codes); read through /_sandbox/outbox."""

    kind = models.CharField(max_length=40)
    to = models.CharField(max_length=254, db_index=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    code = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} to {self.to}"


class Fault(models.Model):
    """A fault injected through the control API; applies to one operation or to all ("*")."""

    class Kind(models.TextChoices):
        ERROR = "error"
        DELAY = "delay"
        THROTTLE = "throttle"
        MALFORMED = "malformed"

    operation = models.CharField(max_length=100, default="*")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.IntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_msg = models.TextField(blank=True)
    body = models.TextField(blank=True)
    rate = models.FloatField(default=1.0)
    delay = models.FloatField(default=0.0)
    # None: unlimited; otherwise how many more requests the fault applies to.
    remaining = models.IntegerField(null=True, blank=True)
    applied = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.kind} fault on {self.operation}"


class RequestLogEntry(models.Model):
    """One API call received (signed or not); tests count cloud calls with it."""

    request_id = models.CharField(max_length=64)
    operation = models.CharField(max_length=100, blank=True, db_index=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    query = models.TextField(blank=True)
    status = models.IntegerField()
    error_code = models.CharField(max_length=100, blank=True)
    access_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.method} {self.path} {self.status}"


class ClockOffset(models.Model):
    """How far the sandbox's clock runs ahead of real time (one row, pk=1); see sandbox/clock.py."""

    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"+{self.seconds:.0f}s"
