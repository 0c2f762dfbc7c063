"""Real-name authentication against the sandbox over real HTTP: apply, review, poll, email; nothing patched.

Local customers are bound to the sandbox's demo customers (sandbox/README.md "Demo world"):
`maria-lopez` never applied, `nguyen-tran` is an approved individual, `pixel-forge-studio` has an
individual application under review. Every test also checks that no full certificate number reached
a page, a log line or an email on our side.
"""

from __future__ import annotations

import io
import logging

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from customers import realname, tasks
from customers.models import Customer, RealNameApplication, RealNameFile
from tests.factories import CustomerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

PASSPORT = "E98765432"
LICENCE = "201912345K"
LEGAL_ID = "S8123456D"
NUMBERS = (PASSPORT, LICENCE, LEGAL_ID)


class RecordingClient(Client):
    """Django's test client that keeps every response, so the test can scan them all."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.responses = []

    def request(self, **request):
        response = super().request(**request)
        self.responses.append(response)
        return response


@pytest.fixture
def client(caplog):
    """Every page a test reads, every log line and every email is checked for full certificate numbers."""
    caplog.set_level(logging.DEBUG)
    client = RecordingClient()
    yield client
    for response in client.responses:
        if not getattr(response, "streaming", False):
            body = response.content.decode(errors="replace")
            assert not [n for n in NUMBERS if n in body], response.request["PATH_INFO"]
    # caplog.text holds only the teardown's lines by now: read the test's own.
    formatter = logging.Formatter()
    logged = "\n".join(formatter.format(record) for phase in ("setup", "call") for record in caplog.get_records(phase))
    assert logged
    assert not [n for n in NUMBERS if n in logged]
    sent = "".join(f"{m.subject}\n{m.body}" for m in mail.outbox)
    assert not [n for n in NUMBERS if n in sent]


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


def stored_files(private_storage) -> list:
    return sorted(p for p in private_storage.rglob("*") if p.is_file())


def png(name: str, colour=(200, 30, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 20), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def bound_to(sandbox, account_name: str, **fields) -> Customer:
    """A local customer bound to the sandbox's demo customer `account_name`."""
    fields = {
        "real_name_status": Customer.RealNameStatus.NOT_SUBMITTED,
        "customer_type": Customer.CustomerType.NOT_SET,
        **fields,
    }
    return CustomerFactory(account_name=account_name, customer_id=sandbox.customer_id(account_name), **fields)


def history(sandbox, customer: Customer) -> list[dict]:
    """Every application HUAWEI CLOUD (the sandbox) holds for the customer, newest first."""
    return sandbox._call("GET", "realname", params={"all": "1", "customer_id": customer.customer_id})["applications"]


def apply_passport(client, **extra):
    data = {
        "method": "individual",
        "name": "Maria Lopez",
        "verified_type": "3",
        "verified_number": PASSPORT,
        "front": png("front.png"),
        "hand_held": png("hand.png", (30, 90, 200)),
        **extra,
    }
    return client.post(reverse("realname") + "?method=individual", data)


def apply_enterprise(client, method="enterprise", **extra):
    data = {
        "method": method,
        "name": "Harbour Tech Pte. Ltd.",
        "certificate_type": "0",
        "verified_number": LICENCE,
        "reg_country": "sg",
        "reg_address": "1 Harbourfront Ave, Singapore",
        "licence": png("licence.png"),
        "licence_back": png("licence-back.png", (10, 10, 10)),
        "legal_name": "Tan Wei",
        "legal_id_number": LEGAL_ID,
        "legal_front": png("id-portrait.png", (90, 200, 30)),
        "legal_back": png("id-emblem.png", (200, 200, 30)),
        **extra,
    }
    return client.post(reverse("realname") + f"?method={method}", data)


def poll(capture) -> dict:
    """One run of the review poll task, with its after-commit work (the result email) done."""
    with capture(execute=True):
        return tasks.realname_reviews_check.delay().get()


def make_due(application: RealNameApplication) -> None:
    RealNameApplication.objects.filter(pk=application.pk).update(next_check_at=timezone.now())


# --- individual ------------------------------------------------------------------------------------


