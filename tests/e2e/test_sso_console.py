"""Buying in the HUAWEI CLOUD console through single sign-on: the platform (live_server) is the SAML
identity provider, the sandbox is HUAWEI CLOUD with its console."""

from __future__ import annotations

import re

import pytest
import requests

from customers import sso
from tests.factories import PASSWORD, CustomerFactory
from tests.sandbox_server import DEMO_CUSTOMER, DEMO_PARTNER

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sso_between(live_server, sandbox, settings):
    """Each side trusts the other: our settings name the sandbox, the sandbox reads our live metadata."""
    settings.SITE_URL = live_server.url
    settings.SAML_IDP_ENTITY_ID = f"{live_server.url}/sso/metadata/"
    settings.HUAWEICLOUD_SAML_SP_ACS_URLS = [f"{sandbox.url}/authui/saml/acs"]
    settings.HUAWEICLOUD_CONSOLE_URLS = {
        service: {"buy": f"{sandbox.url}/console/{service}/buy", "manage": f"{sandbox.url}/console/resources"}
        for service in sso.SERVICES
    }
    answer = requests.post(
        f"{sandbox.url}/_sandbox/sso/idp",
        json={"xaccount_type": DEMO_PARTNER["xaccount_type"], "metadata_url": f"{live_server.url}/sso/metadata/"},
        timeout=20,
    )
    assert answer.status_code == 201, answer.text
    return sandbox


def test_customer_buys_ecs_in_the_console_through_single_sign_on(page, sso_between, screenshot_dir):
    sandbox = sso_between
    customer = CustomerFactory(
        account_name=DEMO_CUSTOMER["account_name"],
        xaccount_id=DEMO_CUSTOMER["xaccount_id"],
        customer_id=DEMO_CUSTOMER["customer_id"],
    )

    page.goto("/accounts/login/?next=/sso/console/")
    page.get_by_label("Account name").fill(customer.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/sso/console/")
    page.screenshot(path=screenshot_dir / "sso-console-services.png", full_page=True)

    # Platform -> HUAWEI CLOUD SSO -> our IdP -> signed SAMLResponse posted back -> the console's buy page.
    page.get_by_role("link", name="Buy ECS").click()
    page.wait_for_url(f"{sandbox.url}/console/ecs/buy")
    assert page.get_by_text("Signed in as demo-customer").is_visible()
    page.screenshot(path=screenshot_dir / "sandbox-console-buy-ecs.png", full_page=True)

    page.get_by_label("Region").select_option("ap-southeast-3")
    page.get_by_label("Specification").select_option("s6.large.2.linux")
    page.get_by_label("Required duration").fill("2")
    page.get_by_role("button", name="Submit order").click()
    page.wait_for_url(re.compile(r".*/console/orders/\w+$"))

    heading = page.get_by_role("heading", level=1)
    assert "created: pay it on your partner's site" in heading.inner_text()
    order_id = page.url.rsplit("/", 1)[1]
    page.screenshot(path=screenshot_dir / "sandbox-console-order-created.png", full_page=True)
    order = requests.get(f"{sandbox.url}/_sandbox/orders/{order_id}", timeout=10).json()
    assert order["status"] == 6  # pending payment
    assert order["customer_id"] == DEMO_CUSTOMER["customer_id"]
    assert {line["period_num"] for line in order["order_line_items"]} == {2}

    # And back to the partner's site from the console.
    assert page.get_by_role("link", name="Go to your partner's site").get_attribute("href") == "http://127.0.0.1:8000/"
