"""Stay under HUAWEI CLOUD's per-second limits (reference section 13) across the whole platform.

One bucket per operation at `RATE_LIMIT_SHARE` of Huawei's documented limit. The algorithm is GCRA
(a token bucket stored as one timestamp): each caller reserves the next free slot and sleeps until
it, so callers are served in order and a caller that would wait too long is refused without
taking a slot. With `settings.REDIS_URL` the slots are shared by every process through one atomic
Lua script using Redis' clock; without it they are per process.

The burst is what Huawei's limit leaves above our rate (10/s at 0.8 -> 8/s with a burst of 2), so
no one-second window ever carries more than Huawei's limit.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.test.signals import setting_changed

logger = logging.getLogger("huaweicloud")

# Huawei's documented limits per second, by SDK method name (reference section 13).
DEFAULT_LIMIT = 10
DOCUMENTED_LIMITS: dict[str, int] = {
    "check_user_identity": 5,
    "send_verification_message_code": 10,
    "create_sub_customer": 10,
    "create_personal_realname_auth": 10,
    "create_enterprise_realname_authentication": 10,
    "change_enterprise_realname_authentication": 10,
    "list_rate_on_period_detail": 30,
    "list_on_demand_resource_ratings": 10,
    "list_renew_rate_on_period": 10,
    "list_customer_orders": 20,
    # Not in Huawei's sheet: the partner operations' default, written out so it is a decision.
    "keystone_create_user_token_by_password": 10,
    "keystone_create_agency_token": 10,
    "show_customer_order_details": 10,
    "list_order_discounts": 10,
    "pay_orders": 10,
    "cancel_customer_order": 10,
    "show_refund_order_details": 10,
    "list_sub_customer_coupons": 10,
    "list_pay_per_use_customer_resources": 10,
    "renewal_resources": 10,
    "cancel_resources_subscription": 10,
    "auto_renewal_resources": 10,
    "cancel_auto_renewal_resources": 10,
    "list_customer_on_demand_resources": 10,
    "list_postpaid_bill_sum": 10,
    "show_customer_monthly_sum": 10,
    "list_customerself_resource_records": 10,
    # OSM publishes no limits (reference 13): a conservative 5/s of our own.
    "list_case_categories": 5,
    "list_problem_types": 5,
    "list_severities": 5,
    "list_case_templates": 5,
    "create_cases": 5,
    "list_cases": 5,
    "show_case_detail": 5,
    "list_messages": 5,
    "create_messages": 5,
    "update_cases": 5,
    "upload_accessory": 5,
    "download_accessories": 5,
}
DEFAULT_MAX_WAIT = 10.0  # seconds a caller may wait for a slot before giving up


@dataclass(frozen=True, slots=True)
class Rate:
    per_second: float
    burst: int

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second


def rate_for(operation: str, share: Decimal | float | None = None) -> Rate:
    if share is None:
        share = settings.HUAWEICLOUD["RATE_LIMIT_SHARE"]
    limit = DOCUMENTED_LIMITS.get(operation, DEFAULT_LIMIT)
    per_second = float(Decimal(limit) * Decimal(str(share)))
    burst = max(1, math.floor(limit - per_second))
    return Rate(per_second=per_second, burst=burst)


class RateLimited(Exception):
    """No slot within the allowed wait."""

    def __init__(self, operation: str, wait: float) -> None:
        self.operation = operation
        self.wait = wait
        super().__init__(f"{operation}: next slot in {wait:.1f}s")


class LocalLimiter:
    """Per process, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tat: dict[str, float] = {}  # theoretical arrival time of the next call, per key

    def reserve(self, key: str, rate: Rate, max_wait: float) -> float:
        """Reserve a slot; return seconds to sleep before using it, or raise RateLimited."""
        with self._lock:
            now = time.monotonic()
            tat = max(self._tat.get(key, now), now) + rate.interval
            wait = max(0.0, tat - rate.burst * rate.interval - now)
            if wait > max_wait:
                raise RateLimited(key, wait)
            self._tat[key] = tat
            return wait


# KEYS[1] = bucket; ARGV = interval µs, burst, max wait µs. Returns {1, wait µs} or {0, wait µs}.
# Redis' own clock (TIME) so processes on machines with skewed clocks agree.
_GCRA_LUA = """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
tat = tat + interval
local wait = tat - burst * interval - now
if wait < 0 then wait = 0 end
if wait > max_wait then return {0, math.floor(wait)} end
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
return {1, math.floor(wait)}
"""


class RedisLimiter:
    """Shared by every process using the same Redis; falls back to per-process limits if Redis fails."""

    def __init__(self, url: str, *, prefix: str = "huaweicloud:ratelimit:") -> None:
        import redis

        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._script = self._redis.register_script(_GCRA_LUA)
        self._fallback = LocalLimiter()

    def reserve(self, key: str, rate: Rate, max_wait: float) -> float:
        import redis

        try:
            allowed, wait_us = self._script(
                keys=[self.prefix + key],
                args=[round(rate.interval * 1_000_000), rate.burst, round(max_wait * 1_000_000)],
            )
        except redis.RedisError as exc:
            # Better each process limiting itself than every call failing while Redis is down.
            logger.warning("huaweicloud rate limiter: Redis failed (%s), limiting per process", type(exc).__name__)
            return self._fallback.reserve(key, rate, max_wait)
        wait = int(wait_us) / 1_000_000
        if not allowed:
            raise RateLimited(key, wait)
        return wait


_limiter: LocalLimiter | RedisLimiter | None = None
_limiter_lock = threading.Lock()


def get_limiter() -> LocalLimiter | RedisLimiter:
    global _limiter
    limiter = _limiter
    if limiter is None:
        with _limiter_lock:
            if _limiter is None:
                _limiter = RedisLimiter(settings.REDIS_URL) if settings.REDIS_URL else LocalLimiter()
            limiter = _limiter
    return limiter


def reset_limiter() -> None:
    """Forget the limiter, so the next call builds it from the current settings."""
    global _limiter, _limiter_lock
    _limiter = None
    _limiter_lock = threading.Lock()


def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting in {"REDIS_URL", "HUAWEICLOUD"}:
        reset_limiter()


setting_changed.connect(_on_setting_changed, dispatch_uid="huaweicloud.ratelimit.setting_changed")


def acquire(operation: str, *, max_wait: float | None = None) -> float:
    """Wait for a slot for `operation`; return the seconds waited.

    Raises RateLimited at once when the slot is further than `max_wait` (default DEFAULT_MAX_WAIT) away.
    """
    if max_wait is None:
        max_wait = DEFAULT_MAX_WAIT
    # Huawei counts per account (and source IP), so two partner accounts get separate buckets.
    key = f"{settings.HUAWEICLOUD['DOMAIN_ID']}:{operation}"
    wait = get_limiter().reserve(key, rate_for(operation), max_wait)
    if wait > 0:
        time.sleep(wait)
    return wait
