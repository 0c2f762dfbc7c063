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


# --- resources (yearly/monthly, pay-per-use) and expiry reminders -----------------------------------------


@shared_task
def resources_sync_all() -> int:
    """Queue `resources_sync_customer` for every bound customer (beat: every 30 minutes).

    Safe to run twice: each customer's sync upserts on resource_id, and a customer already being
    synced by another worker is skipped.
    """
    from orders import resources

    customer_pks = resources.customers_for_sync()
    for pk in customer_pks:
        resources_sync_customer.delay(pk)
    return len(customer_pks)


@shared_task(
    autoretry_for=(CloudUnavailable,),
    dont_autoretry_for=(CloudMisconfigured,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def resources_sync_customer(customer_pk: int) -> dict[str, int]:
    """Mirror one customer's yearly/monthly and pay-per-use resources. Only reads HUAWEI CLOUD.

    Safe to run twice (upsert on resource_id). Retries on CloudUnavailable with backoff and jitter, at
    most 5 times; pages already written stay written and the retry continues from the saved cursor
    (`ResourceSync.next_offset`).
    """
    from dataclasses import asdict

    from customers.models import Customer
    from orders import resources

    customer = Customer.objects.filter(pk=customer_pk).first()
    if customer is None or not customer.customer_id:
        return {}
    try:
        return asdict(resources.resources_sync(customer=customer))
    except resources.ResourceSyncBusy:
        return {"skipped": 1}


@shared_task
def expiry_reminders_check() -> int:
    """Record the expiry reminders due today and queue their emails (beat: daily).

    Safe to run twice: one reminder per resource, threshold (30, 7, 1 days) and expiry date, and each
    email is claimed with a conditional UPDATE before it is sent.
    """
    from orders import resources

    due = resources.expiry_reminders_check()
    for pk in due:
        expiry_reminder_send.delay_on_commit(pk)
    return len(due)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def expiry_reminder_send(reminder_pk: int) -> None:
    """Email one expiry reminder, once (claimed with a conditional UPDATE). Retries on mail server
    errors (OSError), at most 5 times; the claim is given back first."""
    from orders import resources
    from orders.models import ExpiryReminder

    reminder = ExpiryReminder.objects.select_related("resource__customer").filter(pk=reminder_pk).first()
    if reminder is not None:
        resources.expiry_reminder_send(reminder=reminder)
