"""Writes on customers that users and workers cause."""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from customers import selectors
from customers.models import Customer, SyncRun, new_xaccount_id
from huaweicloud import bss
from huaweicloud.types import SubCustomer
from partner_portal import audit

logger = logging.getLogger(__name__)

SYNC_PAGE_SIZE = 100
# An interrupted run younger than this is continued from its cursor; an older one is abandoned.
SYNC_RESUME_WITHIN = timedelta(hours=6)
# A RUNNING run without a heartbeat for this long belonged to a worker that died: it may be taken over.
SYNC_STALE_AFTER = timedelta(minutes=10)
# Fields copied from HUAWEI CLOUD's customer list; everything else on the row is ours.
MIRRORED_FIELDS = (
    "account_name",
    "email",
    "mobile",
    "real_name",
    "real_name_status",
    "customer_type",
    "is_frozen",
    "association_type",
    "associated_on",
    "label",
    "customer_level",
    "associated",
    "disassociated_at",
)
# Changes of identity or state that the sync writes into the audit log (money is audited by budgets).
AUDITED_FIELDS = ("account_name", "email", "mobile", "real_name", "real_name_status", "is_frozen", "associated")


@dataclass(frozen=True, slots=True)
class CustomersSyncResult:
    seen: int = 0  # customers HUAWEI CLOUD listed
    created: int = 0  # new local rows
    bound: int = 0  # local pending rows (matched on xaccount_id) now bound to their customer id
    updated: int = 0  # bound rows whose mirrored fields changed
    unchanged: int = 0
    conflicts: int = 0  # xaccount_id already bound to another customer id: left alone, logged
    disassociated: int = 0  # rows a full run did not see: marked associated=False

    def __add__(self, other: CustomersSyncResult) -> CustomersSyncResult:
        return CustomersSyncResult(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


class SyncAlreadyRunning(Exception):
    """Another worker is walking the list right now (its run has a fresh heartbeat)."""


def sync_run_claim(*, kind: str, triggered_by=None) -> SyncRun:
    """The run to work on: the interrupted one of this kind (resumed from its cursor) or a new one.

    Raises SyncAlreadyRunning when a live run exists. Locked so that two workers starting together
    do not both resume the same run.
    """
    now = timezone.now()
    with transaction.atomic():
        run = (
            SyncRun.objects.select_for_update()
            .filter(kind=kind, status__in=[SyncRun.Status.RUNNING, SyncRun.Status.FAILED])
            .order_by("-started_at", "-pk")
            .first()
        )
        if run is not None:
            if run.status == SyncRun.Status.RUNNING and run.heartbeat_at > now - SYNC_STALE_AFTER:
                raise SyncAlreadyRunning(f"{kind} sync run {run.pk} is running")
            if run.started_at > now - SYNC_RESUME_WITHIN:
                run.status = SyncRun.Status.RUNNING
                run.attempts += 1
                run.heartbeat_at = now
                run.save(update_fields=["status", "attempts", "heartbeat_at"])
                return run
            run.status = SyncRun.Status.ABANDONED
            run.finished_at = now
            run.save(update_fields=["status", "finished_at"])
        return SyncRun.objects.create(kind=kind, started_at=now, heartbeat_at=now, triggered_by=triggered_by)


def sync_run_fail(*, run: SyncRun, error: BaseException) -> None:
    """Keep the cursor; the next run (the task's retry) continues from it."""
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.FAILED, error=str(error)[:2000], heartbeat_at=timezone.now()
    )


