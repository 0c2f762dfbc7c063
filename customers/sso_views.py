"""Single sign-on pages: our IdP metadata, the SAML SSO endpoint, and the "Buy" / "Manage in console" links."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from customers import sso
from customers.models import Customer

logger = logging.getLogger(__name__)

# SAML's own limit is 80 bytes; HUAWEI CLOUD may carry a console URL in it, so allow more, not unbounded.
RELAY_STATE_MAX = 2048

SERVICE_NAMES = {
    "ecs": ("ECS", _("Elastic Cloud Server")),
    "evs": ("EVS", _("Elastic Volume Service")),
    "vpc": ("VPC", _("Virtual Private Cloud")),
    "eip": ("EIP", _("Elastic IP")),
}


def _customer(user) -> Customer | None:
    try:
        return user.customer
    except Customer.DoesNotExist:
        return None


def _is_bound(customer: Customer | None) -> bool:
    return customer is not None and customer.binding == Customer.Binding.BOUND and bool(customer.customer_id)


def _real_name_url() -> str:
    # The real-name authentication page, once its app adds it; the account page shows the status meanwhile.
    try:
        return reverse("real_name")
    except NoReverseMatch:
        return reverse("account")


def _not_configured(request):
    logger.error("SAML single sign-on is not configured: set SAML_IDP_PRIVATE_KEY and SAML_IDP_CERTIFICATE.")
    return render(request, "sso/not_configured.html", status=503)


@require_GET
def metadata(request):
    try:
        xml = sso.idp_metadata_xml()
    except sso.SsoNotConfigured:
        return _not_configured(request)
    response = HttpResponse(xml, content_type="application/samlmetadata+xml; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="metadata.xml"'
    return response


@csrf_exempt  # HUAWEI CLOUD posts the AuthnRequest from its own site (HTTP-POST binding)
@require_http_methods(["GET", "POST"])
@never_cache
def login(request):
    data = request.GET if request.method == "GET" else request.POST
    try:
        authn_request = sso.authn_request_parse(
            saml_request=data.get("SAMLRequest", ""), deflated=request.method == "GET"
        )
    except sso.AuthnRequestRefused as exc:
        logger.warning("SAML AuthnRequest refused: %s", exc)
        return render(request, "sso/refused.html", {"reason": str(exc)}, status=400)
    relay_state = data.get("RelayState", "")
    if len(relay_state) > RELAY_STATE_MAX:
        return render(request, "sso/refused.html", {"reason": "The RelayState is too long."}, status=400)

    if not request.user.is_authenticated:
        # Back here after sign-in, as a redirect-binding request (a POSTed request cannot survive the trip).
        return redirect_to_login(f"{reverse('sso:login')}?{authn_request.redirect_query(relay_state)}")

    customer = _customer(request.user)
    if not _is_bound(customer):
        return render(request, "sso/no_cloud_account.html", {"customer": customer}, status=403)
    try:
        xml = sso.response_for_customer(
            customer=customer, authn_request=authn_request, authn_instant=request.user.last_login
        )
    except sso.SsoNotConfigured:
        return _not_configured(request)
    except sso.AssertionRefused as exc:
        logger.warning("SAML assertion refused for customer %s: %s", customer.pk, exc.reason)
        reason = _("HUAWEI CLOUD asked to sign in a different account than yours.")
        return render(request, "sso/refused.html", {"reason": reason}, status=403)
    context = {
        "acs_url": authn_request.acs_url,
        "saml_response": sso.response_encode(xml),
        "relay_state": relay_state,
    }
    response = render(request, "sso/post_response.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def console(request):
    """Without `service`: the services, with Buy and Manage. With it: off to HUAWEI CLOUD's SSO."""
    customer = _customer(request.user)
    service = request.GET.get("service", "")
    action = request.GET.get("action", "manage")
    if service and (service not in sso.SERVICES or action not in sso.ACTIONS):
        raise Http404("Unknown service or action.")
    if not _is_bound(customer):
        return render(request, "sso/no_cloud_account.html", {"customer": customer}, status=403)
    can_buy = sso.customer_can_buy(customer)
    if not service:
        services = [
            {"code": code, "abbreviation": abbreviation, "name": name}
            for code, (abbreviation, name) in SERVICE_NAMES.items()
        ]
        context = {"customer": customer, "services": services, "can_buy": can_buy, "real_name_url": _real_name_url()}
        return render(request, "sso/console.html", context)
    if action == "buy" and not can_buy:
        context = {"customer": customer, "service": SERVICE_NAMES[service], "real_name_url": _real_name_url()}
        return render(request, "sso/real_name_required.html", context, status=403)
    return redirect(sso.console_sso_url(service=service, action=action))
