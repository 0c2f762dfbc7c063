"""SAML 2.0 identity provider: signs our customers in to the HUAWEI CLOUD console (reference section 6).

HUAWEI CLOUD is the service provider (SP). The flow, SP-initiated:
1. "Buy" / "Manage in console" sends the browser to HUAWEI CLOUD's SSO URL with our `xAccountType` and
   the console page to open (`console_sso_url`).
2. HUAWEI CLOUD finds our metadata (`idp_metadata_xml`) by `xAccountType` and sends the browser to our
   SSO endpoint with an AuthnRequest (`authn_request_parse` checks who asks and where the answer goes).
3. We answer with a SAMLResponse naming the signed-in customer by `xaccount_id`, Response and Assertion
   both signed with RSA-SHA256 (`response_for_customer`), posted by the browser to the SP's ACS URL.

Nothing here logs a key, a certificate body or a whole SAML message.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

from customers.models import Customer

logger = logging.getLogger(__name__)

NS_MD = C.NS_MD
NS_SAML = C.NS_SAML
NS_SAMLP = C.NS_SAMLP
NS_XS = "http://www.w3.org/2001/XMLSchema"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NAMEID_UNSPECIFIED = C.NAMEID_UNSPECIFIED
ATTRIBUTE_XACCOUNT_ID = "xAccountId"
ATTRIBUTE_XACCOUNT_TYPE = "xAccountType"
# How long an assertion may be used (Conditions and SubjectConfirmationData).
ASSERTION_LIFETIME = timedelta(minutes=5)

SERVICES = ("ecs", "evs", "vpc", "eip")
ACTIONS = ("buy", "manage")


class SsoNotConfigured(Exception):
    """Production without SAML_IDP_PRIVATE_KEY / SAML_IDP_CERTIFICATE."""


class AuthnRequestRefused(Exception):
    """An AuthnRequest we do not answer; the message says why, for the page and the log (no secrets)."""


class AssertionRefused(Exception):
    """We will not assert this customer's identity (`reason`: not_bound, other_subject)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- keys and metadata -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IdpKeys:
    private_key: str
    certificate: str


_keys_lock = threading.Lock()
_dev_keys_cache: dict[str, IdpKeys] = {}


def idp_keys() -> IdpKeys:
    """The signing key pair: from settings, or (development and tests only) generated once into var/saml/."""
    if settings.SAML_IDP_PRIVATE_KEY and settings.SAML_IDP_CERTIFICATE:
        return IdpKeys(settings.SAML_IDP_PRIVATE_KEY, settings.SAML_IDP_CERTIFICATE)
    if not (settings.DEBUG or settings.TESTING):
        raise SsoNotConfigured("SAML_IDP_PRIVATE_KEY and SAML_IDP_CERTIFICATE are not set.")
    directory = Path(settings.SAML_IDP_DEV_KEY_DIR)
    with _keys_lock:
        if str(directory) not in _dev_keys_cache:
            _dev_keys_cache[str(directory)] = _dev_keys(directory)
        return _dev_keys_cache[str(directory)]


def _dev_keys(directory: Path) -> IdpKeys:
    """Read var/saml/idp.pem (key + certificate), making it first if missing.

    Several processes may start at once (runserver, xdist workers): each writes a complete file under a
    temporary name and links it into place; the first link wins and everyone reads that one.
    """
    path = directory / "idp.pem"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        key_pem, cert_pem = _generate_key_pair()
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".idp-", suffix=".pem")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(key_pem + cert_pem)
            try:
                os.link(tmp, path)
                logger.info("Generated a development SAML signing key pair in %s", directory)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    text = path.read_text()
    cert_start = text.index("-----BEGIN CERTIFICATE-----")
    return IdpKeys(private_key=text[:cert_start], certificate=text[cert_start:])


def _generate_key_pair() -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Partner Portal SAML IdP (development)")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def idp_entity_id() -> str:
    return settings.SAML_IDP_ENTITY_ID


def idp_sso_url() -> str:
    return f"{settings.SITE_URL}{reverse('sso:login')}"


def idp_metadata_xml() -> str:
    """Our IdP metadata: what Partner Center's "Access Configuration" (and the sandbox) reads."""
    certificate = OneLogin_Saml2_Utils.format_cert(idp_keys().certificate, heads=False)
    md = f"{{{NS_MD}}}"
    ds = f"{{{C.NS_DS}}}"
    root = etree.Element(md + "EntityDescriptor", nsmap={"md": NS_MD, "ds": C.NS_DS}, entityID=idp_entity_id())
    idp = etree.SubElement(
        root, md + "IDPSSODescriptor", WantAuthnRequestsSigned="false", protocolSupportEnumeration=NS_SAMLP
    )
    key_descriptor = etree.SubElement(idp, md + "KeyDescriptor", use="signing")
    x509_data = etree.SubElement(etree.SubElement(key_descriptor, ds + "KeyInfo"), ds + "X509Data")
    etree.SubElement(x509_data, ds + "X509Certificate").text = certificate
    etree.SubElement(idp, md + "NameIDFormat").text = NAMEID_UNSPECIFIED
    for binding in (C.BINDING_HTTP_REDIRECT, C.BINDING_HTTP_POST):
        etree.SubElement(idp, md + "SingleSignOnService", Binding=binding, Location=idp_sso_url())
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


