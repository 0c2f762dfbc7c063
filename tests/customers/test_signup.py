"""/signup/: a visitor becomes a customer with a HUAWEI CLOUD account, against the sandbox over HTTP."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from customers import signup, tasks
from customers.models import Customer
from huaweicloud import bss

pytestmark = pytest.mark.django_db

PASSWORD = "Sunny-Harbour-2025"


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def send_code(client, email, **extra):
    return client.post(reverse("signup"), {"action": "send_code", "email": email, **extra})


def form_data(name="new-customer", email="new-customer@example.com", code="000000", **extra):
    return {
        "action": "create",
        "account_name": name,
        "email": email,
        "password": PASSWORD,
        "verification_code": code,
        "accept_terms": "on",
        **extra,
    }


def sign_up(client, sandbox, django_capture_on_commit_callbacks, *, name="new-customer", **extra):
    email = f"{name}@example.com"
    send_code(client, email)
    code = sandbox.verification_code(email)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("signup"), form_data(name=name, email=email, code=code, **extra))


def errors_of(html: str, field: str) -> str:
    match = re.search(rf'<ul class="field-errors" id="id_{field}_errors">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


# --- the page ------------------------------------------------------------------------------------


def test_page_shows_the_form_and_huaweis_documents(client):
    response = client.get(reverse("signup"))

    html = response.content.decode()
    assert response.status_code == 200
    for name in ("account_name", "email", "verification_code", "mobile_country_code", "mobile_number", "password"):
        assert f'name="{name}"' in html
    assert "5 to 32 characters" in html
    assert "Customer Agreement</a>" in html and "Privacy Statement</a>" in html
    assert 'name="action" value="send_code"' in html
    assert "js/signup.js" in html


def test_page_in_chinese(client):
    response = client.get(reverse("signup"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    html = response.content.decode()
    assert "创建账户" in html
    assert "发送验证码" in html


def test_signed_in_user_is_sent_to_the_account_page(client):
    user = get_user_model().objects.create_user("someone", password=PASSWORD)
    client.force_login(user)

    assert client.get(reverse("signup"))["Location"] == reverse("account")


def test_wrong_method_on_the_code_endpoint(client):
    assert client.get(reverse("signup_code")).status_code == 405


# --- end to end, without JavaScript --------------------------------------------------------------


def test_sign_up_binds_customer_user_and_cloud_account(client, sandbox, django_capture_on_commit_callbacks, capsys):
    sandbox.clear_requests()
    started = time.monotonic()

    response = sign_up(
        client, sandbox, django_capture_on_commit_callbacks, mobile_country_code="0065", mobile_number="91234567"
    )

    elapsed = time.monotonic() - started
    calls = sorted(r["operation"] for r in sandbox.requests())
    assert response.status_code == 302
    assert response["Location"] == reverse("account")
    customer = Customer.objects.get(account_name="new-customer")
    assert customer.binding == Customer.Binding.BOUND
    assert customer.xaccount_id.startswith("pp-")
    assert customer.mobile == "0065-91234567"
    assert customer.signup_verification_code == ""
    assert customer.user.check_password(PASSWORD)
    cloud = bss.list_sub_customers(customer_id=customer.customer_id).items
    assert [(c.account_name, c.xaccount_id) for c in cloud] == [("new-customer", customer.xaccount_id)]
    # Signed in, on the account page, with the welcome.
    page = client.get(reverse("account"))
    assert customer.customer_id in page.content.decode()
    assert "Welcome!" in page.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new-customer@example.com"]
    assert "Welcome" in mail.outbox[0].subject
    assert "/account/real-name/" in mail.outbox[0].body
    with capsys.disabled():
        print(f"\nsign-up without JavaScript: {elapsed * 1000:.0f} ms, {len(calls)} cloud calls: {calls}")
    # Checks at "send code" (email) and at submit (name; the email answer is cached; mobile), code, create.
    assert calls == [
        "check_user_identity",
        "check_user_identity",
        "check_user_identity",
        "create_sub_customer",
        "send_verification_message_code",
    ]


def test_welcome_email_in_chinese(client, sandbox, django_capture_on_commit_callbacks):
    client.cookies["django_language"] = "zh-hans"

    sign_up(client, sandbox, django_capture_on_commit_callbacks, name="zh-customer")

    assert Customer.objects.get(account_name="zh-customer").language == "zh-hans"
    assert "欢迎" in mail.outbox[0].subject
    # The code email from HUAWEI CLOUD was asked for in Chinese too.
    assert "验证码" in sandbox.outbox(to="zh-customer@example.com")[0]["body"]


# --- live checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "state"),
    [
        ("account_name", "brand-new-name", "available"),
        ("account_name", "demo-customer", "taken"),
        ("account_name", "1234567", "invalid"),
        ("account_name", "op_admin", "invalid"),
        ("email", "fresh@example.com", "available"),
        ("email", "demo-customer@example.com", "taken"),
        ("email", "not-an-email", "invalid"),
        ("mobile", "0065-91234567", "available"),
        ("mobile", "+65 9123", "invalid"),
    ],
)
def test_live_check(client, sandbox, field, value, state):
    response = client.get(reverse("signup_check"), {"field": field, "value": value})

    assert response.status_code == 200
    assert f'data-state="{state}"' in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_live_check_answers_are_cached_and_bad_input_is_not_sent(client, sandbox):
    sandbox.clear_requests()

    for _ in range(3):
        client.get(reverse("signup_check"), {"field": "account_name", "value": "cached-name"})
    client.get(reverse("signup_check"), {"field": "account_name", "value": "12"})

    assert len(sandbox.requests("check_user_identity")) == 1
    assert client.get(reverse("signup_check"), {"field": "password", "value": "x"}).status_code == 400


def test_live_check_when_huawei_cloud_is_down(client, sandbox):
    sandbox.add_fault("check_user_identity", "error", status=500)

    response = client.get(reverse("signup_check"), {"field": "account_name", "value": "some-name"})

    assert 'data-state="unknown"' in response.content.decode()


# --- failures ------------------------------------------------------------------------------------


def test_name_taken(client, sandbox):
    send_code(client, "other@example.com")
    code = sandbox.verification_code("other@example.com")

    response = client.post(reverse("signup"), form_data(name="demo-customer", email="other@example.com", code=code))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This account name is taken" in errors_of(html, "account_name")
    assert not Customer.objects.filter(account_name="demo-customer").exists()
    assert not sandbox.requests("create_sub_customer")


def test_name_taken_at_huawei_cloud_between_check_and_create(client, sandbox):
    sandbox.add_fault(
        "create_sub_customer",
        "error",
        status=400,
        error_code="CBC.99000051",
        error_msg="The account name x is already in use.",
    )
    send_code(client, "late@example.com")

    response = client.post(
        reverse("signup"),
        form_data(name="late-name", email="late@example.com", code=sandbox.verification_code("late@example.com")),
    )

    assert "This account name is taken" in errors_of(response.content.decode(), "account_name")
    assert Customer.objects.count() == 0
    assert get_user_model().objects.count() == 0


def test_invalid_email(client, sandbox):
    response = send_code(client, "not-an-email")

    assert "An email address such as" in errors_of(response.content.decode(), "email")
    assert not sandbox.requests("send_verification_message_code")


def test_email_already_registered_gets_no_code(client, sandbox):
    response = send_code(client, "demo-customer@example.com")

    assert "already has a HUAWEI CLOUD account" in errors_of(response.content.decode(), "email")
    assert not sandbox.outbox(to="demo-customer@example.com", kind="verification_code")


def test_wrong_code_keeps_what_was_typed(client, sandbox):
    send_code(client, "typo@example.com")
    real = sandbox.verification_code("typo@example.com")
    wrong = "111111" if real != "111111" else "222222"

    response = client.post(reverse("signup"), form_data(name="typo-name", email="typo@example.com", code=wrong))

    html = response.content.decode()
    assert "This code is not right" in errors_of(html, "verification_code")
    assert 'value="typo-name"' in html
    assert 'value="typo@example.com"' in html
    assert Customer.objects.count() == 0
    assert get_user_model().objects.count() == 0


@pytest.mark.parametrize(
    ("error_msg", "expected"),
    [
        ("The verification code has expired.", "This code has expired"),
        ("The verification code has already been used.", "This code has already been used"),
    ],
)
def test_expired_or_used_code(client, sandbox, error_msg, expected):
    sandbox.add_fault("create_sub_customer", "error", status=400, error_code="CBC.99000027", error_msg=error_msg)

    response = client.post(reverse("signup"), form_data(name="code-name", email="code@example.com", code="123456"))

    assert expected in errors_of(response.content.decode(), "verification_code")
    assert Customer.objects.count() == 0


def test_reused_code_after_a_successful_sign_up(client, sandbox, django_capture_on_commit_callbacks):
    # The code of a finished sign-up, tried again for another name with the same address: the address is taken now.
    sign_up(client, sandbox, django_capture_on_commit_callbacks, name="first-one")
    code = sandbox.verification_code("first-one@example.com")
    client.logout()

    response = client.post(reverse("signup"), form_data(name="second-one", email="first-one@example.com", code=code))

    assert "already has a HUAWEI CLOUD account" in errors_of(response.content.decode(), "email")
    assert Customer.objects.count() == 1


def test_five_wrong_codes_need_a_new_code(client, sandbox):
    send_code(client, "guess@example.com")
    real = sandbox.verification_code("guess@example.com")
    wrongs = [f"{n:06d}" for n in range(100000, 100010) if f"{n:06d}" != real][:6]

    for wrong in wrongs[:5]:
        response = client.post(reverse("signup"), form_data(name="guess-name", email="guess@example.com", code=wrong))
    assert "entered wrongly too many times" in errors_of(response.content.decode(), "verification_code")
    sandbox.clear_requests()

    # Even the right code is refused now, without asking HUAWEI CLOUD.
    response = client.post(reverse("signup"), form_data(name="guess-name", email="guess@example.com", code=real))
    assert "entered wrongly too many times" in errors_of(response.content.decode(), "verification_code")
    assert not sandbox.requests("create_sub_customer")


def test_one_code_a_minute_with_a_countdown(client, sandbox):
    first = send_code(client, "wait@example.com")
    second = send_code(client, "wait@example.com")

    assert "We sent a code to wait@example.com" in first.content.decode()
    assert 'data-wait="60"' in first.content.decode()
    html = second.content.decode()
    assert "You can ask for a new one in" in errors_of(html, "email")
    assert re.search(r'data-wait="(5\d|60)"', html)
    assert len(sandbox.outbox(to="wait@example.com", kind="verification_code")) == 1


def test_too_many_codes_from_one_client_ip(client, sandbox):
    sandbox.config(throttling=False)
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        for n in range(5):
            response = send_code(client, f"ip-{n}@example.com")
            assert "We sent a code" in response.content.decode(), n
            traveller.shift(timedelta(seconds=61))
        response = send_code(client, "ip-5@example.com")

    assert "Too many codes were asked for" in errors_of(response.content.decode(), "email")
    assert not sandbox.outbox(to="ip-5@example.com")


def test_code_endpoint_for_javascript(client, sandbox):
    ok = client.post(reverse("signup_code"), {"email": "js@example.com"})
    again = client.post(reverse("signup_code"), {"email": "js@example.com"})

    assert ok.status_code == 200
    assert ok.json()["ok"] is True and ok.json()["retry_after"] == 60
    assert again.status_code == 400
    assert again.json()["ok"] is False and 0 < again.json()["retry_after"] <= 60


def test_cloud_business_error_creates_nothing_and_keeps_the_form(client, sandbox):
    sandbox.add_fault("create_sub_customer", "error", status=400, error_code="CBC.0151", error_msg="Access denied.")
    send_code(client, "refused@example.com")

    response = client.post(
        reverse("signup"),
        form_data(
            name="refused-name", email="refused@example.com", code=sandbox.verification_code("refused@example.com")
        ),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "HUAWEI CLOUD refused this request" in html
    assert 'value="refused-name"' in html
    assert Customer.objects.count() == 0
    assert get_user_model().objects.count() == 0
    assert "_auth_user_id" not in client.session


def test_cloud_down_before_the_request_arrived_creates_nothing(client, sandbox):
    sandbox.add_fault("create_sub_customer", "error", status=503, error_code="CBC.0999", error_msg="Busy.")
    send_code(client, "down@example.com")

    response = client.post(
        reverse("signup"),
        form_data(name="down-name", email="down@example.com", code=sandbox.verification_code("down@example.com")),
    )

    assert "not answering right now" in response.content.decode()
    assert Customer.objects.count() == 0


def test_cloud_timeout_during_creation_binds_to_the_same_account(
    client, sandbox, settings, django_capture_on_commit_callbacks
):
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "READ_TIMEOUT": 1}
    sandbox.add_fault("create_sub_customer", "delay", delay=1.5, count=1)
    send_code(client, "slow@example.com")
    code = sandbox.verification_code("slow@example.com")

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("signup"), form_data(name="slow-name", email="slow@example.com", code=code))

    # Signed in at once, told the account is being set up; the row waits for the worker.
    assert response.status_code == 302
    customer = Customer.objects.get(account_name="slow-name")
    assert customer.binding == Customer.Binding.PENDING
    assert customer.customer_id is None
    page = client.get(reverse("account")).content.decode()
    assert "still setting up your HUAWEI CLOUD account" in page
    assert "Being created" in page

    time.sleep(1.0)  # HUAWEI CLOUD finishes the lost request meanwhile
    for callback in queued:
        callback()  # the worker: create again with the same xaccount_id -> CBC.99000050 with the ids

    customer.refresh_from_db()
    assert customer.binding == Customer.Binding.BOUND
    cloud = bss.list_sub_customers(account_name="slow-name").items
    assert len(cloud) == 1
    assert cloud[0].customer_id == customer.customer_id
    assert cloud[0].xaccount_id == customer.xaccount_id
    creates = sandbox.requests("create_sub_customer")
    assert [r["error_code"] for r in creates] == ["CBC.99000050", ""] or len(creates) == 2

    # Running the worker again changes nothing.
    tasks.customer_binding_finish.delay(customer.pk)
    customer.refresh_from_db()
    assert customer.customer_id == cloud[0].customer_id
    assert len(bss.list_sub_customers(account_name="slow-name").items) == 1


def test_our_side_fails_after_the_cloud_accepted(client, sandbox, monkeypatch, django_capture_on_commit_callbacks):
    real_bind = signup.customer_bind
    calls = []

    def failing_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real_bind(**kwargs)

    monkeypatch.setattr(signup, "customer_bind", failing_once)

    response = sign_up(client, sandbox, django_capture_on_commit_callbacks, name="crash-name")

    assert response.status_code == 302
    customer = Customer.objects.get(account_name="crash-name")
    assert customer.binding == Customer.Binding.BOUND
    assert len(bss.list_sub_customers(account_name="crash-name").items) == 1
    assert [r["error_code"] for r in sandbox.requests("create_sub_customer")][0] == "CBC.99000050"


def test_sweep_queues_only_old_pending_sign_ups(sandbox):
    user = get_user_model().objects.create_user("old-pending", password=PASSWORD)
    old = Customer.objects.create(
        user=user, account_name="old-pending", binding=Customer.Binding.PENDING, domain_area="SG"
    )
    Customer.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    Customer.objects.create(
        user=get_user_model().objects.create_user("new-pending"), account_name="new-pending", domain_area="SG"
    )

    assert signup.customers_binding_sweep() == 1

    old.refresh_from_db()
    assert old.binding == Customer.Binding.BOUND
    assert len(bss.list_sub_customers(account_name="old-pending").items) == 1
