"""One place where every HUAWEI CLOUD call is rate limited, timed, logged and has its errors mapped."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from huaweicloudsdkcore.exceptions import exceptions as sdk
from huaweicloudsdkcore.sdk_stream_response import SdkStreamResponse

from huaweicloud import clients, ratelimit
from huaweicloud.errors import (
    LOCAL_CONNECTION,
    LOCAL_MALFORMED,
    LOCAL_SDK,
    LOCAL_THROTTLED,
    LOCAL_TIMEOUT,
    MISCONFIGURED_CODES,
    UNAVAILABLE_CODES,
    CloudError,
    CloudMisconfigured,
    CloudRejected,
    CloudUnavailable,
    redact,
)
from huaweicloud.types import MalformedValue

logger = logging.getLogger("huaweicloud")

R = TypeVar("R")

# Errors raised while reading an answer that arrived: the answer is not what the API promised.
_PARSE_ERRORS = (MalformedValue, ValueError, TypeError, KeyError, AttributeError)


def call(operation: str, fn: Callable[[Any], Any], request: Any, *, parse: Callable[[Any], R]) -> R:
    """Run `fn(request)` (an SDK client method) and return `parse(sdk_response)`.

    Raises CloudUnavailable / CloudMisconfigured / CloudRejected, each `from` the original error.
    Writes exactly one line on the `huaweicloud` logger, without request or response bodies.
    """
    try:
        waited = ratelimit.acquire(operation)
    except ratelimit.RateLimited as exc:
        error = CloudUnavailable(
            operation=operation, error_code=LOCAL_THROTTLED, error_msg=f"no rate-limit slot within {exc.wait:.1f}s"
        )
        _log(operation, error, latency=0.0, waited=exc.wait)
        raise error from exc

    clients.forget_last_response()
    started = time.monotonic()
    try:
        try:
            response = fn(request)
        except (sdk.SdkException, requests.exceptions.RequestException) as exc:
            raise _map_exception(operation, exc, clients.last_response()) from exc
        except _PARSE_ERRORS as exc:
            raw = clients.last_response()
            if raw is None or raw.status_code >= 400:
                raise  # the SDK refused our input before sending it: a bug on our side
            raise _malformed(operation, raw, exc) from exc
        raw = clients.last_response()
        try:
            if not isinstance(response, SdkStreamResponse):
                _check_body(raw)  # a file is no JSON; `parse` reads it, within its own limits
            result = parse(response)
        except _PARSE_ERRORS as exc:
            raise _malformed(operation, raw, exc) from exc
        except requests.exceptions.RequestException as exc:
            # A streamed body (a file) broke off, or stalled past the read timeout, while `parse` read it.
            raise _map_exception(operation, exc, raw) from exc
    except CloudError as error:
        _log(operation, error, latency=time.monotonic() - started, waited=waited)
        raise
    _log(operation, None, latency=time.monotonic() - started, waited=waited, raw=raw)
    return result


def _check_body(raw: requests.Response | None) -> None:
    # The SDK turns a body that is not JSON, or not an object, into an empty response without a
    # word (found by experiment with SDK 3.1.219); every answer we use is a JSON object or empty.
    if raw is None or not raw.content.strip():
        return
    try:
        body = json.loads(raw.content)
    except ValueError:
        raise MalformedValue("the body is not JSON") from None
    if not isinstance(body, dict):
        raise MalformedValue("the body is not a JSON object")


def _malformed(operation: str, raw: requests.Response | None, exc: Exception) -> CloudUnavailable:
    return CloudUnavailable(
        operation=operation,
        status_code=raw.status_code if raw is not None else None,
        error_code=LOCAL_MALFORMED,
        error_msg=f"unreadable answer: {exc}",
        request_id=_request_id(raw),
        # The answer came, so a write may have happened.
        maybe_applied=True,
    )


def _request_id(raw: requests.Response | None) -> str | None:
    if raw is None:
        return None
    return raw.headers.get("X-Request-Id") or None


def _error_body(raw: requests.Response | None) -> dict[str, Any]:
    if raw is None or raw.status_code < 400:
        return {}
    try:
        body = json.loads(raw.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _map_exception(operation: str, exc: Exception, raw: requests.Response | None) -> CloudError:
    if isinstance(exc, sdk.ServiceResponseException):
        return _map_response_error(operation, exc, raw)
    common = {"operation": operation, "error_msg": str(exc)}
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return CloudUnavailable(error_code=LOCAL_TIMEOUT, **common)
    if isinstance(exc, (requests.exceptions.Timeout, sdk.RequestTimeoutException)):
        # The SDK lets a read timeout on POST escape as requests' ReadTimeout (reference 11).
        return CloudUnavailable(error_code=LOCAL_TIMEOUT, maybe_applied=True, **common)
    if isinstance(exc, sdk.ConnectionException):
        # On GET, urllib3 wraps a read timeout and the SDK reports a ConnectionException.
        if "ReadTimeoutError" in str(exc) or "Read timed out" in str(exc):
            return CloudUnavailable(error_code=LOCAL_TIMEOUT, maybe_applied=True, **common)
        return CloudUnavailable(error_code=LOCAL_CONNECTION, **common)
    if isinstance(exc, requests.exceptions.RequestException):
        return CloudUnavailable(error_code=LOCAL_CONNECTION, **common)
    return CloudUnavailable(error_code=LOCAL_SDK, **common)


def _map_response_error(operation: str, exc: sdk.ServiceResponseException, raw: requests.Response | None) -> CloudError:
    status = exc.status_code
    code = str(exc.error_code or status)
    body = _error_body(raw)
    error_msg = exc.error_msg or ""
    if not body and raw is not None and raw.status_code == status:
        # Not Huawei's JSON (an HTML page from a proxy): keep only the start of it.
        error_msg = redact(error_msg, limit=200)
    kwargs = {
        "operation": operation,
        "status_code": status,
        "error_code": code,
        "error_msg": error_msg,
        "request_id": exc.request_id or _request_id(raw),
        "details": body,
    }
    # A code that is only the HTTP status means no Huawei code came with the answer.
    no_business_code = code == str(status)
    if code in MISCONFIGURED_CODES or (no_business_code and status in {401, 403, 404}):
        return CloudMisconfigured(**kwargs)
    if code in UNAVAILABLE_CODES or status == 429 or status >= 500 or no_business_code:
        return CloudUnavailable(**kwargs)
    return CloudRejected(**kwargs)


def _log(
    operation: str,
    error: CloudError | None,
    *,
    latency: float,
    waited: float,
    raw: requests.Response | None = None,
) -> None:
    if error is None:
        level, outcome = logging.INFO, "ok"
        request_id, status, message = _request_id(raw), raw.status_code if raw is not None else None, ""
    else:
        if isinstance(error, CloudMisconfigured):
            level = logging.ERROR
        elif isinstance(error, CloudUnavailable):
            level = logging.WARNING
        else:
            level = logging.INFO  # a business answer, shown to the user; not our failure
        outcome = error.error_code or type(error).__name__
        request_id, status, message = error.request_id, error.status_code, redact(error.error_msg, limit=200)
    logger.log(
        level,
        "huaweicloud %s outcome=%s latency_ms=%d waited_ms=%d status=%s request_id=%s%s",
        operation,
        outcome,
        round(latency * 1000),
        round(waited * 1000),
        status if status is not None else "-",
        request_id or "-",
        f' error_msg="{message}"' if message else "",
        extra={
            "huaweicloud_operation": operation,
            "huaweicloud_outcome": outcome,
            "huaweicloud_request_id": request_id,
            "huaweicloud_latency_ms": round(latency * 1000),
        },
    )
