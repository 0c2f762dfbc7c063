"""Platform tasks: the worker heartbeat that /healthz reads."""

from __future__ import annotations

import socket

from celery import shared_task
from celery.signals import worker_ready
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from partner_portal.models import WorkerHeartbeat


def heartbeat_record(*, name: str, hostname: str) -> None:
    """Upsert one heartbeat row: beaten_at=now, hostname, count+1.

    A conditional UPDATE first, so two workers beating at once both count; the INSERT only happens
    for the very first beat, and if another worker wins that race the UPDATE runs again.
    """
    now = timezone.now()
    changes = {"beaten_at": now, "hostname": hostname[:255], "count": F("count") + 1}
    if WorkerHeartbeat.objects.filter(name=name).update(**changes):
        return
    try:
        with transaction.atomic():
            WorkerHeartbeat.objects.create(name=name, beaten_at=now, hostname=hostname[:255], count=1)
    except IntegrityError:
        WorkerHeartbeat.objects.filter(name=name).update(**changes)


@shared_task(bind=True, ignore_result=True)
def heartbeat(self) -> None:
    """Beat scheduled every minute (CELERY_BEAT_SCHEDULE "worker-heartbeat").

    Safe to run twice: it only moves the row forward. Never retried: the next beat is a minute away.
    """
    heartbeat_record(name="worker", hostname=self.request.hostname or socket.gethostname())


@worker_ready.connect
def heartbeat_when_worker_starts(sender, **kwargs) -> None:
    """/healthz turns green as soon as a worker is up, not a minute later at beat's first tick.

    Sent through the broker to a queue this worker consumes, so it proves the whole path.
    """
    queue = next(iter(sender.app.amqp.queues.consume_from), None)
    heartbeat.apply_async(queue=queue)
