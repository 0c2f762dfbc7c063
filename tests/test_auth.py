"""Sign-in, sign-out, lockout and password reset."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_sign_in_with_the_right_password_goes_to_the_account_page(client):
    customer = CustomerFactory()

    response = sign_in(client, customer.user.username, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("account")
    assert client.session["_auth_user_id"] == str(customer.user.pk)


def test_sign_in_follows_a_safe_next_url_only(client):
    user = UserFactory()

    response = client.post(
        reverse("login") + "?next=https://evil.example/", {"username": user.username, "password": PASSWORD}
    )

    assert response["Location"] == reverse("account")


def test_wrong_password_shows_an_error_and_does_not_sign_in(client):
    user = UserFactory()

    response = sign_in(client, user.username, "not-the-password")

    assert response.status_code == 200
    assert "That account name and password do not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_password_error_is_in_chinese_after_switching_language(client):
    user = UserFactory()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    response = sign_in(client, user.username, "not-the-password")

    assert "账户名和密码不匹配" in response.content.decode()


def test_sign_in_page_redirects_a_signed_in_user(client):
    user = UserFactory()
    client.force_login(user)

    response = client.get(reverse("login"))

    assert response.status_code == 302


def test_repeated_failures_lock_the_account_out_with_our_page(client):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, user.username, "wrong").status_code == 200

    response = sign_in(client, user.username, "wrong")

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed sign-in attempts" in html
    assert "css/app.css" in html  # our design, not axes' plain text
    # Even the right password is refused while the lockout lasts.
    again = sign_in(client, user.username, PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_of_one_account_leaves_another_alone(client):
    locked, other = UserFactory(), UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, locked.username, "wrong")

    response = sign_in(client, other.username, PASSWORD)

    assert response.status_code == 302


def test_sign_out_needs_a_post_and_goes_home(client):
    user = UserFactory()
    client.force_login(user)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "_auth_user_id" not in client.session
    assert "You have signed out." in response.content.decode()


def test_sign_in_form_is_protected_by_csrf():
    user = UserFactory()
    csrf_client = Client(enforce_csrf_checks=True)

    refused = csrf_client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert refused.status_code == 403
    assert "This form has expired" in refused.content.decode()

    page = csrf_client.get(reverse("login")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    accepted = csrf_client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302


def _reset_link(message) -> str:
    match = re.search(r"https?://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_emails_a_link_that_sets_a_new_password(client):
    user = UserFactory(email="reset-me@example.com")

    response = client.post(reverse("password_reset"), {"email": "reset-me@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reset-me@example.com"]
    assert "Reset your password" in message.subject
    assert user.username in message.body

    set_password_page = client.get(_reset_link(message), follow=True)
    assert set_password_page.status_code == 200
    assert "Choose a new password" in set_password_page.content.decode()
    form_url = set_password_page.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": "a-brand-new-Pa55word", "new_password2": "a-brand-new-Pa55word"})
    assert done["Location"] == reverse("password_reset_complete")

    user.refresh_from_db()
    assert user.check_password("a-brand-new-Pa55word")
    assert client.get(_reset_link(message), follow=True).context["validlink"] is False  # used once


def test_password_reset_email_is_in_chinese_for_a_chinese_visitor(client):
    UserFactory(email="zh@example.com")
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    client.post(reverse("password_reset"), {"email": "zh@example.com"})

    assert "重置" in mail.outbox[0].subject
    assert "新密码" in mail.outbox[0].body


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_change_needs_sign_in_and_works(client):
    assert client.get(reverse("password_change"))["Location"].startswith(reverse("login"))
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "changed-Pa55word!", "new_password2": "changed-Pa55word!"},
    )

    assert response["Location"] == reverse("password_change_done")
    assert get_user_model().objects.get(pk=user.pk).check_password("changed-Pa55word!")