def test_individual_pending_then_approved_and_emailed_once(
    client, sandbox, django_capture_on_commit_callbacks, private_storage
):
    customer = bound_to(sandbox, "maria-lopez")
    client.force_login(customer.user)

    response = apply_passport(client)

    assert response.status_code == 302
    application = RealNameApplication.objects.get(customer=customer)
    keys = [f.storage_name for f in application.files.all()]
    assert [f.role for f in application.files.all()] == ["front", "hand_held"]
    # HUAWEI CLOUD got the storage names as the object keys, in order, and waits for a person.
    (pending,) = [a for a in sandbox.realname_pending() if a["customer_id"] == customer.customer_id]
    assert pending["verified_file_url"] == keys
    assert pending["kind"] == "individual" and pending["verified_type"] == 3 and pending["is_review"] == 1
    assert all(default_storage.exists(key) for key in keys)
    assert sandbox.customer(customer.customer_id)["verified_status"] == "0"
    customer.refresh_from_db()
    assert customer.real_name_status == Customer.RealNameStatus.UNDER_REVIEW
    assert "Under review. HUAWEI CLOUD usually decides" in client.get(reverse("realname")).content.decode()

    # Not decided yet: the poll asks, finds it under review, and sends nothing.
    assert poll(django_capture_on_commit_callbacks)["decided"] == 0
    assert mail.outbox == []

    sandbox.realname_decide(customer.customer_id, "approve")
    make_due(application)
    assert poll(django_capture_on_commit_callbacks)["decided"] == 1
    make_due(application)
    assert poll(django_capture_on_commit_callbacks) == {"checked": 0, "decided": 0, "failed": 0}
    tasks.realname_result_email_send.delay(application.pk)

    application.refresh_from_db()
    customer.refresh_from_db()
    assert application.status == RealNameApplication.Status.APPROVED
    assert customer.real_name_status == Customer.RealNameStatus.APPROVED
    assert customer.customer_type == Customer.CustomerType.INDIVIDUAL
    assert customer.real_name == "Maria Lopez"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [customer.email]
    assert "approved" in mail.outbox[0].subject
    assert len(sandbox.requests("show_realname_authentication_review_result")) == 2
    page = client.get(reverse("realname")).content.decode()
    assert "Approved. You can buy every HUAWEI CLOUD service." in page
    assert "*****5432" in page


def test_rejection_shows_the_opinion_and_what_to_do_then_applying_again_works(
    client, sandbox, django_capture_on_commit_callbacks
):
    opinion = "The photo page of the passport is blurred; please upload a sharper photo."
    customer = bound_to(sandbox, "maria-lopez")
    client.force_login(customer.user)
    apply_passport(client)
    sandbox.realname_decide(customer.customer_id, "reject", opinion=opinion)

    assert poll(django_capture_on_commit_callbacks)["decided"] == 1

    customer.refresh_from_db()
    assert customer.real_name_status == Customer.RealNameStatus.REJECTED
    for url in (reverse("realname"), reverse("account")):
        page = client.get(url).content.decode()
        assert opinion in page, url
        assert "correct what it mentions and apply again" in page, url
    assert opinion in mail.outbox[0].body and "not approved" in mail.outbox[0].subject
    # The form is open again, and HUAWEI CLOUD takes a new application after a rejection.
    assert 'name="verified_number"' in client.get(reverse("realname")).content.decode()
    assert apply_passport(client).status_code == 302
    assert [a["review_result"] for a in history(sandbox, customer)] == [0, 1]
    assert RealNameApplication.objects.filter(customer=customer).count() == 2


# --- enterprise ------------------------------------------------------------------------------------


def test_enterprise_application_with_legal_representative(client, sandbox, django_capture_on_commit_callbacks):
    customer = bound_to(sandbox, "maria-lopez")
    client.force_login(customer.user)

    response = apply_enterprise(client)

    assert response.status_code == 302
    application = RealNameApplication.objects.get(customer=customer)
    files = list(application.files.all())
    assert [f.role for f in files] == ["licence", "back", "legal_front", "legal_back"]
    (sent,) = history(sandbox, customer)
    assert sent["kind"] == "enterprise" and sent["certificate_type"] == 0
    assert sent["verified_file_url"] == [f.storage_name for f in files]
    assert sent["name"] == "Harbour Tech Pte. Ltd." and sent["reg_country"] == "SG"
    assert sent["enterprise_person"]["legel_name"] == "Tan Wei"
    assert application.number_masked.endswith("345K") and application.legal_id_masked.endswith("456D")

    sandbox.realname_decide(customer.customer_id, "approve")
    poll(django_capture_on_commit_callbacks)

    customer.refresh_from_db()
    assert customer.real_name_status == Customer.RealNameStatus.APPROVED
    assert customer.customer_type == Customer.CustomerType.ENTERPRISE
    assert customer.real_name == "Harbour Tech Pte. Ltd."
    assert sandbox.customer(customer.customer_id)["customer_type"] == 1


