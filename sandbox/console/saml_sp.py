"""HUAWEI CLOUD's side of the partner single sign-on: a SAML 2.0 service provider built on python3-saml.

1. `GET /authui/saml/login?xAccountType=&isFirstLogin=&service=`: find the partner's IdP by xAccountType,
   record an AuthnRequest and send the browser to the IdP (HTTP-Redirect binding).
2. `POST /authui/saml/acs`: the IdP's signed SAMLResponse. Strict validation (schema, Response and
   Assertion signatures with the IdP's certificate, InResponseTo of a request we sent and have not used,
   destination, recipient, audience, validity window), then the customer whose `xaccount_id` is the
   NameID among that partner's customers gets a console session.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.errors import OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

from sandbox import hooks
from sandbox.console.models import AuthnRequestRecord, ConsoleSession, IdentityProvider
from sandbox.models import Customer, Partner

logger = logging.getLogger(__name__)

ACS_PATH = "/authui/saml/acs"
CONSOLE_PATH = "/console/"
# How long a sign-in may take between our AuthnRequest and the IdP's answer.
AUTHN_REQUEST_LIFETIME = timedelta(minutes=10)
CONSOLE_SESSION_LIFETIME = timedelta(hours=8)
SESSION_COOKIE = "sandbox_console"
METADATA_TIMEOUT = 5


class IdpMetadataError(Exception):
    """The IdP metadata cannot be fetched or read."""


class SamlRefused(Exception):
    """A SAMLResponse we do not accept; the message is shown on the 403 page."""


# --- identity providers ------------------------------------------------------------------------------


def _parse_metadata(xml: str) -> dict:
    try:
        data = OneLogin_Saml2_IdPMetadataParser.parse(xml)
    except Exception as exc:  # lxml, defusedxml and the parser raise their own kinds
        raise IdpMetadataError(f"the IdP metadata is not valid SAML metadata ({exc})") from None
    idp = data.get("idp") or {}
    if not idp.get("entityId") or not (idp.get("singleSignOnService") or {}).get("url"):
        raise IdpMetadataError("the IdP metadata has no entityID or no HTTP-Redirect SingleSignOnService")
    if not idp.get("x509cert") and not (idp.get("x509certMulti") or {}).get("signing"):
        raise IdpMetadataError("the IdP metadata has no signing certificate")
    return idp


def _fetch_metadata(url: str) -> str:
    http = requests.Session()
    http.trust_env = False  # the partner's site is local in development; never through a proxy
    try:
        response = http.get(url, timeout=METADATA_TIMEOUT)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise IdpMetadataError(f"the IdP metadata could not be fetched from {url}: {exc}") from None
    return response.text


def idp_configure(*, xaccount_type: str, metadata_url: str = "", metadata_xml: str = "") -> IdentityProvider:
    """Store a partner's IdP (Partner Center's "Access Configuration"); a URL is fetched now."""
    if bool(metadata_url) == bool(metadata_xml):
        raise IdpMetadataError("give either metadata_url or metadata_xml")
    xml = _fetch_metadata(metadata_url) if metadata_url else metadata_xml
    idp = _parse_metadata(xml)
    provider, _ = IdentityProvider.objects.update_or_create(
        xaccount_type=xaccount_type,
        defaults={
            "metadata_url": metadata_url,
            "metadata_xml": xml,
            "entity_id": idp["entityId"],
            "sso_url": idp["singleSignOnService"]["url"],
            "fetched_at": timezone.now(),
        },
    )
    return provider


def idp_for(xaccount_type: str) -> IdentityProvider | None:
    """The IdP for `xaccount_type`, its metadata refreshed when stale.

    Until one is configured, a partner's IdP is read from SANDBOX_IDP_METADATA_URL (`make run`: the
    platform's /sso/metadata/), so a fresh development setup needs no configuration step.
    """
    provider = IdentityProvider.objects.filter(xaccount_type=xaccount_type).first()
    if provider is None:
        if not Partner.objects.filter(xaccount_type=xaccount_type).exists() or not settings.SANDBOX_IDP_METADATA_URL:
            return None
        return idp_configure(xaccount_type=xaccount_type, metadata_url=settings.SANDBOX_IDP_METADATA_URL)
    stale = timezone.now() - provider.fetched_at > timedelta(seconds=settings.SANDBOX_IDP_METADATA_CACHE_SECONDS)
    if provider.metadata_url and stale:
        try:
            return idp_configure(xaccount_type=xaccount_type, metadata_url=provider.metadata_url)
        except IdpMetadataError as exc:
            logger.warning("Keeping the cached metadata of IdP %s: %s", xaccount_type, exc)
    return provider


def idp_describe(provider: IdentityProvider) -> dict:
    return {
        "xaccount_type": provider.xaccount_type,
        "entity_id": provider.entity_id,
        "sso_url": provider.sso_url,
        "metadata_url": provider.metadata_url,
        "fetched_at": provider.fetched_at.isoformat(),
    }


@hooks.on_world_load
def _forget_sign_ins(*, partner, world) -> None:
    # A reset starts from no configured IdP (the lazy default applies again) and no sign-in in flight;
    # console sessions go with the customers.
    IdentityProvider.objects.all().delete()
    AuthnRequestRecord.objects.all().delete()


# --- the service provider ----------------------------------------------------------------------------


def acs_url(request) -> str:
    return request.build_absolute_uri(ACS_PATH)


def _sp(request) -> dict:
    return {
        "entityId": settings.SANDBOX_SAML_SP_ENTITY_ID,
        "assertionConsumerService": {"url": acs_url(request), "binding": C.BINDING_HTTP_POST},
        "NameIDFormat": C.NAMEID_UNSPECIFIED,
    }


def sp_metadata_xml(request) -> str:
    """Like https://auth.huaweicloud.com/authui/saml/metadata.xml?unsigned=true."""
    return OneLogin_Saml2_Settings({"strict": True, "sp": _sp(request)}, sp_validation_only=True).get_sp_metadata()


