"""Forms of the resource and usage pages: they parse and validate input, nothing else."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orders.models import Resource

# "months:years" as HUAWEI CLOUD takes them: 1-11 months or 1-3 years (reference 5.9).
PERIODS = [f"2:{n}" for n in range(1, 12)] + [f"3:{n}" for n in range(1, 4)]
_CYCLE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def period_choices() -> list[tuple[str, str]]:
    """Built when a form is made, so the labels come out in the language of the request."""
    choices = []
    for value in PERIODS:
        period_type, n = parse_period(value)
        if period_type == 2:
            choices.append((value, ngettext("%(n)d month", "%(n)d months", n) % {"n": n}))
        else:
            choices.append((value, ngettext("%(n)d year", "%(n)d years", n) % {"n": n}))
    return choices


def parse_period(value: str) -> tuple[int, int]:
    period_type, period_num = value.split(":")
    return int(period_type), int(period_num)


class ResourceFilterForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    state = forms.TypedChoiceField(
        label=_("State"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any state")), *Resource.Status.choices],
    )
    expiring = forms.BooleanField(label=_("Expiring in 30 days"), required=False)

    def __init__(self, *args, services=(), regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("All services")), *services]
        self.fields["region"].choices = [("", _("All regions")), *regions]


class ResourceIdsForm(forms.Form):
    """The resources chosen on the list (up to 10: HUAWEI CLOUD's limit per renewal or unsubscription)."""

    ids = forms.MultipleChoiceField(label=_("Resources"))

    def __init__(self, *args, resources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(r.resource_id, str(r)) for r in resources]

    def clean_ids(self):
        ids = self.cleaned_data["ids"]
        if len(ids) > 10:
            raise forms.ValidationError(_("Choose at most 10 resources at a time."))
        return ids


class RenewQuoteForm(forms.Form):
    period = forms.ChoiceField(label=_("Renew for"), choices=[(value, value) for value in PERIODS], initial="2:1")
    pay = forms.ChoiceField(
        label=_("Payment"),
        choices=[
            ("now", _("Pay now from my HUAWEI CLOUD account")),
            ("order", _("Create a renewal order that I pay later")),
        ],
        initial="now",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = period_choices()


class RenewConfirmForm(RenewQuoteForm):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    quoted_amount = forms.DecimalField(widget=forms.HiddenInput, required=False, max_digits=16, decimal_places=2)

    @staticmethod
    def new_key() -> uuid.UUID:
        return uuid.uuid4()


class AutoRenewForm(forms.Form):
    action = forms.ChoiceField(choices=[("on", _("Switch on")), ("off", _("Switch off"))], widget=forms.HiddenInput)
    period = forms.ChoiceField(
        label=_("Renew each time for"),
        required=False,
        choices=[("", _("The same period as the last order")), *Resource.AutoRenewPeriod.choices],
    )
    times = forms.IntegerField(
        label=_("Number of renewals"),
        required=False,
        min_value=0,
        max_value=99,
        help_text=_("Leave empty or 0 for no limit."),
    )


class UnsubscribeForm(forms.Form):
    REASONS = [
        ("", _("Choose a reason")),
        (1, _("The product is hard to use")),
        (2, _("The functions do not meet my needs")),
        (3, _("It is too complex")),
        (4, _("I am unhappy with the service")),
        (5, _("Other")),
    ]

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    estimated_refund = forms.DecimalField(widget=forms.HiddenInput, required=False, max_digits=16, decimal_places=2)
    reason_type = forms.TypedChoiceField(
        label=_("Reason"), choices=REASONS, coerce=int, empty_value=None, required=False
    )
    reason = forms.CharField(
        label=_("Anything to add"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, resources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.resources = list(resources)
        for resource in self.resources:
            attached = ", ".join(str(a) for a in getattr(resource, "attached_list", ()))
            label = _("Delete %(name)s (%(id)s)") % {"name": resource, "id": resource.resource_id}
            if attached:
                label = _("Delete %(name)s (%(id)s) and its attached %(attached)s") % {
                    "name": resource,
                    "id": resource.resource_id,
                    "attached": attached,
                }
            self.fields[f"confirm_{resource.resource_id}"] = forms.BooleanField(
                label=label,
                required=True,
                error_messages={"required": _("Tick this to confirm that this resource will be deleted.")},
            )

    def confirm_fields(self):
        return [self[f"confirm_{resource.resource_id}"] for resource in self.resources]


class UsageForm(forms.Form):
    month = forms.CharField(required=False)
    by = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("cycle", _("Month per resource")), ("day", _("Per day"))],
    )
    service = forms.CharField(required=False, max_length=64)

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month and not _CYCLE.match(month):
            raise forms.ValidationError(_("Choose a month."))
        return month
