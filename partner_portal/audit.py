"""The audit log: one call, `record`, for every staff action and every change of money, state or identity.

    from partner_portal import audit

    audit.record(action="budget.set", request=request, obj=customer, before={...}, after={...}, reason=reason)

`before` and `after` are small dicts of the fields that matter, made JSON-safe here (Decimal and
datetime become strings). Written inside the caller's transaction, so a change and its entry are kept
or rolled back together; record a refused or failed attempt after the rollback, outside it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpRequest

from partner_portal.models import AuditEntry

Outcome = AuditEntry.Outcome


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address: REMOTE_ADDR, or the one our own proxies put in X-Forwarded-For (DJANGO_PROXY_COUNT)."""
    if request is None:
        return None
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        # The last `proxies` entries were added by our proxies; the one before them is the client.
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _object_fields(obj: models.Model | None) -> dict[str, str]:
    if obj is None:
        return {}
    return {
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
    }


def entry(
    *,
    action: str,
    actor=None,
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
    message: str = "",
    outcome: str = Outcome.OK,
    ip: str | None = None,
) -> AuditEntry:
    """An unsaved entry (for bulk_create); `record` saves one."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEntry(
        action=action,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        outcome=outcome,
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
        message=str(message)[:2000],
        ip=ip or client_ip(request),
        **_object_fields(obj),
    )


def record(**kwargs: Any) -> AuditEntry:
    """Write one audit entry. Keyword arguments as `entry`."""
    audit_entry = entry(**kwargs)
    audit_entry.save()
    return audit_entry


def record_many(entries: Iterable[AuditEntry]) -> int:
    created = AuditEntry.objects.bulk_create(list(entries), batch_size=500)
    return len(created)


def entries_for(obj: models.Model, *, actions: Iterable[str] | None = None) -> models.QuerySet[AuditEntry]:
    """The audit history of one object, newest first."""
    queryset = AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if actions is not None:
        queryset = queryset.filter(action__in=list(actions))
    return queryset.select_related("actor")


CSV_COLUMNS = (
    "at",
    "actor_name",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "reason",
    "message",
    "ip",
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(queryset: models.QuerySet[AuditEntry]) -> Iterator[str]:
    """CSV lines of the entries, read in chunks so a long log streams in constant memory."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for audit_entry in queryset.order_by("pk").iterator(chunk_size=2000):
        row = []
        for column in CSV_COLUMNS:
            value = getattr(audit_entry, column)
            if column in ("before", "after"):
                value = "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
            elif column == "at":
                value = value.isoformat()
            row.append(_safe_cell("" if value is None else str(value)))
        yield writer.writerow(row)


def _safe_cell(value: str) -> str:
    # A cell starting like a formula would run in a spreadsheet (CSV injection).
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