def _saml_settings(provider: IdentityProvider, request) -> OneLogin_Saml2_Settings:
    idp = _parse_metadata(provider.metadata_xml)
    return OneLogin_Saml2_Settings(
        {
            "strict": True,
            "debug": False,
            "sp": _sp(request),
            "idp": idp,
            "security": {
                "authnRequestsSigned": False,
                "wantMessagesSigned": True,
                "wantAssertionsSigned": True,
                "wantAttributeStatement": True,
                "wantNameId": True,
                "requestedAuthnContext": False,
                "rejectDeprecatedAlgorithm": True,
            },
        },
        sp_validation_only=True,
    )


def safe_service(service: str) -> str:
    """Only this console's own pages: the path and query of `service` when under /console/, else the overview.

    The host is dropped on purpose, so `service` can never send the browser elsewhere (and a console URL
    written with another host name or port of this sandbox still lands here).
    """
    parts = urlsplit(service or "")
    if parts.scheme not in ("", "http", "https") or not parts.path.startswith(CONSOLE_PATH) or ".." in parts.path:
        return CONSOLE_PATH
    return urlunsplit(("", "", parts.path, parts.query, ""))


def login_redirect_url(*, request, provider: IdentityProvider, service: str) -> str:
    """Record a new AuthnRequest and return the IdP URL (HTTP-Redirect binding) to send the browser to."""
    authn_request = OneLogin_Saml2_Authn_Request(_saml_settings(provider, request))
    AuthnRequestRecord.objects.create(
        request_id=authn_request.get_id(), xaccount_type=provider.xaccount_type, service=safe_service(service)
    )
    query = urlencode({"SAMLRequest": authn_request.get_request(), "RelayState": safe_service(service)})
    separator = "&" if "?" in provider.sso_url else "?"
    return f"{provider.sso_url}{separator}{query}"


@dataclass(frozen=True)
class SignIn:
    customer: Customer
    service: str


