"""/account/real-name/: applying, private KYC files, the review poll and the admin, with the gateway patched."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from customers import realname, tasks
from customers.models import Customer, RealNameApplication, RealNameFile
from huaweicloud import realname as cloud
from huaweicloud.errors import CloudRejected, CloudUnavailable
from tests.factories import CustomerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

PASSPORT = "E98765432"
LICENCE = "91310000MA1FL4XY7Q"
LEGAL_ID = "G11223344"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path / "private"


@pytest.fixture
def gateway():
    with (
        mock.patch.object(cloud, "create_personal_realname_auth", autospec=True) as personal,
        mock.patch.object(cloud, "create_enterprise_realname_authentication", autospec=True) as enterprise,
        mock.patch.object(cloud, "show_realname_authentication_review_result", autospec=True) as result,
    ):
        personal.return_value = cloud.RealNameSubmitted(needs_review=True)
        enterprise.return_value = cloud.RealNameSubmitted(needs_review=True)
        result.return_value = cloud.RealNameReview(result=0, opinion="")
        yield mock.Mock(personal=personal, enterprise=enterprise, result=result)


def png(name="photo.png", size=(8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def customer():
    return CustomerFactory(
        real_name_status=Customer.RealNameStatus.NOT_SUBMITTED, customer_type=Customer.CustomerType.NOT_SET
    )


def apply_passport(client, **extra):
    data = {
        "method": "individual",
        "name": "Lee Mei Ling",
        "verified_type": "3",
        "verified_number": PASSPORT,
        "front": png("front.png"),
        "hand_held": png("hand.png"),
        **extra,
    }
    return client.post(reverse("realname") + "?method=individual", data)


def test_page_needs_sign_in(client):
    assert client.get(reverse("realname"))["Location"].startswith(reverse("login"))


def test_page_shows_state_and_methods_with_bank_card_unavailable(client, customer):
    client.force_login(customer.user)

    html = client.get(reverse("realname")).content.decode()

    assert "Not submitted yet" in html
    assert 'name="verified_type"' in html
    assert "Individual, by bank card (unavailable)" in html
    assert "does not offer authentication by bank card" in html


def test_bank_card_shown_as_available_when_the_site_supports_it(client, customer, settings):
    settings.REALNAME_BANK_CARD_ENABLED = True
    client.force_login(customer.user)

    html = client.get(reverse("realname")).content.decode()

    assert "Individual, by bank card (unavailable)" not in html


def test_individual_passport(client, customer, gateway, private_storage):
    client.force_login(customer.user)

    response = apply_passport(client)

    assert response.status_code == 302
    application = RealNameApplication.objects.get(customer=customer)
    assert application.status == RealNameApplication.Status.UNDER_REVIEW
    assert application.number_masked == "*****5432"
    assert application.number_hash == realname.number_hash(PASSPORT)
    files = list(application.files.all())
    assert [f.role for f in files] == ["front", "hand_held"]
    for file in files:
        assert file.storage_name.startswith("kyc/") and "front" not in file.storage_name
        assert default_storage.exists(file.storage_name)
        assert (private_storage / file.storage_name).exists()
    gateway.personal.assert_called_once_with(
        customer_id=customer.customer_id,
        verified_type=3,
        name="Lee Mei Ling",
        verified_number=PASSPORT,
        file_keys=[f.storage_name for f in files],
    )
    customer.refresh_from_db()
    assert customer.real_name_status == Customer.RealNameStatus.UNDER_REVIEW
    page = client.get(reverse("realname")).content.decode()
    assert "Under review" in page
    assert "*****5432" in page


def test_permit_needs_three_photos(client, customer, gateway):
    client.force_login(customer.user)

    response = apply_passport(client, verified_type="5")

    assert "needs a photo of the back too" in response.content.decode()
    assert not RealNameApplication.objects.exists()
    gateway.personal.assert_not_called()


def test_oversized_file_is_refused(client, customer, gateway):
    client.force_login(customer.user)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), content_type="application/pdf")

    response = apply_passport(client, front=big)

    assert "larger than 10 MB" in response.content.decode()
    assert not RealNameApplication.objects.exists()


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("fake.png", b"this is not a picture at all", content_type="image/png"),
        SimpleUploadedFile("script.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
        SimpleUploadedFile("fake.pdf", b"<html>not a pdf</html>", content_type="application/pdf"),
    ],
    ids=["fake-png", "exe", "fake-pdf"],
)
def test_fake_or_wrong_type_is_refused(client, customer, gateway, upload):
    client.force_login(customer.user)

    response = apply_passport(client, front=upload)

    assert "Please upload a JPG, PNG, GIF, BMP or PDF file" in response.content.decode()
    assert not RealNameApplication.objects.exists()


def test_cloud_refusal_keeps_nothing(client, customer, gateway, private_storage):
    gateway.personal.side_effect = CloudRejected(
        operation="create_personal_realname_auth",
        status_code=400,
        error_code="CBC.0100",
        error_msg="Invalid parameter: name",
    )
    client.force_login(customer.user)

    response = apply_passport(client)

    assert "HUAWEI CLOUD did not accept some of the details" in response.content.decode()
    assert not RealNameApplication.objects.exists()
    assert not list((private_storage / "kyc").glob("*")) if (private_storage / "kyc").exists() else True
    customer.refresh_from_db()
    assert customer.real_name_status == Customer.RealNameStatus.NOT_SUBMITTED


def test_cloud_down_keeps_nothing(client, customer, gateway):
    gateway.personal.side_effect = CloudUnavailable(
        operation="create_personal_realname_auth", error_code="LOCAL.CONNECTION"
    )
    client.force_login(customer.user)

    response = apply_passport(client)

    assert "not answering right now" in response.content.decode()
    assert not RealNameApplication.objects.exists()


def test_enterprise(client, customer, gateway):
    client.force_login(customer.user)

    response = client.post(
        reverse("realname") + "?method=enterprise",
        {
            "method": "enterprise",
            "name": "Harbour Tech Pte. Ltd.",
            "certificate_type": "0",
            "verified_number": LICENCE,
            "licence": png("licence.png"),
            "legal_name": "Tan Wei",
            "legal_id_number": LEGAL_ID,
            "legal_front": png("id-portrait.png"),
            "legal_back": png("id-emblem.png"),
            "reg_country": "sg",
            "reg_address": "1 Harbourfront Ave, Singapore",
        },
    )

    assert response.status_code == 302
    kwargs = gateway.enterprise.call_args.kwargs
    assert kwargs["verified_number"] == LICENCE
    assert kwargs["legal_id_number"] == LEGAL_ID
    assert kwargs["reg_country"] == "SG"
    assert kwargs["change_from_individual"] is False
    application = RealNameApplication.objects.get()
    assert application.legal_id_masked == "*****3344"
    # HUAWEI CLOUD's order: the certificate, then the representative's ID portrait and emblem sides.
    assert [f.role for f in application.files.all()] == ["licence", "legal_front", "legal_back"]
    assert kwargs["file_keys"] == [f.storage_name for f in application.files.all()]


def test_enterprise_legal_representative_needs_both_id_sides(client, customer, gateway):
    client.force_login(customer.user)

    response = client.post(
        reverse("realname") + "?method=enterprise",
        {
            "method": "enterprise",
            "name": "Harbour Tech Pte. Ltd.",
            "certificate_type": "0",
            "verified_number": LICENCE,
            "licence": png("licence.png"),
            "legal_name": "Tan Wei",
            "legal_id_number": LEGAL_ID,
            "reg_country": "SG",
            "reg_address": "1 Harbourfront Ave, Singapore",
        },
    )

    assert "give their name, ID number and both ID sides" in response.content.decode()
    assert not RealNameApplication.objects.exists()
    gateway.enterprise.assert_not_called()


def test_certificate_number_spaces_dropped_and_odd_characters_refused(client, customer, gateway):
    client.force_login(customer.user)

    refused = apply_passport(client, verified_number="E98 765#432")
    assert "Type the number as it is printed" in refused.content.decode()
    gateway.personal.assert_not_called()

    assert apply_passport(client, verified_number=" E98 765 432 ").status_code == 302
    assert gateway.personal.call_args.kwargs["verified_number"] == PASSPORT


def test_change_to_enterprise_only_for_an_approved_individual(client, gateway):
    individual = CustomerFactory()  # approved individual
    client.force_login(individual.user)

    page = client.get(reverse("realname")).content.decode()

    assert "Change to enterprise authentication" in page
    assert realname.realname_can_apply(customer=individual, method="enterprise_change") is None
    unauthenticated = CustomerFactory(real_name_status=Customer.RealNameStatus.NOT_SUBMITTED)
    assert realname.realname_can_apply(customer=unauthenticated, method="enterprise_change") is not None


def test_cannot_apply_twice_while_under_review(client, customer, gateway):
    client.force_login(customer.user)
    apply_passport(client)

    response = apply_passport(client)

    assert "under review" in response.content.decode()
    assert RealNameApplication.objects.count() == 1


# --- the review poll -----------------------------------------------------------------------------


@pytest.fixture
def under_review(client, customer, gateway, django_capture_on_commit_callbacks):
    client.force_login(customer.user)
    apply_passport(client)
    return RealNameApplication.objects.get(customer=customer)


def test_approval_is_recorded_and_emailed_once(
    client, customer, gateway, under_review, django_capture_on_commit_callbacks
):
    gateway.result.return_value = cloud.RealNameReview(result=2, opinion="")

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.realname_reviews_check.delay().get()["decided"] == 1
    RealNameApplication.objects.filter(pk=under_review.pk).update(next_check_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        tasks.realname_reviews_check.delay()
        tasks.realname_result_email_send.delay(under_review.pk)

    under_review.refresh_from_db()
    customer.refresh_from_db()
    assert under_review.status == RealNameApplication.Status.APPROVED
    assert customer.real_name_status == Customer.RealNameStatus.APPROVED
    assert customer.customer_type == Customer.CustomerType.INDIVIDUAL
    assert customer.real_name == "Lee Mei Ling"
    assert len(mail.outbox) == 1
    assert "approved" in mail.outbox[0].subject
    assert "Approved" in client.get(reverse("account")).content.decode()


def test_rejection_shows_huaweis_opinion(client, customer, gateway, under_review, django_capture_on_commit_callbacks):
    gateway.result.return_value = cloud.RealNameReview(result=1, opinion="The hand-held photo is blurred.")

    with django_capture_on_commit_callbacks(execute=True):
        tasks.realname_reviews_check.delay()

    customer.refresh_from_db()
    assert customer.real_name_status == Customer.RealNameStatus.REJECTED
    account = client.get(reverse("account")).content.decode()
    assert "The hand-held photo is blurred." in account
    assert "correct what it mentions and apply again" in account
    assert "The hand-held photo is blurred." in mail.outbox[0].body
    # And they may apply again.
    assert 'name="verified_number"' in client.get(reverse("realname")).content.decode()


def test_poll_asks_only_when_due_and_backs_off(gateway, under_review):
    realname.realname_reviews_check()
    realname.realname_reviews_check()  # not due again yet

    assert gateway.result.call_count == 1
    under_review.refresh_from_db()
    first_delay = under_review.next_check_at - timezone.now()
    assert timedelta(minutes=4) < first_delay <= timedelta(minutes=5)

    RealNameApplication.objects.filter(pk=under_review.pk).update(next_check_at=timezone.now())
    realname.realname_reviews_check()
    under_review.refresh_from_db()
    assert under_review.next_check_at - timezone.now() > timedelta(minutes=9)
    assert under_review.check_count == 2


def test_poll_survives_huawei_cloud_being_down(gateway, under_review):
    gateway.result.side_effect = CloudUnavailable(operation="show_realname_authentication_review_result")

    result = realname.realname_reviews_check()

    assert result.failed == 1
    under_review.refresh_from_db()
    assert under_review.status == RealNameApplication.Status.UNDER_REVIEW


# --- files ---------------------------------------------------------------------------------------


def test_owner_reads_the_file_without_caching(client, under_review):
    file = under_review.files.first()

    response = client.get(reverse("realname_file", args=[file.pk]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_another_customer_cannot_read_a_kyc_file(client, under_review):
    file = under_review.files.first()
    client.force_login(CustomerFactory().user)

    assert client.get(reverse("realname_file", args=[file.pk])).status_code == 404
    assert client.get(reverse("realname_file", args=[file.pk + 1000])).status_code == 404


def test_staff_with_permission_reads_files_and_staff_without_do_not(client, under_review):
    file = under_review.files.first()
    client.force_login(StaffUserFactory(group="Operations"))
    operations = client.get(reverse("realname_file", args=[file.pk])).status_code
    client.force_login(StaffUserFactory())

    assert client.get(reverse("realname_file", args=[file.pk])).status_code == 404
    assert operations in (200, 404)  # depends on the role's permissions (partner_portal/roles.py)


# --- no full number anywhere ---------------------------------------------------------------------


def test_no_full_number_in_pages_logs_or_admin(client, customer, gateway, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    client.force_login(customer.user)
    bodies = [apply_passport(client, verified_number=PASSPORT)]
    application = RealNameApplication.objects.get()
    bodies.append(client.get(reverse("realname")))
    bodies.append(client.get(reverse("account")))
    gateway.result.return_value = cloud.RealNameReview(result=1, opinion="Unclear photo.")
    with django_capture_on_commit_callbacks(execute=True):
        realname.realname_reviews_check()
    superuser = StaffUserFactory(is_superuser=True)
    client.force_login(superuser)
    for url in (
        reverse("admin:customers_customer_changelist"),
        reverse("admin:customers_customer_change", args=[customer.pk]),
        reverse("admin:customers_realnameapplication_changelist"),
        reverse("admin:customers_realnameapplication_change", args=[application.pk]),
        reverse("admin:customers_realnameapplication_changelist") + "?q=5432",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(response)

    searched = bodies[-1].content.decode()
    assert "*****5432" in searched  # found by its last four characters
    for response in bodies:
        assert PASSPORT not in response.content.decode()
    assert PASSPORT not in caplog.text
    assert PASSPORT not in "".join(m.body for m in mail.outbox)
    for value in RealNameApplication.objects.values_list(flat=True):
        assert PASSPORT not in str(value)
    for row in RealNameApplication.objects.values():
        assert PASSPORT not in str(row)
    for row in RealNameFile.objects.values():
        assert PASSPORT not in str(row)


def test_admin_action_rechecks_the_review(client, gateway, under_review, django_capture_on_commit_callbacks):
    gateway.result.return_value = cloud.RealNameReview(result=2, opinion="")
    client.force_login(StaffUserFactory(is_superuser=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:customers_realnameapplication_changelist"),
            {"action": "check_review_now", "_selected_action": [under_review.pk]},
            follow=True,
        )

    assert "1 decided" in response.content.decode()
    under_review.refresh_from_db()
    assert under_review.status == RealNameApplication.Status.APPROVED
