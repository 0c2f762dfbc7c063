"""Forms of the customer pages: sign-in (and, later, sign-up and profile changes)."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Django's sign-in form in the portal's words; django-axes counts its failures."""

    error_messages = {
        "invalid_login": _(
            "That account name and password do not match. Check both and try again; passwords are case-sensitive."
        ),
        "inactive": _("This account is disabled. Please contact support."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Account name")
        self.fields["password"].label = _("Password")
