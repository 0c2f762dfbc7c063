"""Single sign-on into the HUAWEI CLOUD console, our side: the SAML identity provider and the console links.

The service provider in these tests is python3-saml itself, configured from our published metadata,
so "valid" means what a standard SP accepts.
"""

from __future__ import annotations

import base64
import html
import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from lxml import etree
from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from customers import sso
from customers.models import Customer
from tests.factories import PASSWORD, CustomerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

ACS_URL = "http://127.0.0.1:8100/authui/saml/acs"
SSO_URL = "http://127.0.0.1:8100/authui/saml/login"


@pytest.fixture(autouse=True)
def sp_settings(settings):
    """Pin what the tests rely on, whatever the environment says."""
    settings.SITE_URL = "http://testserver"
    settings.SAML_IDP_ENTITY_ID = "http://testserver/sso/metadata/"
    settings.HUAWEICLOUD_SAML_SP_ENTITY_ID = "https://auth.huaweicloud.com/"
    settings.HUAWEICLOUD_SAML_SP_ACS_URLS = [ACS_URL]
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "SSO_URL": SSO_URL, "XACCOUNT_TYPE": "demo_partner_IDP"}
    settings.HUAWEICLOUD_CONSOLE_URLS = {
        service: {"buy": f"http://console.test/{service}/buy", "manage": f"http://console.test/{service}/list"}
        for service in sso.SERVICES
    }


def saml_sp(client: Client, *, entity_id: str = "https://auth.huaweicloud.com/", acs_url: str = ACS_URL):
    """A python3-saml service provider that trusts the IdP described by our /sso/metadata/."""
    metadata = client.get("/sso/metadata/").content.decode()
    idp = OneLogin_Saml2_IdPMetadataParser.parse(metadata)["idp"]
    return OneLogin_Saml2_Settings(
        {
            "strict": True,
            "sp": {
                "entityId": entity_id,
                "assertionConsumerService": {"url": acs_url, "binding": C.BINDING_HTTP_POST},
                "NameIDFormat": C.NAMEID_UNSPECIFIED,
            },
            "idp": idp,
            "security": {"wantAssertionsSigned": True, "wantMessagesSigned": True, "rejectDeprecatedAlgorithm": True},
        },
        sp_validation_only=True,
    )


def posted_form(response) -> dict[str, str]:
    """The auto-submitting form's action and hidden fields."""
    page = response.content.decode()
    action = re.search(r'<form method="post" action="([^"]+)" data-sso-autosubmit>', page)
    assert action, page
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
    return {"action": html.unescape(action.group(1)), **{k: html.unescape(v) for k, v in fields.items()}}


def acs_request_data(url: str = ACS_URL) -> dict:
    parts = urlsplit(url)
    return {"https": "off", "http_host": parts.netloc, "script_name": parts.path}


def login_get(client, sp, *, relay_state="http://127.0.0.1:8100/console/ecs/buy"):
    authn_request = OneLogin_Saml2_Authn_Request(sp)
    response = client.get("/sso/login/", {"SAMLRequest": authn_request.get_request(), "RelayState": relay_state})
    return authn_request, response


# --- metadata -------------------------------------------------------------------------------------------


def test_metadata_publishes_entity_id_signing_certificate_and_both_bindings(client):
    response = client.get("/sso/metadata/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/samlmetadata+xml")
    root = etree.fromstring(response.content)
    assert root.get("entityID") == "http://testserver/sso/metadata/"
    certificate = root.findtext(f".//{{{C.NS_DS}}}X509Certificate")
    assert certificate == OneLogin_Saml2_Utils.format_cert(sso.idp_keys().certificate, heads=False)
    locations = {node.get("Binding"): node.get("Location") for node in root.iter(f"{{{C.NS_MD}}}SingleSignOnService")}
    assert locations == {
        C.BINDING_HTTP_REDIRECT: "http://testserver/sso/login/",
        C.BINDING_HTTP_POST: "http://testserver/sso/login/",
    }
    assert b"PRIVATE KEY" not in response.content


