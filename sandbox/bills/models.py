"""Bills of the simulated cloud: per partner and bill cycle, the totals and the per-customer aggregates.

The generated bill lines are not stored: they live in the bill file (customerBill_YYYYMM.tar.gz in the
partner's bucket) and are regenerated, deterministically, from `BillCycle.seed` and a `BillCustomer`
row whenever an operation needs one customer's lines (see generator.py). So a million lines cost a few
hundred rows here. Lines from the customers' real orders and pay-per-use resources are read from
commerce while the cycle is open and kept as `RealLine` rows when its bill is generated.

A cycle's row exists from when it opens (its shares decided, `generated_at` empty) or from an explicit
generation; the bill file and the sums come with `generated_at`.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from sandbox.bills.generator import PART_ROWS
from sandbox.models import Customer, Partner

MONEY = {"max_digits": 18, "decimal_places": 2, "default": Decimal("0.00")}


class BillCycle(models.Model):
    """The partner's bill of one cycle (YYYY-MM, UTC+8): what `list_postpaid_bill_sum` answers."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="bill_cycles")
    cycle = models.CharField(max_length=7)
    seed = models.BigIntegerField()
    line_count = models.IntegerField(default=0)
    part_rows = models.IntegerField(default=PART_ROWS)
    part_count = models.IntegerField(default=0)
    # Sums of the file's lines by kind of bill type (reference 5.14): consumption >= 0, refunds <= 0.
    consume_amount = models.DecimalField(**MONEY)
    refunds = models.DecimalField(**MONEY)
    adjustments = models.DecimalField(**MONEY)
    tax_amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, default="USD")
    object_key = models.CharField(max_length=200, blank=True)
    object_size = models.BigIntegerField(default=0)
    object_md5 = models.CharField(max_length=32, blank=True)
    # Empty while the cycle is open: its shares are decided, its file and sums not written yet.
    generated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "cycle"], name="sandbox_bills_cycle_unique")]
        ordering = ["-cycle"]

    def __str__(self):
        return f"{self.partner} {self.cycle}"

    @property
    def initial_amount_due(self) -> Decimal:
        # Reference 5.14: consumption + refunds + adjustments; tax is not part of it.
        return self.consume_amount + self.refunds + self.adjustments


class BillCustomer(models.Model):
    """One customer's share of a cycle's file: enough to regenerate exactly its lines."""

    bill_cycle = models.ForeignKey(BillCycle, on_delete=models.CASCADE, related_name="bill_customers")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bill_customers")
    ordinal = models.IntegerField()
    line_count = models.IntegerField()
    # Names as they were written into the file (a later rename must not change regenerated lines).
    account_name = models.CharField(max_length=64)
    customer_name = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bill_cycle", "customer"], name="sandbox_bills_customer_unique"),
            models.UniqueConstraint(fields=["bill_cycle", "ordinal"], name="sandbox_bills_ordinal_unique"),
        ]
        ordering = ["bill_cycle", "ordinal"]

    def __str__(self):
        return f"{self.account_name} in {self.bill_cycle}"


class RealLine(models.Model):
    """A line of a generated bill that came from the customer's real activity (an order paid, a refund, a
    day of pay-per-use usage) rather than from the generator, as it went into the file."""

    bill_cycle = models.ForeignKey(BillCycle, on_delete=models.CASCADE, related_name="real_lines")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="real_bill_lines")
    line_id = models.CharField(max_length=64)
    values = models.JSONField()  # generator.BillLine, field by field (amounts in cents)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bill_cycle", "line_id"], name="sandbox_bills_real_line_unique")]
        ordering = ["bill_cycle", "customer", "id"]

    def __str__(self):
        return self.line_id


class BillSum(models.Model):
    """A customer's lines of a cycle summed per service type, resource type, charging mode and kind of
    bill type (1 consumption, 2 refund, 3 adjustment): one `bill_sums[]` item of show_customer_monthly_sum."""

    bill_cycle = models.ForeignKey(BillCycle, on_delete=models.CASCADE, related_name="sums")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bill_sums")
    service_type_code = models.CharField(max_length=64)
    service_type_name = models.CharField(max_length=128)
    resource_type_code = models.CharField(max_length=64)
    resource_type_name = models.CharField(max_length=128)
    charging_mode = models.IntegerField()
    bill_type = models.IntegerField()
    line_count = models.IntegerField()
    official_amount = models.DecimalField(**MONEY)
    discount_amount = models.DecimalField(**MONEY)
    truncated_amount = models.DecimalField(**MONEY)
    consume_amount = models.DecimalField(**MONEY)
    cash_amount = models.DecimalField(**MONEY)
    credit_amount = models.DecimalField(**MONEY)
    coupon_amount = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "bill_cycle",
                    "customer",
                    "service_type_code",
                    "resource_type_code",
                    "charging_mode",
                    "bill_type",
                ],
                name="sandbox_bills_sum_unique",
            )
        ]
        ordering = ["bill_cycle", "customer", "service_type_code", "resource_type_code", "charging_mode", "bill_type"]

    def __str__(self):
        return f"{self.customer_id} {self.service_type_code} {self.bill_type}"
