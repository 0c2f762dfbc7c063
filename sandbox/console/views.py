"""The SAML endpoints, the console pages and the control API of the console (sandbox/README.md)."""

from __future__ import annotations

import functools
import hmac
import json
import logging

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from sandbox.commerce import catalogue
from sandbox.commerce.models import Order, Resource
from sandbox.commerce.services import ConsoleInputError, order_create_from_console
from sandbox.console import saml_sp
from sandbox.console.models import IdentityProvider
from sandbox.control import BadInput, control

logger = logging.getLogger(__name__)

# Console services: title, resource type of the main resource, spec choices, size field label.
SERVICES = {
    "ecs": {
        "abbreviation": "ECS",
        "title": "Elastic Cloud Server",
        "resource_type": catalogue.RESOURCE_VM,
        "size_label": "System disk (GB, High I/O)",
        "size_default": 40,
    },
    "evs": {
        "abbreviation": "EVS",
        "title": "Elastic Volume Service",
        "resource_type": catalogue.RESOURCE_VOLUME,
        "size_label": "Disk size (GB)",
        "size_default": 40,
    },
    "vpc": {
        "abbreviation": "VPC",
        "title": "Virtual Private Cloud: shared bandwidth",
        "resource_type": catalogue.RESOURCE_BANDWIDTH,
        "size_label": "Bandwidth (Mbit/s)",
        "size_default": 5,
    },
    "eip": {
        "abbreviation": "EIP",
        "title": "Elastic IP",
        "resource_type": catalogue.RESOURCE_IP,
        "size_label": "Bandwidth (Mbit/s)",
        "size_default": 5,
    },
}


def _spec_choices(service: str) -> list[tuple[str, str]]:
    if service == "vpc":
        specs = ["19_share"]
    else:
        resource_type = SERVICES[service]["resource_type"]
        specs = [spec for (rtype, spec) in catalogue.PRODUCTS if rtype == resource_type]
    choices = []
    for spec in specs:
        description = catalogue.PRODUCTS[(SERVICES[service]["resource_type"], spec)].description
        # ECS and EVS descriptions already name the flavour or disk type.
        choices.append((spec, description if service in ("ecs", "evs") else f"{description} ({spec})"))
    return choices


