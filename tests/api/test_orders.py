"""Orders and resources through the API, against the sandbox: the pages' services, with Idempotency-Key."""

from __future__ import annotations

import pytest

from orders import resources as resource_services
from orders import services
from orders.models import Order, PaymentAttempt, RenewalAttempt, Resource
from tests.api.conftest import error_of
from tests.factories import CustomerFactory, StaffUserFactory
from tests.orders.helpers import demo_customer, purchase
from tests.orders.test_resources_support import ECS

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(sandbox):
    return demo_customer()


@pytest.fixture
def order(sandbox, customer):
    placed = purchase(sandbox, customer.customer_id)
    services.orders_sync(customer=customer)
    sandbox.clear_requests()
    return Order.objects.get(order_id=placed["order_id"])


def test_orders_list_and_detail(api_as, customer, order):
    api = api_as(customer.user)

    rows = api.get("/api/v1/orders/", {"status": "pending-payment"}).json()["results"]
    detail = api.get(f"/api/v1/orders/{order.order_id}/").json()

    mine = next(row for row in rows if row["order_id"] == order.order_id)
    assert mine["is_payable"] is True and all(row["status"] == Order.Status.PENDING_PAYMENT for row in rows)
    assert detail["order_id"] == order.order_id and detail["line_items"]


def test_orders_filter_validation(api_as, customer):
    response = api_as(customer.user).get("/api/v1/orders/", {"status": "nope"})

    assert response.status_code == 400 and "status" in error_of(response)["fields"]


def test_another_customers_order_is_404(api_as, order):
    other = api_as(CustomerFactory().user)

    assert other.get(f"/api/v1/orders/{order.order_id}/").status_code == 404
    assert other.post(f"/api/v1/orders/{order.order_id}/pay/", headers={"Idempotency-Key": "k"}).status_code == 404
    assert other.post(f"/api/v1/orders/{order.order_id}/cancel/").status_code == 404


def test_staff_read_a_customers_orders_but_do_not_pay(api_as, customer, order):
    api = api_as(StaffUserFactory(group="Support"))

    rows = api.get("/api/v1/orders/", {"customer": customer.pk}).json()["results"]
    missing = api.get("/api/v1/orders/")
    pay = api.post(f"/api/v1/orders/{order.order_id}/pay/", {}, headers={"Idempotency-Key": "x"})

    assert order.order_id in [row["order_id"] for row in rows]
    assert missing.status_code == 400 and "customer" in error_of(missing)["fields"]
    assert pay.status_code == 403


def test_pay_once_per_idempotency_key_replayed_and_conflict(api_as, customer, order, sandbox):
    api = api_as(customer.user)
    key = {"Idempotency-Key": "pay-order-1"}

    first = api.post(f"/api/v1/orders/{order.order_id}/pay/", {}, headers=key)
    again = api.post(f"/api/v1/orders/{order.order_id}/pay/", {}, headers=key)
    other_body = api.post(f"/api/v1/orders/{order.order_id}/pay/", {"coupon_ids": ["CP1"]}, headers=key)

    assert first.status_code == 200, first.json()
    assert first.json()["payment"]["status"] == "succeeded"
    assert again.status_code == 200 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 422 and error_of(other_body)["code"] == "idempotency_key_reused"
    assert PaymentAttempt.objects.count() == 1
    assert len(sandbox.requests("pay_orders")) == 1


def test_paying_a_paid_order_again_with_a_new_key_is_409(api_as, customer, order):
    api = api_as(customer.user)
    api.post(f"/api/v1/orders/{order.order_id}/pay/", {}, headers={"Idempotency-Key": "a"})

    response = api.post(f"/api/v1/orders/{order.order_id}/pay/", {}, headers={"Idempotency-Key": "b"})

    assert response.status_code == 409


def test_pay_validation_error(api_as, customer, order):
    response = api_as(customer.user).post(
        f"/api/v1/orders/{order.order_id}/pay/", {"discount_id": "d1", "coupon_ids": ["c1"]}
    )

    assert response.status_code == 400
    assert "non_field_errors" in error_of(response)["fields"]


