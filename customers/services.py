"""Writes on customers that users and workers cause."""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from customers import selectors
from customers.models import Customer, new_xaccount_id
from huaweicloud import bss
from huaweicloud.types import SubCustomer

logger = logging.getLogger(__name__)

SYNC_PAGE_SIZE = 100
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
)


@dataclass(frozen=True, slots=True)
class CustomersSyncResult:
    seen: int = 0  # customers HUAWEI CLOUD listed
    created: int = 0  # new local rows
    bound: int = 0  # local pending rows (matched on xaccount_id) now bound to their customer id
    updated: int = 0  # bound rows whose mirrored fields changed
    unchanged: int = 0
    conflicts: int = 0  # xaccount_id already bound to another customer id: left alone, logged

    def __add__(self, other: CustomersSyncResult) -> CustomersSyncResult:
        return CustomersSyncResult(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def customers_sync(*, page_size: int = SYNC_PAGE_SIZE) -> CustomersSyncResult:
    """Mirror every customer HUAWEI CLOUD associates with the partner into `Customer` rows.

    Upserts on `customer_id`; a local row still waiting for its cloud account is bound through
    `xaccount_id` instead of getting a twin. Each page is written in its own transaction, so a
    failure part-way (CloudUnavailable) leaves every row either as before or fully synced, and
    running it again finishes the job. A second run changes nothing but `synced_at`.
    """
    started = timezone.now()
    total = CustomersSyncResult()
    offset = 0
    while True:
        page = bss.list_sub_customers(offset=offset, limit=page_size)
        total += _customers_upsert(page.items, synced_at=started)
        offset += len(page.items)
        if not page.items or offset >= page.count:
            break
    logger.info("customers sync: %s", total)
    return total


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
    }
    for name, value in values.items():
        # A longer value than HUAWEI CLOUD documents must not stop the whole sync.
        max_length = Customer._meta.get_field(name).max_length
        if max_length and isinstance(value, str) and len(value) > max_length:
            values[name] = value[:max_length]
    return values


@transaction.atomic
def _customers_upsert(items: tuple[SubCustomer, ...], *, synced_at: datetime) -> CustomersSyncResult:
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
        for name in changed & set(values):
            setattr(row, name, values[name])
        row.synced_at = synced_at
        row.updated_at = now
        to_update.append(row)
        update_fields |= changed

    if to_create:
        Customer.objects.bulk_create(
            to_create,
            # Another sync may have inserted the same customer since we read: update it instead.
            update_conflicts=True,
            unique_fields=["customer_id"],
            update_fields=[*MIRRORED_FIELDS, "binding", "synced_at", "updated_at"],
        )
    if to_update:
        Customer.objects.bulk_update(to_update, fields=sorted(update_fields | {"synced_at", "updated_at"}))
    if unchanged_pks:
        Customer.objects.filter(pk__in=unchanged_pks).update(synced_at=synced_at)
    return CustomersSyncResult(
        seen=len(items),
        created=len(to_create),
        bound=bound,
        updated=len(to_update) - bound,
        unchanged=len(unchanged_pks),
        conflicts=conflicts,
    )