def test_metadata_wrong_method(client):
    assert client.post("/sso/metadata/").status_code == 405


def test_production_without_keys_says_single_sign_on_is_not_configured(client, settings):
    settings.DEBUG = settings.TESTING = False
    settings.SAML_IDP_PRIVATE_KEY = settings.SAML_IDP_CERTIFICATE = ""

    response = client.get("/sso/metadata/")

    assert response.status_code == 503
    assert "HUAWEI CLOUD console unavailable" in response.content.decode()


def test_keys_from_settings_are_used(client, settings):
    key, certificate = sso._generate_key_pair()
    settings.SAML_IDP_PRIVATE_KEY, settings.SAML_IDP_CERTIFICATE = key, certificate

    root = etree.fromstring(client.get("/sso/metadata/").content)

    assert root.findtext(f".//{{{C.NS_DS}}}X509Certificate") == OneLogin_Saml2_Utils.format_cert(
        certificate, heads=False
    )


# --- the SAML answer ---------------------------------------------------------------------------------


def test_authn_request_is_answered_with_a_signed_response_the_sp_accepts(client):
    customer = CustomerFactory()
    client.force_login(customer.user)
    sp = saml_sp(client)

    authn_request, response = login_get(client, sp)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    form = posted_form(response)
    assert form["action"] == ACS_URL
    assert form["RelayState"] == "http://127.0.0.1:8100/console/ecs/buy"
    saml_response = OneLogin_Saml2_Response(sp, form["SAMLResponse"])
    assert saml_response.is_valid(acs_request_data(), request_id=authn_request.get_id(), raise_exceptions=True)
    assert saml_response.get_nameid() == customer.xaccount_id
    assert saml_response.get_attributes() == {
        "xAccountId": [customer.xaccount_id],
        "xAccountType": ["demo_partner_IDP"],
    }
    assert saml_response.get_audiences() == ["https://auth.huaweicloud.com/"]
    # Both the Response and the Assertion carry an RSA-SHA256 signature.
    document = etree.fromstring(base64.b64decode(form["SAMLResponse"]))
    ds = {"ds": C.NS_DS, "samlp": C.NS_SAMLP, "saml": C.NS_SAML}
    for signed in ("/samlp:Response/ds:Signature", "/samlp:Response/saml:Assertion/ds:Signature"):
        method = document.xpath(f"{signed}/ds:SignedInfo/ds:SignatureMethod/@Algorithm", namespaces=ds)
        assert method == [C.RSA_SHA256], signed
    conditions = document.xpath("//saml:Conditions", namespaces=ds)[0]
    not_before = OneLogin_Saml2_Utils.parse_SAML_to_time(conditions.get("NotBefore"))
    not_on_or_after = OneLogin_Saml2_Utils.parse_SAML_to_time(conditions.get("NotOnOrAfter"))
    assert not_on_or_after - not_before == 300
    assert document.xpath("count(//saml:AuthnStatement)", namespaces=ds) == 1


def test_post_binding_request_is_answered_too():
    customer = CustomerFactory()
    client = Client(enforce_csrf_checks=True)  # HUAWEI CLOUD posts without our CSRF token
    client.force_login(customer.user)
    sp = saml_sp(client)
    authn_request = OneLogin_Saml2_Authn_Request(sp)
    xml = authn_request.get_xml()

    response = client.post("/sso/login/", {"SAMLRequest": base64.b64encode(xml.encode()).decode()})

    assert response.status_code == 200
    saml_response = OneLogin_Saml2_Response(sp, posted_form(response)["SAMLResponse"])
    assert saml_response.is_valid(acs_request_data(), request_id=authn_request.get_id(), raise_exceptions=True)
    assert saml_response.get_nameid() == customer.xaccount_id


