"""The per-operation rate limiter holds Huawei's documented limits, per process and through Redis."""

import multiprocessing
import os
import threading
import time
import uuid
from decimal import Decimal

import pytest

from huaweicloud import ratelimit
from huaweicloud.ratelimit import LocalLimiter, Rate, RateLimited, RedisLimiter, rate_for

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        # A newcomer's machine may have no Redis (the embedded default needs none); CI always has one.
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379; .ci/run starts it before the tests")
        pytest.skip("Redis is not running on 127.0.0.1:6379")


@pytest.fixture
def redis_prefix():
    import redis

    redis_or_skip()
    prefix = f"test:ratelimit:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def max_in_any_window(times, window=1.0):
    times = sorted(times)
    best = 0
    end = 0
    for start, t in enumerate(times):
        while end < len(times) and times[end] < t + window:
            end += 1
        best = max(best, end - start)
    return best


def hammer(limiter_factory, *, rate, threads=8, seconds=2.0, key="create_sub_customer"):
    times = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        limiter = limiter_factory()
        while True:
            wait = limiter.reserve(key, rate, 10.0)
            time.sleep(wait)
            now = time.monotonic()
            if now >= deadline:
                return
            with lock:
                times.append(now)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return times


def test_rate_is_share_of_documented_limit_with_the_rest_as_burst():
    assert rate_for("create_sub_customer", Decimal("0.8")) == Rate(per_second=8.0, burst=2)
    assert rate_for("check_user_identity", Decimal("0.8")) == Rate(per_second=4.0, burst=1)
    assert rate_for("list_rate_on_period_detail", Decimal("0.8")) == Rate(per_second=24.0, burst=6)
    assert rate_for("list_customer_orders", Decimal("0.8")) == Rate(per_second=16.0, burst=4)
    assert rate_for("some_new_operation", Decimal("0.8")) == Rate(per_second=8.0, burst=2)
    assert rate_for("create_sub_customer", Decimal("1")) == Rate(per_second=10.0, burst=1)


def assert_holds_limit(times, rate, seconds):
    documented = rate.per_second + rate.burst  # == Huawei's limit
    # +1: a thread that wakes a few ms late can end up in the same window as the next slot.
    assert max_in_any_window(times) <= documented + 1
    # And it does not starve: close to the configured rate over the whole run.
    assert len(times) >= rate.per_second * seconds * 0.8


def test_local_limiter_holds_the_rate_across_threads():
    limiter = LocalLimiter()
    rate = rate_for("create_sub_customer", Decimal("0.8"))
    times = hammer(lambda: limiter, rate=rate)
    assert_holds_limit(times, rate, 2.0)


def test_redis_limiter_holds_the_rate_across_threads(redis_prefix):
    rate = rate_for("create_sub_customer", Decimal("0.8"))
    times = hammer(lambda: RedisLimiter(REDIS_URL, prefix=redis_prefix), rate=rate)
    assert_holds_limit(times, rate, 2.0)


def _process_worker(prefix, rate, ready, start, queue):
    limiter = RedisLimiter(REDIS_URL, prefix=prefix)
    times = []
    ready.put(True)
    # Every process starts calling at once, however long spawning took on a loaded machine.
    start.wait(30)
    deadline = time.time() + 3.0
    while True:
        time.sleep(limiter.reserve("check_user_identity", rate, 10.0))
        if time.time() >= deadline:
            break
        times.append(time.time())
    queue.put(times)


def test_redis_limiter_is_shared_by_processes(redis_prefix):
    rate = rate_for("check_user_identity", Decimal("0.8"))
    context = multiprocessing.get_context("spawn")
    ready, start, queue = context.Queue(), context.Event(), context.Queue()
    processes = [context.Process(target=_process_worker, args=(redis_prefix, rate, ready, start, queue)) for _ in range(3)]
    for p in processes:
        p.start()
    for _ in processes:
        ready.get(timeout=60)
    start.set()
    results = [queue.get(timeout=30) for _ in processes]
    for p in processes:
        p.join(timeout=10)
    times = [t for result in results for t in result]
    assert all(results), "every process got some calls"
    # Only what happened after all processes had started counts (spawn takes a while).
    first_common = max(min(result) for result in results)
    times = [t for t in times if t >= first_common]
    assert max_in_any_window(times) <= rate.per_second + rate.burst + 1


@pytest.mark.parametrize("backend", ["local", "redis"])
def test_a_caller_that_would_wait_too_long_is_refused_without_taking_a_slot(backend, request):
    if backend == "redis":
        limiter = RedisLimiter(REDIS_URL, prefix=request.getfixturevalue("redis_prefix"))
    else:
        limiter = LocalLimiter()
    rate = Rate(per_second=2.0, burst=1)
    assert limiter.reserve("op", rate, 0.1) == 0
    with pytest.raises(RateLimited) as refused:
        limiter.reserve("op", rate, 0.1)
    assert 0.3 < refused.value.wait <= 0.5
    # The refusal did not push the next free slot further away.
    assert 0.3 < limiter.reserve("op", rate, 1.0) <= 0.5


def test_redis_limiter_falls_back_to_local_when_redis_is_down():
    limiter = RedisLimiter("redis://127.0.0.1:1/0", prefix="unused:")
    # Slow enough that the second call still finds the slot taken however long the failed
    # connection attempt to Redis takes on a loaded machine.
    rate = Rate(per_second=0.5, burst=1)
    assert limiter.reserve("op", rate, 5.0) == 0
    assert limiter.reserve("op", rate, 5.0) > 1.0


def test_acquire_uses_redis_when_redis_url_is_set(settings):
    redis_or_skip()
    settings.REDIS_URL = REDIS_URL
    # A fresh partner domain id: its own buckets, whatever ran before.
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "DOMAIN_ID": f"test-{uuid.uuid4().hex}"}
    assert isinstance(ratelimit.get_limiter(), RedisLimiter)
    started = time.monotonic()
    for _ in range(6):  # check_user_identity: 4/s with a burst of 1
        ratelimit.acquire("check_user_identity")
    assert time.monotonic() - started >= 1.0


def test_acquire_is_per_process_without_redis(settings):
    settings.REDIS_URL = ""
    assert isinstance(ratelimit.get_limiter(), LocalLimiter)
