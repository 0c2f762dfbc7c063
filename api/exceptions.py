"""One error shape for every API answer that is not a success:

    {"error": {"code": "not_found", "message": "...", "fields": {...}, "huaweicloud_code": "CBC.3106"}}

`fields` holds field errors (lists of messages, by field name; `non_field_errors` for the body as a
whole), `huaweicloud_code` HUAWEI CLOUD's own error code when it refused or failed. The gateway's two
error families map to: CloudRejected -> 400 (its parameters), 409 (the object's state) or 422 (a
business refusal); CloudUnavailable -> 503 with Retry-After.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from huaweicloud.errors import CloudError, CloudRejected, CloudUnavailable

logger = logging.getLogger(__name__)

# Seconds a client waits before asking again after HUAWEI CLOUD did not answer.
CLOUD_RETRY_AFTER = 30

# CloudRejected codes that are about the request's parameters (400) or the object's current state (409);
# every other business refusal is a 422.
CLOUD_BAD_REQUEST = frozenset({"CBC.0100", "CBC.0101"})
CLOUD_CONFLICT = frozenset({"CBC.3106", "CBC.99003605", "CBC.99003606", "CBC.99000050"})


class ApiError(exceptions.APIException):
    """An error with our shape: status, a stable code, plain words, field errors, HUAWEI CLOUD's code."""

    def __init__(
        self,
        message,
        *,
        status_code: int = status.HTTP_400_BAD_REQUEST,
        code: str = "invalid",
        fields: dict | None = None,
        huaweicloud_code: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.message = str(message)
        self.fields = fields or {}
        self.huaweicloud_code = huaweicloud_code
        self.retry_after = retry_after
        super().__init__(detail=self.message, code=code)


def cloud_status(error: CloudRejected) -> int:
    code = error.error_code or ""
    if code in CLOUD_BAD_REQUEST:
        return status.HTTP_400_BAD_REQUEST
    if code in CLOUD_CONFLICT:
        return status.HTTP_409_CONFLICT
    return status.HTTP_422_UNPROCESSABLE_ENTITY


def refusal(exc: Exception, message, *, default_status: int = 422, code: str = "refused") -> ApiError:
    """An ApiError for a service's refusal (`OrderActionRefused`, `ResourceActionRefused`, `TicketRefused`...):
    its message, and the status and code of the HUAWEI CLOUD error it is or was raised from, if any."""
    cause = exc if isinstance(exc, CloudError) else exc.__cause__
    if isinstance(cause, CloudUnavailable):
        return ApiError(
            message,
            status_code=503,
            code="huaweicloud_unavailable",
            huaweicloud_code=cause.error_code,
            retry_after=CLOUD_RETRY_AFTER,
        )
    if isinstance(cause, CloudRejected):
        return ApiError(message, status_code=cloud_status(cause), code=code, huaweicloud_code=cause.error_code)
    return ApiError(message, status_code=default_status, code=code)


def _body(code: str, message: str, fields: dict | None = None, huaweicloud_code: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}, "huaweicloud_code": huaweicloud_code}}


def _fields(detail) -> dict:
    if isinstance(detail, dict):
        return {str(name): _messages(value) for name, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(value) -> list:
    if isinstance(value, list):
        flat = []
        for item in value:
            flat.extend(_messages(item) if isinstance(item, list | dict) else [str(item)])
        return flat
    if isinstance(value, dict):
        return [f"{name}: {message}" for name, inner in value.items() for message in _messages(inner)]
    return [str(value)]


def exception_handler(exc, context):
    """REST framework's EXCEPTION_HANDLER: every error in the one shape."""
    headers = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, ApiError):
        body = _body(exc.code, exc.message, exc.fields, exc.huaweicloud_code)
        status_code = exc.status_code
        if exc.retry_after:
            headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, CloudUnavailable):
        body = _body("huaweicloud_unavailable", str(exc.user_message), huaweicloud_code=exc.error_code)
        status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        headers["Retry-After"] = str(CLOUD_RETRY_AFTER)
    elif isinstance(exc, CloudRejected):
        body = _body("huaweicloud_rejected", str(exc.user_message), huaweicloud_code=exc.error_code)
        status_code = cloud_status(exc)
    elif isinstance(exc, CloudError):
        body = _body("huaweicloud_error", str(exc.user_message), huaweicloud_code=exc.error_code)
        status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    elif isinstance(exc, exceptions.ValidationError):
        body = _body("invalid", "The request has errors; see fields.", _fields(exc.detail))
        status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        detail = exc.detail
        message = str(detail) if not isinstance(detail, list | dict) else "; ".join(_messages(detail))
        body = _body(code, message)
        status_code = exc.status_code
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
    else:
        return None  # a bug: Django's 500 handling, logged with the traceback
    set_rollback()
    return Response(body, status=status_code, headers=headers)
