"""A customer's service ticket end to end: the platform (live_server) in chromium, the sandbox as HUAWEI CLOUD."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail

from tests.factories import PASSWORD, CustomerFactory
from tests.sandbox_server import DEMO_CUSTOMER
from tests.sandbox_tickets_helpers import sandbox_ticket, ticket_reply
from tickets import services, tasks
from tickets.models import Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SG_RULES = b"Inbound TCP 22 from 0.0.0.0/0: missing\n"
ANSWERS = (
    "ECS ID: 4f1c2d\nRegion: ap-southeast-3\nLogin method (VNC / SSH / RDP): SSH\nError message shown: Connection timed out\n"
    "When did it start: this morning\nWhat have you tried (restart, password reset, security group check): restart"
)


def test_customer_opens_follows_answers_and_closes_a_ticket(
    page, sandbox, settings, live_server, tmp_path, screenshot_dir
):
    settings.SITE_URL = live_server.url
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    services.catalogue_refresh()
    customer = CustomerFactory(
        account_name=DEMO_CUSTOMER["account_name"],
        xaccount_id=DEMO_CUSTOMER["xaccount_id"],
        customer_id=DEMO_CUSTOMER["customer_id"],
        email=DEMO_CUSTOMER["email"],
    )
    log = tmp_path / "ssh-debug.log"
    log.write_text("debug1: connect to address 1.2.3.4 port 22: Connection timed out\n")

    page.goto("/accounts/login/?next=/tickets/")
    page.get_by_label("Account name").fill(customer.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/tickets/")
    page.get_by_role("link", name="New ticket").first.click()

    # Product -> problem type -> template: htmx narrows the choices and the template fills the description.
    page.get_by_label("Subject").fill("Cannot SSH into my server")
    page.get_by_label("Product").select_option(label="Elastic Cloud Server")
    page.get_by_label("Problem type").select_option(label="Cannot log in to an ECS")
    page.get_by_label("Template").select_option("T150101")
    expect_description = page.get_by_label("Description")
    page.wait_for_function("document.querySelector('#id_description').value.includes('Login method')")
    page.get_by_label("Severity").select_option("2")
    page.locator("#id_region").select_option("ap-southeast-3")
    expect_description.fill(ANSWERS)
    page.get_by_label("Attachments").set_input_files(str(log))
    page.screenshot(path=screenshot_dir / "ticket-new.png", full_page=True)
    page.get_by_role("button", name="Send ticket").click()
    page.wait_for_url(re.compile(r".*/tickets/\d+/$"))

    ticket = Ticket.objects.get()
    assert ticket.incident_id and page.get_by_text(ticket.incident_id).first.is_visible()
    assert page.get_by_role("link", name="ssh-debug.log").is_visible()

    # HUAWEI CLOUD support answers with a file; the sync brings it, and the customer is emailed.
    ticket_reply(
        sandbox,
        ticket.incident_id,
        "Please check security group rule for port 22.",
        status=1,
        replier_name="HW Support",
        files={"sg-rules.txt": (SG_RULES, "text/plain")},
    )
    tasks.tickets_sync.delay()
    assert len(mail.outbox) == 1 and "port 22" in mail.outbox[0].body
    page.goto("/tickets/")
    assert page.get_by_role("row", name=re.compile(ticket.incident_id)).get_by_text("1", exact=True).is_visible()
    page.get_by_role("link", name=ticket.incident_id).click()
    assert page.get_by_text("Please check security group rule for port 22.").is_visible()
    assert page.get_by_text("Processing").first.is_visible()
    # The engineer's file comes from HUAWEI CLOUD through the gateway.
    with page.expect_download() as download:
        page.get_by_role("link", name="sg-rules.txt").click()
    assert download.value.suggested_filename == "sg-rules.txt"
    assert Path(download.value.path()).read_bytes() == SG_RULES

    # The customer answers, then closes the ticket.
    page.get_by_label("Your message").fill("Port 22 was closed, it works now. Thank you!")
    page.get_by_role("button", name="Send message").click()
    page.wait_for_url(re.compile(r".*/tickets/\d+/$"))
    assert page.get_by_text("Port 22 was closed, it works now. Thank you!").is_visible()
    assert any(
        m["content"].startswith("Port 22 was closed") for m in sandbox_ticket(sandbox, ticket.incident_id)["messages"]
    )

    page.get_by_role("button", name="Close").click()
    page.wait_for_url(re.compile(r".*/tickets/\d+/$"))
    assert page.get_by_text("Completed").first.is_visible()
    assert sandbox_ticket(sandbox, ticket.incident_id)["status"] == 3
    # A closed ticket cannot be urged: the button is not offered.
    assert page.get_by_role("button", name="Urge").count() == 0
    page.screenshot(path=screenshot_dir / "ticket-closed.png", full_page=True)
