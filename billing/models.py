"""Finance: the partner's monthly bill, the customer consumption lines of the bill file, the price
policy (rating rules), customer bills and export jobs.

Money is `Decimal` with two places (USD). One rounding rule everywhere: a line's customer price is
rounded half-up (away from zero) to the cent, per line (`billing.rating`).

Cycles are `YYYY-MM` in Beijing time (UTC+8), as HUAWEI CLOUD writes them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}

# Bill types of a line (reference 5.13) and the kind they count as in the partner bill and the
# monthly sums: 1 consumption, 2 refund, 3 adjustment.
REFUND_TYPES = frozenset({4, 20, 24})
ADJUSTMENT_TYPES = frozenset({9, 16, 101, 102})


class LineKind(models.IntegerChoices):
    CONSUMPTION = 1, _("Consumption")
    REFUND = 2, _("Refund")
    ADJUSTMENT = 3, _("Adjustment")


def line_kind(bill_type: int) -> int:
    if bill_type in REFUND_TYPES:
        return LineKind.REFUND
    if bill_type in ADJUSTMENT_TYPES:
        return LineKind.ADJUSTMENT
    return LineKind.CONSUMPTION


class ChargeMode(models.IntegerChoices):
    YEARLY_MONTHLY = 1, _("Yearly/monthly")
    PAY_PER_USE = 3, _("Pay-per-use")
    RESERVED_INSTANCE = 10, _("Reserved instance")
    SAVINGS_PLAN = 11, _("Savings plan")


class PartnerBill(models.Model):
    """The partner's bill of one cycle from HUAWEI CLOUD (`list_postpaid_bill_sum`, reference 5.14)."""

    cycle = models.CharField(_("bill cycle"), max_length=7, unique=True)
    consume_amount = models.DecimalField(_("consumption"), **MONEY)
    refunds = models.DecimalField(_("refunds"), **MONEY)
    adjustments = models.DecimalField(_("adjustments"), **MONEY)
    tax_amount = models.DecimalField(_("tax"), **MONEY)
    initial_amount_due = models.DecimalField(_("amount due"), **MONEY)  # consumption + refunds + adjustments
    currency = models.CharField(max_length=3, default="USD")
    synced_at = models.DateTimeField(_("synced"))

    class Meta:
        ordering = ["-cycle"]
        verbose_name = _("partner bill")
        verbose_name_plural = _("partner bills")

    def __str__(self) -> str:
        return self.cycle


class BillCycle(models.Model):
    """What Finance knows about one cycle's customer lines.

    `lines_final` is True only once a whole bill file was merged: every reader (rating, bills,
    reconciliation, exports) asks for it, so a cycle is never seen half-loaded.
    """

    cycle = models.CharField(_("bill cycle"), max_length=7, unique=True)
    lines_final = models.BooleanField(_("lines complete"), default=False)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    ingested_at = models.DateTimeField(_("ingested"), null=True, blank=True)
    # Set to None whenever lines change, so that stale prices are never billed.
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    monthly_sums_checked_at = models.DateTimeField(_("monthly sums checked"), null=True, blank=True)

    class Meta:
        ordering = ["-cycle"]
        verbose_name = _("bill cycle")
        verbose_name_plural = _("bill cycles")

    def __str__(self) -> str:
        return self.cycle


class BillLine(models.Model):
    """One line of the customer bill file (`customerBill_YYYYMM.tar.gz`), rated with our prices.

    Identity is the file's own Line ID within the cycle: ingest upserts on it, so a re-run or a
    resumed run changes nothing.
    """

    cycle = models.CharField(max_length=7)
    line_id = models.CharField(max_length=64)
    customer_id = models.CharField(max_length=64)
    account_name = models.CharField(max_length=64)
    customer_name = models.CharField(max_length=200)
    bill_date = models.DateField()
    bill_type = models.SmallIntegerField()
    kind = models.SmallIntegerField(choices=LineKind.choices)
    charge_mode = models.SmallIntegerField(choices=ChargeMode.choices)
    service_type_code = models.CharField(max_length=64)
    service_type_name = models.CharField(max_length=200)
    resource_type_code = models.CharField(max_length=64)
    resource_type_name = models.CharField(max_length=200)
    region = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=128)
    resource_name = models.CharField(max_length=200)
    specifications = models.CharField(max_length=300)
    trade_id = models.CharField(max_length=64)
    usage = models.DecimalField(max_digits=20, decimal_places=4)
    usage_unit = models.CharField(max_length=32)
    unit_price = models.DecimalField(max_digits=20, decimal_places=4)
    unit_price_unit = models.CharField(max_length=32)
    official_amount = models.DecimalField(**MONEY)
    discount_amount = models.DecimalField(**MONEY)
    truncated_amount = models.DecimalField(**MONEY)
    consume_amount = models.DecimalField(**MONEY)  # what HUAWEI CLOUD charges the partner: our cost
    cash_amount = models.DecimalField(**MONEY)
    credit_amount = models.DecimalField(**MONEY)
    coupon_amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    # Rating (billing.rating): the customer's price of this line and the rule that set it.
    rated_amount = models.DecimalField(null=True, blank=True, **MONEY)
    rule_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        constraints = [models.UniqueConstraint(fields=["cycle", "line_id"], name="billing_line_identity")]
        indexes = [models.Index(fields=["cycle", "customer_id"], name="billing_line_customer")]

    def __str__(self) -> str:
        return f"{self.cycle} {self.line_id}"


