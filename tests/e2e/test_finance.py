"""Finance in a browser: the dashboard's charts, a cycle's run progress, and a customer's bill."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing import ingest, services
from billing.models import CustomerBill, IngestRun, RatingRule
from tests.billing.helpers import CUSTOMERS, CYCLE, chunks, good_file
from tests.factories import PASSWORD, CustomerFactory, StaffUserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Account name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/")


@pytest.fixture
def issued():
    ingest.ingest(cycle=CYCLE, chunks=chunks(good_file(lines=300, part_rows=150)))
    RatingRule.objects.create(percent=Decimal("10"), valid_from=date(2026, 1, 1))
    services.cycle_rate(cycle=CYCLE)
    services.customer_bills_draft(cycle=CYCLE)
    services.customer_bills_issue(cycle=CYCLE)
    return CustomerBill.objects.filter(cycle=CYCLE)


def test_finance_dashboard_charts_and_a_running_ingest(page, issued, screenshot_dir):
    StaffUserFactory(username="finance-e2e", group="Finance")
    run = IngestRun.objects.create(cycle="2026-10", status=IngestRun.Status.RUNNING, parts_done=1, rows_done=150)
    _sign_in(page, "finance-e2e")

    page.goto("/finance/")
    page.wait_for_selector('html[data-finance-charts="drawn"]')
    assert page.get_by_role("link", name=CYCLE).is_visible()
    page.screenshot(path=screenshot_dir / "finance-dashboard.png", full_page=True)

    page.goto("/finance/cycles/2026-10/")
    card = page.locator(f"#run-{run.pk}")
    assert card.get_attribute("data-run-status") == "running"
    IngestRun.objects.filter(pk=run.pk).update(status=IngestRun.Status.SUCCEEDED, rows_changed=300)
    # htmx polls the card and swaps it when the run is done.
    page.wait_for_selector(f'#run-{run.pk}[data-run-status="succeeded"]')
    page.screenshot(path=screenshot_dir / "finance-cycle.png", full_page=True)

    page.goto(f"/finance/cycles/{CYCLE}/reconciliation/")
    assert page.locator("#reconciled").is_visible()


def test_a_customer_sees_their_bill_and_downloads_the_pdf(page, screenshot_dir):
    customer = CustomerFactory(account_name="alpha-co", customer_id=CUSTOMERS[0][0])
    ingest.ingest(cycle=CYCLE, chunks=chunks(good_file(lines=300, part_rows=300)))
    services.cycle_rate(cycle=CYCLE)
    services.customer_bills_draft(cycle=CYCLE)
    services.customer_bills_issue(cycle=CYCLE)
    own = CustomerBill.objects.get(customer=customer)
    other = CustomerBill.objects.exclude(customer=customer).get()
    _sign_in(page, "alpha-co")

    page.goto("/bills/")
    assert page.get_by_role("link", name=own.number).is_visible()
    assert page.get_by_text(other.number).count() == 0
    page.screenshot(path=screenshot_dir / "bills.png", full_page=True)
    page.get_by_role("link", name=own.number).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF (Chinese)").click()
    assert download.value.suggested_filename == f"{own.number}-zh-hans.pdf"