def test_cancel(api_as, customer, order):
    response = api_as(customer.user).post(f"/api/v1/orders/{order.order_id}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == Order.Status.CANCELLED
    assert api_as(customer.user).post(f"/api/v1/orders/{order.order_id}/cancel/").status_code == 409


@pytest.fixture
def synced(customer):
    resource_services.resources_sync(customer=customer)
    resource_services.on_demand_resources_sync(customer=customer)
    return customer


def test_resources_pay_per_use_and_detail(api_as, synced):
    api = api_as(synced.user)

    rows = api.get("/api/v1/resources/").json()["results"]
    on_demand = api.get("/api/v1/pay-per-use-resources/").json()["results"]
    one = api.get(f"/api/v1/resources/{ECS}/").json()

    assert ECS in [row["resource_id"] for row in rows]
    assert any(row["attached"] for row in rows)
    assert len(on_demand) == 4
    assert one["resource_id"] == ECS
    assert api.get("/api/v1/resources/", {"status": "9"}).status_code == 400


def test_another_customers_resource_is_404(api_as, synced):
    other = api_as(CustomerFactory().user)

    assert other.get(f"/api/v1/resources/{ECS}/").status_code == 404
    renew = other.post("/api/v1/resources/renew/", {"resource_ids": [ECS]}, headers={"Idempotency-Key": "r"})
    assert renew.status_code == 404


def test_renew_once_per_key(api_as, synced, sandbox):
    api = api_as(synced.user)
    body = {"resource_ids": [ECS], "period": "2:1", "auto_pay": True}

    first = api.post("/api/v1/resources/renew/", body, headers={"Idempotency-Key": "renew-1"})
    again = api.post("/api/v1/resources/renew/", body, headers={"Idempotency-Key": "renew-1"})

    assert first.status_code == 200, first.json()
    assert first.json()["status"] == RenewalAttempt.Status.DONE and again.json() == first.json()
    assert len(sandbox.requests(operation="renewal_resources")) == 1
    assert api.get(f"/api/v1/renewals/{first.json()['id']}/").status_code == 200
    assert api.post("/api/v1/resources/renew/", {"resource_ids": []}).status_code == 400


def test_staff_renew_needs_change_permission_and_a_reason(api_as, synced):
    body = {"resource_ids": [ECS], "period": "2:1"}

    support = api_as(StaffUserFactory(group="Support")).post(f"/api/v1/resources/renew/?customer={synced.pk}", body)
    no_reason = api_as(StaffUserFactory(group="Operations")).post(
        f"/api/v1/resources/renew/?customer={synced.pk}", body
    )

    assert support.status_code == 403
    assert no_reason.status_code == 400 and "reason" in error_of(no_reason)["fields"]


def test_auto_renew_on(api_as, synced):
    response = api_as(synced.user).post(f"/api/v1/resources/{ECS}/auto-renew/", {"enabled": True})

    assert response.status_code == 200, response.json()
    assert response.json()["auto_renew"] is True
    assert Resource.objects.get(resource_id=ECS).auto_renew


def test_unsubscribe_needs_confirmation_and_is_customer_only(api_as, synced):
    api = api_as(synced.user)

    unconfirmed = api.post("/api/v1/resources/unsubscribe/", {"resource_ids": [ECS], "confirm": False})
    staff = api_as(StaffUserFactory(group="Operations")).post(
        f"/api/v1/resources/unsubscribe/?customer={synced.pk}", {"resource_ids": [ECS], "confirm": True}
    )
    done = api.post(
        "/api/v1/resources/unsubscribe/", {"resource_ids": [ECS], "confirm": True}, headers={"Idempotency-Key": "u"}
    )

    assert unconfirmed.status_code == 400 and "confirm" in error_of(unconfirmed)["fields"]
    assert staff.status_code == 403
    assert done.status_code in (200, 202), done.json()
    assert api.get(f"/api/v1/unsubscriptions/{done.json()['id']}/").status_code == 200


def test_resource_list_queries_do_not_grow_with_the_page(api_as, synced, django_assert_num_queries):
    api = api_as(synced.user)
    api.get("/api/v1/me/")

    # token + user, the customer, the page, its attached resources.
    with django_assert_num_queries(4):
        api.get("/api/v1/resources/", {"page_size": 1})
    with django_assert_num_queries(4):
        api.get("/api/v1/resources/", {"page_size": 100})
