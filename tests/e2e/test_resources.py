"""The demo customer's resources in a browser: renew with the quote shown, auto-renewal on and off,
unsubscribe with the refund shown; each change visible after a refresh from HUAWEI CLOUD (the sandbox)."""

from __future__ import annotations

import re

import pytest

from orders.models import Resource
from tests.factories import PASSWORD, CustomerFactory
from tests.sandbox_server import DEMO_CUSTOMER

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ECS = "3f1a2b4c-5d6e-4f70-8a91-b2c3d4e5f601"
GPSSD_DISK = "7c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e402"


def _row(page, resource_id):
    return page.locator(f'tr.resource-main[data-resource-id="{resource_id}"]')


def _refresh(page):
    page.get_by_role("button", name="Refresh from HUAWEI CLOUD").click()
    page.wait_for_url("**/resources/")
    assert page.get_by_text("Resources refreshed from HUAWEI CLOUD.").is_visible()


def test_renew_autorenew_and_unsubscribe(page, sandbox, screenshot_dir):
    customer = CustomerFactory(
        account_name=DEMO_CUSTOMER["account_name"],
        xaccount_id=DEMO_CUSTOMER["xaccount_id"],
        customer_id=DEMO_CUSTOMER["customer_id"],
    )
    page.goto("/accounts/login/?next=/resources/")
    page.get_by_label("Account name").fill(customer.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/resources/")
    _refresh(page)
    ecs_expiry = _row(page, ECS).locator(".resource-expiry time").get_attribute("datetime")
    page.screenshot(path=screenshot_dir / "resources-list.png", full_page=True)

    # Renew the ECS for a month: the price first, then renew, paid at once.
    _row(page, ECS).get_by_role("link", name="Renew", exact=True).click()
    page.get_by_label("Renew for").select_option("2:1")
    page.get_by_role("button", name="See the price").click()
    assert page.locator(".renewal-amount").inner_text() == "27.75 USD"
    page.screenshot(path=screenshot_dir / "resources-renew-quote.png", full_page=True)
    page.get_by_role("button", name="Renew now").click()
    page.wait_for_url(re.compile(r".*/resources/renewals/\d+/$"))
    assert page.locator(".renewal-status").inner_text() == "Accepted by HUAWEI CLOUD"
    assert page.locator(f'tr[data-resource-id="{ECS}"] .resource-result').inner_text().strip() == "Accepted"
    page.get_by_role("link", name="Back to resources").click()
    _refresh(page)
    assert _row(page, ECS).locator(".resource-expiry time").get_attribute("datetime") > ecs_expiry

    # Auto-renewal on for the yearly disk, a year at a time; then off again.
    _row(page, GPSSD_DISK).get_by_role("link", name="Auto-renew on").click()
    page.get_by_label("Renew each time for").select_option("YEAR")
    page.get_by_role("button", name="Switch auto-renewal on").click()
    page.wait_for_url("**/resources/")
    _refresh(page)
    assert "On" in _row(page, GPSSD_DISK).locator(".resource-autorenew").inner_text()
    assert Resource.objects.get(resource_id=GPSSD_DISK).expire_policy == 3
    _row(page, GPSSD_DISK).get_by_role("link", name="Auto-renew off").click()
    page.get_by_role("button", name="Switch auto-renewal off").click()
    page.wait_for_url("**/resources/")
    _refresh(page)
    assert _row(page, GPSSD_DISK).locator(".resource-autorenew").inner_text().strip() == "Off"

    # Unsubscribe the disk: the estimate, a tick for the disk, then HUAWEI CLOUD's refund.
    _row(page, GPSSD_DISK).get_by_role("link", name="Unsubscribe", exact=True).click()
    assert page.locator(".refund-estimate").is_visible()
    assert page.get_by_text("This is an estimate").is_visible()
    tick = page.get_by_label(re.compile(r"^Delete volume-"))
    page.get_by_role("button", name="Unsubscribe and delete").click()
    assert tick.evaluate("box => box.validity.valueMissing")  # nothing sent without the tick
    tick.check()
    page.screenshot(path=screenshot_dir / "resources-unsubscribe.png", full_page=True)
    page.get_by_role("button", name="Unsubscribe and delete").click()
    page.wait_for_url(re.compile(r".*/resources/unsubscriptions/\d+/$"))
    refund = page.locator(".refund-amount").inner_text()
    assert re.fullmatch(r"\d+\.\d{2} USD", refund) and refund != "0.00 USD"
    assert page.locator(".refund-lines").is_visible()
    page.screenshot(path=screenshot_dir / "resources-unsubscribed.png", full_page=True)
    page.get_by_role("link", name="Back to resources").click()
    _refresh(page)
    assert "Closed" in _row(page, GPSSD_DISK).inner_text()


def test_usage_page_draws_the_month_by_day_and_service(page, sandbox, screenshot_dir):
    customer = CustomerFactory(
        account_name=DEMO_CUSTOMER["account_name"],
        xaccount_id=DEMO_CUSTOMER["xaccount_id"],
        customer_id=DEMO_CUSTOMER["customer_id"],
    )
    year, month = (int(part) for part in sandbox.clock()["now"][:7].split("-"))
    cycle = f"{year:04d}-{month - 1:02d}" if month > 1 else f"{year - 1:04d}-12"
    page.goto(f"/accounts/login/?next=/usage/%3Fmonth%3D{cycle}")
    page.get_by_label("Account name").fill(customer.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/usage/**")

    page.wait_for_selector('#usage-chart[data-drawn="1"]')  # Chart.js, served by us, drew it
    assert page.locator(".usage-total strong").inner_text().endswith(" USD")
    page.screenshot(path=screenshot_dir / "usage.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == f"usage-{cycle}-cycle.csv"
