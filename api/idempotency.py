"""`Idempotency-Key` on writes that move money or open something (pay, renew, unsubscribe, ticket creation).

    @idempotent
    def post(self, request, ...): ...

* The first request with a key runs; its answer (any status below 500) is kept per token (per user for
  the session) with the SHA-256 of method, path and body.
* The same key and body again: that first answer, replayed (`Idempotent-Replayed: true`), nothing runs.
* The same key with another body: 422. The same key while the first is still running: 409.
* A 5xx answer is not kept: the client may retry with the same key.

The key also gives the service its own idempotency key (`service_key`), so even a replay the API lost
(the first request died before its answer was kept) reaches the service's own once-only check.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.exceptions import ApiError
from api.models import ApiToken, IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A key is remembered this long; after that it may be used again for a new request.
KEEP_FOR = timedelta(hours=24)
_NAMESPACE = uuid.UUID("8f0e2d4c-61a7-4f55-9d0b-3c2a1e6b7f90")


def owner_of(request) -> str:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    return f"user:{request.user.pk}"


def service_key(request) -> uuid.UUID:
    """The UUID the service records for this request: derived from the header's key, else a new one."""
    key = request.headers.get(HEADER)
    if not key:
        return uuid.uuid4()
    return uuid.uuid5(_NAMESPACE, f"{owner_of(request)}:{key}")


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    return Response(record.response_body, status=record.status_code, headers={"Idempotent-Replayed": "true"})


def _check(record: IdempotencyRecord, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        raise ApiError(
            "This Idempotency-Key was already used for a different request. Use a new key for a new request.",
            status_code=422,
            code="idempotency_key_reused",
        )
    if record.status_code is None:
        raise ApiError(
            "A request with this Idempotency-Key is still being processed. Try again in a moment.",
            status_code=409,
            code="idempotency_in_progress",
        )
    return _replay(record)


def idempotent(method):
    @wraps(method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return method(self, request, *args, **kwargs)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise ApiError(
                "The request has errors; see fields.",
                fields={HEADER: [f"Send 1 to {MAX_KEY_LENGTH} characters."]},
            )
        owner = owner_of(request)
        request_hash = _request_hash(request)
        IdempotencyRecord.objects.filter(owner=owner, key=key, created_at__lt=timezone.now() - KEEP_FOR).delete()
        record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        if record is not None:
            return _check(record, request_hash)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(owner=owner, key=key, request_hash=request_hash)
        except IntegrityError:
            # Another request with this key claimed it first.
            return _check(IdempotencyRecord.objects.get(owner=owner, key=key), request_hash)
        try:
            response = method(self, request, *args, **kwargs)
        except Exception as exc:
            try:
                response = self.handle_exception(exc)  # the error in our shape; re-raises a bug
            except Exception:
                IdempotencyRecord.objects.filter(pk=record.pk).delete()
                raise
        if response.status_code >= 500 or response.status_code == 429:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        body = json.loads(JSONRenderer().render(response.data) or b"null")
        IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=response.status_code, response_body=body)
        return response

    return wrapper
