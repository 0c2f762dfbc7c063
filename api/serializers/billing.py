"""Partner bills and their cycle's state, reconciliation, customer bills and their items.

A customer sees what the customer's bills page shows; the HUAWEI CLOUD price and our cost of a bill
(and so the margin) are for Finance only: the `Finance...` serializers add them.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from billing.forms import CYCLE, CYCLE_ERROR
from billing.models import MONEY, BillCycle, CustomerBill, CustomerBillItem, IngestRun, LineKind, PartnerBill
from billing.services import ZERO

# Sums over a cycle's lines or bills.
TOTAL = {"max_digits": 20, "decimal_places": 2}


def cycle_field(**kwargs) -> serializers.RegexField:
    return serializers.RegexField(
        CYCLE.pattern,
        error_messages={"invalid": CYCLE_ERROR},
        help_text="YYYY-MM, Beijing time as HUAWEI CLOUD writes it, e.g. 2026-09.",
        **kwargs,
    )


class CycleSerializer(serializers.Serializer):
    cycle = cycle_field()


# --- partner bills -------------------------------------------------------------------------------


class BillCycleSerializer(serializers.ModelSerializer):
    complete = serializers.BooleanField(
        source="lines_final",
        help_text="A whole bill file was loaded: only then are the lines rated, billed and reconciled.",
    )
    rated = serializers.SerializerMethodField(help_text="The lines are priced with the current rating rules.")

    class Meta:
        model = BillCycle
        fields = ["complete", "line_count", "ingested_at", "rated", "rated_at", "monthly_sums_checked_at"]
        read_only_fields = fields

    def get_rated(self, bill_cycle) -> bool:
        # Rules or lines changing clear rated_at (billing.services), as the cycle page shows it.
        return bill_cycle.rated_at is not None


class IngestRunSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    percent = serializers.IntegerField()

    class Meta:
        model = IngestRun
        fields = [
            "id",
            "status",
            "status_label",
            "source",
            "parts_done",
            "rows_done",
            "rows_changed",
            "bytes_read",
            "bytes_total",
            "percent",
            "error",
            "error_part",
            "error_line",
            "attempts",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class PartnerBillAmountsSerializer(serializers.ModelSerializer):
    synced_at = serializers.DateTimeField(help_text="When it was last read from HUAWEI CLOUD.")

    class Meta:
        model = PartnerBill
        fields = [
            "cycle",
            "consume_amount",
            "refunds",
            "adjustments",
            "tax_amount",
            "initial_amount_due",
            "currency",
            "synced_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"initial_amount_due": {"help_text": "Consumption + refunds + adjustments."}}


class PartnerBillSerializer(PartnerBillAmountsSerializer):
    """A partner bill of `billing.selectors.partner_bills_overview`, with its cycle's state."""

    lines = BillCycleSerializer(
        source="bill_cycle", allow_null=True, help_text="The cycle's customer lines; null until a bill file is loaded."
    )
    latest_run = IngestRunSerializer(allow_null=True, help_text="The latest load of the bill file; null: none yet.")

    class Meta(PartnerBillAmountsSerializer.Meta):
        fields = [*PartnerBillAmountsSerializer.Meta.fields, "lines", "latest_run"]
        read_only_fields = fields


class BillCountsSerializer(serializers.Serializer):
    draft = serializers.IntegerField()
    issued = serializers.IntegerField()

    def to_representation(self, counts):
        return {status: counts.get(status, 0) for status in CustomerBill.Status.values}


class PartnerBillDetailSerializer(PartnerBillSerializer):
    """`billing.selectors.partner_bill_overview`: what the cycle's Finance page shows."""

    runs = IngestRunSerializer(many=True, help_text="The last ten loads of the bill file, newest first.")
    customer_bills = BillCountsSerializer(source="bill_counts", help_text="Customer bills of the cycle by status.")

    class Meta(PartnerBillSerializer.Meta):
        fields = [*PartnerBillSerializer.Meta.fields, "runs", "customer_bills"]
        read_only_fields = fields


# --- reconciliation ------------------------------------------------------------------------------


