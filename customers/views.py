"""Customer pages: the account page and the sign-in / sign-out / password pages around it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from customers.forms import SignInForm
from customers.models import Customer


@login_required
def account(request):
    # Reached through the signed-in user only, so a customer never sees another customer's row.
    # The reverse accessor also caches the row on request.user for the header's navigation.
    try:
        customer = request.user.customer
    except Customer.DoesNotExist:
        customer = None
    return render(request, "customers/account.html", {"customer": customer})


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # The session is gone, but messages fall back to the cookie storage for the next page.
        messages.success(request, _("You have signed out."))
        return response