# Columns of the bill file, in the order of its header, and the BillLine field each one fills.
FILE_COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("Line ID", "line_id"),
    ("Customer ID", "customer_id"),
    ("Account Name", "account_name"),
    ("Customer Name", "customer_name"),
    ("Partner ID", None),
    ("Billing Cycle", "cycle"),
    ("Bill Date", "bill_date"),
    ("Bill Type", "bill_type"),
    ("Billing Mode", "charge_mode"),
    ("Service Type Code", "service_type_code"),
    ("Service Type Name", "service_type_name"),
    ("Resource Type Code", "resource_type_code"),
    ("Resource Type Name", "resource_type_name"),
    ("Region", "region"),
    ("Resource ID", "resource_id"),
    ("Resource Name", "resource_name"),
    ("Specifications", "specifications"),
    ("Trade ID", "trade_id"),
    ("Usage", "usage"),
    ("Usage Unit", "usage_unit"),
    ("Unit Price", "unit_price"),
    ("Unit Price Unit", "unit_price_unit"),
    ("Official Amount", "official_amount"),
    ("Discount Amount", "discount_amount"),
    ("Truncated Amount", "truncated_amount"),
    ("Consume Amount", "consume_amount"),
    ("Cash Amount", "cash_amount"),
    ("Credit Amount", "credit_amount"),
    ("Coupon Amount", "coupon_amount"),
    ("Currency", "currency"),
)
# Fields of a line that come from the file (the upsert compares and copies exactly these).
LINE_FIELDS: tuple[str, ...] = tuple(field for _, field in FILE_COLUMNS if field) + ("kind",)


class StagedLine(models.Model):
    """A validated line of an ingest run waiting to be merged. Rows live only while their run is open.

    No foreign key constraint and no index besides the primary key: COPY into it must be fast, and the
    merge reads a run's rows once. (On PostgreSQL the table is UNLOGGED: it can be rebuilt from the file.)
    """

    run_id = models.PositiveBigIntegerField()
    part = models.PositiveIntegerField()
    line_number = models.PositiveIntegerField()
    cycle = models.CharField(max_length=7)
    line_id = models.CharField(max_length=64)
    customer_id = models.CharField(max_length=64)
    account_name = models.CharField(max_length=64)
    customer_name = models.CharField(max_length=200)
    bill_date = models.DateField()
    bill_type = models.SmallIntegerField()
    kind = models.SmallIntegerField()
    charge_mode = models.SmallIntegerField()
    service_type_code = models.CharField(max_length=64)
    service_type_name = models.CharField(max_length=200)
    resource_type_code = models.CharField(max_length=64)
    resource_type_name = models.CharField(max_length=200)
    region = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=128)
    resource_name = models.CharField(max_length=200)
    specifications = models.CharField(max_length=300)
    trade_id = models.CharField(max_length=64)
    usage = models.DecimalField(max_digits=20, decimal_places=4)
    usage_unit = models.CharField(max_length=32)
    unit_price = models.DecimalField(max_digits=20, decimal_places=4)
    unit_price_unit = models.CharField(max_length=32)
    official_amount = models.DecimalField(**MONEY)
    discount_amount = models.DecimalField(**MONEY)
    truncated_amount = models.DecimalField(**MONEY)
    consume_amount = models.DecimalField(**MONEY)
    cash_amount = models.DecimalField(**MONEY)
    credit_amount = models.DecimalField(**MONEY)
    coupon_amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)

    class Meta:
        verbose_name = _("staged line")
        default_permissions = ()

    def __str__(self) -> str:
        return f"run {self.run_id} {self.line_id}"


