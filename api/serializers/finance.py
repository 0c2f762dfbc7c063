"""Finance's work on a cycle: what its actions answer, ingest runs, bill lines, a customer's services,
rating rules and their preview, export jobs.

A rating rule is written as the Finance page writes it: `RatingRuleInputSerializer` documents the fields
and hands them to the page's own form (`billing.forms.RatingRuleForm`), so the API checks the same
rules and answers the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.forms.models import model_to_dict
from django.urls import reverse
from rest_framework import serializers

from api.serializers.billing import TOTAL, IngestRunSerializer, ReconciliationServiceSerializer, cycle_field
from billing import exports, selectors
from billing.forms import RatingRuleForm
from billing.models import MONEY, BillLine, ExportJob, RatingRule

NOT_ONE_VALUE = "Send one value: a string, a number or null."


def _absolute(request, name: str, pk: int) -> str:
    path = reverse(f"api:{name}", args=[pk])
    return request.build_absolute_uri(path) if request is not None else path


# --- cycle actions -------------------------------------------------------------------------------


class IngestRunStatusSerializer(IngestRunSerializer):
    """An ingest run as the cycle page's progress card shows it, with the URL to poll while it is open."""

    cycle = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="This run's URL: poll it until `status` is succeeded or failed.")

    class Meta(IngestRunSerializer.Meta):
        fields = ["cycle", *IngestRunSerializer.Meta.fields, "url"]
        read_only_fields = fields
        extra_kwargs = {
            "attempts": {"help_text": "Worker starts; 0 while the load waits for a worker."},
            "rows_changed": {"help_text": "New or changed lines, once done (0: the file was loaded before)."},
        }

    def get_url(self, run) -> str:
        return _absolute(self.context.get("request"), "ingest_run", run.pk)


class MonthlySumsResultSerializer(serializers.Serializer):
    cycle = serializers.CharField()
    checked = serializers.IntegerField(help_text="Customers whose monthly sum was read from HUAWEI CLOUD.")
    mismatched = serializers.IntegerField(
        help_text="Of them, whose monthly sum differs from the sum of their lines (see the reconciliation)."
    )


class RateResultSerializer(serializers.Serializer):
    cycle = serializers.CharField()
    rated = serializers.IntegerField(help_text="Lines priced with the current rules.")


class DraftResultSerializer(serializers.Serializer):
    cycle = serializers.CharField()
    drafts = serializers.IntegerField(help_text="Draft bills made, one per customer with lines.")


# --- reconciliation drill-down -------------------------------------------------------------------


class CustomerServicesSerializer(serializers.Serializer):
    """`billing.selectors.customer_services`: the reconciliation page's drill-down into one customer."""

    cycle = serializers.CharField()
    customer_id = serializers.CharField(help_text="HUAWEI CLOUD's customer id (the lines' Customer ID).")
    services = ReconciliationServiceSerializer(many=True, help_text="The customer's lines by service.")


class BillLineSerializer(serializers.ModelSerializer):
    """A line of the cycle's bill file with our price: the columns of the lines export, and its kind."""

    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = BillLine
        fields = [*exports.LINE_COLUMNS, "service_type_name", "kind", "kind_label"]
        read_only_fields = fields
        extra_kwargs = {
            "consume_amount": {"help_text": "What HUAWEI CLOUD charges the partner: our cost."},
            "rated_amount": {"help_text": "The customer's price; null until rated."},
            "rule_id": {"help_text": "The rating rule that priced the line; null: the official price."},
        }


# --- rating rules --------------------------------------------------------------------------------


class RatingRuleSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = RatingRule
        fields = ["id", "kind_label", *RatingRuleForm.Meta.fields, "created_at", "updated_at"]
        read_only_fields = fields


