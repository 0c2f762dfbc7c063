"""The whole purchase: price an ECS here, buy it in the HUAWEI CLOUD console (sandbox) through single
sign-on, come back, see the order pending, pay it, and see it completed with its resources.

Prints the journey's cloud calls and page timings (run with -s to see them)."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest
import requests
from playwright.sync_api import expect

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


class Stopwatch:
    def __init__(self):
        self.laps: list[tuple[str, float]] = []
        self._start = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps.append((name, (now - self._start) * 1000))
        self._start = now


def test_customer_prices_buys_in_the_console_and_pays_here(page, sso_between, screenshot_dir):
    sandbox = sso_between
    customer = CustomerFactory(
        account_name=DEMO_CUSTOMER["account_name"],
        xaccount_id=DEMO_CUSTOMER["xaccount_id"],
        customer_id=DEMO_CUSTOMER["customer_id"],
    )
    sandbox.clear_requests()
    watch = Stopwatch()

    page.goto("/accounts/login/?next=/prices/")
    page.get_by_label("Account name").fill(customer.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/prices/")
    watch.lap("sign in -> prices page")

    # Price it: the form updates the result in place (htmx); the button is the no-JavaScript way.
    page.get_by_label("Region").select_option("ap-southeast-3")
    page.get_by_label("Specification").select_option("s6.large.2.linux")
    page.get_by_role("button", name="Get the price").click()
    price = page.get_by_test_id("price")
    price.wait_for()
    assert "You pay" in price.inner_text()
    watch.lap("price inquiry")
    # Live update: changing a field re-prices in place, without pressing the button.
    one = price.inner_text()
    page.get_by_label("Quantity").fill("2")
    page.get_by_label("Quantity").dispatch_event("change")
    expect(page.get_by_test_id("price")).not_to_have_text(one)
    page.wait_for_url(re.compile(r".*quantity=2"))  # the address follows: the page can be shared or reloaded
    watch.lap("live re-pricing (htmx)")
    page.screenshot(path=screenshot_dir / "prices-ecs.png", full_page=True)

    # Buy: platform -> HUAWEI CLOUD SSO -> our IdP -> signed SAMLResponse -> the console's buy page.
    page.get_by_role("link", name="Buy in the HUAWEI CLOUD console").click()
    page.wait_for_url(f"{sandbox.url}/console/ecs/buy")
    watch.lap("single sign-on to the console")
    page.get_by_label("Region").select_option("ap-southeast-3")
    page.get_by_label("Specification").select_option("s6.large.2.linux")
    page.get_by_role("button", name="Submit order").click()
    page.wait_for_url(re.compile(r".*/console/orders/\w+$"))
    order_id = page.url.rsplit("/", 1)[1]
    watch.lap("order placed in the console")

    # Back on the partner's site: the order appears after a refresh.
    page.goto("/orders/")
    page.get_by_role("button", name="Refresh from HUAWEI CLOUD").click()
    page.wait_for_load_state()
    watch.lap("orders page + refresh (sync)")
    page.get_by_role("link", name="Pending payment").click()
    row = page.get_by_role("row").filter(has_text=order_id)
    assert "Pending payment" in row.inner_text()
    page.screenshot(path=screenshot_dir / "orders-pending.png", full_page=True)

    row.get_by_role("link", name="Pay").click()
    page.wait_for_url(f"**/orders/{order_id}/pay/")
    watch.lap("payment confirmation page")
    assert page.get_by_text("Budget left").is_visible()
    page.screenshot(path=screenshot_dir / "order-pay.png", full_page=True)
    page.get_by_role("button", name="Confirm and pay").click()
    page.wait_for_url(f"**/orders/{order_id}/")
    watch.lap("pay -> order page")

    assert page.get_by_text(f"Order {order_id} is paid").is_visible()
    assert "Completed" in page.locator(".page-intro").inner_text()
    resources = page.get_by_test_id("resources")
    assert "In use" in resources.inner_text()
    page.screenshot(path=screenshot_dir / "order-completed.png", full_page=True)
    assert requests.get(f"{sandbox.url}/_sandbox/orders/{order_id}", timeout=10).json()["status"] == 5

    calls = Counter(r["operation"] for r in sandbox.requests() if r["operation"])
    assert calls["pay_orders"] == 1
    print("\nCloud calls of the journey:", dict(sorted(calls.items())))
    print("Page timings (ms):", ", ".join(f"{name} {ms:.0f}" for name, ms in watch.laps))
