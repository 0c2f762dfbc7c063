"""The sandbox console's SAML service provider: what it accepts, what it refuses, and the console behind it.

The IdP here is a test one (own key pair, own entity id) configured through the control API; its answers
are built with the platform's `customers.sso.response_build`, so every field can be made wrong on purpose.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from customers import sso
from tests.sandbox_server import DEMO_CUSTOMER, DEMO_PARTNER

IDP_ENTITY_ID = "https://idp.test/sso/metadata/"
SP_ENTITY_ID = "https://auth.huaweicloud.com/"
ACME_RETAIL_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"  # another customer of the demo partner


@pytest.fixture(scope="module")
def idp_keys() -> sso.IdpKeys:
    return sso.IdpKeys(*sso._generate_key_pair())


@pytest.fixture
def idp(sandbox, settings, idp_keys) -> sso.IdpKeys:
    """The demo partner's IdP is our test IdP (metadata given as XML)."""
    settings.SITE_URL = "https://idp.test"
    settings.SAML_IDP_ENTITY_ID = IDP_ENTITY_ID
    settings.SAML_IDP_PRIVATE_KEY, settings.SAML_IDP_CERTIFICATE = idp_keys.private_key, idp_keys.certificate
    answer = requests.post(
        f"{sandbox.url}/_sandbox/sso/idp",
        json={"xaccount_type": DEMO_PARTNER["xaccount_type"], "metadata_xml": sso.idp_metadata_xml()},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["sso_url"] == "https://idp.test/sso/login/"
    return idp_keys


@pytest.fixture
def browser(sandbox) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def start_sign_in(browser, sandbox, service: str = "/console/ecs/buy") -> dict:
    """Open the SSO link; return the AuthnRequest the sandbox sent to the IdP."""
    answer = browser.get(
        f"{sandbox.url}/authui/saml/login",
        params={"xAccountType": DEMO_PARTNER["xaccount_type"], "isFirstLogin": "false", "service": service},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://idp.test/sso/login/"
    query = parse_qs(location.query)
    document = etree.fromstring(OneLogin_Saml2_Utils.decode_base64_and_inflate(query["SAMLRequest"][0]))
    return {
        "id": document.get("ID"),
        "acs_url": document.get("AssertionConsumerServiceURL"),
        "issuer": document.findtext(f"{{{C.NS_SAML}}}Issuer"),
        "relay_state": query["RelayState"][0],
    }


def signed_answer(request: dict, keys: sso.IdpKeys, **overrides) -> str:
    fields = {
        "in_response_to": request["id"],
        "acs_url": request["acs_url"],
        "audience": request["issuer"],
        "name_id": DEMO_CUSTOMER["xaccount_id"],
        "attributes": {"xAccountId": DEMO_CUSTOMER["xaccount_id"], "xAccountType": DEMO_PARTNER["xaccount_type"]},
        "keys": keys,
        "issuer": IDP_ENTITY_ID,
        **overrides,
    }
    return sso.response_build(**fields)


def post_answer(browser, request: dict, xml: str) -> requests.Response:
    return browser.post(
        request["acs_url"],
        data={"SAMLResponse": base64.b64encode(xml.encode()).decode(), "RelayState": request["relay_state"]},
        allow_redirects=False,
        timeout=10,
    )


def assert_refused(answer: requests.Response, reason: str) -> None:
    assert answer.status_code == 403, answer.text
    assert "Sign-in refused" in answer.text
    assert reason in answer.text
    assert "sandbox_console" not in answer.cookies


# --- accepted --------------------------------------------------------------------------------------------


def test_signed_answer_opens_the_console_as_the_customer_who_buys(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox, service=f"{sandbox.url}/console/ecs/buy")
    assert request["acs_url"] == f"{sandbox.url}/authui/saml/acs"
    assert request["issuer"] == SP_ENTITY_ID

    answer = post_answer(browser, request, signed_answer(request, idp))

    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"] == "/console/ecs/buy"
    page = browser.get(f"{sandbox.url}/console/ecs/buy", timeout=10)
    assert page.status_code == 200
    assert "Signed in as <strong>demo-customer</strong>" in page.text

    form_token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    created = browser.post(
        f"{sandbox.url}/console/ecs/buy",
        data={
            "form_token": form_token,
            "region": "ap-southeast-3",
            "spec": "s6.large.2.linux",
            "size": "40",
            "period_type": "2",
            "period_num": "1",
            "quantity": "1",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert created.status_code == 302, created.text
    order_id = created.headers["Location"].rsplit("/", 1)[1]
    order_page = browser.get(f"{sandbox.url}{created.headers['Location']}", timeout=10)
    assert f"{order_id}</span> created: pay it on your partner" in order_page.text
    order = requests.get(f"{sandbox.url}/_sandbox/orders/{order_id}", timeout=10).json()
    assert order["status"] == 6
    assert order["customer_id"] == DEMO_CUSTOMER["customer_id"]


def test_service_outside_the_console_lands_on_the_overview(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox, service="https://evil.example/console/steal")

    answer = post_answer(browser, request, signed_answer(request, idp))

    assert answer.headers["Location"] == "/console/steal"  # path kept, host never
    request = start_sign_in(browser, sandbox, service="https://evil.example/")
    assert post_answer(browser, request, signed_answer(request, idp)).headers["Location"] == "/console/"


# --- refused ---------------------------------------------------------------------------------------------


def test_tampered_response_is_refused(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox)
    xml = signed_answer(request, idp)

    # Another customer of the same partner, after signing.
    tampered = xml.replace(DEMO_CUSTOMER["xaccount_id"], "pp-acme-retail")

    assert_refused(post_answer(browser, request, tampered), "not valid")


@pytest.mark.parametrize(
    ("signing", "reason"),
    [
        ({"sign_response": False, "sign_assertion": False}, "not valid"),
        ({"sign_response": False}, "not valid"),
        ({"sign_assertion": False}, "not valid"),
    ],
    ids=["unsigned", "response-unsigned", "assertion-unsigned"],
)
def test_unsigned_response_is_refused(sandbox, idp, browser, signing, reason):
    request = start_sign_in(browser, sandbox)

    assert_refused(post_answer(browser, request, signed_answer(request, idp, **signing)), reason)


def test_response_signed_with_another_key_is_refused(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox)
    other_keys = sso.IdpKeys(*sso._generate_key_pair())

    assert_refused(post_answer(browser, request, signed_answer(request, other_keys)), "not valid")


def test_expired_response_is_refused(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox)

    xml = signed_answer(request, idp, now=datetime.now(UTC) - timedelta(hours=1))

    assert_refused(post_answer(browser, request, xml), "not valid")


def test_response_for_another_audience_is_refused(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox)

    xml = signed_answer(request, idp, audience="https://another-sp.example/")

    assert_refused(post_answer(browser, request, xml), "not a valid audience")


def test_response_from_another_issuer_is_refused(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox)

    assert_refused(post_answer(browser, request, signed_answer(request, idp, issuer="https://x.example/")), "issuer")


def test_unsolicited_response_is_refused(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox)

    xml = signed_answer(request, idp, in_response_to="_never-sent")

    assert_refused(post_answer(browser, request, xml), "unsolicited")


def test_replayed_response_is_refused(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox)
    xml = signed_answer(request, idp)
    assert post_answer(browser, request, xml).status_code == 302

    assert_refused(post_answer(requests.Session(), request, xml), "already used")


def test_unknown_user_is_refused(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox)
    xml = signed_answer(request, idp, name_id="pp-nobody", attributes={"xAccountId": "pp-nobody"})

    assert_refused(post_answer(browser, request, xml), "No HUAWEI CLOUD account is bound")


def test_missing_or_broken_saml_response_is_refused(sandbox, idp, browser):
    url = f"{sandbox.url}/authui/saml/acs"

    assert_refused(browser.post(url, data={}, timeout=10), "no SAMLResponse")
    assert_refused(browser.post(url, data={"SAMLResponse": "%%%"}, timeout=10), "cannot be read")
    assert browser.get(url, timeout=10).status_code == 405


# --- login, console without a session, control API ---------------------------------------------------------


def test_unknown_xaccount_type_has_no_identity_provider(sandbox, browser):
    answer = browser.get(
        f"{sandbox.url}/authui/saml/login", params={"xAccountType": "nobody_IDP", "service": "/console/"}, timeout=10
    )

    assert answer.status_code == 400
    assert "No identity provider is configured" in answer.text


def test_unreachable_default_metadata_is_explained(sandbox, browser):
    # No IdP configured after the reset: the sandbox tries SANDBOX_IDP_METADATA_URL (a closed port in
    # tests, see tests/sandbox_server.py) and says so instead of crashing.
    answer = browser.get(
        f"{sandbox.url}/authui/saml/login",
        params={"xAccountType": DEMO_PARTNER["xaccount_type"], "service": "/console/"},
        allow_redirects=False,
        timeout=20,
    )

    assert answer.status_code == 502
    assert "identity provider is unavailable" in answer.text


def test_console_without_a_session_says_where_to_sign_in(sandbox, browser):
    for path in ("/console/", "/console/ecs/buy", "/console/resources"):
        answer = browser.get(f"{sandbox.url}{path}", timeout=10)
        assert answer.status_code == 401
        assert "Sign in through your partner" in answer.text


def test_resources_and_sign_out(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox, service="/console/resources?service=ecs")
    answer = post_answer(browser, request, signed_answer(request, idp))
    assert answer.headers["Location"] == "/console/resources?service=ecs"

    page = browser.get(f"{sandbox.url}/console/resources?service=ecs", timeout=10)
    assert page.status_code == 200
    assert "Resources: ECS" in page.text

    form_token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    browser.post(f"{sandbox.url}/console/signout", data={"form_token": form_token}, timeout=10)
    assert browser.get(f"{sandbox.url}/console/", timeout=10).status_code == 401


def test_console_form_needs_the_session_form_token(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox)
    post_answer(browser, request, signed_answer(request, idp))

    answer = browser.post(f"{sandbox.url}/console/ecs/buy", data={"region": "ap-southeast-3"}, timeout=10)

    assert answer.status_code == 403


def test_control_api_configures_and_lists_identity_providers(sandbox, idp):
    listed = requests.get(f"{sandbox.url}/_sandbox/sso/idp", timeout=10).json()["identity_providers"]

    assert [(p["xaccount_type"], p["entity_id"]) for p in listed] == [(DEMO_PARTNER["xaccount_type"], IDP_ENTITY_ID)]
    bad = requests.post(
        f"{sandbox.url}/_sandbox/sso/idp", json={"xaccount_type": "x", "metadata_xml": "<x/>"}, timeout=10
    )
    assert bad.status_code == 400
    assert requests.post(f"{sandbox.url}/_sandbox/sso/idp", json={}, timeout=10).status_code == 400


def test_sp_metadata(sandbox):
    answer = requests.get(f"{sandbox.url}/authui/saml/metadata.xml", timeout=10)

    root = etree.fromstring(answer.content)
    assert root.get("entityID") == SP_ENTITY_ID
    acs = root.find(f".//{{{C.NS_MD}}}AssertionConsumerService")
    assert acs.get("Location") == f"{sandbox.url}/authui/saml/acs"


def test_another_customers_order_is_not_shown(sandbox, idp, browser):
    request = start_sign_in(browser, sandbox)
    post_answer(browser, request, signed_answer(request, idp))
    own = requests.post(
        f"{sandbox.url}/_sandbox/console/purchase",
        json={
            "customer_id": DEMO_CUSTOMER["customer_id"],
            "service": "evs",
            "region": "ap-southeast-3",
            "spec": "SAS",
            "size": 40,
        },
        timeout=10,
    ).json()["order_id"]
    listed = requests.post(
        f"{sandbox.url}/_sandbox/console/purchase",
        json={"customer_id": ACME_RETAIL_ID, "service": "evs", "region": "ap-southeast-3", "spec": "SAS", "size": 40},
        timeout=10,
    )
    assert listed.status_code in (200, 201), listed.text
    others = listed.json()["order_id"]

    assert browser.get(f"{sandbox.url}/console/orders/{own}", timeout=10).status_code == 200
    assert browser.get(f"{sandbox.url}/console/orders/{others}", timeout=10).status_code == 404
