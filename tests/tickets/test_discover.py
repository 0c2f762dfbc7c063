"""Discovery: tickets raised outside the platform (the HUAWEI CLOUD console, Partner Center) are mirrored
with their messages and state, never emailed for their history, and then behave like ours."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from huaweicloud import tickets as cloud
from huaweicloud.errors import CloudMisconfigured, CloudUnavailable
from partner_portal.celery import app as celery_app
from tests.factories import CustomerFactory, StaffUserFactory
from tests.sandbox_tickets_helpers import CUSTOMER_TICKETS, PARTNER_TICKETS, console_ticket, ticket_reply
from tickets import services, tasks
from tickets.models import (
    Status,
    Ticket,
    TicketAttachment,
    TicketDiscovery,
    TicketEvent,
    TicketMessage,
    TicketReadMarker,
)

pytestmark = pytest.mark.django_db

LOG = b"2026-12-01T03:12:44Z kernel: eth0: link down\n"


def mirrored() -> tuple[int, int, int, int]:
    return (
        Ticket.objects.count(),
        TicketMessage.objects.count(),
        TicketEvent.objects.count(),
        TicketAttachment.objects.count(),
    )


@pytest.fixture
def acme(sandbox):
    """A second customer of the sandbox, bound locally."""
    return CustomerFactory(
        account_name="acme-retail",
        xaccount_id="pp-acme-retail",
        customer_id=sandbox.customer_id("acme-retail"),
        email="it@acme-retail.example.com",
    )


def test_a_ticket_raised_in_the_console_appears_with_its_messages_state_and_files(sandbox, demo_customer, client):
    incident_id = console_ticket(
        sandbox, "Invoice 2026-11 shows a double charge\nThe EIP line appears twice.", account_name="demo-customer"
    )
    ticket_reply(
        sandbox,
        incident_id,
        "Please confirm the attached log is yours.",
        status=Status.PENDING_CONFIRMATION,
        replier_name="HW Billing",
        files={"billing.log": (LOG, "text/plain")},
    )

    counts = tasks.tickets_discover_customer(demo_customer.pk)

    # The new ticket and the demo world's four (open and finished, with replies).
    assert counts["found"] == 5 and counts["listed"] == 5
    ticket = Ticket.objects.get(incident_id=incident_id)
    assert ticket.customer == demo_customer and ticket.creation == Ticket.Creation.IMPORTED
    assert ticket.subject == "Invoice 2026-11 shows a double charge"
    assert ticket.status == Status.PENDING_CONFIRMATION
    assert [(m.author, m.content) for m in ticket.messages.all()] == [
        (TicketMessage.Author.CUSTOMER, "Invoice 2026-11 shows a double charge\nThe EIP line appears twice."),
        (TicketMessage.Author.ENGINEER, "Please confirm the attached log is yours."),
    ]
    assert [(e.source, e.status) for e in ticket.events.all()] == [
        (TicketEvent.Source.CREATED, Status.PENDING_ACCEPTANCE),
        (TicketEvent.Source.IMPORTED, Status.PENDING_CONFIRMATION),
    ]
    assert set(Ticket.objects.filter(customer=demo_customer).values_list("incident_id", flat=True)) == {
        incident_id,
        *CUSTOMER_TICKETS.values(),
    }
    completed = Ticket.objects.get(incident_id=CUSTOMER_TICKETS["completed"])
    assert completed.status == Status.COMPLETED
    # Finding a ticket is no activity of its own: its last update is its last reply, days ago.
    assert completed.last_activity_at < timezone.now() - timedelta(days=10)

    client.force_login(demo_customer.user)
    listing = client.get(reverse("tickets")).content.decode()
    assert incident_id in listing and "No tickets yet" not in listing
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "Please confirm the attached log is yours." in page and "HW Billing" in page
    assert "Raised in HUAWEI CLOUD" in page
    # Actions as HUAWEI CLOUD allows them for a ticket pending confirmation; replies still possible.
    assert 'value="close"' in page and 'value="press"' not in page and 'name="content"' in page
    attachment = ticket.attachments.get()
    download = client.get(reverse("ticket_attachment", args=[ticket.pk, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == LOG
    # The customer acts on it like on a ticket opened here.
    client.post(reverse("ticket_action", args=[ticket.pk]), {"action": "close"})
    ticket.refresh_from_db()
    assert ticket.status == Status.COMPLETED


def test_the_partners_own_tickets_are_found_for_the_support_queue(sandbox, client):
    incident_id = console_ticket(sandbox, "Partner Center: our own ECS quota question")

    counts = tasks.tickets_discover_customer(None)

    assert counts["found"] == 5
    assert set(Ticket.objects.filter(customer=None).values_list("incident_id", flat=True)) == {
        incident_id,
        *PARTNER_TICKETS.values(),
    }
    client.force_login(StaffUserFactory(group="Support"))
    queue = [t.incident_id for t in client.get(reverse("tickets_queue"), {"customer": "-"}).context["tickets"]]
    assert incident_id in queue
    detail = client.get(reverse("ticket_detail", args=[Ticket.objects.get(incident_id=incident_id).pk]))
    assert detail.status_code == 200 and "The partner's own ticket" in detail.content.decode()


def test_history_is_not_emailed_but_a_later_reply_is_emailed_once(
    sandbox, demo_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.tickets_discover_customer(demo_customer.pk)

    assert mail.outbox == []
    processing = Ticket.objects.get(incident_id=CUSTOMER_TICKETS["processing"])
    old_reply = processing.messages.get(author=TicketMessage.Author.ENGINEER).content
    # Seen in the console already: no unread replies on our list either.
    assert TicketReadMarker.objects.get(user=demo_customer.user, ticket=processing).seen_reply_count == 1

    ticket_reply(
        sandbox, processing.incident_id, "The fix is rolled out; please check.", status=Status.PENDING_CONFIRMATION
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.tickets_sync()
    with django_capture_on_commit_callbacks(execute=True):
        Ticket.objects.update(sync_attempted_at=None)
        tasks.tickets_sync()

    assert len(mail.outbox) == 1
    assert "The fix is rolled out; please check." in mail.outbox[0].body
    assert old_reply not in mail.outbox[0].body
    processing.refresh_from_db()
    assert processing.status == Status.PENDING_CONFIRMATION and processing.reply_count == 2


def test_a_second_run_changes_nothing_and_asks_only_for_recent_tickets(sandbox, demo_customer):
    tasks.tickets_discover_customer(demo_customer.pk)
    before = mirrored()
    state = TicketDiscovery.objects.get(customer=demo_customer)
    assert state.covered_until is not None and state.claimed_at is None
    sandbox.clear_requests()

    again = tasks.tickets_discover_customer(demo_customer.pk)

    assert again["found"] == 0 and mirrored() == before
    assert sandbox.requests("show_case_detail") == []
    # The cursor: only tickets created since the last complete run (less the overlap) are listed.
    (listing,) = sandbox.requests("list_cases")
    assert "query_start_time" in str(listing["query"])
    assert TicketMessage.objects.filter(message_id__isnull=True).count() == 0


def test_a_ticket_created_after_a_run_is_found_by_the_next(sandbox, demo_customer):
    tasks.tickets_discover_customer(demo_customer.pk)
    incident_id = console_ticket(sandbox, "A new question after the first run", account_name="demo-customer")

    counts = tasks.tickets_discover_customer(demo_customer.pk)

    assert counts["found"] == 1 and Ticket.objects.filter(incident_id=incident_id).exists()


def test_another_customers_discovered_tickets_are_a_404(sandbox, demo_customer, acme, client):
    theirs = console_ticket(sandbox, "Acme: our RDS backup failed", account_name="acme-retail")
    tasks.tickets_discover_customer(demo_customer.pk)
    tasks.tickets_discover_customer(acme.pk)
    ticket = Ticket.objects.get(incident_id=theirs)
    assert ticket.customer == acme
    assert not Ticket.objects.filter(customer=acme).exclude(pk=ticket.pk).exists()

    client.force_login(demo_customer.user)
    assert client.get(reverse("ticket_detail", args=[ticket.pk])).status_code == 404
    assert client.get(reverse("ticket_action", args=[ticket.pk])).status_code == 405
    assert client.post(reverse("ticket_action", args=[ticket.pk]), {"action": "press"}).status_code == 404
    assert theirs not in client.get(reverse("tickets")).content.decode()
    client.force_login(acme.user)
    assert client.get(reverse("ticket_detail", args=[ticket.pk])).status_code == 200


def test_an_outage_leaves_what_was_there_and_the_task_retries(sandbox, demo_customer):
    tasks.tickets_discover_customer(demo_customer.pk)
    before = mirrored()
    covered_until = TicketDiscovery.objects.get(customer=demo_customer).covered_until
    incident_id = console_ticket(sandbox, "Raised while HUAWEI CLOUD has trouble", account_name="demo-customer")
    sandbox.add_fault("list_cases", "error", status=500, error_code="OSM.0004", count=1)

    with pytest.raises(CloudUnavailable):
        tasks.tickets_discover_customer(demo_customer.pk)  # what Celery's autoretry catches

    assert mirrored() == before
    state = TicketDiscovery.objects.get(customer=demo_customer)
    assert state.covered_until == covered_until and state.claimed_at is None and state.error
    retry = tasks.tickets_discover_customer(demo_customer.pk)
    assert retry["found"] == 1 and Ticket.objects.filter(incident_id=incident_id).exists()
    assert TicketDiscovery.objects.get(customer=demo_customer).error == ""


def test_an_outage_on_one_tickets_details_keeps_the_cursor_for_the_retry(sandbox, demo_customer):
    sandbox.add_fault("show_case_detail", "error", status=500, error_code="OSM.0004", count=1)

    with pytest.raises(CloudUnavailable):
        tasks.tickets_discover_customer(demo_customer.pk)

    assert TicketDiscovery.objects.get(customer=demo_customer).covered_until is None
    retry = tasks.tickets_discover_customer(demo_customer.pk)
    assert Ticket.objects.filter(customer=demo_customer).count() == 4
    assert retry["found"] + retry["known"] == 4


def test_the_discovery_task_retries_outages_with_backoff():
    task = tasks.tickets_discover_customer
    assert CloudUnavailable in task.autoretry_for and CloudMisconfigured in task.dont_autoretry_for
    assert task.retry_backoff and task.retry_jitter and task.max_retries == 5


def test_a_customer_huawei_cloud_refuses_is_skipped_and_logged(sandbox, demo_customer, acme, caplog):
    sandbox.add_fault("list_cases", "error", status=400, error_code="OSM.01010001", count=1)

    tasks.tickets_discover_all()  # the partner first: refused; the customers after it go on

    assert "refused the ticket list" in caplog.text
    assert TicketDiscovery.objects.get(customer=None).covered_until is None
    assert Ticket.objects.filter(customer=demo_customer).count() == 4
    assert TicketDiscovery.objects.get(customer=acme).covered_until is not None


def test_paging_over_several_pages_loses_nothing(sandbox, demo_customer):
    new = {console_ticket(sandbox, f"Question {n}", account_name="demo-customer") for n in range(3)}
    sandbox.clear_requests()

    counts = services.tickets_discover(customer=demo_customer, page_size=2)

    assert counts["found"] == 7
    assert set(Ticket.objects.filter(customer=demo_customer).values_list("incident_id", flat=True)) == {
        *new,
        *CUSTOMER_TICKETS.values(),
    }
    assert len(sandbox.requests("list_cases")) == 4  # 2 + 2 + 2 + 1


def test_a_run_that_finds_the_owner_claimed_returns_at_once(sandbox, demo_customer):
    TicketDiscovery.objects.create(customer=demo_customer, claimed_at=timezone.now())
    sandbox.clear_requests()

    assert tasks.tickets_discover_customer(demo_customer.pk) == {"skipped": 1}
    assert sandbox.requests("list_cases") == []
    # A claim without progress for long belonged to a worker that died: taken over.
    TicketDiscovery.objects.update(claimed_at=timezone.now() - services.DISCOVERY_STALE_AFTER * 2)
    assert tasks.tickets_discover_customer(demo_customer.pk)["found"] == 4


def test_our_ticket_whose_creation_was_never_confirmed_is_adopted_not_duplicated(catalogue, demo_customer):
    key = uuid.uuid4()
    fields = {
        "subject": "Bill question",
        "description": "Why is my bill higher this month?",
        "category_id": "2",
        "product_category_id": "81",
        "business_type_id": "8101",
    }
    # HUAWEI CLOUD made the ticket, but its answer never reached us (a killed worker, a timeout).
    pending = Ticket.objects.create(customer=demo_customer, idempotency_key=key, outcome_unclear=True, **fields)
    incident_id = cloud.ticket_create(
        customer=services.customer_ref(demo_customer),
        category_id="2",
        product_category_id="81",
        business_type_id="8101",
        simple_description=services._cloud_description(pending),
    )

    # While a request is still confirming it, the ticket is left to that request, and asked for again.
    Ticket.objects.filter(pk=pending.pk).update(attempt_started_at=timezone.now())
    waiting = tasks.tickets_discover_customer(demo_customer.pk)
    assert waiting["in_progress"] == 1 and not Ticket.objects.filter(incident_id=incident_id).exists()
    assert TicketDiscovery.objects.get(customer=demo_customer).covered_until is None
    Ticket.objects.filter(pk=pending.pk).update(attempt_started_at=timezone.now() - services.ATTEMPT_TIMEOUT * 2)

    counts = tasks.tickets_discover_customer(demo_customer.pk)

    assert counts["adopted"] == 1
    pending.refresh_from_db()
    assert (pending.incident_id, pending.creation) == (incident_id, Ticket.Creation.CREATED)
    assert Ticket.objects.filter(customer=demo_customer).count() == 5  # the demo world's four and ours
    # The form sent again gets the same ticket, and HUAWEI CLOUD is not asked to create another.
    again = services.ticket_open(customer=demo_customer, created_by=demo_customer.user, idempotency_key=key, **fields)
    assert again.pk == pending.pk and Ticket.objects.filter(incident_id=incident_id).count() == 1


def test_the_list_pages_query_count_holds_with_imported_tickets(
    sandbox, demo_customer, client, django_assert_max_num_queries
):
    for n in range(3):
        console_ticket(sandbox, f"Question {n}", account_name="demo-customer")
    tasks.tickets_discover_customer(demo_customer.pk)
    assert Ticket.objects.filter(creation=Ticket.Creation.IMPORTED).count() == 7
    client.force_login(demo_customer.user)

    # session, user, customer (navigation and page), count, one page of tickets with unread replies
    # annotated by a subquery: as for tickets opened here (test_list).
    with django_assert_max_num_queries(6):
        response = client.get(reverse("tickets"))

    assert len(response.context["tickets"]) == 7


def test_a_subject_is_the_first_line_of_the_description_cut_to_fit():
    assert services._subject("\n  First line  \nsecond", "CS1") == "First line"
    assert services._subject("", "CS1") == "CS1"
    long = services._subject("x" * 500, "CS1")
    assert len(long) == services.SUBJECT_MAX_LENGTH and long.endswith("…")


def test_beat_looks_for_tickets_every_half_hour_with_a_registered_task():
    entry = settings.CELERY_BEAT_SCHEDULE["tickets-discover"]
    assert entry["task"] == "tickets.tasks.tickets_discover_all" and entry["task"] in celery_app.tasks
    assert entry["schedule"].minute == {0, 30}


def test_discover_all_queues_the_partner_and_every_bound_customer(sandbox, demo_customer, acme):
    assert tasks.tickets_discover_all() == 3

    assert set(TicketDiscovery.objects.values_list("customer", flat=True)) == {None, demo_customer.pk, acme.pk}
    assert TicketDiscovery.objects.filter(covered_until__isnull=True).count() == 0


def test_support_staff_see_each_owners_discovery_in_the_admin(sandbox, demo_customer, client):
    tasks.tickets_discover_customer(demo_customer.pk)
    tasks.tickets_discover_customer(None)
    client.force_login(StaffUserFactory(group="Support"))

    page = client.get(reverse("admin:tickets_ticketdiscovery_changelist")).content.decode()
    tickets_page = client.get(reverse("admin:tickets_ticket_changelist")).content.decode()

    assert "demo-customer" in page and "Partner" in page
    assert "Found in HUAWEI CLOUD" in tickets_page
    # Written by the discovery only.
    assert client.get(reverse("admin:tickets_ticketdiscovery_add")).status_code == 403
