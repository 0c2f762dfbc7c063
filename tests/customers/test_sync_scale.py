"""customers_sync at scale and under faults: thousands of customers, throttling, 5xx, interruptions.

The big test creates its customers through the gateway's `create_sub_customer` (sandbox throttling and
our own rate limiter off while creating: ~90/s here), then syncs with the sandbox throttling the list
below our limiter's rate and failing 10% of the list calls with HTTP 500. The sync is called in a loop
as the Celery retry would (without the backoff). SYNC_SCALE_CUSTOMERS overrides the 5,000.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest

from customers import services
from customers.models import Customer, SyncRun
from huaweicloud import bss
from huaweicloud.errors import CloudUnavailable
from partner_portal.models import AuditEntry
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SCALE = int(os.environ.get("SYNC_SCALE_CUSTOMERS", "5000"))
COMPARED = ("account_name", "email", "xaccount_id", "real_name_status", "is_frozen", "associated_on", "customer_type")


def no_rate_limit():
    return mock.patch("huaweicloud.ratelimit.acquire", autospec=True, return_value=0.0)


def create_customers(count: int) -> None:
    def create(i: int) -> None:
        bss.create_sub_customer(xaccount_id=f"scale-{i:05d}", domain_name=f"scale-c{i:05d}", domain_area="SG")

    with no_rate_limit(), ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(count)))


def cloud_mirror() -> dict[str, tuple]:
    """Every customer HUAWEI CLOUD (the sandbox) lists, as the sync would store it."""
    rows, offset = {}, 0
    with no_rate_limit():
        while True:
            page = bss.list_sub_customers(offset=offset, limit=100)
            for item in page.items:
                values = services._mirrored_values(item)
                rows[item.customer_id] = (
                    *(values[name] for name in COMPARED if name != "xaccount_id"),
                    item.xaccount_id,
                )
            offset += len(page.items)
            if not page.items or offset >= page.count:
                return rows


def local_mirror() -> dict[str, tuple]:
    names = [name for name in COMPARED if name != "xaccount_id"]
    return {
        row[0]: (*row[1:-1], row[-1])
        for row in Customer.objects.filter(associated=True).values_list("customer_id", *names, "xaccount_id")
    }


def sync_until_done(*, page_size: int = services.SYNC_PAGE_SIZE, max_attempts: int = 500) -> tuple[int, float]:
    """What the task's autoretry does, without the waiting: run again after CloudUnavailable."""
    attempts, started = 0, time.monotonic()
    while True:
        attempts += 1
        try:
            services.customers_sync(page_size=page_size)
            return attempts, time.monotonic() - started
        except CloudUnavailable:
            assert attempts < max_attempts


def test_thousands_of_customers_under_throttling_and_5xx(sandbox, capsys):
    sandbox.config(throttling=False)
    started = time.monotonic()
    create_customers(SCALE)
    created_in = time.monotonic() - started
    sandbox.config(throttling=True, rate_limits={"list_sub_customers": 5})  # below our limiter's 8/s: real 429s
    sandbox.add_fault("list_sub_customers", "error", status=500, error_code="CBC.0999", rate=0.1)

    attempts, seconds = sync_until_done()

    sandbox.clear_faults()
    sandbox.config(throttling=False)
    expected = cloud_mirror()
    assert len(expected) >= SCALE
    assert local_mirror() == expected
    assert Customer.objects.count() == len(expected)  # nothing duplicated, nothing lost
    run = SyncRun.objects.get(kind=SyncRun.Kind.CUSTOMERS)
    assert (run.status, run.attempts, run.created) == (SyncRun.Status.SUCCEEDED, attempts, len(expected))
    failures = [r for r in sandbox.requests("list_sub_customers") if r["status"] >= 429]
    with capsys.disabled():
        print(
            f"\n[sync scale] created {SCALE} customers in {created_in:.1f} s ({SCALE / created_in:.0f}/s); "
            f"synced {len(expected)} rows in {seconds:.1f} s = {len(expected) / seconds:.0f} rows/s "
            f"over {attempts} attempts ({len(failures)} list calls answered 429/5xx)"
        )

    # A second run changes nothing.
    before = dict(Customer.objects.values_list("pk", "updated_at"))
    started = time.monotonic()
    result = services.customers_sync()
    seconds = time.monotonic() - started
    assert (result.created, result.updated, result.bound, result.disassociated) == (0, 0, 0, 0)
    assert result.unchanged == len(expected)
    assert dict(Customer.objects.values_list("pk", "updated_at")) == before
    with capsys.disabled():
        print(
            f"[sync scale] second run: {len(expected)} rows in {seconds:.1f} s = {len(expected) / seconds:.0f} rows/s"
        )