def test_enterprise_without_legal_representative_sends_the_certificate_only(client, sandbox):
    customer = bound_to(sandbox, "maria-lopez")
    client.force_login(customer.user)

    response = apply_enterprise(
        client, licence_back="", legal_name="", legal_id_number="", legal_front="", legal_back=""
    )

    assert response.status_code == 302
    (sent,) = history(sandbox, customer)
    assert sent["enterprise_person"] is None
    assert sent["verified_file_url"] == [RealNameFile.objects.get().storage_name]


# --- change from individual to enterprise ------------------------------------------------------------


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_change_of_an_approved_individual_to_enterprise(client, sandbox, django_capture_on_commit_callbacks, decision):
    customer = bound_to(
        sandbox,
        "nguyen-tran",
        real_name_status=Customer.RealNameStatus.APPROVED,
        customer_type=Customer.CustomerType.INDIVIDUAL,
        real_name="Nguyen Tran",
    )
    client.force_login(customer.user)
    assert "Change to enterprise authentication" in client.get(reverse("realname")).content.decode()

    response = apply_enterprise(client, method="enterprise_change")

    assert response.status_code == 302
    assert history(sandbox, customer)[0]["kind"] == "change"
    customer.refresh_from_db()
    # Like HUAWEI CLOUD: still an approved individual while the change is reviewed, and no second change.
    assert customer.real_name_status == Customer.RealNameStatus.APPROVED
    assert customer.customer_type == Customer.CustomerType.INDIVIDUAL
    page = client.get(reverse("realname")).content.decode()
    assert "Your change to enterprise authentication is under review" in page
    assert 'name="verified_number"' not in page

    opinion = "The business licence has expired."
    sandbox.realname_decide(customer.customer_id, decision, opinion=opinion if decision == "reject" else "")
    assert poll(django_capture_on_commit_callbacks)["decided"] == 1

    customer.refresh_from_db()
    cloud_side = sandbox.customer(customer.customer_id)
    assert customer.real_name_status == Customer.RealNameStatus.APPROVED == cloud_side["verified_status"]
    assert customer.customer_type == cloud_side["customer_type"]
    page = client.get(reverse("realname")).content.decode()
    if decision == "approve":
        assert customer.customer_type == Customer.CustomerType.ENTERPRISE
        assert customer.real_name == "Harbour Tech Pte. Ltd."
    else:
        assert customer.customer_type == Customer.CustomerType.INDIVIDUAL
        assert customer.real_name == "Nguyen Tran"
        assert opinion in page
        assert "Correct what it mentions and apply for the change again." in page
        assert 'name="verified_number"' in page  # the change form is open again


def test_change_refused_for_a_customer_not_approved_as_an_individual(client, sandbox):
    customer = bound_to(sandbox, "maria-lopez")
    client.force_login(customer.user)

    response = apply_enterprise(client, method="enterprise_change")

    assert response.status_code == 200
    assert "Only an account authenticated as an individual can change to an enterprise." in response.content.decode()
    assert not RealNameApplication.objects.exists()
    assert sandbox.requests("change_enterprise_realname_authentication") == []


def test_change_refused_by_huawei_cloud_is_shown_in_plain_words(client, sandbox, private_storage):
    # Our row says approved individual; HUAWEI CLOUD knows better (CBC.99007300).
    customer = bound_to(
        sandbox,
        "maria-lopez",
        real_name_status=Customer.RealNameStatus.APPROVED,
        customer_type=Customer.CustomerType.INDIVIDUAL,
    )
    client.force_login(customer.user)

    response = apply_enterprise(client, method="enterprise_change")

    assert response.status_code == 200
    assert "Only an account authenticated as an individual can change to an enterprise." in response.content.decode()
    assert [r["error_code"] for r in sandbox.requests("change_enterprise_realname_authentication")] == ["CBC.99007300"]
    assert not RealNameApplication.objects.exists()
    assert stored_files(private_storage) == []


# --- bank card, cloud errors ---------------------------------------------------------------------------