# --- the AuthnRequest ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthnRequest:
    id: str
    issuer: str
    acs_url: str
    xml: str
    # A Subject the SP asked about; we only ever assert the signed-in customer.
    requested_name_id: str | None = None

    def redirect_query(self, relay_state: str) -> str:
        """The request again as HTTP-Redirect binding parameters (to come back here after sign-in)."""
        params = {"SAMLRequest": OneLogin_Saml2_Utils.deflate_and_base64_encode(self.xml)}
        if relay_state:
            params["RelayState"] = relay_state
        return urlencode(params)


def authn_request_parse(*, saml_request: str, deflated: bool) -> AuthnRequest:
    """Decode and check an AuthnRequest: ours to answer (issuer, destination) and answerable safely (ACS)."""
    if not saml_request:
        raise AuthnRequestRefused("The request has no SAMLRequest.")
    try:
        if deflated:
            xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(saml_request)
        else:
            xml = base64.b64decode(saml_request, validate=False)
        document = OneLogin_Saml2_XML.to_etree(xml)
    except Exception as exc:  # base64, zlib, lxml and defusedxml each raise their own kinds
        raise AuthnRequestRefused(f"The SAMLRequest cannot be read ({type(exc).__name__}).") from None
    if document.tag != f"{{{NS_SAMLP}}}AuthnRequest":
        raise AuthnRequestRefused("The SAMLRequest is not an AuthnRequest.")
    if isinstance(OneLogin_Saml2_XML.validate_xml(document, "saml-schema-protocol-2.0.xsd"), str):
        raise AuthnRequestRefused("The AuthnRequest does not follow the SAML 2.0 schema.")
    request_id = document.get("ID") or ""
    issuers = OneLogin_Saml2_XML.query(document, "/samlp:AuthnRequest/saml:Issuer")
    issuer = (issuers[0].text or "").strip() if issuers else ""
    if issuer != settings.HUAWEICLOUD_SAML_SP_ENTITY_ID:
        raise AuthnRequestRefused(f"The request comes from an unknown service provider ({issuer[:200]!r}).")
    destination = document.get("Destination")
    if destination and destination != idp_sso_url():
        raise AuthnRequestRefused("The request was meant for another identity provider.")
    binding = document.get("ProtocolBinding")
    if binding and binding != C.BINDING_HTTP_POST:
        raise AuthnRequestRefused("The request asks for a response binding other than HTTP-POST.")
    allowed = settings.HUAWEICLOUD_SAML_SP_ACS_URLS
    if not allowed:
        raise AuthnRequestRefused("No assertion consumer service URL is configured.")
    acs_url = document.get("AssertionConsumerServiceURL") or allowed[0]
    if acs_url not in allowed:
        raise AuthnRequestRefused(f"The assertion consumer service URL {acs_url[:200]!r} is not allowed.")
    name_ids = OneLogin_Saml2_XML.query(document, "/samlp:AuthnRequest/saml:Subject/saml:NameID")
    requested = (name_ids[0].text or "").strip() if name_ids else None
    return AuthnRequest(
        id=request_id,
        issuer=issuer,
        acs_url=acs_url,
        xml=etree.tostring(document).decode(),
        requested_name_id=requested,
    )


# --- the SAMLResponse ------------------------------------------------------------------------------


def _saml_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _new_id() -> str:
    return "_" + secrets.token_hex(20)  # an NCName, as SAML ids must be