def acs_consume(*, request) -> SignIn:
    """Validate the posted SAMLResponse and say who signed in and where they go; raise SamlRefused."""
    encoded = request.POST.get("SAMLResponse", "")
    if not encoded:
        raise SamlRefused("The request carries no SAMLResponse.")
    try:
        document = OneLogin_Saml2_XML.to_etree(base64.b64decode(encoded))
    except Exception:  # base64, lxml and defusedxml each raise their own kinds
        raise SamlRefused("The SAMLResponse cannot be read.") from None
    # Only to find which of our requests it answers; trusted after the signature check below.
    in_response_to = document.get("InResponseTo") or ""
    record = AuthnRequestRecord.objects.filter(request_id=in_response_to).first()
    if record is None:
        raise SamlRefused("The SAMLResponse does not answer a sign-in started here (unsolicited response).")
    if record.consumed_at is not None:
        raise SamlRefused("This SAMLResponse was already used.")
    if timezone.now() - record.created_at > AUTHN_REQUEST_LIFETIME:
        raise SamlRefused("The sign-in took too long; start again from the partner's site.")
    provider = IdentityProvider.objects.filter(xaccount_type=record.xaccount_type).first()
    if provider is None:
        raise SamlRefused(f"No identity provider is configured for {record.xaccount_type}.")

    request_data = {
        "https": "on" if request.is_secure() else "off",
        "http_host": request.get_host(),
        "script_name": request.path,
        "post_data": request.POST.copy(),
        "get_data": request.GET.copy(),
    }
    try:
        response = OneLogin_Saml2_Response(_saml_settings(provider, request), encoded)
        response.is_valid(request_data, request_id=record.request_id, raise_exceptions=True)
    except (OneLogin_Saml2_ValidationError, OneLogin_Saml2_Error) as exc:
        raise SamlRefused(f"The SAMLResponse is not valid: {exc}") from None
    except Exception as exc:  # xmlsec and lxml errors on a broken document
        raise SamlRefused(f"The SAMLResponse is not valid ({type(exc).__name__}).") from None

    name_id = response.get_nameid()
    attributes = response.get_attributes()
    if attributes.get("xAccountId", [name_id]) != [name_id]:
        raise SamlRefused("The xAccountId attribute does not match the NameID.")
    if attributes.get("xAccountType", [provider.xaccount_type]) != [provider.xaccount_type]:
        raise SamlRefused("The xAccountType attribute is not this identity provider's.")
    customer = Customer.objects.filter(partner__xaccount_type=provider.xaccount_type, xaccount_id=name_id).first()
    if customer is None:
        raise SamlRefused(f"No HUAWEI CLOUD account is bound to the partner's user {name_id}.")

    # A conditional UPDATE, so two posts of the same response cannot both sign in.
    used = AuthnRequestRecord.objects.filter(pk=record.pk, consumed_at__isnull=True).update(consumed_at=timezone.now())
    if not used:
        raise SamlRefused("This SAMLResponse was already used.")
    return SignIn(customer=customer, service=record.service)


# --- console sessions --------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_start(*, customer: Customer) -> tuple[str, ConsoleSession]:
    """A new console session; returns the cookie value (only its hash is stored) and the row."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        ConsoleSession.objects.filter(expires_at__lte=now).delete()
        session = ConsoleSession.objects.create(
            customer=customer,
            token_hash=_hash(token),
            form_token=secrets.token_urlsafe(32),
            expires_at=now + CONSOLE_SESSION_LIFETIME,
        )
    return token, session


def session_for(request) -> ConsoleSession | None:
    token = request.COOKIES.get(SESSION_COOKIE, "")
    if not token:
        return None
    return (
        ConsoleSession.objects.select_related("customer", "customer__partner")
        .filter(token_hash=_hash(token), expires_at__gt=timezone.now())
        .first()
    )


def session_end(request) -> None:
    token = request.COOKIES.get(SESSION_COOKIE, "")
    if token:
        ConsoleSession.objects.filter(token_hash=_hash(token)).delete()
