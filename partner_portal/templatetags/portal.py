"""Template tags of the site shell: partner name, main navigation, form fields, badges.

They read settings and the request themselves, so `base.html` also renders where Django gives a
template no context processors (the 500 and CSRF failure pages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import template
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()


def _everyone(user) -> bool:
    return True


def _customer(user) -> bool:
    return customer_of(user) is not None


def _finance(user) -> bool:
    from billing.selectors import is_finance

    return user is not None and is_finance(user)


def _support(user) -> bool:
    from tickets.selectors import is_support

    return is_support(user)


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    # Who sees the item: everyone, a signed-in customer, or staff of a role (a predicate on the user).
    shown_to: Callable = _customer


# The main navigation, in order. An item is shown only once its URL name resolves, so a new page
# appears in the header when its app adds the URL: no template change needed.
NAV_ITEMS = [
    NavItem("home", _("Home"), _everyone),
    NavItem("prices", _("Prices"), _everyone),
    NavItem("orders", _("Orders")),
    NavItem("resources", _("Resources")),
    NavItem("usage", _("Usage")),
    NavItem("bills", _("Bills")),
    NavItem("tickets", _("Tickets")),
    NavItem("sso:console", _("HUAWEI CLOUD console")),
    NavItem("finance:dashboard", _("Finance"), _finance),
    NavItem("tickets_queue", _("Support queue"), _support),
]


def customer_of(user):
    """The signed-in user's Customer, or None (anonymous, staff, or not linked yet)."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.customer
    except ObjectDoesNotExist:
        return None


@register.simple_tag
def partner_name() -> str:
    return settings.PARTNER_NAME


@register.inclusion_tag("includes/nav.html", takes_context=True)
def main_nav(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    path = getattr(request, "path", "")
    links = []
    for item in NAV_ITEMS:
        if not item.shown_to(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = path == url if url == "/" else path.startswith(url)
        links.append({"url": url, "label": item.label, "active": active})
    return {"links": links}


@register.simple_tag
def field_widget(field, **attrs):
    """Render a bound field's widget with the ARIA attributes that tie it to its help and errors."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


# Badge tones for HUAWEI CLOUD real-name authentication states (Customer.RealNameStatus values).
_REAL_NAME_TONES = {"2": "success", "0": "warning", "1": "danger", "3": "danger", "-1": "neutral"}


@register.filter
def real_name_tone(status: str) -> str:
    return _REAL_NAME_TONES.get(str(status), "neutral")


@register.filter
def binding_tone(binding: str) -> str:
    return "success" if binding == "bound" else "warning"


@register.filter
def minutes(value) -> int:
    """A timedelta as whole minutes, rounded up (a lockout of 90 seconds reads "2 minutes")."""
    seconds = value.total_seconds()
    return max(1, int(-(-seconds // 60)))
