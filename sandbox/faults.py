"""Injected faults: error answers, slow answers, throttling and broken bodies, and pages of list
operations that start off their offset or repeat a row; per operation or for all."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from http import HTTPStatus

from django.db import transaction
from django.db.models import F, Q
from django.http import HttpResponse

from sandbox.errors import ApiError, throttled
from sandbox.models import Fault

HTML_ERROR_PAGE = "<html><head><title>{status}</title></head><body><center><h1>{status}</h1></center><hr><center>nginx</center></body></html>"
TRUNCATED_JSON = '{"count": 1, "customer_'


def _claim(fault: Fault) -> bool:
    """Count one use of the fault; False when a limited fault has just been used up by another request."""
    if fault.remaining is None:
        Fault.objects.filter(pk=fault.pk).update(applied=F("applied") + 1)
        return True
    # A conditional UPDATE, so two concurrent requests cannot both take the last use.
    with transaction.atomic():
        claimed = Fault.objects.filter(pk=fault.pk, remaining__gt=0).update(
            remaining=F("remaining") - 1, applied=F("applied") + 1
        )
        Fault.objects.filter(pk=fault.pk, remaining__lte=0).delete()
    return claimed == 1


PAGING = {Fault.Kind.SHIFT, Fault.Kind.DUPLICATE}


@dataclass
class Injected:
    """What the faults that fired do to one request: a forced answer, or changes around the handler."""

    response: HttpResponse | None = None
    paging: list[Fault] = field(default_factory=list)

    def shift_offset(self, call) -> None:
        """Move the page a shift fault asks for: the handler reads a later (or earlier) `offset`, as if rows
        had been removed (or added) ahead of the page since the previous page was read."""
        rows = sum(f.rows for f in self.paging if f.kind == Fault.Kind.SHIFT)
        if not rows:
            return
        if call.operation.method in ("GET", "DELETE"):
            asked = _offset(call.query.get("offset", ["0"])[-1])
            call.query["offset"] = [str(max(asked + rows, 0))]
        elif call.body is None or isinstance(call.body, dict):
            call.body = dict(call.body or {})
            call.body["offset"] = max(_offset(call.body.get("offset", 0)) + rows, 0)

    def duplicate_row(self, response: HttpResponse) -> HttpResponse:
        """Repeat the first row of every list in the answer in place of its last row (a one-row list gets
        the copy added), so a row comes twice and another is missing."""
        if not any(f.kind == Fault.Kind.DUPLICATE for f in self.paging) or response.status_code != 200:
            return response
        try:
            body = json.loads(response.content)
        except ValueError:
            return response
        if not isinstance(body, dict):
            return response
        for key, rows in body.items():
            if isinstance(rows, list) and rows:
                body[key] = [*rows[:-1], rows[0]] if len(rows) > 1 else [rows[0], rows[0]]
        response.content = json.dumps(body, ensure_ascii=False).encode()
        return response


def _offset(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0  # the handler answers the bad value itself


def apply(operation: str) -> Injected:
    """Apply the faults set for `operation`: sleep for delay faults, collect the paging faults, and stop at
    the forced answer of the first error/throttle/malformed fault that fires."""
    injected = Injected()
    faults = Fault.objects.filter(Q(operation=operation) | Q(operation="*"))
    for fault in list(faults):
        if fault.rate < 1.0 and random.random() >= fault.rate:
            continue
        if not _claim(fault):
            continue
        if fault.kind == Fault.Kind.DELAY:
            time.sleep(fault.delay)
        elif fault.kind in PAGING:
            injected.paging.append(fault)
        else:
            injected.response = render(fault)
            break
    return injected


def render(fault: Fault) -> HttpResponse:
    if fault.kind == Fault.Kind.THROTTLE:
        return throttled().response()
    if fault.kind == Fault.Kind.MALFORMED:
        status = fault.status or 200
        if fault.body:
            body, content_type = fault.body, "application/json"
        elif status >= 500:
            phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
            body, content_type = HTML_ERROR_PAGE.format(status=f"{status} {phrase}"), "text/html"
        else:
            body, content_type = TRUNCATED_JSON, "application/json"
        return HttpResponse(body, status=status, content_type=content_type)
    # kind == error
    return ApiError(
        fault.status or 500, fault.error_code or "CBC.0999", fault.error_msg or "Other error (injected by the sandbox)."
    ).response()
