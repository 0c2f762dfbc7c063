"""Injected faults: error answers, slow answers, throttling and broken bodies, per operation or for all."""

from __future__ import annotations

import random
import time
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


def apply(operation: str) -> HttpResponse | None:
    """Apply the faults set for `operation`: sleep for delay faults, then return the forced answer of the
    first error/throttle/malformed fault that fires, or None to answer normally."""
    faults = Fault.objects.filter(Q(operation=operation) | Q(operation="*"))
    for fault in list(faults):
        if fault.rate < 1.0 and random.random() >= fault.rate:
            continue
        if not _claim(fault):
            continue
        if fault.kind == Fault.Kind.DELAY:
            time.sleep(fault.delay)
            continue
        return render(fault)
    return None


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
