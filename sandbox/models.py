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
    corp_name = models.CharField(max_length=200, blank=True)  # shown in budget records

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
    # The customer's own cash account (show_customer_account_balances); a reseller customer spends the budget.
    cash_balance = models.DecimalField(max_digits=16, decimal_places=2, default=0)
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
        # Paging faults of list operations: the page starts `rows` rows off, or repeats a row.
        SHIFT = "shift"
        DUPLICATE = "duplicate"

    operation = models.CharField(max_length=100, default="*")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.IntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_msg = models.TextField(blank=True)
    body = models.TextField(blank=True)
    rate = models.FloatField(default=1.0)
    delay = models.FloatField(default=0.0)
    rows = models.IntegerField(default=0)  # shift: how many rows later (negative: earlier) the page starts
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


class IamToken(models.Model):
    """An IAM token issued by POST /v3/auth/tokens; only its SHA-256 is kept (like a password).

    `customer` is None for the partner's own tokens (password method) and set for a customer's token
    obtained by the partner with assume_role.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="iam_tokens")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="iam_tokens")
    methods = models.JSONField(default=list)
    project_name = models.CharField(max_length=64, blank=True)  # region of a project scope, "" = domain scope
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"token of {self.customer or self.partner}"


class TemporaryCredential(models.Model):
    """Temporary AK/SK + security token (POST /v3.0/OS-CREDENTIAL/securitytokens).

    The secret key is kept in clear: the sandbox needs it to verify signatures. The security token
    is kept as its SHA-256 only.
    """

    access_key = models.CharField(max_length=64, unique=True)
    secret_key = models.CharField(max_length=128)
    security_token_hash = models.CharField(max_length=64)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="temporary_credentials")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="temporary_credentials"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"temporary AK {self.access_key}"


class RealnameApplication(models.Model):
    """One real-name authentication application (reference 4), kept as history."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual"
        ENTERPRISE = "enterprise"
        CHANGE = "change"  # individual -> enterprise

    class Status(models.IntegerChoices):  # the review_result codes of 4.5
        UNDER_REVIEW = 0, "under review"
        REJECTED = 1, "rejected"
        APPROVED = 2, "approved"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="realname_applications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    identify_type = models.IntegerField()
    verified_type = models.IntegerField(null=True, blank=True)  # individual certificate type
    certificate_type = models.IntegerField(null=True, blank=True)  # enterprise certificate type
    name = models.CharField(max_length=200)  # person's or company's name
    verified_number = models.CharField(max_length=64)
    file_keys = models.JSONField(default=list)
    reg_country = models.CharField(max_length=2, blank=True)
    reg_address = models.CharField(max_length=512, blank=True)
    enterprise_person = models.JSONField(null=True, blank=True)
    status = models.IntegerField(choices=Status.choices, default=Status.UNDER_REVIEW)
    is_review = models.IntegerField(default=1)  # what the apply call answered: 0 instant, 1 manual review
    opinion = models.CharField(max_length=500, blank=True)
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return f"{self.kind} real-name application of {self.customer}"


class BudgetRecord(models.Model):
    """Every budget set or adjustment (list_sub_customer_budget_records)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="budget_records")
    budget_amount = models.DecimalField(max_digits=16, decimal_places=2)
    operation_type = models.CharField(max_length=10, default="SETTING")  # SETTING | DELETE
    budget_type = models.CharField(max_length=10, default="MONTHLY")
    operator = models.CharField(max_length=64)
    operation_time = models.DateTimeField()

    class Meta:
        ordering = ["-operation_time", "-id"]

    def __str__(self):
        return f"{self.operation_type} {self.budget_amount} for {self.customer}"


class Coupon(models.Model):
    """A cash coupon held by a customer (or by the partner itself: customer None)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="coupons")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="coupons")
    coupon_id = models.CharField(max_length=64, unique=True)
    coupon_code = models.CharField(max_length=64)
    coupon_type = models.IntegerField(default=1)  # 1 cash coupon
    status = models.IntegerField(default=2)  # 1 not activated, 2 usable, 3 used, 4 expired, 5 reclaimed
    face_value = models.DecimalField(max_digits=12, decimal_places=2)
    balance = models.DecimalField(max_digits=12, decimal_places=2)
    valid_time = models.DateTimeField()
    expire_time = models.DateTimeField()
    order_id = models.CharField(max_length=64, blank=True)
    promotion_plan_id = models.CharField(max_length=64)
    plan_name = models.CharField(max_length=200)
    plan_desc = models.CharField(max_length=500, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    use_limits = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["expire_time", "id"]

    def __str__(self):
        return self.coupon_id