def response_build(
    *,
    in_response_to: str,
    acs_url: str,
    audience: str,
    name_id: str,
    attributes: dict[str, str],
    keys: IdpKeys | None = None,
    issuer: str | None = None,
    now: datetime | None = None,
    authn_instant: datetime | None = None,
    sign_response: bool = True,
    sign_assertion: bool = True,
) -> str:
    """A SAML 2.0 Response with one Assertion, both signed (RSA-SHA256, SHA-256 digests).

    Everything an SP checks is a parameter, so tests can make expired, misdirected or unsigned ones.
    """
    keys = keys or idp_keys()
    issuer = issuer or idp_entity_id()
    now = now or datetime.now(UTC)
    expires = now + ASSERTION_LIFETIME
    saml, samlp = f"{{{NS_SAML}}}", f"{{{NS_SAMLP}}}"

    assertion = etree.Element(
        saml + "Assertion",
        nsmap={"saml": NS_SAML, "xs": NS_XS, "xsi": NS_XSI},
        ID=_new_id(),
        Version="2.0",
        IssueInstant=_saml_time(now),
    )
    etree.SubElement(assertion, saml + "Issuer").text = issuer
    subject = etree.SubElement(assertion, saml + "Subject")
    etree.SubElement(subject, saml + "NameID", Format=NAMEID_UNSPECIFIED).text = name_id
    confirmation = etree.SubElement(subject, saml + "SubjectConfirmation", Method=C.CM_BEARER)
    etree.SubElement(
        confirmation,
        saml + "SubjectConfirmationData",
        NotOnOrAfter=_saml_time(expires),
        Recipient=acs_url,
        InResponseTo=in_response_to,
    )
    conditions = etree.SubElement(
        assertion, saml + "Conditions", NotBefore=_saml_time(now), NotOnOrAfter=_saml_time(expires)
    )
    restriction = etree.SubElement(conditions, saml + "AudienceRestriction")
    etree.SubElement(restriction, saml + "Audience").text = audience
    statement = etree.SubElement(
        assertion,
        saml + "AuthnStatement",
        AuthnInstant=_saml_time(authn_instant or now),
        SessionIndex=_new_id(),
    )
    context = etree.SubElement(statement, saml + "AuthnContext")
    etree.SubElement(context, saml + "AuthnContextClassRef").text = C.AC_PASSWORD_PROTECTED
    attribute_statement = etree.SubElement(assertion, saml + "AttributeStatement")
    for name, value in attributes.items():
        attribute = etree.SubElement(
            attribute_statement, saml + "Attribute", Name=name, NameFormat=C.ATTRNAME_FORMAT_BASIC
        )
        etree.SubElement(attribute, saml + "AttributeValue", {f"{{{NS_XSI}}}type": "xs:string"}).text = value
    if sign_assertion:
        assertion = etree.fromstring(OneLogin_Saml2_Utils.add_sign(assertion, keys.private_key, keys.certificate))

    response = etree.Element(
        samlp + "Response",
        nsmap={"samlp": NS_SAMLP, "saml": NS_SAML},
        ID=_new_id(),
        Version="2.0",
        IssueInstant=_saml_time(now),
        Destination=acs_url,
        InResponseTo=in_response_to,
    )
    etree.SubElement(response, saml + "Issuer").text = issuer
    status = etree.SubElement(response, samlp + "Status")
    etree.SubElement(status, samlp + "StatusCode", Value=C.STATUS_SUCCESS)
    response.append(assertion)
    if sign_response:
        # add_sign puts the Signature right after the first saml:Issuer: the Response's own.
        return OneLogin_Saml2_Utils.add_sign(response, keys.private_key, keys.certificate).decode()
    return etree.tostring(response).decode()


def response_for_customer(*, customer: Customer, authn_request: AuthnRequest, authn_instant: datetime | None) -> str:
    """The signed SAMLResponse (XML) telling HUAWEI CLOUD that `customer` is signed in."""
    if customer.binding != Customer.Binding.BOUND or not customer.customer_id:
        raise AssertionRefused("not_bound")
    if authn_request.requested_name_id not in (None, customer.xaccount_id):
        # The SP asked about someone else: never assert another identity than the signed-in customer's.
        raise AssertionRefused("other_subject")
    xaccount_type = settings.HUAWEICLOUD["XACCOUNT_TYPE"]
    xml = response_build(
        in_response_to=authn_request.id,
        acs_url=authn_request.acs_url,
        audience=authn_request.issuer,
        name_id=customer.xaccount_id,
        attributes={ATTRIBUTE_XACCOUNT_ID: customer.xaccount_id, ATTRIBUTE_XACCOUNT_TYPE: xaccount_type},
        authn_instant=authn_instant,
    )
    logger.info(
        "SAML assertion issued for customer %s to %s (request %s)", customer.pk, authn_request.acs_url, authn_request.id
    )
    return xml


def response_encode(xml: str) -> str:
    """HTTP-POST binding: plain base64 (no deflate)."""
    return base64.b64encode(xml.encode()).decode()


# --- the console links -----------------------------------------------------------------------------


def customer_can_buy(customer: Customer) -> bool:
    """HUAWEI CLOUD sells only to customers whose real-name authentication is approved."""
    return customer.real_name_status == Customer.RealNameStatus.APPROVED


def console_url(*, service: str, action: str) -> str:
    return settings.HUAWEICLOUD_CONSOLE_URLS[service][action]


def console_sso_url(*, service: str, action: str) -> str:
    """HUAWEI CLOUD's SSO URL that signs the customer in and opens the console page (reference 6, step 1).

    isFirstLogin is false: a customer reaches here only once `create_sub_customer` has bound the account.
    """
    query = urlencode(
        {
            "xAccountType": settings.HUAWEICLOUD["XACCOUNT_TYPE"],
            "isFirstLogin": "false",
            "service": console_url(service=service, action=action),
        }
    )
    return f"{settings.HUAWEICLOUD['SSO_URL']}?{query}"
