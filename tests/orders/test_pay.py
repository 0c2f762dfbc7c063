"""Paying a pending-payment order, against the sandbox: one payment however often it is asked for."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from orders import services
from orders.models import Order, PaymentAttempt
from tests.orders.helpers import cloud_order, demo_customer, purchase

pytestmark = pytest.mark.django_db

PARTNER_DISCOUNT = "7d3a0c5e9f1b4e6a8c2d4f6a8b0c2e41"


@pytest.fixture
def customer(sandbox):
    return demo_customer()


@pytest.fixture
def order(sandbox, customer):
    placed = purchase(sandbox, customer.customer_id)
    services.orders_sync(customer=customer)
    sandbox.clear_requests()
    return Order.objects.get(order_id=placed["order_id"])


def pay_calls(sandbox) -> list[dict]:
    return sandbox.requests("pay_orders")


def test_confirmation_page_shows_amount_budget_deadline_and_a_fresh_key(client, customer, order, sandbox):
    client.force_login(customer.user)

    page = client.get(reverse("order_pay", args=[order.order_id]))

    assert page.status_code == 200
    text = page.content.decode()
    assert f"{order.amount} USD" in text
    assert "Budget left" in text and "Pay before" in text
    assert f'value="discount:{PARTNER_DISCOUNT}"' in text
    key = page.context["form"].initial["idempotency_key"]
    assert f'value="{key}"' in text
    assert client.get(reverse("order_pay", args=[order.order_id])).context["form"].initial["idempotency_key"] != key
    assert pay_calls(sandbox) == []


def test_paying_with_the_partner_discount(client, customer, order, sandbox, django_capture_on_commit_callbacks):
    client.force_login(customer.user)
    key = uuid.uuid4()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("order_pay", args=[order.order_id]),
            {"idempotency_key": key, "option": f"discount:{PARTNER_DISCOUNT}"},
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("order_detail", args=[order.order_id])
    assert len(pay_calls(sandbox)) == 1
    assert cloud_order(sandbox, order.order_id)["status"] == 5
    attempt = PaymentAttempt.objects.get(idempotency_key=key)
    assert attempt.status == PaymentAttempt.Status.SUCCEEDED
    order.refresh_from_db()
    # The refresh after the payment read HUAWEI CLOUD's state, the discount and the resources.
    assert order.status == Order.Status.COMPLETED
    assert order.discount_amount > 0
    assert order.resources.count() == 2
    assert [m.subject for m in mail.outbox] == [f"Order {order.order_id} is paid"]
    page = client.get(response["Location"])
    assert "is paid" in page.content.decode()


def test_the_same_form_sent_twice_pays_once(client, customer, order, sandbox):
    client.force_login(customer.user)
    data = {"idempotency_key": uuid.uuid4(), "option": "none"}

    first = client.post(reverse("order_pay", args=[order.order_id]), data)
    second = client.post(reverse("order_pay", args=[order.order_id]), data)

    assert first.status_code == second.status_code == 302
    assert len(pay_calls(sandbox)) == 1
    assert PaymentAttempt.objects.count() == 1


def test_a_reloaded_page_with_a_new_key_does_not_pay_a_paid_order(client, customer, order, sandbox):
    client.force_login(customer.user)
    client.post(reverse("order_pay", args=[order.order_id]), {"idempotency_key": uuid.uuid4(), "option": "none"})

    again = client.post(
        reverse("order_pay", args=[order.order_id]), {"idempotency_key": uuid.uuid4(), "option": "none"}
    )

    assert again.status_code == 302
    assert len(pay_calls(sandbox)) == 1
    assert "already paid" in client.get(again["Location"]).content.decode()


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_pay_requests_make_one_pay_call(sandbox):
    customer = demo_customer()
    placed = purchase(sandbox, customer.customer_id)
    services.orders_sync(customer=customer)
    sandbox.clear_requests()
    order_pk = Order.objects.get(order_id=placed["order_id"]).pk
    outcomes: list[str] = []
    start = threading.Barrier(10)

    def press_pay(same_key: uuid.UUID | None) -> None:
        try:
            order = Order.objects.select_related("customer").get(pk=order_pk)
            start.wait()
            try:
                attempt = services.order_pay(order=order, idempotency_key=same_key or uuid.uuid4())
                outcomes.append(attempt.status)
            except services.OrderActionRefused as exc:
                outcomes.append(type(exc).__name__)
            except Exception as exc:  # reported below, not lost in the thread
                outcomes.append(repr(exc))
        finally:
            connection.close()

    # Half of them send the same form (double clicks), half a reloaded page (a new key each).
    shared = uuid.uuid4()
    threads = [threading.Thread(target=press_pay, args=(shared if i % 2 else None,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(outcomes) == 10, outcomes
    # The winner's "succeeded"; its own key sent again while in flight: "sending" (or "succeeded" after);
    # everything else: refused without a call (in progress, or already paid).
    assert set(outcomes) <= {"succeeded", "sending", "PaymentInProgress", "OrderActionRefused"}, outcomes
    calls = pay_calls(sandbox)
    assert len(calls) == 1 and calls[0]["status"] == 200
    assert cloud_order(sandbox, placed["order_id"])["status"] == 5
    assert PaymentAttempt.objects.filter(status=PaymentAttempt.Status.SUCCEEDED).count() == 1
    assert PaymentAttempt.objects.exclude(status=PaymentAttempt.Status.SUCCEEDED).count() == 0


def test_a_timeout_then_a_retry_checks_the_order_and_does_not_pay_twice(client, customer, order, sandbox, settings):
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "READ_TIMEOUT": 1}
    sandbox.add_fault("pay_orders", "delay", delay=2.0, count=1)
    client.force_login(customer.user)

    first = client.post(
        reverse("order_pay", args=[order.order_id]), {"idempotency_key": uuid.uuid4(), "option": "none"}
    )

    assert first.status_code == 302
    attempt = PaymentAttempt.objects.get()
    assert attempt.status == PaymentAttempt.Status.UNCLEAR
    assert "may still have gone through" in client.get(first["Location"]).content.decode()
    time.sleep(1.5)  # the sandbox finishes the delayed payment
    sandbox.clear_requests()

    retry = client.post(
        reverse("order_pay", args=[order.order_id]), {"idempotency_key": uuid.uuid4(), "option": "none"}
    )

    assert retry.status_code == 302
    assert pay_calls(sandbox) == []  # the retry read the order's state instead
    assert [r["operation"] for r in sandbox.requests("show_customer_order_details")]
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.SUCCEEDED
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_an_unclear_payment_is_not_repeated_while_the_cloud_still_says_pending(customer, order, sandbox):
    attempt = PaymentAttempt.objects.create(
        order=order, customer=customer, idempotency_key=uuid.uuid4(), status=PaymentAttempt.Status.UNCLEAR
    )

    with pytest.raises(services.PaymentInProgress):
        services.order_pay(order=order, idempotency_key=uuid.uuid4())

    assert pay_calls(sandbox) == []
    # Once the answer has had time to land, "still pending payment" means it was not paid: pay now.
    PaymentAttempt.objects.filter(pk=attempt.pk).update(created_at=attempt.created_at - timedelta(minutes=5))
    paid = services.order_pay(order=order, idempotency_key=uuid.uuid4())
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.NOT_APPLIED
    assert paid.status == PaymentAttempt.Status.SUCCEEDED
    assert len(pay_calls(sandbox)) == 1


def test_budget_exceeded_says_why_and_leaves_the_order_payable(
    client, customer, order, sandbox, django_capture_on_commit_callbacks
):
    budget = sandbox.customer(customer.customer_id)["budget_amount"]
    sandbox.update_customer(customer.customer_id, used_amount=float(budget))
    client.force_login(customer.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("order_pay", args=[order.order_id]), {"idempotency_key": uuid.uuid4(), "option": "none"}
        )

    assert response.status_code == 400
    assert "Your budget does not cover this order" in response.content.decode()
    assert cloud_order(sandbox, order.order_id)["status"] == 6
    order.refresh_from_db()
    assert order.is_payable
    assert PaymentAttempt.objects.get().status == PaymentAttempt.Status.REJECTED
    # A new key on the re-rendered page, and the customer is told by email too.
    assert response.context["form"].initial["idempotency_key"]
    assert [m.subject for m in mail.outbox] == [f"Order {order.order_id} was not paid"]

    sandbox.update_customer(customer.customer_id, used_amount=0)
    again = client.post(
        reverse("order_pay", args=[order.order_id]), {"idempotency_key": uuid.uuid4(), "option": "none"}
    )
    assert again.status_code == 302
    assert cloud_order(sandbox, order.order_id)["status"] == 5


def test_an_expired_order_is_explained(client, customer, order, sandbox):
    sandbox.advance_clock(days=16)  # past the sandbox's 15-day payment deadline: cancelled there
    cache.clear()  # the cached IAM tokens expired with the sandbox's clock jump
    client.force_login(customer.user)

    response = client.post(
        reverse("order_pay", args=[order.order_id]), {"idempotency_key": uuid.uuid4(), "option": "none"}
    )

    # Our mirror still said "pending payment" with a deadline in our (unmoved) clock: HUAWEI CLOUD refuses.
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "can no longer be paid" in page
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_cloud_unavailable_before_sending_leaves_the_order_payable(client, customer, order, sandbox):
    sandbox.add_fault("pay_orders", "error", status=503, error_code="CBC.0999", count=1)
    client.force_login(customer.user)

    response = client.post(
        reverse("order_pay", args=[order.order_id]), {"idempotency_key": uuid.uuid4(), "option": "none"}
    )

    assert response.status_code == 400
    assert "not answering right now" in response.content.decode() or "HUAWEI CLOUD" in response.content.decode()
    assert PaymentAttempt.objects.get().status in (PaymentAttempt.Status.NOT_SENT, PaymentAttempt.Status.UNCLEAR)
