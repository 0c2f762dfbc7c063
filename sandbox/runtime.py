"""In-process state of the running sandbox: the knobs of /_sandbox/config and the throttling buckets.

Kept in memory on purpose: token buckets change on every request, and `python -m sandbox` is one
process (waitress threads share it). A reset restores the defaults.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from django.conf import settings


@dataclass
class Config:
    throttling: bool = True
    # Operation name -> requests per second, overriding the documented limit (tests use small ones).
    rate_limits: dict[str, float] = field(default_factory=dict)
    # Seconds before a newly created customer appears in list_sub_customers.
    visibility_delay: float = 0.0
    # Real-name applications: "manual" (is_review 1, decided through /_sandbox/realname) or "auto" (approved at once).
    realname_review: str = "manual"

    def as_dict(self) -> dict:
        return {
            "throttling": self.throttling,
            "rate_limits": dict(self.rate_limits),
            "visibility_delay": self.visibility_delay,
            "realname_review": self.realname_review,
        }


def _default_config() -> Config:
    return Config(visibility_delay=settings.SANDBOX_VISIBILITY_DELAY)


class TokenBuckets:
    """One token bucket per (access key, operation): `rate` tokens a second, holding at most `rate`.

    Huawei promises no burst capacity (reference 13); a bucket of one second's worth lets a client
    that keeps to the documented rate through, and refuses the request after.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def take(self, key: tuple[str, str], rate: float) -> bool:
        now = time.monotonic()
        capacity = max(rate, 1.0)
        with self._lock:
            tokens, last = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            return True

    def clear(self):
        with self._lock:
            self._buckets.clear()


_lock = threading.Lock()
_config: Config | None = None
buckets = TokenBuckets()


def config() -> Config:
    global _config
    with _lock:
        if _config is None:
            _config = _default_config()
        return _config


def update_config(
    *,
    throttling: bool | None = None,
    rate_limits: dict | None = None,
    visibility_delay: float | None = None,
    realname_review: str | None = None,
) -> Config:
    current = config()
    with _lock:
        if realname_review is not None:
            current.realname_review = realname_review
        if throttling is not None:
            current.throttling = throttling
        if rate_limits is not None:
            current.rate_limits.update(rate_limits)
        if visibility_delay is not None:
            current.visibility_delay = visibility_delay
    buckets.clear()
    return current


def reset():
    global _config
    with _lock:
        _config = _default_config()
    buckets.clear()


def allow(*, access_key: str, operation: str, documented_rate: float) -> bool:
    current = config()
    if not current.throttling:
        return True
    rate = current.rate_limits.get(operation, documented_rate)
    return buckets.take((access_key, operation), rate)
