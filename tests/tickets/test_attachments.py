"""Files HUAWEI CLOUD's engineers attach: listed after the sync, downloaded through the gateway for the
ticket's own customer and support staff only, kept so the next download does not call HUAWEI CLOUD."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import CustomerFactory, StaffUserFactory, TicketFactory
from tests.sandbox_tickets_helpers import CUSTOMER_TICKETS, sandbox_ticket, ticket_reply
from tickets import services
from tickets.models import TicketAttachment

pytestmark = pytest.mark.django_db

STEPS = b"1. Open port 22 in the security group.\n2. Restart sshd.\n"


@pytest.fixture
def engineers_file(sandbox, demo_customer):
    """The demo customer's processing ticket, mirrored, after an engineer attached steps.txt and a sync."""
    ticket = TicketFactory(customer=demo_customer, incident_id=CUSTOMER_TICKETS["processing"], business_type_id="1502")
    ticket_reply(sandbox, ticket.incident_id, "Please follow these steps.", files={"steps.txt": (STEPS, "text/plain")})
    services.ticket_sync(ticket=ticket, notify=False)
    return TicketAttachment.objects.get(ticket=ticket, name="steps.txt")


def url(attachment):
    return reverse("ticket_attachment", args=[attachment.ticket_id, attachment.pk])


def test_the_customer_downloads_an_engineers_file_and_the_second_download_is_served_from_our_copy(
    client, sandbox, engineers_file
):
    assert engineers_file.message.from_cloud and not engineers_file.storage_name
    client.force_login(engineers_file.ticket.customer.user)
    detail = client.get(reverse("ticket_detail", args=[engineers_file.ticket_id])).content.decode()
    # A plain link, no `download` attribute: the file comes as an attachment anyway, and when HUAWEI
    # CLOUD fails the browser follows the redirect and shows why instead of saving the page as a file.
    assert f'href="{url(engineers_file)}">' in detail
    sandbox.clear_requests()

    first = client.get(url(engineers_file))
    second = client.get(url(engineers_file))

    for response in (first, second):
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == STEPS
        assert response["Content-Type"] == "text/plain"
        assert response["Content-Disposition"] == 'attachment; filename="steps.txt"'
        assert response["Cache-Control"] == "private, no-store"
    assert len(sandbox.requests("download_accessories")) == 1
    engineers_file.refresh_from_db()
    assert (engineers_file.content_type, engineers_file.size) == ("text/plain", len(STEPS))
    with default_storage.open(engineers_file.storage_name) as stored:
        assert stored.read() == STEPS


def test_support_staff_download_it_too(client, engineers_file):
    client.force_login(StaffUserFactory(group="Support"))

    response = client.get(url(engineers_file))

    assert b"".join(response.streaming_content) == STEPS


def test_another_customer_gets_a_404_and_nothing_is_fetched(client, sandbox, engineers_file):
    client.force_login(CustomerFactory().user)
    sandbox.clear_requests()

    assert client.get(url(engineers_file)).status_code == 404
    assert client.post(url(engineers_file)).status_code in (404, 405)
    assert sandbox.requests("download_accessories") == []


def test_a_cloud_failure_sends_the_customer_back_to_the_ticket_with_the_reason(client, sandbox, engineers_file):
    client.force_login(engineers_file.ticket.customer.user)
    sandbox.add_fault("download_accessories", "error", status=500, error_code="OSM.0004", count=1)

    failed = client.get(url(engineers_file))

    assert failed.status_code == 302
    assert failed["Location"] == reverse("ticket_detail", args=[engineers_file.ticket_id])
    (message,) = get_messages(failed.wsgi_request)
    assert "steps.txt could not be fetched from HUAWEI CLOUD right now" in str(message)
    assert "could not be fetched" in client.get(failed["Location"]).content.decode()
    engineers_file.refresh_from_db()
    assert engineers_file.storage_name == ""
    # Once HUAWEI CLOUD answers again, the same link works.
    assert b"".join(client.get(url(engineers_file)).streaming_content) == STEPS


def test_a_refusal_is_shown_in_words(client, sandbox, engineers_file):
    client.force_login(engineers_file.ticket.customer.user)
    sandbox.add_fault("download_accessories", "error", status=400, error_code="OSM.01010002", error_msg="Gone.")

    page = client.get(url(engineers_file), follow=True).content.decode()

    assert "HUAWEI CLOUD did not give us the file steps.txt." in page and "Gone." in page


def test_two_first_downloads_at_once_keep_one_copy(sandbox, engineers_file, private_storage):
    stale = TicketAttachment.objects.get(pk=engineers_file.pk)

    first = services.attachment_content(attachment=engineers_file)
    second = services.attachment_content(attachment=stale)  # began before the first recorded its copy

    assert first.file.read() == second.file.read() == STEPS
    engineers_file.refresh_from_db()
    assert [p.name for p in private_storage.rglob("*") if p.is_file()] == ["steps.txt"]
    assert default_storage.exists(engineers_file.storage_name)


def test_a_missing_copy_is_fetched_again(client, sandbox, engineers_file):
    client.force_login(engineers_file.ticket.customer.user)
    client.get(url(engineers_file))
    engineers_file.refresh_from_db()
    default_storage.delete(engineers_file.storage_name)

    response = client.get(url(engineers_file))

    assert b"".join(response.streaming_content) == STEPS
    engineers_file.refresh_from_db()
    assert default_storage.exists(engineers_file.storage_name)


def test_the_failure_message_speaks_chinese(client, sandbox, engineers_file):
    client.force_login(engineers_file.ticket.customer.user)
    sandbox.add_fault("download_accessories", "error", status=503, error_code="OSM.0004", count=1)

    page = client.get(url(engineers_file), headers={"accept-language": "zh-hans"}, follow=True).content.decode()

    assert "暂时无法从华为云获取文件 steps.txt" in page


def test_staff_without_the_tickets_role_get_a_404(client, engineers_file):
    client.force_login(StaffUserFactory(group="Finance"))

    assert client.get(url(engineers_file)).status_code == 404


def test_a_customers_message_takes_a_file_to_huawei_cloud(client, sandbox, engineers_file):
    ticket = engineers_file.ticket
    client.force_login(ticket.customer.user)
    screenshot = SimpleUploadedFile("sg.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, content_type="image/png")

    response = client.post(
        reverse("ticket_message", args=[ticket.pk]),
        {"idempotency_key": str(uuid.uuid4()), "content": "Security group attached.", "attachments": [screenshot]},
    )

    assert response.status_code == 302
    sent = TicketAttachment.objects.get(ticket=ticket, name="sg.png")
    assert sent.message.content == "Security group attached." and sent.storage_name
    last = sandbox_ticket(sandbox, ticket.incident_id)["messages"][-1]
    assert (last["type"], last["accessory_ids"]) == (0, [sent.accessory_id])