def test_a_tampered_response_fails_at_the_sp(client):
    customer = CustomerFactory()
    other = CustomerFactory()
    client.force_login(customer.user)
    sp = saml_sp(client)
    authn_request, response = login_get(client, sp)
    xml = base64.b64decode(posted_form(response)["SAMLResponse"]).decode()

    forged = xml.replace(customer.xaccount_id, other.xaccount_id)

    saml_response = OneLogin_Saml2_Response(sp, base64.b64encode(forged.encode()).decode())
    assert not saml_response.is_valid(acs_request_data(), request_id=authn_request.get_id())


def test_unknown_service_provider_is_refused(client):
    client.force_login(CustomerFactory().user)

    _authn_request, response = login_get(client, saml_sp(client, entity_id="https://evil.example/sp"))

    assert response.status_code == 400
    assert "SAMLResponse" not in response.content.decode()
    assert "unknown service provider" in response.content.decode()


def test_unknown_assertion_consumer_service_is_refused(client):
    client.force_login(CustomerFactory().user)

    _authn_request, response = login_get(client, saml_sp(client, acs_url="https://evil.example/acs"))

    assert response.status_code == 400
    assert "SAMLResponse" not in response.content.decode()
    assert "is not allowed" in response.content.decode()


@pytest.mark.parametrize("saml_request", ["", "not base64 at all!", base64.b64encode(b"<html/>").decode()])
def test_unreadable_requests_are_refused(client, saml_request):
    client.force_login(CustomerFactory().user)

    response = client.get("/sso/login/", {"SAMLRequest": saml_request})

    assert response.status_code == 400


def test_wrong_method(client):
    assert client.put("/sso/login/").status_code == 405


def test_signed_out_customer_signs_in_and_comes_back_to_the_answer(client):
    customer = CustomerFactory()
    sp = saml_sp(client)

    authn_request, response = login_get(client, sp)

    assert response.status_code == 302
    login_url = urlsplit(response.url)
    assert login_url.path == "/accounts/login/"
    next_url = parse_qs(login_url.query)["next"][0]
    assert next_url.startswith("/sso/login/?SAMLRequest=")

    signed_in = client.post(
        "/accounts/login/", {"username": customer.user.username, "password": PASSWORD, "next": next_url}
    )
    assert signed_in.status_code == 302
    assert signed_in.url == next_url
    answer = client.get(next_url)

    form = posted_form(answer)
    assert form["RelayState"] == "http://127.0.0.1:8100/console/ecs/buy"
    saml_response = OneLogin_Saml2_Response(sp, form["SAMLResponse"])
    assert saml_response.is_valid(acs_request_data(), request_id=authn_request.get_id(), raise_exceptions=True)
    assert saml_response.get_nameid() == customer.xaccount_id


def test_customer_without_a_bound_account_is_refused_with_an_explanation(client):
    customer = CustomerFactory(binding=Customer.Binding.PENDING, customer_id=None)
    client.force_login(customer.user)

    _authn_request, response = login_get(client, saml_sp(client))

    assert response.status_code == 403
    assert "still being created" in response.content.decode()
    assert "SAMLResponse" not in response.content.decode()


def test_staff_without_a_customer_profile_is_refused(client):
    client.force_login(StaffUserFactory(group="Support"))

    _authn_request, response = login_get(client, saml_sp(client))

    assert response.status_code == 403
    assert "SAMLResponse" not in response.content.decode()


def test_another_customers_identity_is_never_asserted(client):
    victim = CustomerFactory()
    customer = CustomerFactory()
    client.force_login(customer.user)
    sp = saml_sp(client)
    # An AuthnRequest that names the other customer as its Subject.
    xml = OneLogin_Saml2_Authn_Request(sp).get_xml()
    subject = (
        f'<saml:Subject><saml:NameID Format="{C.NAMEID_UNSPECIFIED}">{victim.xaccount_id}</saml:NameID></saml:Subject>'
    )
    xml = xml.replace("<samlp:NameIDPolicy", subject + "<samlp:NameIDPolicy", 1)

    refused = client.get("/sso/login/", {"SAMLRequest": OneLogin_Saml2_Utils.deflate_and_base64_encode(xml)})
    authn_request, answered = login_get(client, sp)

    assert refused.status_code == 403
    assert "SAMLResponse" not in refused.content.decode()
    saml_response = OneLogin_Saml2_Response(sp, posted_form(answered)["SAMLResponse"])
    assert saml_response.is_valid(acs_request_data(), request_id=authn_request.get_id(), raise_exceptions=True)
    assert saml_response.get_nameid() == customer.xaccount_id
    assert victim.xaccount_id not in base64.b64decode(posted_form(answered)["SAMLResponse"]).decode()


