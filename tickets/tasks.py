"""Ticket background work: each task calls one service."""

from __future__ import annotations

from celery import shared_task

from huaweicloud.errors import CloudMisconfigured, CloudUnavailable
from tickets import services

# HUAWEI CLOUD not answering: retry with exponential backoff and jitter, at most 5 times. Wrong AK/SK
# or clock (CloudMisconfigured): retrying cannot help; the gateway has logged it at ERROR.
CLOUD_RETRIES = {
    "autoretry_for": (CloudUnavailable,),
    "dont_autoretry_for": (CloudMisconfigured,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**CLOUD_RETRIES)
def ticket_catalogue_refresh() -> int:
    """Refresh the new-ticket form's catalogue (beat: daily). Safe to run twice: rows are replaced per
    language. Retries on CloudUnavailable with backoff and jitter, at most 5 times."""
    return services.catalogue_refresh()


@shared_task(**CLOUD_RETRIES)
def tickets_sync() -> dict[str, int]:
    """Bring new messages and state changes of every open ticket (beat: every 5 minutes).

    Safe to run twice, even at once: each ticket is claimed by a conditional UPDATE before HUAWEI CLOUD
    is asked, messages are upserted on their HUAWEI CLOUD id and a state change is recorded only by
    the conditional UPDATE that moves the status. A ticket HUAWEI CLOUD refuses is skipped. When
    HUAWEI CLOUD stops answering the run stops; it retries on CloudUnavailable with exponential
    backoff and jitter, at most 5 times, with the tickets it has not reached yet.
    """
    return services.tickets_sync()


@shared_task
def tickets_discover_all() -> int:
    """Queue `tickets_discover_customer` for the partner itself and every bound customer (beat: every
    30 minutes), to find the tickets raised outside our site. Safe to run twice: each discovery claims
    its owner and upserts on the HUAWEI CLOUD ticket number, so a second one changes nothing."""
    from customers.selectors import customers_bound

    customer_pks = [None, *customers_bound()]
    for pk in customer_pks:
        tickets_discover_customer.delay(pk)
    return len(customer_pks)


@shared_task(**CLOUD_RETRIES)
def tickets_discover_customer(customer_pk: int | None) -> dict[str, int]:
    """Mirror the tickets one customer (None: the partner itself) raised in HUAWEI CLOUD directly.

    Safe to run twice, even at once: the owner is claimed by a conditional UPDATE (a run that finds it
    claimed returns at once) and tickets are upserted on their HUAWEI CLOUD number; their history is
    never emailed. Retries on CloudUnavailable with backoff and jitter, at most 5 times, from the same
    saved cursor; a customer HUAWEI CLOUD refuses is logged and skipped.
    """
    from customers.models import Customer

    customer = None
    if customer_pk is not None:
        customer = Customer.objects.filter(pk=customer_pk, customer_id__isnull=False).exclude(customer_id="").first()
        if customer is None:
            return {}
    try:
        return services.tickets_discover(customer=customer)
    except services.TicketDiscoveryBusy:
        return {"skipped": 1}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def ticket_notification_send(ticket_pk: int) -> bool:
    """Email a customer HUAWEI CLOUD's new replies and state changes. Safe to run twice: each reply and
    change is claimed before sending and emailed once. Retries on mail server errors, at most 5 times."""
    from tickets.models import Ticket

    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_pk).first()
    return ticket is not None and services.ticket_notification_send(ticket=ticket)
