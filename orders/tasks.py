"""Order background work: each task loads rows by id and calls one service."""

from __future__ import annotations

from celery import shared_task

from huaweicloud.errors import CloudMisconfigured, CloudUnavailable


@shared_task
def orders_sync_all() -> int:
    """Queue `orders_sync_customer` for every bound customer (beat: every 10 minutes).

    Safe to run twice: each customer's sync upserts on the order id and changes nothing the second time.
    """
    from orders import services

    customer_pks = services.customers_for_sync()
    for pk in customer_pks:
        orders_sync_customer.delay(pk)
    return len(customer_pks)


@shared_task(
    autoretry_for=(CloudUnavailable,),
    dont_autoretry_for=(CloudMisconfigured,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def orders_sync_customer(customer_pk: int) -> dict[str, int]:
    """Mirror one customer's orders. Safe to run twice (upsert on the order id; no write when nothing
    changed). Retries on CloudUnavailable with backoff and jitter, at most 5 times: only reads and the
    state check of an unclear payment happen here, never a payment."""
    from dataclasses import asdict

    from customers.models import Customer
    from orders import services

    customer = Customer.objects.filter(pk=customer_pk).first()
    if customer is None:
        return {}
    return asdict(services.orders_sync(customer=customer))


@shared_task(
    autoretry_for=(CloudUnavailable,),
    dont_autoretry_for=(CloudMisconfigured,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def order_refresh_task(order_pk: int) -> None:
    """Details, resources and refund of one order again (after a payment). Reads only: safe to run
    twice; retries on CloudUnavailable, at most 5 times."""
    from orders import services
    from orders.models import Order

    order = Order.objects.select_related("customer").filter(pk=order_pk).first()
    if order is not None:
        services.order_refresh(order=order)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def order_paid_email_send(attempt_pk: int) -> None:
    """ "Order paid" email. Retries on mail server errors (OSError), at most 5 times; a retry may send
    the email twice, which is better than not at all."""
    from orders import services
    from orders.models import PaymentAttempt

    attempt = PaymentAttempt.objects.select_related("order", "customer").filter(pk=attempt_pk).first()
    if attempt is not None:
        services.order_paid_email_send(attempt=attempt)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def order_payment_failed_email_send(attempt_pk: int) -> None:
    """ "Payment failed" email, with HUAWEI CLOUD's reason in plain words. Retries on OSError, at most 5 times."""
    from orders import services
    from orders.models import PaymentAttempt

    attempt = PaymentAttempt.objects.select_related("order", "customer").filter(pk=attempt_pk).first()
    if attempt is not None:
        services.order_payment_failed_email_send(attempt=attempt)


@shared_task
def order_expiry_reminders_send() -> int:
    """Daily: remind customers of orders that pass their payment deadline within a day.

    Safe to run twice: each order is claimed with a conditional UPDATE before its email, once per order.
    """
    from orders import services

    return services.order_expiry_reminders_send()