def test_an_interrupted_run_resumes_from_its_saved_cursor(sandbox):
    offsets = []
    real_list = bss.list_sub_customers

    def recording(**kwargs):
        offsets.append(kwargs["offset"])
        if len(offsets) == 3:
            raise CloudUnavailable(operation="list_sub_customers", status_code=503, error_code="CBC.0999")
        return real_list(**kwargs)

    with (
        mock.patch("huaweicloud.bss.list_sub_customers", autospec=True, side_effect=recording),
        pytest.raises(CloudUnavailable),
    ):
        services.customers_sync(page_size=3)

    run = SyncRun.objects.get()
    assert (run.status, run.next_offset, run.seen) == (SyncRun.Status.FAILED, 6, 6)
    assert "CBC.0999" in run.error
    assert Customer.objects.count() == 6

    offsets.clear()
    with mock.patch("huaweicloud.bss.list_sub_customers", autospec=True, side_effect=real_list) as listing:
        result = services.customers_sync(page_size=3)

    assert listing.call_args_list[0].kwargs["offset"] == 6  # continued, not started over
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == (SyncRun.Status.SUCCEEDED, 2, "")
    assert run.seen == run.total == Customer.objects.count() == 6 + result.created
    assert SyncRun.objects.count() == 1


def test_a_run_too_old_to_resume_starts_over(sandbox):
    old = SyncRun.objects.create(
        kind=SyncRun.Kind.CUSTOMERS, status=SyncRun.Status.FAILED, next_offset=6, started_at="2020-01-01T00:00:00Z"
    )

    services.customers_sync()

    old.refresh_from_db()
    assert old.status == SyncRun.Status.ABANDONED
    assert SyncRun.objects.filter(status=SyncRun.Status.SUCCEEDED, next_offset__gt=0).count() == 1


def test_a_live_run_is_not_started_twice(sandbox):
    SyncRun.objects.create(kind=SyncRun.Kind.CUSTOMERS)

    with pytest.raises(services.SyncAlreadyRunning):
        services.customers_sync()


def test_customers_no_longer_listed_are_marked_with_when(sandbox):
    gone = CustomerFactory(account_name="left-us")
    pending = CustomerFactory(customer_id=None, binding=Customer.Binding.PENDING)

    result = services.customers_sync()

    assert result.disassociated == 1
    gone.refresh_from_db()
    assert (gone.associated, gone.disassociated_at is not None) == (False, True)
    pending.refresh_from_db()
    assert pending.associated is True  # still being created: never marked
    entry = AuditEntry.objects.get(action="customer.disassociated")
    assert entry.object_id == str(gone.pk) and entry.after["associated"] is False

    # Seen again later: associated again.
    listed = bss.list_sub_customers(limit=1).items[0]
    Customer.objects.filter(customer_id=listed.customer_id).update(associated=False)
    services.customers_sync()
    assert Customer.objects.get(customer_id=listed.customer_id).associated is True


def test_a_run_that_missed_rows_marks_nobody(sandbox):
    CustomerFactory(account_name="maybe-gone")
    real_list = bss.list_sub_customers

    def skip_one(**kwargs):
        page = real_list(**kwargs)
        return type(page)(count=page.count, items=page.items[1:] if kwargs["offset"] == 0 else page.items)

    with mock.patch("huaweicloud.bss.list_sub_customers", autospec=True, side_effect=skip_one):
        result = services.customers_sync()

    assert result.disassociated == 0
    assert not Customer.objects.filter(associated=False).exists()


def test_a_change_of_state_in_the_cloud_is_audited(sandbox):
    services.customers_sync()
    demo_id = "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a"
    sandbox.update_customer(demo_id, is_frozen=1)

    services.customers_sync()

    entry = AuditEntry.objects.get(action="customer.changed_in_cloud")
    assert (entry.before, entry.after, entry.actor) == ({"is_frozen": False}, {"is_frozen": True}, None)
