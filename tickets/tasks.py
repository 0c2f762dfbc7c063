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


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def ticket_notification_send(ticket_pk: int) -> bool:
    """Email a customer HUAWEI CLOUD's new replies and state changes. Safe to run twice: each reply and
    change is claimed before sending and emailed once. Retries on mail server errors, at most 5 times."""
    from tickets.models import Ticket

    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_pk).first()
    return ticket is not None and services.ticket_notification_send(ticket=ticket)
