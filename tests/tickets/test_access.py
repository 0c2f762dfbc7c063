"""Customer A cannot see or act on customer B's tickets or files: every way in is a 404."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from tests.factories import CustomerFactory, StaffUserFactory, TicketFactory, UserFactory
from tickets.models import TicketAttachment, TicketMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_ticket():
    ticket = TicketFactory(subject="B's secret problem")
    name = default_storage.save("tickets/test/b.txt", ContentFile(b"B's file"))
    attachment = TicketAttachment.objects.create(ticket=ticket, accessory_id="a" * 32, name="b.txt", storage_name=name)
    return ticket, attachment


def test_another_customers_ticket_is_a_404_everywhere(client, b_ticket):
    ticket, attachment = b_ticket
    client.force_login(CustomerFactory().user)

    assert client.get(reverse("ticket_detail", args=[ticket.pk])).status_code == 404
    assert client.get(reverse("ticket_attachment", args=[ticket.pk, attachment.pk])).status_code == 404
    assert client.post(reverse("ticket_message", args=[ticket.pk]), {"content": "hi"}).status_code == 404
    assert client.post(reverse("ticket_action", args=[ticket.pk]), {"action": "cancel"}).status_code == 404
    assert "B&#x27;s secret problem" not in client.get(reverse("tickets")).content.decode()


def test_an_attachment_is_reached_only_through_its_own_ticket(client, b_ticket):
    ticket, attachment = b_ticket
    own = CustomerFactory()
    own_ticket = TicketFactory(customer=own)
    client.force_login(own.user)

    assert client.get(reverse("ticket_attachment", args=[own_ticket.pk, attachment.pk])).status_code == 404


def test_the_owner_and_support_staff_may_download(client, b_ticket):
    ticket, attachment = b_ticket
    url = reverse("ticket_attachment", args=[ticket.pk, attachment.pk])
    client.force_login(ticket.customer.user)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"B's file"
    assert response["Content-Disposition"].startswith("attachment")

    client.force_login(StaffUserFactory(group="Support"))
    assert client.get(url).status_code == 200
    assert client.get(reverse("tickets_queue")).status_code == 200


def test_a_user_who_is_no_customer_and_no_support_gets_404(client, b_ticket):
    ticket, _attachment = b_ticket
    client.force_login(UserFactory())
    assert client.get(reverse("tickets")).status_code == 404
    assert client.get(reverse("ticket_detail", args=[ticket.pk])).status_code == 404
    assert client.get(reverse("tickets_queue")).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, b_ticket):
    response = client.get(reverse("tickets"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_admin_keeps_confidential_messages_off_its_lists(client, b_ticket):
    ticket, _attachment = b_ticket
    TicketMessage.objects.create(ticket=ticket, content="root password is Hunter2!", confidential=True)
    TicketMessage.objects.create(ticket=ticket, content="It fails since Monday.")
    client.force_login(StaffUserFactory(group="Support"))

    page = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()

    assert "It fails since Monday." in page
    assert "Hunter2" not in page and "confidential: read it on the ticket" in page
    assert "Hunter2" in client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
