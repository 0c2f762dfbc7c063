"""/account/: the signed-in customer's own profile, and nobody else's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import Customer
from tests.factories import CustomerFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_account_page_needs_sign_in(client):
    response = client.get(reverse("account"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('account')}"


def test_customer_sees_their_profile(client, django_assert_max_num_queries):
    customer = CustomerFactory(real_name_status=Customer.RealNameStatus.UNDER_REVIEW)
    client.force_login(customer.user)

    # session, user, customer, the customer's API tokens
    with django_assert_max_num_queries(4):
        response = client.get(reverse("account"))

    html = response.content.decode()
    assert response.status_code == 200
    assert customer.account_name in html
    assert customer.email in html
    assert customer.customer_id in html
    assert '<span class="badge badge-warning">Under review</span>' in html
    assert '<span class="badge badge-success">Bound</span>' in html


def test_customer_being_created_sees_it_is_pending(client):
    customer = CustomerFactory(binding=Customer.Binding.PENDING, customer_id=None)
    client.force_login(customer.user)

    html = client.get(reverse("account")).content.decode()

    assert "Being created" in html
    assert "Not assigned yet" in html


def test_another_customers_data_never_appears(client):
    mine = CustomerFactory()
    theirs = CustomerFactory(email="someone-else@example.com")
    client.force_login(mine.user)

    html = client.get(reverse("account")).content.decode()

    assert mine.customer_id in html
    assert theirs.customer_id not in html
    assert theirs.account_name not in html
    assert theirs.email not in html


def test_account_page_in_chinese(client):
    customer = CustomerFactory()
    client.force_login(customer.user)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    html = client.get(reverse("account")).content.decode()

    assert "已认证" in html  # real-name authentication: Authenticated
    assert "华为云客户 ID" in html


def test_staff_without_customer_is_sent_to_the_admin(client):
    client.force_login(StaffUserFactory(group="Support"))

    html = client.get(reverse("account")).content.decode()

    assert f'href="{reverse("admin:index")}"' in html
    assert "Open the administration site" in html


def test_user_without_customer_is_told_to_contact_support(client):
    client.force_login(UserFactory())

    html = client.get(reverse("account")).content.decode()

    assert "No customer profile yet" in html
    assert "Open the administration site" not in html