class PurchaseForm(forms.Form):
    region = forms.ChoiceField(choices=[(code, f"{name} ({code})") for code, (name, _f) in catalogue.REGIONS.items()])
    spec = forms.ChoiceField(label="Specification")
    size = forms.IntegerField(min_value=1, max_value=32768)
    period_type = forms.TypedChoiceField(
        label="Billing", choices=[(2, "Monthly"), (3, "Yearly")], coerce=int, initial=2
    )
    period_num = forms.IntegerField(label="Required duration", min_value=1, max_value=11, initial=1)
    quantity = forms.IntegerField(min_value=1, max_value=100, initial=1)

    def __init__(self, *args, service: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spec"].choices = _spec_choices(service)
        self.fields["size"].label = SERVICES[service]["size_label"]
        self.fields["size"].initial = SERVICES[service]["size_default"]
        self.fields["region"].initial = "ap-southeast-3"

    def clean(self):
        data = super().clean()
        if data.get("period_type") == 3 and (data.get("period_num") or 0) > 3:
            self.add_error("period_num", "A yearly subscription lasts 1 to 3 years.")
        return data


# --- SAML --------------------------------------------------------------------------------------------


def _refused(request, reason: str, status: int = 403) -> HttpResponse:
    return render(request, "console/refused.html", _base_context(None, reason=reason), status=status)


@require_GET
def saml_login(request: HttpRequest) -> HttpResponse:
    xaccount_type = request.GET.get("xAccountType", "")
    service = request.GET.get("service", "")
    if request.GET.get("isFirstLogin") == "true":
        # Web-UI account creation/binding is not simulated: accounts are made with create_sub_customer.
        return _refused(request, "isFirstLogin=true (binding a new account in the web UI) is not simulated.", 400)
    try:
        provider = saml_sp.idp_for(xaccount_type)
    except saml_sp.IdpMetadataError as exc:
        logger.warning("SAML login for %s: %s", xaccount_type, exc)
        return _refused(request, f"The partner's identity provider is unavailable: {exc}.", 502)
    if provider is None:
        return _refused(request, f"No identity provider is configured for xAccountType {xaccount_type!r}.", 400)
    return redirect(saml_sp.login_redirect_url(request=request, provider=provider, service=service))


@csrf_exempt  # the IdP's page posts here from the partner's site (HTTP-POST binding)
@require_http_methods(["POST"])
def saml_acs(request: HttpRequest) -> HttpResponse:
    try:
        sign_in = saml_sp.acs_consume(request=request)
    except saml_sp.SamlRefused as exc:
        logger.warning("SAMLResponse refused: %s", exc)
        return _refused(request, str(exc))
    token, _session = saml_sp.session_start(customer=sign_in.customer)
    response = redirect(sign_in.service)
    response.set_cookie(
        saml_sp.SESSION_COOKIE,
        token,
        max_age=int(saml_sp.CONSOLE_SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@require_GET
def saml_metadata(request: HttpRequest) -> HttpResponse:
    """The service provider's metadata, like https://auth.huaweicloud.com/authui/saml/metadata.xml."""
    xml = saml_sp.sp_metadata_xml(request)
    return HttpResponse(xml, content_type="application/samlmetadata+xml; charset=utf-8")


# --- console pages -------------------------------------------------------------------------------------


def _base_context(session, **extra) -> dict:
    return {
        "session": session,
        "customer": session.customer if session else None,
        "services": [{"code": code, **data} for code, data in SERVICES.items()],
        "partner_site_url": settings.SANDBOX_PARTNER_SITE_URL,
        **extra,
    }


def console_page(view):
    """The console needs a session from single sign-on; without one, a page says where to start."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        session = saml_sp.session_for(request)
        if session is None:
            return render(request, "console/signed_out.html", _base_context(None), status=401)
        return view(request, session, *args, **kwargs)

    return wrapper


@require_GET
@console_page
def overview(request, session):
    customer = session.customer
    context = _base_context(
        session,
        active="overview",
        resource_count=Resource.objects.filter(customer=customer, parent__isnull=True).count(),
        pending_orders=Order.objects.filter(customer=customer, status=Order.Status.PENDING_PAYMENT)[:5],
    )
    return render(request, "console/overview.html", context)


@require_http_methods(["GET", "POST"])
@console_page
def buy(request, session, service: str):
    if service not in SERVICES:
        raise Http404("No such service.")
    form = PurchaseForm(request.POST or None, service=service)
    if request.method == "POST":
        if not hmac.compare_digest(request.POST.get("form_token", ""), session.form_token):
            return _refused(request, "The form is out of date; open the page again.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                order = order_create_from_console(
                    customer=session.customer,
                    service=service,
                    region=data["region"],
                    spec=data["spec"],
                    size=data["size"],
                    period_type=data["period_type"],
                    period_num=data["period_num"],
                    quantity=data["quantity"],
                )
            except ConsoleInputError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(reverse("console-order", args=[order.order_id]))
    context = _base_context(session, active=service, service=SERVICES[service], service_code=service, form=form)
    return render(request, "console/buy.html", context)


@require_GET
@console_page
def order_detail(request, session, order_id: str):
    order = Order.objects.filter(customer=session.customer, order_id=order_id).first()
    if order is None:
        raise Http404("No such order.")
    lines = order.line_items.all()
    return render(request, "console/order.html", _base_context(session, active="orders", order=order, lines=lines))


@require_GET
@console_page
def resources(request, session):
    service = request.GET.get("service", "")
    listed = Resource.objects.filter(customer=session.customer, parent__isnull=True).prefetch_related("attached")
    if service in SERVICES:
        listed = listed.filter(resource_type_code=SERVICES[service]["resource_type"])
    pending = Order.objects.filter(customer=session.customer, status=Order.Status.PENDING_PAYMENT)
    context = _base_context(
        session, active="resources", resources=listed, pending_orders=pending, filter_service=SERVICES.get(service)
    )
    return render(request, "console/resources.html", context)


@require_http_methods(["POST"])
def sign_out(request):
    session = saml_sp.session_for(request)
    if session is not None and hmac.compare_digest(request.POST.get("form_token", ""), session.form_token):
        saml_sp.session_end(request)
    response = render(request, "console/signed_out.html", _base_context(None, signed_out=True))
    response.delete_cookie(saml_sp.SESSION_COOKIE)
    return response


@require_GET
def stylesheet(request):
    response = render(request, "console/console.css", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "max-age=300"
    return response


# --- control API -----------------------------------------------------------------------------------------


@control("GET", "POST")
def idp_control(request):
    """GET: the configured IdPs. POST {"xaccount_type", "metadata_url" | "metadata_xml"}: configure one."""
    if request.method == "GET":
        providers = [saml_sp.idp_describe(p) for p in IdentityProvider.objects.order_by("xaccount_type")]
        return JsonResponse({"identity_providers": providers})
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise BadInput("the body is not valid JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("xaccount_type"), str) or not data["xaccount_type"]:
        raise BadInput("xaccount_type is required")
    try:
        provider = saml_sp.idp_configure(
            xaccount_type=data["xaccount_type"],
            metadata_url=str(data.get("metadata_url") or ""),
            metadata_xml=str(data.get("metadata_xml") or ""),
        )
    except saml_sp.IdpMetadataError as exc:
        raise BadInput(str(exc)) from None
    return JsonResponse(saml_sp.idp_describe(provider), status=201)