class RatingRuleInputSerializer(serializers.Serializer):
    """A rating rule as Finance writes it. Checked by the Finance page's form (`RatingRuleForm`): a
    percent rule needs no amount, a fee or adjustment an amount; a discount is less than 100 %; the
    end is not before the start. A new rule starts from the page's defaults (percent 0, amount 0);
    a change (PATCH) from the rule as it is."""

    kind = serializers.ChoiceField(choices=RatingRule.Kind.choices, required=False, default=RatingRule.Kind.PERCENT)
    customer_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="HUAWEI CLOUD's customer id; empty: every customer."
    )
    service_type_code = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="e.g. hws.service.type.ec2; empty: every service."
    )
    percent = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        required=False,
        help_text="percent rules: the markup above the official price (10 = +10%), a discount when negative.",
    )
    amount = serializers.DecimalField(
        **MONEY, required=False, help_text="Fixed fees and adjustments: the amount (negative: a credit)."
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    valid_from = serializers.DateField(help_text="Percent rules: lines dated from; adjustments: their cycle.")
    valid_to = serializers.DateField(required=False, allow_null=True, help_text="null: no end.")

    def to_internal_value(self, data):
        """{"rule": the rule, changed and not saved}, or the form's field errors (a 400)."""
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"non_field_errors": ["Send the rule as a JSON object."]})
        form = RatingRuleForm(self._form_data(data), instance=self.instance)
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    "non_field_errors" if name == "__all__" else name: [str(message) for message in messages]
                    for name, messages in form.errors.items()
                }
            )
        return {"rule": form.save(commit=False), **{name: form.cleaned_data[name] for name in self._extra_fields()}}

    def _extra_fields(self) -> list[str]:
        return [name for name in self.fields if name not in RatingRuleForm.Meta.fields]

    def _form_data(self, data: Mapping) -> dict:
        form_fields = RatingRuleForm.base_fields
        if self.instance is not None:
            start = model_to_dict(self.instance, fields=RatingRuleForm.Meta.fields)
        else:
            start = {name: field.initial for name, field in form_fields.items() if field.initial is not None}
        given, errors = {}, {}
        for name in self.fields:
            if name not in data:
                continue
            value = data[name]
            if isinstance(value, bool | list | dict):
                errors[name] = [NOT_ONE_VALUE]
            else:
                given[name] = "" if value is None else str(value)
        if errors:
            raise serializers.ValidationError(errors)
        return {**start, **given}


class RatingRulePreviewInputSerializer(RatingRuleInputSerializer):
    preview_cycle = serializers.CharField(
        max_length=7,
        required=False,
        allow_blank=True,
        help_text="The cycle to try the rule on, YYYY-MM; empty: the latest closed cycle.",
    )


class PreviewRowSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    account_name = serializers.CharField()
    official = serializers.DecimalField(**TOTAL, help_text="The customer's lines at official prices.")
    before = serializers.DecimalField(**TOTAL, help_text="The customer's bill (lines, fees, adjustments) now.")
    after = serializers.DecimalField(**TOTAL, help_text="With the rule saved.")
    change = serializers.DecimalField(**TOTAL)


class PreviewSerializer(serializers.Serializer):
    """`billing.rating.preview`: what saving the rule would do to a cycle's customer bills. Nothing is saved."""

    cycle = serializers.CharField()
    customers = serializers.IntegerField(help_text="Customers with lines in the cycle.")
    before = serializers.DecimalField(**TOTAL)
    after = serializers.DecimalField(**TOTAL)
    change = serializers.DecimalField(**TOTAL)
    rows = PreviewRowSerializer(many=True, help_text="The customers whose bill changes, the largest change first.")


# --- exports -------------------------------------------------------------------------------------


class ExportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportJob.Kind.choices)
    cycle = cycle_field()

    def validate_cycle(self, cycle: str) -> str:
        if not selectors.cycle_known(cycle=cycle):
            raise serializers.ValidationError("Finance has neither the partner bill nor lines of this cycle.")
        return cycle


class ExportJobSerializer(serializers.ModelSerializer):
    """An XLSX export as the exports page lists it, with its progress."""

    kind_label = serializers.CharField(source="get_kind_display")
    status_label = serializers.CharField(source="get_status_display")
    percent = serializers.IntegerField()
    requested_by = serializers.CharField(source="requested_by.username", allow_null=True, default=None)
    url = serializers.SerializerMethodField(help_text="This export's URL: poll it until `status` is done or failed.")
    download = serializers.SerializerMethodField(help_text="The XLSX file once `status` is done; else null.")

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "kind_label",
            "cycle",
            "status",
            "status_label",
            "rows_done",
            "rows_total",
            "percent",
            "error",
            "requested_by",
            "created_at",
            "finished_at",
            "url",
            "download",
        ]
        read_only_fields = fields

    def get_url(self, job) -> str:
        return _absolute(self.context.get("request"), "export", job.pk)

    def get_download(self, job) -> str | None:
        if job.status != ExportJob.Status.DONE:
            return None
        return _absolute(self.context.get("request"), "export_download", job.pk)
