"""/tickets/new/: a ticket from a template with an attachment, template fields, double submit, cloud failures."""

from __future__ import annotations

import uuid
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from huaweicloud import tickets as cloud
from huaweicloud.errors import CloudUnavailable
from tests.sandbox_tickets_helpers import sandbox_tickets
from tickets import services, tasks
from tickets.forms import missing_template_fields
from tickets.models import Ticket, TicketAttachment
from tickets.selectors import catalogue as stored_catalogue

pytestmark = pytest.mark.django_db

FILLED_LOGIN = (
    "ECS ID: 1b2c3d\nRegion: ap-southeast-3\nLogin method (VNC / SSH / RDP): SSH\nError message shown: timeout\n"
    "When did it start: today\nWhat have you tried (restart, password reset, security group check): restart"
)


def form_data(key=None, **overrides):
    data = {
        "idempotency_key": str(key or uuid.uuid4()),
        "subject": "Cannot reach my server",
        "product": "15",
        "problem_type": "1501",
        "severity": "2",
        "template": "T150101",
        "region": "ap-southeast-3",
        "description": FILLED_LOGIN,
        "contact_email": "demo-customer@example.com",
    }
    data.update(overrides)
    return data


def log_file(name="console.log"):
    return SimpleUploadedFile(name, b"kernel: eth0 link down\n", content_type="text/plain")


def cloud_tickets(sandbox, subject):
    return [
        t
        for t in sandbox_tickets(sandbox, owner=sandbox.demo_customer["customer_id"])
        if subject in t.get("simple_description", "")
    ]


def test_customer_opens_a_ticket_from_a_template_with_an_attachment(client, catalogue, demo_customer):
    client.force_login(demo_customer.user)
    page = client.get(reverse("ticket_new"))
    assert page.status_code == 200
    assert "Elastic Cloud Server" in page.content.decode()

    response = client.post(reverse("ticket_new"), {**form_data(), "attachments": [log_file()]})

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ticket_detail", args=[ticket.pk])
    assert ticket.incident_id.startswith("CS")
    assert ticket.status == 0
    assert ticket.customer == demo_customer
    attachment = TicketAttachment.objects.get()
    assert attachment.ticket == ticket and attachment.storage_name
    # The immediate sync brought the first message (the description) with its attachment.
    first = ticket.messages.get()
    assert first.is_first_message and "ECS ID: 1b2c3d" in first.content
    assert attachment.pk in first.attachments.values_list("pk", flat=True)
    detail = client.get(reverse("ticket_detail", args=[ticket.pk]))
    assert "console.log" in detail.content.decode()
    download = client.get(reverse("ticket_attachment", args=[ticket.pk, attachment.pk]))
    assert b"".join(download.streaming_content) == b"kernel: eth0 link down\n"


def test_the_fields_a_template_asks_for_are_required(client, catalogue, demo_customer):
    client.force_login(demo_customer.user)

    response = client.post(reverse("ticket_new"), form_data(description="ECS ID: 1b2c3d\nRegion:"))

    assert response.status_code == 200
    assert "Please answer what the template asks" in response.content.decode()
    assert "Login method (VNC / SSH / RDP)" in response.content.decode()
    assert not Ticket.objects.exists()


def test_an_answer_may_go_on_the_lines_below_its_label(client, catalogue, demo_customer):
    client.force_login(demo_customer.user)
    description = FILLED_LOGIN.replace(
        "Error message shown: timeout", "Error message shown:\nssh: connect to host: timeout"
    )

    response = client.post(reverse("ticket_new"), form_data(description=description))

    assert response.status_code == 302
    assert missing_template_fields("Region:\nError message shown:", "Error message shown:\n\nRegion:") == [
        "Region",
        "Error message shown",
    ]


def test_the_longest_subject_and_description_fit_what_huawei_cloud_takes(client, catalogue, demo_customer):
    client.force_login(demo_customer.user)
    longest = FILLED_LOGIN + "\n" + "x" * (services.DESCRIPTION_MAX_LENGTH - len(FILLED_LOGIN) - 1)

    too_long = client.post(reverse("ticket_new"), form_data(subject="s" * 200, description=longest + "x"))
    created = client.post(reverse("ticket_new"), form_data(subject="s" * 200, description=longest))

    assert too_long.status_code == 200 and "description" in too_long.context["form"].errors
    assert created.status_code == 302
    assert Ticket.objects.get().creation == Ticket.Creation.CREATED