def customers_sync(*, page_size: int = SYNC_PAGE_SIZE, triggered_by=None) -> CustomersSyncResult:
    """Mirror every customer HUAWEI CLOUD associates with the partner into `Customer` rows.

    Upserts on `customer_id`; a local row still waiting for its cloud account is bound through
    `xaccount_id` instead of getting a twin. Each page is written in its own transaction together
    with the run's cursor, so a failure part-way (CloudUnavailable) leaves every row either as before
    or fully synced, and the next run (the task's retry) continues after the last written page. A
    run that walked the whole list marks the bound customers it did not see as no longer associated.
    A second run changes nothing but `synced_at`. Raises SyncAlreadyRunning if another run is live.
    """
    run = sync_run_claim(kind=SyncRun.Kind.CUSTOMERS, triggered_by=triggered_by)
    started = timezone.now()
    total = CustomersSyncResult()
    offset = run.next_offset
    count = run.total
    try:
        while True:
            page = bss.list_sub_customers(offset=offset, limit=page_size)
            count = page.count
            with transaction.atomic():
                result = _customers_upsert(page.items, synced_at=started, run_id=run.pk)
                offset += len(page.items)
                SyncRun.objects.filter(pk=run.pk).update(
                    next_offset=offset,
                    total=page.count,
                    heartbeat_at=timezone.now(),
                    seen=F("seen") + result.seen,
                    created=F("created") + result.created,
                    updated=F("updated") + result.updated + result.bound,
                    unchanged=F("unchanged") + result.unchanged,
                    conflicts=F("conflicts") + result.conflicts,
                )
            total += result
            if not page.items or offset >= page.count:
                break
    except Exception as exc:
        sync_run_fail(run=run, error=exc)
        raise
    disassociated = _customers_mark_disassociated(run=run, listed=count or 0, conflicts=run.conflicts + total.conflicts)
    total += CustomersSyncResult(disassociated=disassociated)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.SUCCEEDED,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        disassociated=disassociated,
        error="",
    )
    logger.info("customers sync run %s: %s", run.pk, total)
    return total


def _customers_mark_disassociated(*, run: SyncRun, listed: int, conflicts: int) -> int:
    """Mark bound customers this complete run did not see as no longer associated (with when).

    Only when the run saw as many distinct customers as HUAWEI CLOUD counts: offset paging over a
    list that changed during the run (an association added or ended) can skip a row, and a skipped
    row must not be marked. Rows that became bound after the run started are left for the next run.
    """
    seen = Customer.objects.filter(seen_by_sync_run=run.pk).count() + conflicts
    if seen < listed:
        logger.warning("customers sync run %s saw %s of %s customers: association not checked", run.pk, seen, listed)
        return 0
    unseen = Customer.objects.filter(customer_id__isnull=False, associated=True, created_at__lt=run.started_at).exclude(
        seen_by_sync_run=run.pk
    )
    if not unseen.exists():
        return 0
    now = timezone.now()
    with transaction.atomic():
        # Locked and read again: a registration or another sync may have touched them meanwhile.
        gone = list(unseen.select_for_update())
        Customer.objects.filter(pk__in=[row.pk for row in gone]).update(
            associated=False, disassociated_at=now, updated_at=now
        )
        audit.record_many(
            audit.entry(
                action="customer.disassociated",
                obj=row,
                before={"associated": True},
                after={"associated": False, "disassociated_at": now},
                message=f"customers sync run {run.pk} did not see it",
            )
            for row in gone
        )
    return len(gone)


def _mirrored_values(item: SubCustomer) -> dict[str, Any]:
    values = {
        "account_name": item.account_name,
        "email": item.email,
        "mobile": item.mobile,
        "real_name": item.real_name,
        "real_name_status": item.verified_status or Customer.RealNameStatus.NOT_SUBMITTED,
        "customer_type": Customer.CustomerType.NOT_SET if item.customer_type is None else item.customer_type,
        "is_frozen": item.is_frozen,
        "association_type": item.association_type,
        "associated_on": item.associated_on,
        "label": item.label,
        "customer_level": item.customer_level,
        # Listed, so associated (again).
        "associated": True,
        "disassociated_at": None,
    }
    for name, value in values.items():
        # A longer value than HUAWEI CLOUD documents must not stop the whole sync.
        max_length = Customer._meta.get_field(name).max_length
        if max_length and isinstance(value, str) and len(value) > max_length:
            values[name] = value[:max_length]
    return values


