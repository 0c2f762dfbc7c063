"""The sandbox's clock: real time plus an offset that /_sandbox/clock moves forward.

Every area reads time through `now()`, so tests and demos can jump to an expiry, an auto-renewal or
the close of a bill cycle. The offset is stored in the database (it survives a restart) and cached
for a second, since it is read on every request.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from sandbox import hooks

_cache_lock = threading.Lock()
_cached: tuple[float, timedelta] | None = None


def offset() -> timedelta:
    global _cached
    from sandbox.models import ClockOffset

    with _cache_lock:
        if _cached is not None and time.monotonic() - _cached[0] < 1.0:
            return _cached[1]
    row = ClockOffset.objects.filter(pk=1).first()
    value = timedelta(seconds=row.seconds) if row else timedelta(0)
    with _cache_lock:
        _cached = (time.monotonic(), value)
    return value


def now() -> datetime:
    return timezone.now() + offset()


def _forget() -> None:
    global _cached
    with _cache_lock:
        _cached = None


def advance(*, seconds: float) -> tuple[datetime, datetime]:
    """Move the clock forward (never back) and let every area react; returns (before, after)."""
    from sandbox.models import ClockOffset

    if seconds < 0:
        raise ValueError("The sandbox clock only moves forward.")
    before = now()
    with transaction.atomic():
        row, _ = ClockOffset.objects.select_for_update().get_or_create(pk=1, defaults={"seconds": 0})
        row.seconds += seconds
        row.save(update_fields=["seconds"])
    _forget()
    after = now()
    for listener in hooks.clock_listeners:
        listener(before, after)
    return before, after


def reset() -> None:
    from sandbox.models import ClockOffset

    ClockOffset.objects.all().delete()
    _forget()
