"""Customer background work: each task calls one service."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from customers import services
from huaweicloud.errors import CloudMisconfigured, CloudUnavailable


@shared_task(
    autoretry_for=(CloudUnavailable,),
    # Wrong AK/SK or clock: retrying cannot help; the gateway has logged it at ERROR.
    dont_autoretry_for=(CloudMisconfigured,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def customers_sync() -> dict[str, int]:
    """Mirror HUAWEI CLOUD's customer list into `Customer` rows (beat: every 15 minutes).

    Safe to run twice, even at the same time: rows are upserted on the HUAWEI CLOUD customer id
    (pending rows are bound through xaccount_id), so a second run changes nothing but `synced_at`.
    Retries on CloudUnavailable with exponential backoff and jitter, at most 5 times; pages already
    written stay written and the retry walks the list again.
    """
    return asdict(services.customers_sync())