def test_bank_card_is_shown_as_unavailable_and_never_sent(client, sandbox, settings):
    customer = bound_to(sandbox, "maria-lopez")
    client.force_login(customer.user)

    page = client.get(reverse("realname")).content.decode()

    assert "Individual, by bank card (unavailable)" in page
    assert "does not offer authentication by bank card" in page
    settings.REALNAME_BANK_CARD_ENABLED = True  # even if someone turns it on, there is no way to send it
    with pytest.raises(realname.RealNameRefused) as refused:
        realname.realname_apply(
            customer=customer,
            method=RealNameApplication.Method.BANK_CARD,
            name="Maria Lopez",
            verified_number="",
            files=[],
        )
    assert refused.value.message == realname.BANK_CARD_UNAVAILABLE
    assert sandbox.requests("create_personal_realname_auth") == []


def test_application_already_under_review_at_huawei_cloud_is_explained_and_nothing_kept(
    client, sandbox, private_storage
):
    # pixel-forge-studio has an application under review at HUAWEI CLOUD that our row does not know of.
    customer = bound_to(sandbox, "pixel-forge-studio")
    client.force_login(customer.user)

    response = apply_passport(client, name="Pixel Forge")

    page = response.content.decode()
    assert response.status_code == 200
    assert "HUAWEI CLOUD already has an application for this account under review" in page
    assert "Nothing was saved." in page
    assert "CBC.99007188" not in page
    assert [r["error_code"] for r in sandbox.requests("create_personal_realname_auth")] == ["CBC.99007188"]
    assert not RealNameApplication.objects.exists()
    assert not RealNameFile.objects.exists()
    assert stored_files(private_storage) == []
    customer.refresh_from_db()
    assert customer.real_name_status == Customer.RealNameStatus.NOT_SUBMITTED
    assert len(history(sandbox, customer)) == 1  # only the one it had


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "error", "status": 500, "error_code": "CBC.0999", "error_msg": "Other error."},
        {"kind": "malformed", "status": 502},
        {"kind": "throttle"},
    ],
    ids=["500", "502-html", "429"],
)
def test_cloud_fault_keeps_the_form_and_stores_nothing(client, sandbox, private_storage, fault):
    customer = bound_to(sandbox, "maria-lopez")
    client.force_login(customer.user)
    sandbox.add_fault("create_personal_realname_auth", count=1, **fault)

    response = apply_passport(client)

    page = response.content.decode()
    assert response.status_code == 200
    assert "HUAWEI CLOUD is not answering right now. Nothing was changed" in page
    # The form comes back with what was typed, except the number (never written back into a page).
    assert 'value="Maria Lopez"' in page
    assert 'name="verified_number"' in page
    assert not RealNameApplication.objects.exists()
    assert stored_files(private_storage) == []
    assert history(sandbox, customer) == []
    customer.refresh_from_db()
    assert customer.real_name_status == Customer.RealNameStatus.NOT_SUBMITTED
    # The fault is gone: the same form goes through now.
    assert apply_passport(client).status_code == 302


# --- no full number anywhere on our side -------------------------------------------------------------------


def test_no_full_number_in_pages_admin_logs_or_rows(client, sandbox, django_capture_on_commit_callbacks):
    """The `client` fixture scans every response, log line and email; this test visits everything once."""
    customer = bound_to(sandbox, "maria-lopez")
    client.force_login(customer.user)
    apply_enterprise(client)
    sandbox.realname_decide(customer.customer_id, "reject", opinion="The certificate is cut off.")
    poll(django_capture_on_commit_callbacks)
    client.get(reverse("realname"))
    client.get(reverse("account"))
    application = RealNameApplication.objects.get()
    for file in application.files.all():
        client.get(reverse("realname_file", args=[file.pk]))

    client.force_login(StaffUserFactory(is_superuser=True))
    for url in (
        reverse("admin:customers_customer_changelist"),
        reverse("admin:customers_customer_change", args=[customer.pk]),
        reverse("admin:customers_realnameapplication_changelist"),
        reverse("admin:customers_realnameapplication_change", args=[application.pk]),
        reverse("admin:customers_realnameapplication_changelist") + "?q=345K",
    ):
        assert client.get(url).status_code == 200, url
    assert application.number_masked in client.responses[-1].content.decode()

    rows = [*RealNameApplication.objects.values(), *RealNameFile.objects.values(), *Customer.objects.values()]
    assert not [n for n in NUMBERS if n in str(rows)]
    # HUAWEI CLOUD itself got the numbers (that is what they are for).
    assert history(sandbox, customer)[0]["verified_number"] == LICENCE
