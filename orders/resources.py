"""Writes on the customers' resources (reference 5.6, 5.8-5.12): the mirror and its sync, renewals,
auto-renewal, unsubscriptions and expiry reminders.

Renewals and unsubscriptions move money. Each is sent once, under an idempotency key that came with
the form (a RenewalAttempt / Unsubscription row); a request whose answer was lost (`UNCLEAR`) is
resolved by reading the resources and orders again, never by sending it again.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from customers.models import Customer
from customers.selectors import customers_bound
from huaweicloud import bills as cloud_bills
from huaweicloud import orders as cloud_orders
from huaweicloud import resources as cloud
from huaweicloud.errors import CloudError, CloudRejected, CloudUnavailable
from huaweicloud.types import CustomerRef
from orders.models import (
    ExpiryReminder,
    OnDemandResource,
    Order,
    OrderResource,
    RenewalAttempt,
    Resource,
    ResourceSync,
    Unsubscription,
)
from partner_portal import audit

logger = logging.getLogger(__name__)

SYNC_PAGE_SIZE = 100
# A pass cut short less than this long ago is continued from its cursor; an older one starts over.
SYNC_RESUME_WITHIN = timedelta(hours=6)
# A RUNNING pass without a heartbeat for this long belonged to a worker that died.
SYNC_STALE_AFTER = timedelta(minutes=10)
# Bill cycles are months in Beijing time (reference 5.13).
BILL_TIMEZONE = ZoneInfo("Asia/Shanghai")
RECORDS_PAGE = 1000
CENT = Decimal("0.01")
PERIOD_MONTH, PERIOD_YEAR = 2, 3

# Fields copied from HUAWEI CLOUD's yearly/monthly list; everything else on the row is ours.
MIRRORED_FIELDS = (
    "instance_id",
    "parent_resource_id",
    "is_main_resource",
    "resource_name",
    "region_code",
    "service_type_code",
    "service_type_name",
    "resource_type_code",
    "resource_type_name",
    "resource_spec_code",
    "product_spec_desc",
    "project_id",
    "product_id",
    "spec_size",
    "spec_size_measure_id",
    "status",
    "effective_at",
    "expires_at",
    "expire_policy",
    "cloud_updated_at",
    "listed",
)
ON_DEMAND_FIELDS = (
    "resource_name",
    "region_code",
    "availability_zone_code",
    "service_type_code",
    "service_type_name",
    "resource_type_code",
    "resource_type_name",
    "resource_spec_code",
    "product_spec_desc",
    "status",
    "effective_at",
    "expires_at",
    "spec_size",
)


class ResourceActionRefused(Exception):
    """We will not send this (not the customer's, not a main resource, another action still open)."""

    def __init__(self, message: Any, *, attempt: RenewalAttempt | Unsubscription | None = None):
        super().__init__(str(message))
        self.message = message
        self.attempt = attempt


class ResourceSyncBusy(Exception):
    """Another worker is syncing this customer's resources right now."""


@dataclass(frozen=True, slots=True)
class ResourcesSyncResult:
    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unlisted: int = 0
    conflicts: int = 0


def customer_ref(customer: Customer) -> CustomerRef:
    """The identity customer-only calls act as: always the resource's own customer, also for staff."""
    return CustomerRef(customer_id=customer.customer_id or "", account_name=customer.account_name)


def current_cycle(now: datetime | None = None) -> str:
    return (now or timezone.now()).astimezone(BILL_TIMEZONE).strftime("%Y-%m")


def _clip(model, name: str, value: Any) -> Any:
    max_length = model._meta.get_field(name).max_length
    if max_length and isinstance(value, str) and len(value) > max_length:
        return value[:max_length]
    return value


def _values(item: cloud.Subscription) -> dict[str, Any]:
    values = {
        "instance_id": item.id,
        "parent_resource_id": "" if item.is_main_resource else item.parent_resource_id,
        "is_main_resource": item.is_main_resource,
        "resource_name": item.resource_name,
        "region_code": item.region_code,
        "service_type_code": item.service_type_code,
        "service_type_name": item.service_type_name,
        "resource_type_code": item.resource_type_code,
        "resource_type_name": item.resource_type_name,
        "resource_spec_code": item.resource_spec_code,
        "product_spec_desc": item.product_spec_desc,
        "project_id": item.project_id,
        "product_id": item.product_id,
        "spec_size": item.spec_size.quantize(CENT) if item.spec_size is not None else None,
        "spec_size_measure_id": item.spec_size_measure_id,
        "status": item.status,
        "effective_at": item.effective_at,
        "expires_at": item.expires_at,
        "expire_policy": item.expire_policy,
        "cloud_updated_at": item.updated_at,
        "listed": True,
    }
    return {name: _clip(Resource, name, value) for name, value in values.items()}


def _resources_upsert(
    *, customer: Customer, items: Sequence[cloud.Subscription], run: int | None, now: datetime
) -> ResourcesSyncResult:
    """Write one page; call inside a transaction. Upserts on resource_id; a resource id that another
    customer already holds is left alone and logged (it cannot move between accounts)."""
    items = list({item.resource_id: item for item in items}.values())
    ids = [item.resource_id for item in items]
    existing = {row.resource_id: row for row in Resource.objects.select_for_update().filter(resource_id__in=ids)}
    bought_by = dict(
        OrderResource.objects.filter(
            resource_id__in=ids, order__customer=customer, order__order_type=Order.OrderType.NEW
        )
        .order_by("-order__ordered_at")
        .values_list("resource_id", "order__order_id")
    )
    to_create, to_update, touched = [], [], []
    changed_fields: set[str] = set()
    conflicts = unchanged = 0
    for item in items:
        values = _values(item)
        row = existing.get(item.resource_id)
        if row is None:
            to_create.append(
                Resource(
                    customer=customer,
                    resource_id=item.resource_id,
                    order_id=bought_by.get(item.resource_id, ""),
                    synced_at=now,
                    seen_by_sync_run=run,
                    **values,
                )
            )
            continue
        if row.customer_id != customer.pk:
            logger.warning(
                "resources sync: %s belongs to customer %s locally, listed for %s",
                row.resource_id,
                row.customer_id,
                customer.pk,
            )
            conflicts += 1
            continue
        if bought_by.get(item.resource_id) and not row.order_id:
            values["order_id"] = bought_by[item.resource_id]
        if values["expire_policy"] != Resource.ExpirePolicy.AUTO_RENEW and row.auto_renew_period:
            values["auto_renew_period"] = ""
        diff = [name for name, value in values.items() if getattr(row, name) != value]
        if diff:
            for name in diff:
                setattr(row, name, values[name])
            row.updated_at = now  # bulk_update does not apply auto_now
            changed_fields.update(diff)
            to_update.append(row)
        else:
            unchanged += 1
        touched.append(row.pk)
    if to_create:
        Resource.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Resource.objects.bulk_update(to_update, sorted(changed_fields | {"updated_at"}), batch_size=500)
    if touched:
        stamp: dict[str, Any] = {"synced_at": now}
        if run is not None:
            stamp["seen_by_sync_run"] = run
        Resource.objects.filter(pk__in=touched).update(**stamp)
    return ResourcesSyncResult(
        seen=len(items), created=len(to_create), updated=len(to_update), unchanged=unchanged, conflicts=conflicts
    )


def _parents_link(*, customer: Customer) -> None:
    """Point attached resources at their main resource (which may have come on another page)."""
    parent = Resource.objects.filter(customer=customer, resource_id=OuterRef("parent_resource_id")).values("pk")[:1]
    Resource.objects.filter(customer=customer).exclude(parent_resource_id="").update(parent=Subquery(parent))
    Resource.objects.filter(customer=customer, parent_resource_id="", parent__isnull=False).update(parent=None)


def _sync_claim(*, customer: Customer) -> ResourceSync:
    """The customer's sync state, claimed for this worker: resumed from its cursor, or a new pass.

    Locked so two workers starting together do not both walk the same list.
    """
    now = timezone.now()
    # Made by a worker starting at the same moment: fine, it is the same row.
    with contextlib.suppress(IntegrityError), transaction.atomic():
        ResourceSync.objects.get_or_create(customer=customer)
    with transaction.atomic():
        state = ResourceSync.objects.select_for_update().get(customer=customer)
        if (
            state.status == ResourceSync.Status.RUNNING
            and state.heartbeat_at
            and state.heartbeat_at > now - SYNC_STALE_AFTER
        ):
            raise ResourceSyncBusy(f"resources of customer {customer.pk} are being synced")
        resumable = state.status in (ResourceSync.Status.RUNNING, ResourceSync.Status.FAILED)
        if not (resumable and state.started_at and state.started_at > now - SYNC_RESUME_WITHIN):
            state.run += 1
            state.next_offset = 0
            state.total = None
            state.started_at = now
        state.status = ResourceSync.Status.RUNNING
        state.heartbeat_at = now
        state.save()
    return state


def resources_sync(*, customer: Customer, page_size: int = SYNC_PAGE_SIZE) -> ResourcesSyncResult:
    """Mirror the customer's yearly/monthly resources into `Resource` rows, then their pay-per-use ones.

    Upserts on resource_id; each page is written in one transaction with the saved cursor
    (`ResourceSync.next_offset`), so a pass cut short (CloudUnavailable, a killed worker) continues
    after the last page it wrote: nothing twice, nothing skipped. A complete pass that saw as many
    resources as HUAWEI CLOUD counts marks the ones it did not see as no longer listed. Running it again
    changes nothing but `synced_at`. Raises ResourceSyncBusy when another worker is on it.
    """
    state = _sync_claim(customer=customer)
    ref = customer_ref(customer)
    offset, total = state.next_offset, state.total
    result = ResourcesSyncResult()
    try:
        while True:
            page = cloud.subscriptions_list(customer=ref, offset=offset, limit=page_size)
            total = page.count
            with transaction.atomic():
                written = _resources_upsert(customer=customer, items=page.items, run=state.run, now=timezone.now())
                offset += len(page.items)
                ResourceSync.objects.filter(pk=state.pk).update(
                    next_offset=offset, total=total, heartbeat_at=timezone.now()
                )
            result = _add(result, written)
            if not page.items or offset >= page.count:
                break
    except Exception as exc:
        ResourceSync.objects.filter(pk=state.pk).update(
            status=ResourceSync.Status.FAILED, error=str(exc)[:2000], heartbeat_at=timezone.now()
        )
        raise
    _parents_link(customer=customer)
    unlisted = _resources_mark_unlisted(customer=customer, state=state, total=total or 0)
    ResourceSync.objects.filter(pk=state.pk).update(
        status=ResourceSync.Status.IDLE,
        next_offset=0,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        error="",
    )
    on_demand_resources_sync(customer=customer)
    return _add(result, ResourcesSyncResult(unlisted=unlisted))


def _add(a: ResourcesSyncResult, b: ResourcesSyncResult) -> ResourcesSyncResult:
    return ResourcesSyncResult(*(x + y for x, y in zip(_astuple(a), _astuple(b), strict=True)))


def _astuple(result: ResourcesSyncResult) -> tuple[int, ...]:
    return (result.seen, result.created, result.updated, result.unchanged, result.unlisted, result.conflicts)


def _resources_mark_unlisted(*, customer: Customer, state: ResourceSync, total: int) -> int:
    # Offset paging over a list that changed meanwhile (a renewal moves a resource in the expiry
    # order) can skip a row; a skipped row must not be marked, so only a pass that saw them all marks.
    seen = Resource.objects.filter(customer=customer, seen_by_sync_run=state.run).count()
    if seen < total:
        logger.warning("resources sync of customer %s saw %s of %s: unlisted not checked", customer.pk, seen, total)
        return 0
    return (
        Resource.objects.filter(customer=customer, listed=True, created_at__lt=state.started_at)
        .exclude(seen_by_sync_run=state.run)
        .update(listed=False, updated_at=timezone.now())
    )


def resources_refresh(*, customer: Customer, resource_ids: Iterable[str]) -> None:
    """Read these resources (and the ones attached to them) again from HUAWEI CLOUD: after a change,
    and to settle an unclear one. Raises CloudError; callers that only want a fresher page catch it."""
    ids = set(resource_ids)
    ids |= set(
        Resource.objects.filter(customer=customer, parent__resource_id__in=ids).values_list("resource_id", flat=True)
    )
    ref = customer_ref(customer)
    ordered = sorted(ids)
    for start in range(0, len(ordered), 50):
        chunk = ordered[start : start + 50]
        page = cloud.subscriptions_list(customer=ref, resource_ids=chunk, limit=100)
        with transaction.atomic():
            _resources_upsert(customer=customer, items=page.items, run=None, now=timezone.now())
    _parents_link(customer=customer)


def _orders_mirror_later(*, customer: Customer) -> None:
    """The renewal or unsubscription orders just made: mirrored by the orders sync, so their links work."""
    from orders import tasks

    tasks.orders_sync_customer.delay_on_commit(customer.pk)


def _refresh_quietly(*, customer: Customer, resource_ids: Iterable[str]) -> None:
    try:
        resources_refresh(customer=customer, resource_ids=resource_ids)
    except CloudError as exc:
        # The change went through; the page shows the old expiry until the next sync.
        logger.warning("resources refresh of customer %s failed: %s", customer.pk, exc)


# --- pay-per-use -------------------------------------------------------------------------------------


def month_costs(*, customer: Customer, cycle: str, charge_mode: int | None = None) -> dict[str, Decimal]:
    """What each resource cost in `cycle` so far, from the customer's resource records (by cycle)."""
    ref = customer_ref(customer)
    costs: dict[str, Decimal] = {}
    offset = 0
    while True:
        page = cloud_bills.customer_resource_records(
            customer=ref,
            cycle=cycle,
            statistic_type=cloud_bills.BY_CYCLE,
            charge_mode=charge_mode,
            offset=offset,
            limit=RECORDS_PAGE,
        )
        for record in page.items:
            costs[record.resource_id] = costs.get(record.resource_id, Decimal("0")) + record.amount
        offset += len(page.items)
        if not page.items or offset >= page.count:
            return costs


def on_demand_resources_sync(*, customer: Customer, page_size: int = SYNC_PAGE_SIZE) -> int:
    """Mirror the customer's pay-per-use resources with what they cost this month. Upserts on
    resource_id; safe to run twice. The list is small (HUAWEI CLOUD pages it; we read every page)."""
    items: dict[str, cloud.OnDemandResource] = {}
    offset = 0
    while True:
        page = cloud.on_demand_resources_list(customer_id=customer.customer_id or "", offset=offset, limit=page_size)
        items.update((item.resource_id, item) for item in page.items)
        offset += len(page.items)
        if not page.items or offset >= page.count:
            break
    cycle = current_cycle()
    try:
        costs: dict[str, Decimal] | None = month_costs(customer=customer, cycle=cycle, charge_mode=3)
    except CloudRejected as exc:
        logger.warning("pay-per-use costs of customer %s: %s", customer.pk, exc)
        costs = None
    now = timezone.now()
    with transaction.atomic():
        existing = {
            row.resource_id: row for row in OnDemandResource.objects.select_for_update().filter(resource_id__in=items)
        }
        to_create, to_update = [], []
        for resource_id, item in items.items():
            size = item.resource_info.get("specSize")
            values = {
                "resource_name": item.resource_name,
                "region_code": item.region_code,
                "availability_zone_code": item.availability_zone_code,
                "service_type_code": item.service_type_code,
                "service_type_name": item.service_type_name,
                "resource_type_code": item.resource_type_code,
                "resource_type_name": item.resource_type_name,
                "resource_spec_code": item.resource_spec_code,
                "product_spec_desc": item.product_spec_desc,
                "status": item.status,
                "effective_at": item.effective_at,
                "expires_at": item.expires_at,
                "spec_size": Decimal(str(size)).quantize(CENT) if isinstance(size, (int, float)) and size else None,
            }
            values = {name: _clip(OnDemandResource, name, value) for name, value in values.items()}
            if costs is not None:
                values["cost_cycle"] = cycle
                values["cost_this_month"] = costs.get(resource_id, Decimal("0")).quantize(CENT)
            row = existing.get(resource_id)
            if row is None:
                to_create.append(OnDemandResource(customer=customer, resource_id=resource_id, synced_at=now, **values))
            elif row.customer_id == customer.pk:
                for name, value in values.items():
                    setattr(row, name, value)
                row.synced_at = now
                to_update.append(row)
        OnDemandResource.objects.bulk_create(to_create, batch_size=500)
        OnDemandResource.objects.bulk_update(
            to_update, [*ON_DEMAND_FIELDS, "cost_cycle", "cost_this_month", "synced_at", "updated_at"], batch_size=500
        )
        ResourceSync.objects.filter(customer=customer).update(on_demand_synced_at=now)
    return len(items)


def customers_for_sync() -> list[int]:
    return customers_bound()


# --- renewal -----------------------------------------------------------------------------------------


def _changeable(*, customer: Customer, resources: Sequence[Resource]) -> list[Resource]:
    if not resources:
        raise ResourceActionRefused(translation.gettext("Choose at least one resource."))
    if len(resources) > 10:
        raise ResourceActionRefused(translation.gettext("Choose at most 10 resources at a time."))
    for resource in resources:
        if resource.customer_id != customer.pk:
            raise ResourceActionRefused("not this customer's resource")
        if not resource.can_change:
            raise ResourceActionRefused(
                translation.gettext(
                    "%(name)s cannot be changed: it is an attached resource, closed or no longer listed."
                )
                % {"name": resource}
            )
    return list(resources)


def renewal_quote(*, customer: Customer, resources: Sequence[Resource], period_type: int, period_num: int):
    """What renewing would cost, with the partner discount (reference 5.3 `list_renew_rate_on_period`)."""
    resources = _changeable(customer=customer, resources=resources)
    return cloud.renewal_quote(
        customer=customer_ref(customer),
        resource_ids=[r.resource_id for r in resources],
        period_type=period_type,
        period_num=period_num,
    )


def _failures(failures) -> list[dict[str, str]]:
    return [{"resource_id": f.resource_id, "error_code": f.error_code, "error_msg": f.error_msg} for f in failures]


def _finish(attempt, status: str, *, error: CloudError | None = None, **fields: Any) -> None:
    attempt.status = status
    attempt.finished_at = timezone.now()
    update = ["status", "finished_at", *fields]
    for name, value in fields.items():
        setattr(attempt, name, value)
    if error is not None:
        attempt.error_code = (error.error_code or "")[:64]
        attempt.error_message = str(error.user_message)[:500]
        attempt.request_id = (error.request_id or "")[:80]
        update += ["error_code", "error_message", "request_id"]
    attempt.save(update_fields=update)


def _replayed(model, *, customer: Customer, idempotency_key):
    """The action already made with this key (a repeated press or reload), or None."""
    replay = model.objects.filter(idempotency_key=idempotency_key).first()
    if replay is not None and replay.customer_id != customer.pk:
        raise ResourceActionRefused("idempotency key of another customer")
    return replay


def _settle_unclear(model, *, customer: Customer, resource_ids: list[str], resolve, went_through: str) -> None:
    """Settle an unanswered earlier action on any of these resources before sending a new one: sending
    again blindly could renew or unsubscribe twice. CloudUnavailable from `resolve`: still cannot tell,
    and nothing is sent."""
    unclear = _open_overlapping(model, customer=customer, resource_ids=resource_ids)
    if unclear is None or unclear.status != model.Status.UNCLEAR:
        return
    resolve(unclear)
    if unclear.status == model.Status.DONE:
        raise ResourceActionRefused(went_through, attempt=unclear)


def _open_overlapping(model, *, customer: Customer, resource_ids: Sequence[str]):
    for attempt in model.objects.filter(customer=customer, status__in=model.OPEN):
        if set(attempt.resource_ids) & set(resource_ids):
            return attempt
    return None


def _audit_outcome(attempt) -> str:
    if attempt.status == attempt.Status.DONE:
        return audit.Outcome.PARTIAL if attempt.failures else audit.Outcome.OK
    if attempt.status == attempt.Status.REJECTED:
        return audit.Outcome.REFUSED
    return audit.Outcome.FAILED


def resources_renew(
    *,
    customer: Customer,
    resources: Sequence[Resource],
    period_type: int,
    period_num: int,
    auto_pay: bool,
    idempotency_key: uuid.UUID,
    quoted_amount: Decimal | None = None,
    acted_by=None,
    reason: str = "",
    request=None,
) -> RenewalAttempt:
    """Renew main resources (their attached ones follow), once per idempotency key.

    `auto_pay`: pay at once from the customer's account (HUAWEI CLOUD applies the partner discount);
    otherwise HUAWEI CLOUD leaves a renewal order to pay. Resources HUAWEI CLOUD refuses come back in
    `attempt.failures`; the others are renewed. Never retried: after no answer the attempt is UNCLEAR
    until `renewal_attempt_resolve` has read the resources' expiry and the renewal orders.
    """
    replay = _replayed(RenewalAttempt, customer=customer, idempotency_key=idempotency_key)
    if replay is not None:
        return replay
    resources = _changeable(customer=customer, resources=resources)
    ids = [r.resource_id for r in resources]
    _settle_unclear(
        RenewalAttempt,
        customer=customer,
        resource_ids=ids,
        resolve=lambda attempt: renewal_attempt_resolve(attempt=attempt),
        went_through=translation.gettext("Your earlier renewal of these resources went through after all."),
    )
    try:
        with transaction.atomic():
            # Locks the resources so that two renewals of the same resource cannot both pass the check.
            locked = list(Resource.objects.select_for_update().filter(customer=customer, resource_id__in=ids))
            busy = _open_overlapping(RenewalAttempt, customer=customer, resource_ids=ids)
            if busy is not None:
                raise ResourceActionRefused(
                    translation.gettext(
                        "A renewal of these resources is still being processed. Please wait a minute and look again."
                    ),
                    attempt=busy,
                )
            attempt = RenewalAttempt.objects.create(
                customer=customer,
                idempotency_key=idempotency_key,
                resource_ids=ids,
                period_type=period_type,
                period_num=period_num,
                auto_pay=auto_pay,
                quoted_amount=quoted_amount,
                expiries_before={r.resource_id: r.expires_at.isoformat() if r.expires_at else None for r in locked},
                acted_by=acted_by,
            )
    except IntegrityError:
        # The same form sent twice at the same moment: the other request created it.
        return RenewalAttempt.objects.get(idempotency_key=idempotency_key, customer=customer)
    ref = customer_ref(customer)
    try:
        result = cloud.resources_renew(
            customer=ref, resource_ids=ids, period_type=period_type, period_num=period_num, auto_pay=auto_pay
        )
    except CloudRejected as exc:
        _finish(attempt, RenewalAttempt.Status.REJECTED, error=exc)
    except CloudUnavailable as exc:
        status = RenewalAttempt.Status.UNCLEAR if exc.maybe_applied else RenewalAttempt.Status.NOT_SENT
        _finish(attempt, status, error=exc)
    else:
        _finish(
            attempt,
            RenewalAttempt.Status.DONE,
            order_ids=list(result.order_ids),
            failures=_failures(result.failures),
        )
        _refresh_quietly(customer=customer, resource_ids=ids)
        _orders_mirror_later(customer=customer)
    audit.record(
        action="resource.renew",
        actor=acted_by,
        request=request,
        obj=attempt,
        before={"expires_at": attempt.expiries_before},
        after={
            "status": attempt.status,
            "period": f"{period_num}x{period_type}",
            "auto_pay": auto_pay,
            "order_ids": attempt.order_ids,
            "failures": attempt.failures,
            "expires_at": dict(Resource.objects.filter(resource_id__in=ids).values_list("resource_id", "expires_at")),
        },
        reason=reason,
        message=attempt.error_message,
        outcome=_audit_outcome(attempt),
    )
    return attempt


def renewal_attempt_resolve(*, attempt: RenewalAttempt) -> RenewalAttempt:
    """Settle an UNCLEAR renewal by looking, not by renewing: a later expiry than before, or a renewal
    order made since, means HUAWEI CLOUD did it. Raises CloudUnavailable if it still cannot tell."""
    if attempt.status != RenewalAttempt.Status.UNCLEAR:
        return attempt
    customer = attempt.customer
    resources_refresh(customer=customer, resource_ids=attempt.resource_ids)
    now_expiry = dict(
        Resource.objects.filter(customer=customer, resource_id__in=attempt.resource_ids).values_list(
            "resource_id", "expires_at"
        )
    )
    extended = []
    for resource_id, before in attempt.expiries_before.items():
        after = now_expiry.get(resource_id)
        if after is not None and (before is None or after > datetime.fromisoformat(before)):
            extended.append(resource_id)
    page = cloud_orders.orders_list(
        customer=customer_ref(customer),
        order_type=Order.OrderType.RENEWAL,
        created_from=attempt.created_at - timedelta(minutes=5),
        limit=100,
    )
    order_ids = [order.order_id for order in page.items if order.status != Order.Status.CANCELLED]
    if extended or order_ids:
        failures = (
            [
                {"resource_id": rid, "error_code": "", "error_msg": "not renewed (checked afterwards)"}
                for rid in attempt.resource_ids
                if rid not in extended
            ]
            if attempt.auto_pay
            else []
        )
        _finish(attempt, RenewalAttempt.Status.DONE, order_ids=order_ids, failures=failures)
    else:
        _finish(attempt, RenewalAttempt.Status.NOT_APPLIED)
    audit.record(
        action="resource.renew_resolved",
        obj=attempt,
        after={"status": attempt.status, "order_ids": attempt.order_ids, "extended": extended},
        outcome=audit.Outcome.OK,
    )
    return attempt


# --- auto-renewal ---------------------------------------------------------------------------------------


def resource_autorenew_set(
    *,
    resource: Resource,
    enabled: bool,
    period: str = "",
    times: int | None = None,
    acted_by=None,
    reason: str = "",
    request=None,
) -> Resource:
    """Switch auto-renewal on (each time for `period`: MONTH, YEAR or "" = the last order's period;
    `times` renewals, None or 0 = unlimited) or off. Not money moving by itself; HUAWEI CLOUD renews at
    expiry. Raises CloudRejected (e.g. CBC.99003605 already off) and CloudUnavailable."""
    customer = resource.customer
    _changeable(customer=customer, resources=[resource])
    before = {"expire_policy": resource.expire_policy, "auto_renew_period": resource.auto_renew_period}
    ref = customer_ref(customer)
    action = "resource.autorenew_on" if enabled else "resource.autorenew_off"
    try:
        if enabled:
            cloud.autorenew_enable(customer=ref, resource_id=resource.resource_id, times=times, period=period or None)
        else:
            cloud.autorenew_disable(customer=ref, resource_id=resource.resource_id)
    except CloudError as exc:
        audit.record(
            action=action,
            actor=acted_by,
            request=request,
            obj=resource,
            before=before,
            reason=reason,
            message=str(exc.user_message),
            outcome=audit.Outcome.REFUSED if isinstance(exc, CloudRejected) else audit.Outcome.FAILED,
        )
        raise
    policy = Resource.ExpirePolicy.AUTO_RENEW if enabled else Resource.ExpirePolicy.GRACE_PERIOD
    with transaction.atomic():
        # HUAWEI CLOUD sets it on the main resource and the attached ones alike (reference 5.11).
        Resource.objects.filter(Q(pk=resource.pk) | Q(parent=resource)).update(
            expire_policy=policy,
            auto_renew_period=period if enabled else "",
            auto_renew_times=(times or None) if enabled else None,
            updated_at=timezone.now(),
        )
        audit.record(
            action=action,
            actor=acted_by,
            request=request,
            obj=resource,
            before=before,
            after={"expire_policy": int(policy), "auto_renew_period": period if enabled else "", "times": times},
            reason=reason,
        )
    _refresh_quietly(customer=customer, resource_ids=[resource.resource_id])
    # The refresh mirrors expire_policy but knows nothing of the period we asked for: keep ours.
    Resource.objects.filter(pk=resource.pk, expire_policy=Resource.ExpirePolicy.AUTO_RENEW).update(
        auto_renew_period=period if enabled else ""
    )
    resource.refresh_from_db()
    return resource


# --- unsubscription ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefundEstimate:
    amount: Decimal
    per_resource: tuple[tuple[str, Decimal], ...]  # (resource_id, amount)
    currency: str


def unsubscribe_estimate(*, customer: Customer, resources: Sequence[Resource]) -> RefundEstimate:
    """An estimate of what unsubscribing would refund: the unused share of the current period, priced
    by a renewal quote of the same length (what HUAWEI CLOUD would charge for such a period now, with
    the partner discount). HUAWEI CLOUD's own figure comes with the unsubscription order (5.8)."""
    resources = _changeable(customer=customer, resources=resources)
    now = timezone.now()
    ref = customer_ref(customer)
    yearly = [r for r in resources if r.effective_at and r.expires_at and (r.expires_at - r.effective_at).days >= 360]
    monthly = [r for r in resources if r not in yearly]
    per_resource: list[tuple[str, Decimal]] = []
    currency = "USD"
    for group, period_type, period_days in ((monthly, PERIOD_MONTH, 30), (yearly, PERIOD_YEAR, 365)):
        if not group:
            continue
        quote = cloud.renewal_quote(
            customer=ref, resource_ids=[r.resource_id for r in group], period_type=period_type, period_num=1
        )
        currency = quote.currency
        ratio = quote.amount / quote.official_amount if quote.official_amount else Decimal("1")
        by_id = dict(quote.resources)
        for resource in group:
            left = max((resource.expires_at - now).total_seconds(), 0) if resource.expires_at else 0
            share = Decimal(str(left / (period_days * 86400)))
            # More than one period left means renewed periods, which are refunded too.
            amount = (by_id.get(resource.resource_id, Decimal("0")) * ratio * share).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
            per_resource.append((resource.resource_id, amount))
    return RefundEstimate(
        amount=sum((a for _, a in per_resource), Decimal("0")), per_resource=tuple(per_resource), currency=currency
    )


def _refund_lines(*, customer: Customer, order_ids: Sequence[str]) -> tuple[list[dict], Decimal]:
    lines: list[dict] = []
    for order_id in order_ids:
        for line in cloud_orders.refund_order_detail(customer_id=customer.customer_id or "", order_id=order_id):
            lines.append(
                {
                    "order_id": order_id,
                    "id": line.id,
                    "amount": str(line.amount),
                    "service_type_name": line.service_type_name,
                    "resource_type_name": line.resource_type_name,
                    "region_code": line.region_code,
                    "base_order_id": line.base_order_id,
                }
            )
    # Negative amounts are refunded, positive ones consumed or fees: the refund is minus their sum.
    return lines, -sum((Decimal(line["amount"]) for line in lines), Decimal("0"))


def unsubscription_refunds_fetch(*, unsubscription: Unsubscription) -> Unsubscription:
    """Read the refund lines of the unsubscription orders (again). Raises CloudError."""
    lines, amount = _refund_lines(customer=unsubscription.customer, order_ids=unsubscription.order_ids)
    unsubscription.refund_lines = lines
    unsubscription.refund_amount = amount
    unsubscription.save(update_fields=["refund_lines", "refund_amount"])
    return unsubscription


def resources_unsubscribe(
    *,
    customer: Customer,
    resources: Sequence[Resource],
    idempotency_key: uuid.UUID,
    estimated_refund: Decimal | None = None,
    reason_type: int | None = None,
    reason: str = "",
    acted_by=None,
    request=None,
) -> Unsubscription:
    """Unsubscribe main resources with their attached ones and renewed periods (cannot be undone),
    once per idempotency key. Resources HUAWEI CLOUD refuses are in `failures`; the others are gone.
    Never retried; an UNCLEAR one is settled by `unsubscription_resolve` (reading the resources)."""
    replay = _replayed(Unsubscription, customer=customer, idempotency_key=idempotency_key)
    if replay is not None:
        return replay
    resources = _changeable(customer=customer, resources=resources)
    ids = [r.resource_id for r in resources]
    _settle_unclear(
        Unsubscription,
        customer=customer,
        resource_ids=ids,
        resolve=lambda unsubscription: unsubscription_resolve(unsubscription=unsubscription),
        went_through=translation.gettext("Your earlier unsubscription of these resources went through after all."),
    )
    try:
        with transaction.atomic():
            list(Resource.objects.select_for_update().filter(customer=customer, resource_id__in=ids))
            busy = _open_overlapping(Unsubscription, customer=customer, resource_ids=ids)
            if busy is not None:
                raise ResourceActionRefused(
                    translation.gettext(
                        "An unsubscription of these resources is still being processed. Please wait a minute and look again."
                    ),
                    attempt=busy,
                )
            unsubscription = Unsubscription.objects.create(
                customer=customer,
                idempotency_key=idempotency_key,
                resource_ids=ids,
                resource_names={r.resource_id: r.resource_name for r in resources},
                reason_type=reason_type,
                reason=reason[:500],
                estimated_refund=estimated_refund,
                acted_by=acted_by,
            )
    except IntegrityError:
        return Unsubscription.objects.get(idempotency_key=idempotency_key, customer=customer)
    try:
        result = cloud.resources_unsubscribe(
            customer=customer_ref(customer), resource_ids=ids, reason_type=reason_type, reason=reason
        )
    except CloudRejected as exc:
        _finish(unsubscription, Unsubscription.Status.REJECTED, error=exc)
    except CloudUnavailable as exc:
        status = Unsubscription.Status.UNCLEAR if exc.maybe_applied else Unsubscription.Status.NOT_SENT
        _finish(unsubscription, status, error=exc)
    else:
        _finish(
            unsubscription,
            Unsubscription.Status.DONE,
            order_ids=list(result.order_ids),
            failures=_failures(result.failures),
        )
        try:
            unsubscription_refunds_fetch(unsubscription=unsubscription)
        except CloudError as exc:
            logger.warning("refund lines of unsubscription %s: %s", unsubscription.pk, exc)
        _refresh_quietly(customer=customer, resource_ids=ids)
        _orders_mirror_later(customer=customer)
    audit.record(
        action="resource.unsubscribe",
        actor=acted_by,
        request=request,
        obj=unsubscription,
        before={"resources": ids, "estimated_refund": estimated_refund},
        after={
            "status": unsubscription.status,
            "order_ids": unsubscription.order_ids,
            "failures": unsubscription.failures,
            "refund_amount": unsubscription.refund_amount,
        },
        reason=reason,
        message=unsubscription.error_message,
        outcome=_audit_outcome(unsubscription),
    )
    return unsubscription


def unsubscription_resolve(*, unsubscription: Unsubscription) -> Unsubscription:
    """Settle an UNCLEAR unsubscription by reading the resources: closed ones went."""
    if unsubscription.status != Unsubscription.Status.UNCLEAR:
        return unsubscription
    customer = unsubscription.customer
    resources_refresh(customer=customer, resource_ids=unsubscription.resource_ids)
    closed = set(
        Resource.objects.filter(
            customer=customer, resource_id__in=unsubscription.resource_ids, status=Resource.Status.CLOSED
        ).values_list("resource_id", flat=True)
    )
    if closed:
        page = cloud_orders.orders_list(
            customer=customer_ref(customer),
            order_type=Order.OrderType.UNSUBSCRIPTION,
            created_from=unsubscription.created_at - timedelta(minutes=5),
            limit=100,
        )
        failures = [
            {"resource_id": rid, "error_code": "", "error_msg": "not unsubscribed (checked afterwards)"}
            for rid in unsubscription.resource_ids
            if rid not in closed
        ]
        _finish(
            unsubscription,
            Unsubscription.Status.DONE,
            order_ids=[order.order_id for order in page.items],
            failures=failures,
        )
        try:
            unsubscription_refunds_fetch(unsubscription=unsubscription)
        except CloudError as exc:
            logger.warning("refund lines of unsubscription %s: %s", unsubscription.pk, exc)
    else:
        _finish(unsubscription, Unsubscription.Status.NOT_APPLIED)
    return unsubscription


# --- expiry reminders ------------------------------------------------------------------------------------


def reminder_threshold(days_left: float) -> int | None:
    """The reminder due for a resource this many days from expiry: the nearest threshold it is within."""
    due = [threshold for threshold in ExpiryReminder.THRESHOLDS if days_left <= threshold]
    return min(due) if due else None


def expiry_reminders_check(*, now: datetime | None = None) -> list[int]:
    """Record the reminders due now (main resources in use, without auto-renewal, expiring within 30
    days) and return the ids of those not sent yet. Safe to run twice: one row per resource, threshold
    and expiry date (a unique constraint), and a sent one is not returned again."""
    now = now or timezone.now()
    horizon = now + timedelta(days=max(ExpiryReminder.THRESHOLDS))
    candidates = (
        Resource.objects.filter(
            is_main_resource=True,
            listed=True,
            status=Resource.Status.IN_USE,
            expires_at__gt=now,
            expires_at__lte=horizon,
        )
        .exclude(expire_policy=Resource.ExpirePolicy.AUTO_RENEW)
        .only("pk", "expires_at")
    )
    due: list[int] = []
    for resource in candidates:
        threshold = reminder_threshold((resource.expires_at - now).total_seconds() / 86400)
        if threshold is None:
            continue
        reminder, _ = ExpiryReminder.objects.get_or_create(
            resource_id=resource.pk, threshold_days=threshold, expires_at=resource.expires_at
        )
        if reminder.sent_at is None:
            due.append(reminder.pk)
    return due


def expiry_reminder_send(*, reminder: ExpiryReminder) -> bool:
    """Email the customer about one reminder, once: claimed with a conditional UPDATE; given back if
    the mail server failed (OSError), so a retry or the next daily check sends it."""
    claimed = ExpiryReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(sent_at=timezone.now())
    if not claimed:
        return False
    resource = reminder.resource
    customer = resource.customer
    if not customer.email:
        return True
    try:
        with translation.override(customer.language or settings.LANGUAGE_CODE):
            context = {
                "customer": customer,
                "resource": resource,
                "reminder": reminder,
                "partner_name": settings.PARTNER_NAME,
                "renew_url": f"{settings.SITE_URL.rstrip('/')}{reverse('resource_renew')}?ids={resource.resource_id}",
                "autorenew_url": f"{settings.SITE_URL.rstrip('/')}{reverse('resource_autorenew', args=[resource.resource_id])}",
            }
            subject = " ".join(render_to_string("emails/resource_expiry_subject.txt", context).split())
            body = render_to_string("emails/resource_expiry.txt", context)
        send_mail(subject, body, None, [customer.email])
    except Exception:
        ExpiryReminder.objects.filter(pk=reminder.pk).update(sent_at=None)
        raise
    return True