class LinesByKindSerializer(serializers.Serializer):
    consumption = serializers.DecimalField(**TOTAL)
    refunds = serializers.DecimalField(**TOTAL)
    adjustments = serializers.DecimalField(**TOTAL)

    def to_representation(self, by_kind):
        return super().to_representation(
            {
                "consumption": by_kind.get(LineKind.CONSUMPTION, ZERO),
                "refunds": by_kind.get(LineKind.REFUND, ZERO),
                "adjustments": by_kind.get(LineKind.ADJUSTMENT, ZERO),
            }
        )


class DifferenceSerializer(serializers.Serializer):
    what = serializers.CharField(help_text='The check, e.g. "Monthly sum vs lines".')
    customer_id = serializers.CharField(help_text="HUAWEI CLOUD's customer id; empty for the partner bill's checks.")
    account_name = serializers.CharField()
    expected = serializers.DecimalField(**TOTAL)
    actual = serializers.DecimalField(**TOTAL)
    amount = serializers.DecimalField(**TOTAL, help_text="actual - expected.")


class LineSumsSerializer(serializers.Serializer):
    line_count = serializers.IntegerField()
    official = serializers.DecimalField(**TOTAL, help_text="The lines at HUAWEI CLOUD's official prices.")
    cost = serializers.DecimalField(**TOTAL, help_text="What HUAWEI CLOUD charges the partner for the lines.")
    rated = serializers.DecimalField(**TOTAL, help_text="The lines at our prices.")
    margin = serializers.DecimalField(**TOTAL)


class ReconciliationCustomerSerializer(LineSumsSerializer):
    customer_id = serializers.CharField(help_text="HUAWEI CLOUD's customer id (the lines' Customer ID).")
    account_name = serializers.CharField()
    monthly_sum = serializers.DecimalField(**TOTAL, allow_null=True, help_text="null: not checked.")
    bill_official = serializers.DecimalField(**TOTAL, allow_null=True, help_text="null: no customer bill.")
    bill_total = serializers.DecimalField(**TOTAL, allow_null=True, help_text="null: no customer bill.")
    margin = serializers.DecimalField(**TOTAL, help_text="The bill's total (else the rated lines) - cost.")


class ReconciliationServiceSerializer(LineSumsSerializer):
    service_type_code = serializers.CharField()
    service_type_name = serializers.CharField()


class ReconciliationSerializer(serializers.Serializer):
    """`billing.selectors.reconciliation`: what the cycle's reconciliation page shows."""

    cycle = serializers.CharField()
    ok = serializers.BooleanField(help_text="Everything reconciles to the cent: no differences.")
    partner_bill = PartnerBillAmountsSerializer(allow_null=True, help_text="null: not synced yet.")
    lines_by_kind = LinesByKindSerializer(help_text="What HUAWEI CLOUD charges for the ingested lines, by kind.")
    lines_total = serializers.DecimalField(**TOTAL, help_text="The ingested lines: to match the amount due.")
    lines_official = serializers.DecimalField(**TOTAL, help_text="The lines at official prices.")
    monthly_sums_total = serializers.DecimalField(
        **TOTAL, allow_null=True, help_text="The customers' monthly sums; null: not checked."
    )
    bills_official = serializers.DecimalField(
        **TOTAL, allow_null=True, help_text="The customer bills (newest versions) at official prices; null: no bills."
    )
    bills_total = serializers.DecimalField(**TOTAL, allow_null=True, help_text="The customer bills' totals.")
    differences = DifferenceSerializer(many=True)
    customers = ReconciliationCustomerSerializer(many=True)
    services = ReconciliationServiceSerializer(many=True)


# --- customer bills ------------------------------------------------------------------------------


class CustomerBillItemSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = CustomerBillItem
        fields = [
            "kind",
            "kind_label",
            "service_type_code",
            "service_type_name",
            "resource_type_name",
            "resource_id",
            "resource_name",
            "description",
            "line_count",
            "amount",
        ]
        read_only_fields = fields


FINANCE_ONLY = "Finance only."


@extend_schema_serializer(component_name="CustomerBillItem")
class FinanceBillItemSerializer(CustomerBillItemSerializer):
    """A bill's lines of one service and resource, or one fee or adjustment."""

    official_amount = serializers.DecimalField(**MONEY, required=False, help_text=FINANCE_ONLY)
    cost_amount = serializers.DecimalField(**MONEY, required=False, help_text=FINANCE_ONLY)

    class Meta(CustomerBillItemSerializer.Meta):
        fields = [*CustomerBillItemSerializer.Meta.fields, "official_amount", "cost_amount"]
        read_only_fields = CustomerBillItemSerializer.Meta.fields


