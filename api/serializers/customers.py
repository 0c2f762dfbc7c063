"""Customers, their real-name state and budget, sync runs, the audit log, API tokens."""

from __future__ import annotations

from rest_framework import serializers

from api.models import ApiToken
from customers.admin import BudgetForm
from customers.models import Customer, SyncRun
from partner_portal.models import AuditEntry


class RealNameSerializer(serializers.Serializer):
    status = serializers.ChoiceField(source="real_name_status", choices=Customer.RealNameStatus.choices)
    status_label = serializers.CharField(source="get_real_name_status_display")
    name = serializers.CharField(source="real_name")
    customer_type = serializers.ChoiceField(choices=Customer.CustomerType.choices)


class BudgetSerializer(serializers.Serializer):
    amount = serializers.DecimalField(source="budget_amount", max_digits=16, decimal_places=2, allow_null=True)
    used = serializers.DecimalField(source="budget_used", max_digits=16, decimal_places=2, allow_null=True)
    used_percent = serializers.IntegerField(source="budget_used_percent", allow_null=True)
    budget_type = serializers.CharField(help_text="MONTHLY or PACKAGE; empty when no budget is known.")
    freeze_at_limit = serializers.BooleanField(source="budget_freeze_at_limit", allow_null=True)
    refreshed_at = serializers.DateTimeField(source="budget_refreshed_at", allow_null=True)
    currency = serializers.SerializerMethodField()

    def get_currency(self, obj) -> str:
        return "USD"


class CustomerSerializer(serializers.ModelSerializer):
    real_name = RealNameSerializer(source="*", read_only=True)
    budget = BudgetSerializer(source="*", read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "account_name",
            "email",
            "customer_id",
            "binding",
            "is_frozen",
            "associated",
            "real_name",
            "budget",
            "created_at",
        ]
        read_only_fields = fields


class BudgetSetSerializer(serializers.Serializer):
    """Validated by the admin's own budget form: the same limits and the same reason rule."""

    amount = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="The new budget, USD.")
    budget_type = serializers.ChoiceField(choices=["MONTHLY", "PACKAGE"], default="MONTHLY")
    freeze_at_limit = serializers.BooleanField(
        allow_null=True, default=None, help_text="Freeze the customer when the budget is used up; null: leave as it is."
    )
    reason = serializers.CharField(max_length=500, help_text="Kept in the audit log with the change.")
    based_on = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        allow_null=True,
        help_text="The budget you saw (`budget.amount`, null when none): if it changed meanwhile, nothing is sent "
        "and the answer is 409.",
    )

    def validate(self, attrs):
        freeze = attrs.get("freeze_at_limit")
        form = BudgetForm(
            {
                "amount": attrs["amount"],
                "budget_type": attrs["budget_type"],
                "freeze_at_limit": "" if freeze is None else ("1" if freeze else "0"),
                "reason": attrs["reason"],
                "based_on": "" if attrs["based_on"] is None else attrs["based_on"],
            }
        )
        if not form.is_valid():
            raise serializers.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        return form.cleaned_data


class SyncRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRun
        fields = [
            "id",
            "kind",
            "status",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "attempts",
            "total",
            "seen",
            "created",
            "updated",
            "unchanged",
            "disassociated",
            "conflicts",
            "error",
        ]
        read_only_fields = fields


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor_name",
            "action",
            "outcome",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "reason",
            "message",
            "ip",
        ]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    groups = serializers.ListField(child=serializers.CharField())
    customer = CustomerSerializer(allow_null=True)
    token_prefix = serializers.CharField(allow_null=True, help_text="The token in use; null for the session.")


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields
