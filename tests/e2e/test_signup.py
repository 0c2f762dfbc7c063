"""A new visitor signs up, authenticates their real name, and sees it approved: browser, portal and sandbox."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from PIL import Image

from customers import tasks
from customers.models import Customer, RealNameApplication

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSPORT = "E24681357"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


def photo(path, colour):
    Image.new("RGB", (64, 40), colour).save(path, format="PNG")
    return str(path)


def test_sign_up_then_real_name_approved(page, sandbox, screenshot_dir, tmp_path, capsys):
    from django.core.cache import cache

    cache.clear()
    sandbox.clear_requests()
    email = "e2e-visitor@example.com"

    started = time.monotonic()
    page.goto("/signup/")
    page.get_by_label("Account name").fill("e2e-visitor")
    page.wait_for_selector('#check-account_name [data-state="available"]')
    page.locator("#id_email").fill(email)
    page.wait_for_selector('#check-email [data-state="available"]')
    page.get_by_role("button", name="Send code").click()
    page.wait_for_selector("#code-status:has-text('We sent a code')")
    # The countdown: the button cannot be pressed again for a minute.
    assert page.locator("[data-send-code]").is_disabled()
    page.locator("#id_verification_code").fill(sandbox.verification_code(email))
    page.locator("#id_password").fill("Sunny-Harbour-2025")
    page.locator("#id_accept_terms").check()
    page.screenshot(path=screenshot_dir / "signup-filled.png", full_page=True)
    page.get_by_role("button", name="Create account", exact=True).last.click()
    page.wait_for_url("**/account/")
    elapsed = time.monotonic() - started
    calls = [r["operation"] for r in sandbox.requests()]
    with capsys.disabled():
        print(f"\nsign-up in the browser: {elapsed:.2f} s end to end, {len(calls)} cloud calls: {sorted(calls)}")

    assert page.get_by_text("Welcome! Your account and your HUAWEI CLOUD account are ready.").is_visible()
    customer = Customer.objects.get(account_name="e2e-visitor")
    assert customer.binding == Customer.Binding.BOUND
    assert calls.count("create_sub_customer") == 1
    page.screenshot(path=screenshot_dir / "signup-account.png", full_page=True)

    page.get_by_role("link", name="Authenticate now").click()
    page.wait_for_url("**/account/real-name/")
    assert page.get_by_text("Individual, by bank card (unavailable)").is_visible()
    page.get_by_label("Full name, as on the document").fill("E2E Visitor")
    page.get_by_label("ID type").select_option("3")
    page.get_by_label("ID number").fill(PASSPORT)
    page.get_by_label("Front of the document (for a passport: the photo page)").set_input_files(
        photo(tmp_path / "front.png", (30, 90, 200))
    )
    page.get_by_label("Photo of you holding the front of the document").set_input_files(
        photo(tmp_path / "hand.png", (200, 90, 30))
    )
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url("**/account/real-name/")
    assert page.get_by_text("Under review. HUAWEI CLOUD usually decides").is_visible()
    page.screenshot(path=screenshot_dir / "realname-under-review.png", full_page=True)
    application = RealNameApplication.objects.get(customer=customer)
    (pending,) = [a for a in sandbox.realname_pending() if a["customer_id"] == customer.customer_id]
    # The object keys HUAWEI CLOUD got are our private storage names, in its order.
    assert pending["verified_file_url"] == [f.storage_name for f in application.files.all()]

    sandbox.realname_decide(customer.customer_id, "approve")
    assert tasks.realname_reviews_check.delay().get()["decided"] == 1

    page.reload()
    assert page.get_by_text("Approved. You can buy every HUAWEI CLOUD service.").is_visible()
    assert PASSPORT not in page.content()
    journey = time.monotonic() - started
    calls = [r["operation"] for r in sandbox.requests()]
    with capsys.disabled():
        print(
            f"sign-up + real-name in the browser: {journey:.2f} s end to end, {len(calls)} cloud calls: {sorted(calls)}"
        )
    page.screenshot(path=screenshot_dir / "realname-approved.png", full_page=True)
    customer.refresh_from_db()
    assert customer.real_name_status == Customer.RealNameStatus.APPROVED
    assert calls.count("create_personal_realname_auth") == 1
    assert calls.count("show_realname_authentication_review_result") == 1
    assert len(mail.outbox) == 2  # welcome, then the approval
    assert "approved" in mail.outbox[-1].subject
