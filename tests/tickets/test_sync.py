"""The sync task: replies and state changes come in once, the customer is emailed once per event, and
confidential messages stay out of emails. Actions are offered only where HUAWEI CLOUD allows them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from unittest import mock

import pytest
from django.core import mail
from django.db.models import F
from django.urls import reverse

from huaweicloud import tickets as cloud
from huaweicloud.errors import CloudMisconfigured, CloudUnavailable
from tests.factories import TicketFactory
from tests.sandbox_tickets_helpers import CUSTOMER_TICKETS, sandbox_ticket, ticket_reply, ticket_status
from tickets import services, tasks
from tickets.models import Status, Ticket, TicketEvent, TicketMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(catalogue, demo_customer):
    return services.ticket_open(
        customer=demo_customer,
        created_by=demo_customer.user,
        idempotency_key=uuid.uuid4(),
        subject="Bill question",
        description="Why is my bill higher this month?",
        category_id="2",
        product_category_id="81",
        business_type_id="8101",
    )


def test_sync_brings_a_reply_and_a_state_change_once_and_emails_once(
    ticket, catalogue, django_capture_on_commit_callbacks
):
    ticket_reply(catalogue, ticket.incident_id, "We are checking your bill.", status=1, replier_name="HW Support")

    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.tickets_sync()
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.tickets_sync()

    assert first["changed"] == 1 and second["changed"] == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.PROCESSING
    assert ticket.reply_count == 1
    replies = TicketMessage.objects.filter(ticket=ticket, author=TicketMessage.Author.ENGINEER)
    assert [m.content for m in replies] == ["We are checking your bill."]
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("status", flat=True)) == [0, 1]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["demo-customer@example.com"]
    assert "We are checking your bill." in mail.outbox[0].body
    assert ticket.incident_id in mail.outbox[0].subject
    # A repeated notification finds nothing left to send.
    assert services.ticket_notification_send(ticket=ticket) is False


@pytest.fixture
def open_tickets(sandbox, demo_customer):
    """Mirrors of the demo customer's two open tickets (pending acceptance, processing), never synced."""
    return [
        TicketFactory(customer=demo_customer, incident_id=CUSTOMER_TICKETS[state], status=status)
        for state, status in (("pending", Status.PENDING_ACCEPTANCE), ("processing", Status.PROCESSING))
    ]


def test_an_outage_stops_the_sync_and_its_retry_goes_on_with_the_tickets_not_reached(sandbox, open_tickets):
    first, second = open_tickets
    sandbox.add_fault("show_case_detail", "error", status=500, error_code="OSM.0004", count=1)

    with pytest.raises(CloudUnavailable):
        tasks.tickets_sync()  # what Celery's autoretry catches
    retry = tasks.tickets_sync()

    assert retry == {"synced": 1, "changed": 1, "failed": 0, "skipped": 1}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.synced_at is None and second.synced_at is not None
    assert second.messages.exists()
    # The next run begins with the ticket the outage hit.
    Ticket.objects.update(sync_attempted_at=F("sync_attempted_at") - services.SYNC_FRESH)
    assert tasks.tickets_sync()["synced"] == 2
    first.refresh_from_db()
    assert first.synced_at is not None


def test_a_ticket_huawei_cloud_refuses_does_not_stop_the_others(sandbox, open_tickets):
    sandbox.add_fault("show_case_detail", "error", status=400, error_code="OSM.01010001", count=1)

    counts = tasks.tickets_sync()

    assert (counts["failed"], counts["synced"]) == (1, 1)


def test_overlapping_runs_ask_about_each_ticket_once(sandbox, open_tickets):
    sandbox.clear_requests()

    tasks.tickets_sync()
    overlapping = tasks.tickets_sync()

    assert overlapping["skipped"] == 2
    assert len(sandbox.requests("show_case_detail")) == 2


def test_the_sync_task_retries_outages_with_backoff():
    task = tasks.tickets_sync
    assert CloudUnavailable in task.autoretry_for and CloudMisconfigured in task.dont_autoretry_for
    assert task.retry_backoff and task.retry_jitter and task.max_retries == 5


