"""A visitor's first minutes: home page, language switch, staff sign-in, the admin."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, CustomerFactory, StaffUserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_language_switch_and_staff_sign_in(page, screenshot_dir):
    operations_user = StaffUserFactory(username="ops-e2e", group="Operations")
    CustomerFactory(account_name="e2e-customer")

    page.goto("/")
    assert page.get_by_role("heading", level=1).is_visible()
    page.screenshot(path=screenshot_dir / "home-desktop.png", full_page=True)

    # Switch to Chinese: the select auto-submits with JavaScript.
    page.get_by_label("Language").select_option("zh-hans")
    page.wait_for_selector('html[lang="zh-hans"]')
    assert page.get_by_role("heading", name="本地支持", exact=True).is_visible()  # "Local support"
    page.screenshot(path=screenshot_dir / "home-desktop-zh.png", full_page=True)

    # And back: the label is now in Chinese.
    page.get_by_label("语言").select_option("en")
    page.wait_for_selector('html[lang="en"]')
    assert page.get_by_role("heading", name="Local support", exact=True).is_visible()

    # Sign in as Operations staff from the header.
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Account name").fill(operations_user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/")
    assert page.get_by_role("link", name="Open the administration site").is_visible()
    page.screenshot(path=screenshot_dir / "account-staff.png", full_page=True)

    page.goto("/admin/")
    assert page.get_by_text("Partner Portal administration").first.is_visible()
    page.locator('#content-main a[href="/admin/customers/customer/"]').first.click()
    page.wait_for_url("**/admin/customers/customer/")
    assert page.get_by_role("link", name="e2e-customer", exact=True).is_visible()
    page.screenshot(path=screenshot_dir / "admin-customers.png", full_page=True)


def test_home_on_a_phone(page, screenshot_dir):
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/")

    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.get_by_label("Language").is_visible()
    page.screenshot(path=screenshot_dir / "home-mobile.png")
    page.screenshot(path=screenshot_dir / "home-mobile-full.png", full_page=True)


def test_customer_account_page(page, screenshot_dir):
    customer = CustomerFactory(account_name="screen-customer")

    page.goto("/accounts/login/")
    page.screenshot(path=screenshot_dir / "login.png", full_page=True)
    page.get_by_label("Account name").fill(customer.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/")

    assert page.get_by_text(customer.customer_id).is_visible()
    page.screenshot(path=screenshot_dir / "account-customer.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=screenshot_dir / "account-customer-mobile.png", full_page=True)


def test_design_components_page(page, screenshot_dir):
    staff = StaffUserFactory(username="designer", group="Support")

    page.goto("/accounts/login/?next=/styleguide/")
    page.get_by_label("Account name").fill(staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/styleguide/")

    assert page.get_by_role("heading", name="Design components").is_visible()
    page.screenshot(path=screenshot_dir / "styleguide.png", full_page=True)
