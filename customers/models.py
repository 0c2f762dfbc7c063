"""Customers: end customers of the partner, each bound to one HUAWEI CLOUD account."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_xaccount_id() -> str:
    """Our own id for a customer, sent as `xaccount_id` when the cloud account is created.

    Made before the cloud call and kept with the customer, so a retry after a timeout or a crash
    sends the same id and binds to the same cloud account (CBC.99000050) instead of a second one.
    """
    return f"pp-{uuid.uuid4().hex}"


class Customer(models.Model):
    class RealNameStatus(models.TextChoices):
        # HUAWEI CLOUD's `verified_status` strings (reference 4.5).
        NOT_SUBMITTED = "-1", _("Not authenticated")
        UNDER_REVIEW = "0", _("Under review")
        REJECTED = "1", _("Rejected")
        APPROVED = "2", _("Authenticated")
        FAILED = "3", _("Failed")

    class CustomerType(models.IntegerChoices):
        NOT_SET = -1, _("Not set")
        INDIVIDUAL = 0, _("Individual")
        ENTERPRISE = 1, _("Enterprise")

    class Binding(models.TextChoices):
        # PENDING: the local row exists and the cloud account is being created (or a worker finishes
        # the binding after a failure on our side). BOUND: customer_id is known.
        PENDING = "pending", _("Being created")
        BOUND = "bound", _("Bound")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="customer"
    )
    xaccount_id = models.CharField(_("platform account id"), max_length=64, unique=True, default=new_xaccount_id)
    customer_id = models.CharField(_("HUAWEI CLOUD customer id"), max_length=64, unique=True, null=True, blank=True)
    account_name = models.CharField(_("account name"), max_length=64, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    domain_area = models.CharField(_("country or region"), max_length=2, blank=True)
    binding = models.CharField(max_length=16, choices=Binding.choices, default=Binding.PENDING)
    real_name_status = models.CharField(
        _("real-name authentication"),
        max_length=2,
        choices=RealNameStatus.choices,
        default=RealNameStatus.NOT_SUBMITTED,
    )
    real_name = models.CharField(_("real name"), max_length=200, blank=True)
    customer_type = models.IntegerField(choices=CustomerType.choices, default=CustomerType.NOT_SET)
    is_frozen = models.BooleanField(_("frozen"), default=False)
    association_type = models.CharField(max_length=2, blank=True)
    associated_on = models.DateTimeField(null=True, blank=True)
    label = models.CharField(max_length=200, blank=True)
    customer_level = models.CharField(max_length=8, blank=True)
    # Language the customer signed up in: emails sent later by workers use it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    # Sign-up: the email code, kept only until the binding is finished, so that a worker can repeat
    # the create call when the first one never reached HUAWEI CLOUD. Cleared once bound.
    signup_verification_code = models.CharField(max_length=16, blank=True)
    binding_attempts = models.PositiveIntegerField(default=0)
    binding_error = models.CharField(_("binding error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    # Association with the partner: a full sync that no longer sees the customer clears it (and says when).
    associated = models.BooleanField(_("associated"), default=True)
    disassociated_at = models.DateTimeField(_("no longer associated since"), null=True, blank=True)
    # The sync run that last saw this customer in HUAWEI CLOUD's list (SyncRun.pk; not a foreign key so
    # that old runs can be pruned without touching customers).
    seen_by_sync_run = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    # Budget mirror (reference 5.2), refreshed in batches; HUAWEI CLOUD's value wins. USD.
    budget_amount = models.DecimalField(_("budget"), max_digits=16, decimal_places=2, null=True, blank=True)
    budget_used = models.DecimalField(_("budget used"), max_digits=16, decimal_places=2, null=True, blank=True)
    budget_type = models.CharField(_("budget type"), max_length=8, blank=True)
    # What we last asked HUAWEI CLOUD (frozen_operate_type): freeze the customer when the budget is used up.
    budget_freeze_at_limit = models.BooleanField(_("freeze at the budget limit"), null=True, blank=True)
    budget_refreshed_at = models.DateTimeField(_("budget refreshed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("change_budget", _("Can set and adjust a customer's budget")),
            ("freeze_customer", _("Can freeze and unfreeze a customer")),
            ("sync_customers", _("Can start a customer or budget sync")),
        ]

    def __str__(self) -> str:
        return self.account_name

    @property
    def budget_used_percent(self) -> int | None:
        """Share of the budget used, in whole percent (None when no budget is known or it is zero)."""
        if not self.budget_amount or self.budget_used is None:
            return None
        return int(self.budget_used * 100 / self.budget_amount)


# --- real-name authentication ----------------------------------------------------------------------


class RealNameApplication(models.Model):
    """One application for real-name authentication sent to HUAWEI CLOUD, and what came of it.

    Certificate numbers are never stored in full: the last four characters for people to recognise
    them, and a keyed hash (HMAC with SECRET_KEY) to compare them.
    """

    class Method(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual, by certificate")
        ENTERPRISE = "enterprise", _("Enterprise")
        ENTERPRISE_CHANGE = "enterprise_change", _("Change from individual to enterprise")
        BANK_CARD = "bank_card", _("Individual, by bank card")

    class Status(models.TextChoices):
        UNDER_REVIEW = "under_review", _("Under review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class VerifiedType(models.IntegerChoices):
        # HUAWEI CLOUD's `verified_type` of an individual certificate (reference 4.1).
        PASSPORT = 3, _("Passport")
        HK_MACAO_PERMIT = 5, _("Mainland Travel Permit for Hong Kong and Macao Residents")
        TAIWAN_PERMIT = 6, _("Mainland Travel Permit for Taiwan Residents")
        HK_MACAO_RESIDENCE = 9, _("Residence Permit for Hong Kong and Macao Residents")
        TAIWAN_RESIDENCE = 10, _("Residence Permit for Taiwan Residents")

    class CertificateType(models.IntegerChoices):
        # HUAWEI CLOUD's enterprise `certificate_type` (reference 4.3).
        BUSINESS_LICENCE = 0, _("Business licence")
        PUBLIC_INSTITUTION = 1, _("Public institution legal person certificate")
        SOCIAL_ORGANISATION = 2, _("Social organisation legal person registration certificate")
        LAW_ENFORCEMENT = 3, _("Administrative law enforcement qualification")
        ORGANISATION_CODE = 4, _("Organisation code certificate")
        OTHER = 99, _("Other certificate")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="realname_applications")
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UNDER_REVIEW)
    verified_type = models.IntegerField(_("ID type"), choices=VerifiedType.choices, null=True, blank=True)
    certificate_type = models.IntegerField(
        _("certificate type"), choices=CertificateType.choices, null=True, blank=True
    )
    # The person's or the company's name.
    name = models.CharField(_("name"), max_length=200)
    number_masked = models.CharField(_("certificate number"), max_length=32)
    number_hash = models.CharField(max_length=64, db_index=True)
    legal_name = models.CharField(_("legal representative"), max_length=200, blank=True)
    legal_id_masked = models.CharField(_("legal representative's ID number"), max_length=32, blank=True)
    reg_country = models.CharField(_("country of registration"), max_length=2, blank=True)
    reg_address = models.CharField(_("registered address"), max_length=300, blank=True)
    opinion = models.TextField(_("HUAWEI CLOUD's opinion"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # The review poll: when to ask HUAWEI CLOUD next, and how often it has asked (the delay grows).
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    check_count = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    # Set by the one conditional UPDATE that wins the right to email the result: at most one email.
    result_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("real-name application")
        verbose_name_plural = _("real-name applications")
        indexes = [models.Index(fields=["status", "next_check_at"], name="realname_status_next_check")]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_method_display()} · {self.get_status_display()}"


class RealNameFile(models.Model):
    """A photo or scan sent with an application. `storage_name` is the private object key sent to HUAWEI CLOUD."""

    class Role(models.TextChoices):
        FRONT = "front", _("Front")
        BACK = "back", _("Back")
        HAND_HELD = "hand_held", _("Hand-held photo")
        LICENCE = "licence", _("Certificate")
        LEGAL_FRONT = "legal_front", _("Legal representative's ID, portrait side")
        LEGAL_BACK = "legal_back", _("Legal representative's ID, emblem side")

    application = models.ForeignKey(RealNameApplication, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(max_length=16, choices=Role.choices)
    position = models.PositiveSmallIntegerField()
    storage_name = models.CharField(max_length=200, unique=True)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["application", "position"]
        verbose_name = _("real-name file")
        verbose_name_plural = _("real-name files")

    def __str__(self) -> str:
        return self.get_role_display()


# --- sync runs and budget alerts --------------------------------------------------------------------


class SyncRun(models.Model):
    """One run of a sync from HUAWEI CLOUD: what staff see as "last sync", and the cursor a retry resumes from.

    The cursor (`next_offset`) is saved in the same transaction as the page it follows, so a run cut
    short (CloudUnavailable, a killed worker) continues after the last page it wrote and never skips one.
    """

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        BUDGETS = "budgets", _("Budgets")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FAILED = "failed", _("Interrupted")  # resumable: the next run continues from next_offset
        SUCCEEDED = "succeeded", _("Succeeded")
        ABANDONED = "abandoned", _("Abandoned")  # too old to resume; a new run started over

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Last sign of life; a RUNNING run without one for a while was killed and may be taken over.
    heartbeat_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    next_offset = models.PositiveIntegerField(_("cursor"), default=0)
    total = models.PositiveIntegerField(_("total in HUAWEI CLOUD"), null=True, blank=True)
    seen = models.PositiveIntegerField(_("seen"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    disassociated = models.PositiveIntegerField(_("no longer associated"), default=0)
    conflicts = models.PositiveIntegerField(_("conflicts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        indexes = [models.Index(fields=["kind", "-started_at"], name="syncrun_kind_started")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.started_at:%Y-%m-%d %H:%M} · {self.get_status_display()}"

    @property
    def duration(self):
        end = self.finished_at or self.heartbeat_at
        return end - self.started_at if end else None

    @property
    def rows_per_second(self) -> float | None:
        duration = self.duration
        if not duration or not duration.total_seconds():
            return None
        return self.seen / duration.total_seconds()


class BudgetAlert(models.Model):
    """A customer's usage crossed a threshold: at most one per customer, threshold and month (the constraint)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="budget_alerts")
    threshold = models.PositiveSmallIntegerField(_("threshold (%)"))
    cycle = models.CharField(_("month"), max_length=7)  # "2026-05", UTC
    budget_amount = models.DecimalField(_("budget"), max_digits=16, decimal_places=2)
    budget_used = models.DecimalField(_("budget used"), max_digits=16, decimal_places=2)
    created_at = models.DateTimeField(_("crossed"), default=timezone.now)
    # Set by the one conditional UPDATE that wins the right to send the emails: at most one of each.
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("budget alert")
        verbose_name_plural = _("budget alerts")
        constraints = [
            models.UniqueConstraint(fields=["customer", "threshold", "cycle"], name="budget_alert_once_per_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.threshold}% · {self.cycle}"