def _customers_upsert(
    items: tuple[SubCustomer, ...], *, synced_at: datetime, run_id: int | None = None
) -> CustomersSyncResult:
    """Write one page; call inside a transaction (the row locks last until it ends)."""
    items = tuple({item.customer_id: item for item in items}.values())
    # Locked so a registration binding the same pending row waits for us, and we for it.
    rows = selectors.customers_matching_cloud_ids(
        customer_ids=[item.customer_id for item in items], xaccount_ids=[item.xaccount_id for item in items]
    ).select_for_update()
    by_customer_id: dict[str, Customer] = {}
    by_xaccount_id: dict[str, Customer] = {}
    for row in rows:
        if row.customer_id:
            by_customer_id[row.customer_id] = row
        by_xaccount_id[row.xaccount_id] = row

    now = timezone.now()
    to_create: list[Customer] = []
    to_update: list[Customer] = []
    update_fields: set[str] = set()
    unchanged_pks: list[int] = []
    bound = conflicts = 0
    audit_entries = []
    for item in items:
        values = _mirrored_values(item)
        row = by_customer_id.get(item.customer_id)
        if row is None and item.xaccount_id in by_xaccount_id:
            row = by_xaccount_id[item.xaccount_id]
            if row.customer_id is not None:
                logger.warning(
                    "customers sync: xaccount_id %s is bound to %s locally but HUAWEI CLOUD lists it for %s",
                    item.xaccount_id,
                    row.customer_id,
                    item.customer_id,
                )
                conflicts += 1
                continue
        if row is None:
            to_create.append(
                Customer(
                    customer_id=item.customer_id,
                    # A customer created outside this platform has none; it gets ours.
                    xaccount_id=item.xaccount_id or new_xaccount_id(),
                    binding=Customer.Binding.BOUND,
                    synced_at=synced_at,
                    seen_by_sync_run=run_id,
                    **values,
                )
            )
            continue
        changed = {name for name, value in values.items() if getattr(row, name) != value}
        if row.customer_id is None:
            row.customer_id = item.customer_id
            changed.add("customer_id")
            bound += 1
        if row.binding != Customer.Binding.BOUND:
            row.binding = Customer.Binding.BOUND
            changed.add("binding")
        if not changed:
            unchanged_pks.append(row.pk)
            continue
        audited = sorted(changed & set(AUDITED_FIELDS))
        if audited and row.customer_id is not None and "customer_id" not in changed:
            audit_entries.append(
                audit.entry(
                    action="customer.changed_in_cloud",
                    obj=row,
                    before={name: getattr(row, name) for name in audited},
                    after={name: values[name] for name in audited},
                    message="customers sync",
                )
            )
        for name in changed & set(values):
            setattr(row, name, values[name])
        row.synced_at = synced_at
        row.seen_by_sync_run = run_id
        row.updated_at = now
        to_update.append(row)
        update_fields |= changed

    if to_create:
        Customer.objects.bulk_create(
            to_create,
            # Another sync may have inserted the same customer since we read: update it instead.
            update_conflicts=True,
            unique_fields=["customer_id"],
            update_fields=[*MIRRORED_FIELDS, "binding", "synced_at", "updated_at", "seen_by_sync_run"],
        )
    if to_update:
        Customer.objects.bulk_update(
            to_update, fields=sorted(update_fields | {"synced_at", "updated_at", "seen_by_sync_run"})
        )
    if unchanged_pks:
        Customer.objects.filter(pk__in=unchanged_pks).update(synced_at=synced_at, seen_by_sync_run=run_id)
    if audit_entries:
        audit.record_many(audit_entries)
    return CustomersSyncResult(
        seen=len(items),
        created=len(to_create),
        bound=bound,
        updated=len(to_update) - bound,
        unchanged=len(unchanged_pks),
        conflicts=conflicts,
    )
