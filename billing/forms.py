from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import RatingRule

CYCLE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
CYCLE_ERROR = _("Write the cycle as YYYY-MM, e.g. 2026-10.")


class RatingRuleForm(forms.ModelForm):
    class Meta:
        model = RatingRule
        fields = [
            "kind",
            "customer_id",
            "service_type_code",
            "percent",
            "amount",
            "description",
            "valid_from",
            "valid_to",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
        }

    preview_cycle = forms.CharField(
        label=_("Preview on cycle"), max_length=7, required=False, help_text=_("YYYY-MM, e.g. 2026-10.")
    )

    def clean_preview_cycle(self):
        cycle = self.cleaned_data["preview_cycle"].strip()
        if cycle and not CYCLE.match(cycle):
            raise forms.ValidationError(CYCLE_ERROR)
        return cycle

    def clean(self):
        data = super().clean()
        valid_from, valid_to = data.get("valid_from"), data.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            self.add_error("valid_to", _("The end must not be before the start."))
        percent = data.get("percent")
        if percent is not None and percent <= -100:
            self.add_error("percent", _("A discount must be less than 100%."))
        if data.get("kind") != RatingRule.Kind.PERCENT and not data.get("amount"):
            self.add_error("amount", _("Give the amount of the fee or adjustment."))
        return data


class CycleForm(forms.Form):
    cycle = forms.CharField(label=_("Bill cycle"), max_length=7, help_text=_("YYYY-MM, e.g. 2026-10."))

    def clean_cycle(self):
        cycle = self.cleaned_data["cycle"].strip()
        if not CYCLE.match(cycle):
            raise forms.ValidationError(CYCLE_ERROR)
        return cycle
