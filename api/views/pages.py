"""The account page's API token card: create (the token is shown once) and revoke. Session and CSRF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from api import services
from api.permissions import customer_of

# The new token waits here for the next rendering of the account page, which shows it once and drops it.
SESSION_KEY = "api_token_shown_once"


def may_have_tokens(user) -> bool:
    """Customers and staff: the API has nothing for a sign-in that is neither."""
    return user.is_authenticated and (user.is_staff or customer_of(user) is not None)


@login_required
@require_POST
def token_create(request):
    if not may_have_tokens(request.user):
        raise Http404
    name = " ".join(request.POST.get("name", "").split())[:100]
    token, text = services.token_create(
        user=request.user, name=name or _("API token"), created_by=request.user, request=request
    )
    request.session[SESSION_KEY] = {"id": token.pk, "token": text}
    messages.success(request, _("Your new API token is shown below once. Copy it now."))
    return redirect("account")


@login_required
@require_POST
def token_revoke(request, pk: int):
    # Only the user's own tokens: anyone else's is a 404.
    token = services.tokens_for_user(user=request.user).filter(pk=pk).first()
    if token is None:
        raise Http404
    services.token_revoke(token=token, actor=request.user, request=request)
    messages.success(request, _("The API token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("account")