def test_a_confidential_message_is_kept_out_of_emails(ticket, catalogue, client, django_capture_on_commit_callbacks):
    client.force_login(ticket.customer.user)
    client.post(
        reverse("ticket_message", args=[ticket.pk]),
        {"idempotency_key": str(uuid.uuid4()), "content": "root password is Hunter2!", "confidential": "on"},
    )
    message = TicketMessage.objects.get(ticket=ticket, confidential=True)
    assert message.message_id  # adopted by the immediate sync, flag kept
    TicketMessage.objects.filter(pk=message.pk).update(author=TicketMessage.Author.ENGINEER, notified_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_notification_send(ticket=ticket)

    assert len(mail.outbox) == 1
    assert "Hunter2" not in mail.outbox[0].body
    assert "confidential" in mail.outbox[0].body


def test_a_message_posted_twice_is_sent_once(ticket, catalogue, client):
    client.force_login(ticket.customer.user)
    data = {"idempotency_key": str(uuid.uuid4()), "content": "Here are more details."}

    client.post(reverse("ticket_message", args=[ticket.pk]), data)
    client.post(reverse("ticket_message", args=[ticket.pk]), data)

    contents = [m["content"] for m in sandbox_ticket(catalogue, ticket.incident_id)["messages"]]
    assert contents.count("Here are more details.") == 1
    assert TicketMessage.objects.filter(ticket=ticket, content="Here are more details.").count() == 1


def test_actions_follow_the_state_and_a_refusal_is_shown(ticket, catalogue, client):
    client.force_login(ticket.customer.user)
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert 'value="press"' in page and 'value="cancel"' in page and 'value="close"' not in page

    response = client.post(reverse("ticket_action", args=[ticket.pk]), {"action": "close"}, follow=True)
    assert "can be closed only while" in response.content.decode()

    client.post(reverse("ticket_action", args=[ticket.pk]), {"action": "press"})
    again = client.post(reverse("ticket_action", args=[ticket.pk]), {"action": "press"}, follow=True)
    # Urged again within the hour: HUAWEI CLOUD's refusal, in words.
    assert "This ticket was urged a short while ago" in again.content.decode()

    client.post(reverse("ticket_action", args=[ticket.pk]), {"action": "cancel", "reason": "Solved it myself"})
    ticket.refresh_from_db()
    assert ticket.status == Status.CANCELLED
    assert sandbox_ticket(catalogue, ticket.incident_id)["status"] == Status.CANCELLED
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert 'value="press"' not in page and 'value="delete"' in page
    assert 'name="content"' not in page  # no reply form on a finished ticket

    client.post(reverse("ticket_action", args=[ticket.pk]), {"action": "delete"})
    assert Ticket.objects.get(pk=ticket.pk).deleted_at is not None
    assert client.get(reverse("ticket_detail", args=[ticket.pk])).status_code == 404


def test_actions_need_post(ticket, client):
    client.force_login(ticket.customer.user)
    assert client.get(reverse("ticket_action", args=[ticket.pk])).status_code == 405
    assert client.get(reverse("ticket_message", args=[ticket.pk])).status_code == 405


def test_a_state_changed_on_huawei_clouds_side_is_shown_when_an_action_is_refused(ticket, catalogue, client):
    ticket_status(catalogue, ticket.incident_id, Status.COMPLETED)  # the engineer finished it meanwhile
    client.force_login(ticket.customer.user)

    page = client.post(reverse("ticket_action", args=[ticket.pk]), {"action": "cancel"}, follow=True)

    body = page.content.decode()
    assert "does not allow this in the ticket&#x27;s current state" in body
    assert 'value="cancel"' not in body and 'value="delete"' in body
    ticket.refresh_from_db()
    assert ticket.status == Status.COMPLETED


def test_our_message_is_recognised_when_huawei_cloud_gives_it_back_with_other_line_ends(ticket, client):
    client.force_login(ticket.customer.user)
    client.post(
        reverse("ticket_message", args=[ticket.pk]),
        {"idempotency_key": str(uuid.uuid4()), "content": "Key id: AK12\r\nsecret: s3cr3t", "confidential": "on"},
    )
    ours = TicketMessage.objects.get(ticket=ticket, confidential=True)
    TicketMessage.objects.filter(pk=ours.pk).update(message_id=None)  # as if the sync had not seen it yet
    came_back = cloud.TicketMessage(
        type=0,
        replier="",
        replier_name="",
        content="Key id: AK12\nsecret: s3cr3t",
        created_at=None,
        is_first_message=False,
        attachments=(),
    )
    detail = cloud.ticket_detail(customer=services.customer_ref(ticket), incident_id=ticket.incident_id)

    with mock.patch.object(cloud, "ticket_detail", autospec=True, return_value=replace(detail, messages=(came_back,))):
        services.ticket_sync(ticket=ticket)

    ours.refresh_from_db()
    assert ours.message_id and ours.confidential
    assert TicketMessage.objects.filter(ticket=ticket, content__startswith="Key id").count() == 1
