"""The prices page: official price, discount and amount from HUAWEI CLOUD's ratings, cached briefly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from orders import prices
from tests.orders.helpers import demo_customer

pytestmark = pytest.mark.django_db

ECS = {
    "service": "ecs",
    "region": "ap-southeast-1",
    "spec": "s6.large.2.linux",
    "billing": "monthly",
    "period": 1,
    "quantity": 1,
}


def ratings(sandbox, operation="list_rate_on_period_detail"):
    return sandbox.requests(operation)


def test_the_page_renders_without_an_inquiry(client):
    page = client.get(reverse("prices"))
    assert page.status_code == 200
    assert page.context["quote"] is None
    assert 'action="/prices/"' in page.content.decode()


def test_a_visitor_prices_an_ecs_with_the_partner_credentials(client, sandbox):
    page = client.get(reverse("prices"), ECS)

    quote = page.context["quote"]
    assert isinstance(quote, prices.Quote) and not quote.as_customer
    # s6.large.2: 2 x 7.50 + 4 x 2.80 = 26.20 a month in Hong Kong; the partner discount takes 10 %.
    assert quote.official_amount == Decimal("26.20")
    assert quote.amount == Decimal("23.58")
    assert quote.discount_amount == Decimal("2.62")
    text = page.content.decode()
    assert "26.2" in text and "23.58" in text
    assert 'href="/sso/console/?service=ecs&amp;action=buy"' in text
    assert ratings(sandbox)[0]["access_key"]  # signed with the partner's AK/SK


def test_a_customer_prices_as_themselves(client, sandbox):
    customer = demo_customer()
    client.force_login(customer.user)

    quote = client.get(reverse("prices"), {**ECS, "billing": "yearly", "period": 2, "quantity": 3}).context["quote"]

    assert quote.as_customer and quote.per == "year"
    assert quote.official_amount == Decimal("26.20") * 10 * 2 * 3
    assert [r["operation"] for r in sandbox.requests() if "rate" in r["operation"]] == ["list_rate_on_period_detail"]
    assert sandbox.requests("keystone_create_agency_token")  # acting as the customer


def test_identical_inquiries_are_cached(client, sandbox):
    client.get(reverse("prices"), ECS)
    client.get(reverse("prices"), ECS)
    assert len(ratings(sandbox)) == 1
    client.get(reverse("prices"), {**ECS, "quantity": 2})
    assert len(ratings(sandbox)) == 2
    cache.clear()
    client.get(reverse("prices"), ECS)
    assert len(ratings(sandbox)) == 3


def test_pay_per_use_disk(client, sandbox):
    quote = client.get(
        reverse("prices"),
        {
            "service": "evs",
            "region": "ap-southeast-1",
            "spec": "SAS",
            "size": 100,
            "billing": "pay_per_use",
            "quantity": 1,
        },
    ).context["quote"]
    assert quote.per == "hour" and quote.amount > 0
    assert ratings(sandbox, "list_on_demand_resource_ratings")


def test_a_product_not_sold_in_the_region_says_why(client, sandbox):
    page = client.get(reverse("prices"), {**ECS, "region": "af-south-1", "spec": "m7.large.8.linux"})

    assert isinstance(page.context["quote"], prices.QuoteError)
    assert "does not sell this specification in this region" in page.content.decode()
    client.get(reverse("prices"), {**ECS, "region": "af-south-1", "spec": "m7.large.8.linux"})
    assert len(ratings(sandbox)) == 2  # failures are not cached


def test_cloud_unavailable_says_so(client, sandbox):
    sandbox.add_fault("list_rate_on_period_detail", "error", status=503, error_code="CBC.0999")
    page = client.get(reverse("prices"), ECS)
    assert "not answering right now" in page.content.decode()


def test_a_spec_of_another_service_is_refused_next_to_the_field(client):
    page = client.get(reverse("prices"), {**ECS, "spec": "SAS"})
    assert page.context["form"].errors["spec"]
    assert page.context["quote"] is None


def test_htmx_gets_only_the_result(client, sandbox):
    page = client.get(reverse("prices"), ECS, HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert "<html" not in text and "23.58" in text


def test_wrong_method(client):
    assert client.post(reverse("prices"), ECS).status_code == 405


def test_the_page_speaks_chinese(client, sandbox):
    page = client.get(reverse("prices"), ECS, HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert "查询价格" in text and "您需支付" in text


def test_buy_asks_a_signed_out_visitor_to_sign_in_first(client):
    response = client.get("/sso/console/", {"service": "ecs", "action": "buy"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
