"""The API's framework: tokens, session and CSRF, the error shape, throttling, cursor pages, the schema."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from api import services
from api.models import ApiToken
from partner_portal.models import AuditEntry
from tests.api.conftest import ApiClient, error_of
from tests.factories import CustomerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_hashed_with_a_visible_prefix_and_acts_as_its_user():
    customer = CustomerFactory()

    row, text = services.token_create(user=customer.user, name="billing script", created_by=customer.user)

    assert text.startswith("pp_") and len(text) > 50
    assert row.prefix == text[:11] and text not in row.key_hash
    assert row.key_hash == hashlib.sha256(text.encode()).hexdigest()
    me = ApiClient(text).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == customer.user.username and me.json()["token_prefix"] == row.prefix
    assert AuditEntry.objects.filter(action="api_token.create", object_id=str(row.pk)).exists()


def test_a_revoked_token_is_refused():
    customer = CustomerFactory()
    row, text = services.token_create(user=customer.user, name="old")
    services.token_revoke(token=row, actor=customer.user)

    response = ApiClient(text).get("/api/v1/me/")

    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Bearer a b"])
def test_no_or_a_wrong_token_is_401(header):
    response = Client().get("/api/v1/me/", headers={"Authorization": header} if header else {})

    assert response.status_code == 401
    assert error_of(response)["code"] in {"not_authenticated", "authentication_failed"}


def test_the_session_works_for_the_sites_own_scripts_but_a_write_needs_csrf():
    staff = StaffUserFactory(group="Operations")
    customer = CustomerFactory(budget_amount=100)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)

    assert client.get("/api/v1/customers/").status_code == 200
    response = client.put(f"/api/v1/customers/{customer.pk}/budget/", {"amount": "1"}, content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]


def test_throttled_per_token(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "2/minute"}}
    customer = CustomerFactory()
    _row, first = services.token_create(user=customer.user, name="a")
    _row, second = services.token_create(user=customer.user, name="b")

    answers = [ApiClient(first).get("/api/v1/me/") for _ in range(3)]
    other = ApiClient(second).get("/api/v1/me/")

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert error_of(answers[2])["code"] == "throttled" and int(answers[2]["Retry-After"]) > 0
    assert other.status_code == 200  # another token has its own allowance


def test_the_error_shape_for_an_unknown_url_and_a_wrong_method(api_as):
    api = api_as(CustomerFactory().user)

    missing = api.get("/api/v1/orders/NOPE/")  # the customer's own orders: none
    wrong = api.post("/api/v1/me/")

    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"


def test_cursor_pages_walk_the_whole_list_once(api_as):
    staff = StaffUserFactory(group="Operations")
    CustomerFactory.create_batch(7)
    api = api_as(staff)

    seen, url, pages = [], "/api/v1/customers/?page_size=3&ordering=account_name", 0
    while url:
        body = api.get(url).json()
        seen += [row["account_name"] for row in body["results"]]
        url, pages = body["next"], pages + 1

    assert pages == 3
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize("query", ["cursor=%%%", "cursor=WyJ4Il0", "page_size=0", "page_size=101", "ordering=pk"])
def test_a_bad_cursor_page_size_or_ordering_is_400_with_the_field(api_as, query):
    api = api_as(StaffUserFactory(group="Operations"))

    response = api.get(f"/api/v1/customers/?{query}")

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) & {"cursor", "page_size", "ordering"}


def test_the_schema_and_the_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/orders/{order_id}/pay/" in paths
    assert "apiToken" in schema.json()["components"]["securitySchemes"]
    pay = paths["/api/v1/orders/{order_id}/pay/"]["post"]
    assert {"200", "202", "400", "401", "403", "404", "409", "422", "503"} <= set(pay["responses"])
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_the_account_page_creates_shows_once_and_revokes_a_token(client):
    customer = CustomerFactory()
    client.force_login(customer.user)

    client.post("/api/tokens/", {"name": "my script"})
    page = client.get("/account/").content.decode()
    again = client.get("/account/").content.decode()

    token = ApiToken.objects.get(user=customer.user)
    shown = page.split('id="api-token-new">')[1].split("<")[0]
    assert shown.startswith(token.prefix) and hashlib.sha256(shown.encode()).hexdigest() == token.key_hash
    assert shown not in again and token.prefix in again
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(shown).get("/api/v1/me/").status_code == 401


def test_another_users_token_cannot_be_revoked_from_the_account_page(client):
    other, _text = services.token_create(user=CustomerFactory().user, name="theirs")
    client.force_login(CustomerFactory().user)

    assert client.post(f"/api/tokens/{other.pk}/revoke/").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_staff_create_a_token_in_the_admin_shown_once(admin_client):
    customer = CustomerFactory()

    response = admin_client.post(
        "/admin/api/apitoken/add/", {"user": customer.user.pk, "name": "for acme"}, follow=True
    )

    token = ApiToken.objects.get(user=customer.user)
    text = next(str(m) for m in response.context["messages"] if "pp_" in str(m)).split(": ")[-1]
    assert hashlib.sha256(text.encode()).hexdigest() == token.key_hash
    assert ApiClient(text).get("/api/v1/me/").json()["customer"]["id"] == customer.pk