class IngestRun(models.Model):
    """One load of a cycle's bill file: progress for the Finance page, and what a resume skips."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        INTERRUPTED = "interrupted", _("Interrupted, will resume")
        FAILED = "failed", _("Refused")
        SUCCEEDED = "succeeded", _("Done")

    OPEN = (Status.RUNNING, Status.INTERRUPTED)

    cycle = models.CharField(_("bill cycle"), max_length=7)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    source = models.CharField(_("source"), max_length=300, blank=True)
    parts_done = models.PositiveIntegerField(_("parts done"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    bytes_read = models.PositiveBigIntegerField(_("bytes read"), default=0)
    bytes_total = models.PositiveBigIntegerField(_("file size"), null=True, blank=True)
    rows_changed = models.PositiveIntegerField(_("rows changed"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    error_part = models.CharField(_("part"), max_length=100, blank=True)
    error_line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("ingest run")
        verbose_name_plural = _("ingest runs")
        constraints = [
            # One open run per cycle: a second start resumes it instead of loading twice.
            models.UniqueConstraint(
                fields=["cycle"], condition=Q(status__in=["running", "interrupted"]), name="billing_one_open_run"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cycle} #{self.pk}"

    @property
    def dom_id(self) -> str:
        return f"run-progress-{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if self.bytes_total:
            return min(99, int(self.bytes_read * 100 / self.bytes_total))
        return 0


class IngestPart(models.Model):
    """A CSV part of a run that was validated and staged: a resume skips it."""

    run = models.ForeignKey(IngestRun, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField(max_length=100)
    number = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()

    class Meta:
        ordering = ["number"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="billing_part_once")]

    def __str__(self) -> str:
        return self.name


class CustomerMonthlySum(models.Model):
    """A customer's monthly sum from HUAWEI CLOUD (`show_customer_monthly_sum`, as the partner),
    kept to check the ingested lines of that customer."""

    cycle = models.CharField(max_length=7)
    customer_id = models.CharField(max_length=64)
    account_name = models.CharField(max_length=64)
    official_amount = models.DecimalField(**MONEY)
    consume_amount = models.DecimalField(**MONEY)
    lines_consume_amount = models.DecimalField(**MONEY)  # the ingested lines' sum when checked
    checked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("customer monthly sum")
        verbose_name_plural = _("customer monthly sums")
        constraints = [models.UniqueConstraint(fields=["cycle", "customer_id"], name="billing_monthly_sum_once")]

    def __str__(self) -> str:
        return f"{self.cycle} {self.account_name}"

    @property
    def matches(self) -> bool:
        return self.consume_amount == self.lines_consume_amount


class RatingRule(models.Model):
    """The partner's price policy as data.

    PERCENT: customer price = official price x (100 + percent) / 100 for lines dated within the
    validity; +10 is a 10 % markup, -5 a 5 % discount. The most specific rule wins: customer and
    service, then customer, then service, then the default (neither); among equals the latest
    `valid_from`, then the newest rule.
    FIXED_FEE: `amount` every cycle the rule is valid in (for one customer, or every billed customer).
    ADJUSTMENT: `amount` once, in the cycle of `valid_from` (negative for a credit).
    """

    class Kind(models.TextChoices):
        PERCENT = "percent", _("Markup or discount")
        FIXED_FEE = "fixed_fee", _("Fixed monthly fee")
        ADJUSTMENT = "adjustment", _("One-off adjustment")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PERCENT)
    customer_id = models.CharField(_("customer id"), max_length=64, blank=True, help_text=_("Empty: every customer."))
    service_type_code = models.CharField(
        _("service type"), max_length=64, blank=True, help_text=_("Empty: every service, e.g. hws.service.type.ec2.")
    )
    percent = models.DecimalField(
        _("percent"),
        max_digits=7,
        decimal_places=2,
        default=0,
        help_text=_("Markup above the official price (10 = +10%), or a discount when negative (-5 = -5%)."),
    )
    amount = models.DecimalField(_("amount"), default=0, **MONEY)
    description = models.CharField(_("description"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Empty: no end."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "customer_id", "service_type_code", "-valid_from", "-pk"]
        verbose_name = _("rating rule")
        verbose_name_plural = _("rating rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="billing_rule_valid_range",
            ),
            models.CheckConstraint(condition=Q(percent__gt=-100), name="billing_rule_percent_above_minus_100"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def specificity(self) -> int:
        return (2 if self.customer_id else 0) + (1 if self.service_type_code else 0)

    def as_json(self) -> dict:
        """What an issued bill records of the rule."""
        return {
            "id": self.pk,
            "kind": self.kind,
            "customer_id": self.customer_id,
            "service_type_code": self.service_type_code,
            "percent": str(self.percent),
            "amount": str(self.amount),
            "description": self.description,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }


class BillIssuedError(Exception):
    """An issued customer bill is immutable: correct it with a new version."""


class CustomerBillQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(status=CustomerBill.Status.ISSUED).exists():
            raise BillIssuedError("issued customer bills cannot be changed; issue a new version")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=CustomerBill.Status.ISSUED).exists():
            raise BillIssuedError("issued customer bills cannot be deleted; issue a new version")
        return super().delete()


class CustomerBill(models.Model):
    """A customer's bill of one cycle: a draft, then issued (numbered, immutable).

    A correction is a new version (`version` + 1, `supersedes` the issued one); the newest issued
    version is the customer's bill. The model refuses to save, update or delete an issued bill.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    cycle = models.CharField(_("bill cycle"), max_length=7)
    # HUAWEI CLOUD's customer id (the lines' Customer ID); `customer` is the portal's, when it has one.
    cloud_customer_id = models.CharField(_("customer id"), max_length=64)
    account_name = models.CharField(_("account name"), max_length=64)
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="bills"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    official_amount = models.DecimalField(_("official price"), **MONEY)
    cost_amount = models.DecimalField(_("cost"), **MONEY)
    usage_amount = models.DecimalField(_("usage"), **MONEY)
    fees_amount = models.DecimalField(_("fees"), **MONEY)
    adjustments_amount = models.DecimalField(_("adjustments"), **MONEY)
    total_amount = models.DecimalField(_("total"), **MONEY)
    currency = models.CharField(max_length=3, default="USD")
    rules = models.JSONField(_("rules used"), default=list, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CustomerBillQuerySet.as_manager()

    class Meta:
        ordering = ["-cycle", "account_name", "-version"]
        verbose_name = _("customer bill")
        verbose_name_plural = _("customer bills")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "cloud_customer_id", "version"], name="billing_bill_version_once")
        ]

    def __str__(self) -> str:
        return self.number or f"{self.cycle} {self.account_name} v{self.version} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if self.pk and CustomerBill.objects.filter(pk=self.pk, status=self.Status.ISSUED).exists():
            raise BillIssuedError("issued customer bills cannot be changed; issue a new version")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == self.Status.ISSUED or CustomerBill.objects.filter(pk=self.pk, status="issued").exists():
            raise BillIssuedError("issued customer bills cannot be deleted; issue a new version")
        return super().delete(*args, **kwargs)

    @property
    def margin_amount(self):
        return self.total_amount - self.cost_amount


