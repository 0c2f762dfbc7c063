"""Forms of the prices page and of paying an order."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orders import prices


class PriceForm(forms.Form):
    service = forms.ChoiceField(
        label=_("Service"), choices=[(code, s.name) for code, s in prices.SERVICES.items()], initial="ecs"
    )
    region = forms.ChoiceField(label=_("Region"), choices=list(prices.REGIONS.items()), initial=prices.DEFAULT_REGION)
    spec = forms.ChoiceField(
        label=_("Specification"),
        # Grouped by service; the page's script shows only the chosen service's group.
        choices=[(s.name, list(s.specs)) for s in prices.SERVICES.values()],
        initial="s6.large.2.linux",
    )
    size = forms.IntegerField(
        label=_("Size"),
        required=False,
        min_value=1,
        max_value=32768,
        help_text=_("Disks: GB (10 to 32768). Bandwidth: Mbit/s. Not used for servers and IPs."),
    )
    billing = forms.ChoiceField(
        label=_("Billing"),
        choices=[
            (prices.BILLING_MONTHLY, _("Monthly")),
            (prices.BILLING_YEARLY, _("Yearly")),
            (prices.BILLING_PAY_PER_USE, _("Pay-per-use")),
        ],
        initial=prices.BILLING_MONTHLY,
        widget=forms.RadioSelect,
    )
    period = forms.IntegerField(
        label=_("Duration"),
        min_value=1,
        max_value=11,
        initial=1,
        required=False,
        help_text=_("Months (1 to 11) or years (1 to 3)."),
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100, initial=1)

    def clean(self):
        data = super().clean()
        service = prices.SERVICES.get(data.get("service", ""))
        if service is None:
            return data
        spec = data.get("spec")
        if spec and spec not in dict(service.specs):
            self.add_error("spec", _("Choose a specification of the chosen service."))
        if service.size_measure_id:
            size = data.get("size") or service.default_size
            if not service.min_size <= size <= service.max_size:
                self.add_error(
                    "size",
                    _("Between %(min)s and %(max)s for this service.")
                    % {"min": service.min_size, "max": service.max_size},
                )
            if spec == "19_share" and size < 5:
                self.add_error("size", _("Shared bandwidth starts at 5 Mbit/s."))
            data["size"] = size
        else:
            data["size"] = None
        billing = data.get("billing")
        period = data.get("period") or 1
        if billing == prices.BILLING_YEARLY and period > 3:
            self.add_error("period", _("Up to 3 years."))
        data["period"] = period
        return data

    def inquiry(self) -> prices.Inquiry:
        data = self.cleaned_data
        return prices.Inquiry(
            service=data["service"],
            region=data["region"],
            spec=data["spec"],
            quantity=data["quantity"],
            billing=data["billing"],
            period=data["period"] if data["billing"] != prices.BILLING_PAY_PER_USE else 1,
            size=data["size"],
        )


class PayForm(forms.Form):
    """The confirmation page's form. `idempotency_key` is made when the page renders: sending the
    same page twice (double click, reload, retry) is one payment.

    `option` is "discount:<id>", "coupon:<id>" or "none". It is not checked against a fresh list here
    (that would be a cloud call per click): the payment service checks the discount after claiming the
    order, and HUAWEI CLOUD checks coupons.
    """

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    option = forms.RegexField(
        label=_("Discount or coupon"), regex=r"^(none|discount:[\w-]{1,80}|coupon:[\w-]{1,80})$", required=False
    )

    def payment_choice(self) -> tuple[str, tuple[str, ...]]:
        """(discount_id, coupon_ids): HUAWEI CLOUD takes one discount or coupons, not both."""
        option = self.cleaned_data.get("option") or "none"
        kind, _sep, value = option.partition(":")
        if kind == "discount":
            return value, ()
        if kind == "coupon":
            return "", (value,)
        return "", ()