def test_nothing_secret_is_logged(client, caplog):
    customer = CustomerFactory()
    client.force_login(customer.user)
    caplog.set_level(logging.DEBUG)

    _authn_request, response = login_get(client, saml_sp(client))

    saml_response = posted_form(response)["SAMLResponse"]
    assert "SAML assertion issued" in caplog.text
    assert "PRIVATE KEY" not in caplog.text
    assert saml_response[:40] not in caplog.text


# --- Buy / Manage in console -------------------------------------------------------------------------


def test_buy_sends_an_approved_customer_to_huawei_cloud_sso(client):
    client.force_login(CustomerFactory().user)

    response = client.get("/sso/console/", {"service": "ecs", "action": "buy"})

    assert response.status_code == 302
    target = urlsplit(response.url)
    assert f"{target.scheme}://{target.netloc}{target.path}" == SSO_URL
    assert parse_qs(target.query) == {
        "xAccountType": ["demo_partner_IDP"],
        "isFirstLogin": ["false"],
        "service": ["http://console.test/ecs/buy"],
    }


@pytest.mark.parametrize(
    "status",
    [
        Customer.RealNameStatus.NOT_SUBMITTED,
        Customer.RealNameStatus.UNDER_REVIEW,
        Customer.RealNameStatus.REJECTED,
        Customer.RealNameStatus.FAILED,
    ],
)
def test_buying_needs_approved_real_name_authentication_but_managing_does_not(client, status):
    client.force_login(CustomerFactory(real_name_status=status).user)

    buy = client.get("/sso/console/", {"service": "evs", "action": "buy"})
    manage = client.get("/sso/console/", {"service": "evs", "action": "manage"})

    assert buy.status_code == 403
    page = buy.content.decode()
    assert "Real-name authentication needed" in page
    assert 'href="/account/"' in page or 'href="/real-name' in page
    assert manage.status_code == 302
    assert parse_qs(urlsplit(manage.url).query)["service"] == ["http://console.test/evs/list"]


def test_console_page_lists_buy_and_manage_per_service(client):
    client.force_login(CustomerFactory().user)

    page = client.get("/sso/console/").content.decode()

    for abbreviation in ("ECS", "EVS", "VPC", "EIP"):
        assert f"Buy {abbreviation}" in page
    assert page.count("Manage in console") == 4


def test_console_page_without_real_name_offers_only_manage(client):
    client.force_login(CustomerFactory(real_name_status=Customer.RealNameStatus.UNDER_REVIEW).user)

    page = client.get("/sso/console/").content.decode()

    assert "Buy ECS" not in page
    assert "Buying needs an approved real-name authentication." in page
    assert page.count("Manage in console") == 4


def test_console_in_chinese(client):
    client.force_login(CustomerFactory().user)

    page = client.get("/sso/console/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "华为云控制台" in page


def test_console_unknown_service_or_action_is_404(client):
    client.force_login(CustomerFactory().user)

    assert client.get("/sso/console/", {"service": "rds", "action": "buy"}).status_code == 404
    assert client.get("/sso/console/", {"service": "ecs", "action": "delete"}).status_code == 404


def test_console_signed_out_goes_to_sign_in(client):
    response = client.get("/sso/console/", {"service": "ecs", "action": "buy"})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/sso/console/")


def test_console_unbound_customer_is_told_why(client):
    client.force_login(CustomerFactory(binding=Customer.Binding.PENDING, customer_id=None).user)

    response = client.get("/sso/console/", {"service": "ecs", "action": "manage"})

    assert response.status_code == 403
    assert "still being created" in response.content.decode()