def test_without_a_catalogue_the_form_queues_a_refresh_once(client, demo_customer, django_capture_on_commit_callbacks):
    cache.delete(services.CATALOGUE_REFRESH_QUEUED)
    client.force_login(demo_customer.user)

    with (
        mock.patch.object(tasks.ticket_catalogue_refresh, "delay", autospec=True) as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = client.get(reverse("ticket_new"))
        client.get(reverse("ticket_new"))

    assert "The list of products is not available right now" in first.content.decode()
    delay.assert_called_once_with()


def test_an_empty_catalogue_from_huawei_cloud_does_not_replace_the_stored_one(catalogue):
    with mock.patch.object(cloud, "ticket_catalogue", autospec=True, return_value=()):
        assert tasks.ticket_catalogue_refresh() == 0

    assert {p["id"] for p in stored_catalogue()} >= {"15", "81"}


def test_choosing_a_template_without_javascript_prefills_the_description(client, catalogue, demo_customer):
    client.force_login(demo_customer.user)

    response = client.post(reverse("ticket_new"), form_data(description="", refresh="1"))

    assert response.status_code == 200
    assert "Login method (VNC / SSH / RDP):" in response.content.decode()
    assert not Ticket.objects.exists()


def test_htmx_narrows_problem_types_to_the_product(client, catalogue, demo_customer):
    client.force_login(demo_customer.user)

    response = client.post(reverse("ticket_form_options"), {"product": "81"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert 'value="8101"' in body and 'value="1501"' not in body


def test_a_wrong_file_type_is_refused_before_any_cloud_call(client, catalogue, demo_customer):
    client.force_login(demo_customer.user)
    fake_png = SimpleUploadedFile("photo.png", b"not a png", content_type="image/png")

    response = client.post(reverse("ticket_new"), {**form_data(), "attachments": [fake_png]})

    assert "does not match its file type" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_double_submit_creates_one_ticket(client, catalogue, demo_customer):
    client.force_login(demo_customer.user)
    data = form_data(subject="Double submit")

    first = client.post(reverse("ticket_new"), data)
    second = client.post(reverse("ticket_new"), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Ticket.objects.count() == 1
    assert len(cloud_tickets(catalogue, "Double submit")) == 1


def test_a_cloud_failure_keeps_the_form_and_the_retry_creates_one_ticket(client, catalogue, demo_customer):
    client.force_login(demo_customer.user)
    catalogue.add_fault("create_cases", "error", status=500, error_code="CBC.0999", error_msg="Other error.", count=1)
    data = form_data(subject="Failure then retry")

    failed = client.post(reverse("ticket_new"), {**data, "attachments": [log_file()]})

    body = failed.content.decode()
    assert failed.status_code == 200
    assert "Failure then retry" in body and "ECS ID: 1b2c3d" in body and data["idempotency_key"] in body
    assert not Ticket.objects.filter(creation=Ticket.Creation.CREATED).exists()
    assert cloud_tickets(catalogue, "Failure then retry") == []

    retried = client.post(reverse("ticket_new"), data)

    assert retried.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.creation == Ticket.Creation.CREATED
    assert len(cloud_tickets(catalogue, "Failure then retry")) == 1
    # The file uploaded by the failed attempt went with the retry.
    assert ticket.attachments.count() == 1


def test_after_an_unclear_outcome_the_retry_finds_the_ticket_instead_of_creating_it_again(
    client, catalogue, demo_customer
):
    client.force_login(demo_customer.user)
    real_create = cloud.ticket_create

    def created_but_answer_lost(**kwargs):
        real_create(**kwargs)
        raise CloudUnavailable(operation="create_cases", maybe_applied=True)

    data = form_data(subject="Answer lost")
    with mock.patch.object(cloud, "ticket_create", autospec=True, side_effect=created_but_answer_lost):
        failed = client.post(reverse("ticket_new"), data)
    assert "may still have gone through" in failed.content.decode()
    assert Ticket.objects.get().outcome_unclear

    with mock.patch.object(cloud, "ticket_create", autospec=True) as create:
        retried = client.post(reverse("ticket_new"), data)

    assert retried.status_code == 302
    create.assert_not_called()
    ticket = Ticket.objects.get()
    assert ticket.creation == Ticket.Creation.CREATED
    assert [t["incident_id"] for t in cloud_tickets(catalogue, "Answer lost")] == [ticket.incident_id]


def test_wrong_method(client, demo_customer):
    client.force_login(demo_customer.user)
    assert client.delete(reverse("ticket_new")).status_code == 405
    assert client.get(reverse("ticket_form_options")).status_code == 405


def test_support_staff_open_a_ticket_for_the_partner_itself(client, catalogue):
    from tests.factories import StaffUserFactory

    client.force_login(StaffUserFactory(group="Support"))
    assert client.get(reverse("admin:tickets_ticket_add")).status_code == 302

    response = client.post(reverse("ticket_new"), form_data(subject="Partner's own question", customer=""))

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.customer is None and ticket.incident_id
    partner = sandbox_tickets(catalogue, owner="partner")
    assert [t["incident_id"] for t in partner if "Partner's own question" in t.get("simple_description", "")] == [
        ticket.incident_id
    ]
    assert client.get(reverse("tickets_queue"), {"customer": "-"}).context["tickets"][0] == ticket


def test_support_staff_open_a_ticket_for_a_customer_with_the_customers_identity(client, catalogue, demo_customer):
    from tests.factories import StaffUserFactory

    client.force_login(StaffUserFactory(group="Support"))

    response = client.post(reverse("ticket_new"), form_data(subject="Opened by support", customer=demo_customer.pk))

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.customer == demo_customer and ticket.created_by.is_staff
    assert [t["incident_id"] for t in cloud_tickets(catalogue, "Opened by support")] == [ticket.incident_id]


def test_the_form_speaks_chinese(client, catalogue, demo_customer):
    client.force_login(demo_customer.user)
    body = client.get(reverse("ticket_new"), headers={"accept-language": "zh-hans"}).content.decode()
    assert "提交工单" in body and "弹性云服务器" in body