class CustomerBillSerializer(serializers.ModelSerializer):
    """A bill as the customer's bills page shows it (`billing.selectors.with_replacement` rows)."""

    status_label = serializers.CharField(source="get_status_display")
    supersedes = serializers.IntegerField(
        source="supersedes_id", allow_null=True, help_text="The issued bill this version corrects."
    )
    replaced_by = serializers.IntegerField(
        source="replaced_by_id", allow_null=True, help_text="The issued version that corrects this bill; null: none."
    )
    replaced_by_number = serializers.CharField(allow_null=True)

    class Meta:
        model = CustomerBill
        fields = [
            "id",
            "number",
            "cycle",
            "version",
            "status",
            "status_label",
            "account_name",
            "customer_name",
            "usage_amount",
            "fees_amount",
            "adjustments_amount",
            "total_amount",
            "currency",
            "line_count",
            "issued_at",
            "supersedes",
            "replaced_by",
            "replaced_by_number",
        ]
        read_only_fields = fields


class CustomerBillDetailSerializer(CustomerBillSerializer):
    items = CustomerBillItemSerializer(many=True)

    class Meta(CustomerBillSerializer.Meta):
        fields = [*CustomerBillSerializer.Meta.fields, "items"]
        read_only_fields = fields


@extend_schema_serializer(component_name="CustomerBill")
class FinanceBillSerializer(CustomerBillSerializer):
    """A customer bill. A customer's token gets the bill as its bills page shows it: the fields marked
    "Finance only" are left out."""

    customer = serializers.IntegerField(
        source="customer_id", allow_null=True, required=False, help_text="Finance only: the portal's customer id."
    )
    cloud_customer_id = serializers.CharField(required=False, help_text="Finance only: HUAWEI CLOUD's customer id.")
    official_amount = serializers.DecimalField(**MONEY, required=False, help_text=FINANCE_ONLY)
    cost_amount = serializers.DecimalField(
        **MONEY, required=False, help_text="Finance only: what HUAWEI CLOUD charges the partner."
    )
    margin_amount = serializers.DecimalField(**MONEY, required=False, help_text="Finance only: total - cost.")
    created_at = serializers.DateTimeField(required=False, help_text=FINANCE_ONLY)

    class Meta(CustomerBillSerializer.Meta):
        fields = [
            *CustomerBillSerializer.Meta.fields,
            "customer",
            "cloud_customer_id",
            "official_amount",
            "cost_amount",
            "margin_amount",
            "created_at",
        ]
        read_only_fields = CustomerBillSerializer.Meta.fields


class RuleUsedSerializer(serializers.Serializer):
    """A rating rule as the bill recorded it when it was issued (`RatingRule.as_json`)."""

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="percent, fixed_fee or adjustment.")
    customer_id = serializers.CharField(help_text="Empty: every customer.")
    service_type_code = serializers.CharField(help_text="Empty: every service.")
    percent = serializers.CharField()
    amount = serializers.CharField()
    description = serializers.CharField()
    valid_from = serializers.CharField()
    valid_to = serializers.CharField(allow_null=True)


@extend_schema_serializer(component_name="CustomerBillDetail")
class FinanceBillDetailSerializer(FinanceBillSerializer):
    """A customer bill with its items; "Finance only" fields are left out for a customer's token."""

    items = FinanceBillItemSerializer(many=True)
    rules = RuleUsedSerializer(
        many=True, required=False, help_text="Finance only: the rules used, recorded when issued (empty for a draft)."
    )

    class Meta(FinanceBillSerializer.Meta):
        fields = [*FinanceBillSerializer.Meta.fields, "items", "rules"]
        read_only_fields = [*CustomerBillSerializer.Meta.fields, "items"]


class IssueCycleResultSerializer(serializers.Serializer):
    cycle = serializers.CharField()
    issued = serializers.IntegerField(help_text="How many drafts were issued now (0 when there were none).")