class CustomerBillItem(models.Model):
    """A bill's lines, grouped by service and resource; plus one item per fee and adjustment."""

    class Kind(models.TextChoices):
        USAGE = "usage", _("Usage")
        FEE = "fee", _("Fixed fee")
        ADJUSTMENT = "adjustment", _("Adjustment")

    bill = models.ForeignKey(CustomerBill, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.USAGE)
    service_type_code = models.CharField(max_length=64, blank=True)
    service_type_name = models.CharField(max_length=200, blank=True)
    resource_type_name = models.CharField(max_length=200, blank=True)
    resource_id = models.CharField(max_length=128, blank=True)
    resource_name = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=200, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    official_amount = models.DecimalField(**MONEY)
    cost_amount = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["kind", "service_type_name", "resource_name", "resource_id", "pk"]
        verbose_name = _("customer bill item")
        verbose_name_plural = _("customer bill items")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.description or self.resource_name or self.service_type_name

    def save(self, *args, **kwargs):
        if CustomerBill.objects.filter(pk=self.bill_id, status=CustomerBill.Status.ISSUED).exists():
            raise BillIssuedError("the items of an issued customer bill cannot be changed")
        super().save(*args, **kwargs)


class BillNumber(models.Model):
    """The last bill number used in a cycle (PP-YYYYMM-000123)."""

    cycle = models.CharField(max_length=7, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.cycle}: {self.last}"


class ExportJob(models.Model):
    """An XLSX export built by a worker; the file is in private storage, served by a checked view."""

    class Kind(models.TextChoices):
        LINES = "lines", _("Bill lines")
        BILLS = "bills", _("Customer bills")
        RECONCILIATION = "reconciliation", _("Reconciliation")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("export"), max_length=16, choices=Kind.choices)
    cycle = models.CharField(_("bill cycle"), max_length=7)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.cycle}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(self.rows_done * 100 / self.rows_total)) if self.rows_total else 0
