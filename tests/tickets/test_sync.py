"""The sync task: replies and state changes come in once, the customer is emailed once per event, and
confidential messages stay out of emails. Actions are offered only where HUAWEI CLOUD allows them."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.urls import reverse

from tests.sandbox_tickets_helpers import sandbox_ticket, ticket_reply
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
    assert "HUAWEI CLOUD did not accept the request" in again.content.decode()

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
