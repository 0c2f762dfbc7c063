"""Site-wide pages: the home page, and the design components page for staff."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


def home(request):
    return render(request, "partner_portal/home.html")


class _ExampleForm(forms.Form):
    """Only for the components page: one field of each kind, one of them with an error."""

    name = forms.CharField(label=_("Server name"), help_text=_("Letters, digits and hyphens."))
    flavor = forms.ChoiceField(
        label=_("Flavor"), choices=[("s6.large.2", "s6.large.2"), ("s6.xlarge.2", "s6.xlarge.2")]
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea, required=False)
    auto_renew = forms.BooleanField(label=_("Renew automatically"), required=False)


@staff_member_required
def styleguide(request):
    """Every component of the design on one page, so new pages can copy the markup (staff only)."""
    form = _ExampleForm(data={"name": "web 01!", "flavor": "s6.large.2"})
    form.add_error("name", _("Use only letters, digits and hyphens."))
    messages.info(request, _("This is an information message."))
    messages.success(request, _("This is a success message."))
    messages.warning(request, _("This is a warning message."))
    messages.error(request, _("This is an error message."))
    page = Paginator(range(60), 20).get_page(2)
    return render(request, "partner_portal/styleguide.html", {"form": form, "page": page})
