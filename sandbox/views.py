"""The one entry point of the simulated cloud APIs: route, authenticate, throttle, inject faults, answer."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox import faults, runtime, services
from sandbox.auth import authenticate, check_callers, request_headers
from sandbox.errors import ApiError, IamError, api_not_found, invalid_parameter, throttled
from sandbox.models import RequestLogEntry
from sandbox.registry import Call, resolve

logger = logging.getLogger(__name__)


def raw_path(request: HttpRequest) -> str:
    """The path as the client wrote it (percent-encoding kept), so `%2F` inside an id stays one segment."""
    uri = request.META.get("REQUEST_URI") or request.META.get("RAW_URI")
    if uri:
        path = uri.split("?", 1)[0]
        if "://" in path:  # absolute-form request target
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        return path
    return request.path


def _parse_body(request: HttpRequest, *, service: str = "bssintl"):
    if not request.body:
        return None
    if request.content_type.startswith("multipart/"):
        return None  # uploads (OSM upload_accessory): the handler reads request.FILES / request.POST
    try:
        # Decimal, so money keeps its digits (`1234.50`) as the SDK sends it.
        return json.loads(request.body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        if service == "iam":
            raise IamError(400, "The request body is not valid JSON.") from None
        raise invalid_parameter("the request body is not valid JSON") from None


def _render(result) -> HttpResponse:
    if isinstance(result, HttpResponse):
        return result
    status = 200
    if isinstance(result, tuple):
        status, result = result
    if result is None:
        return HttpResponse(b"", status=status, content_type="application/json")
    return JsonResponse(result, status=status, json_dumps_params={"ensure_ascii": False})


def _access_key(request: HttpRequest) -> str:
    authorization = request_headers(request).get("authorization", "")
    marker = "Access="
    if marker in authorization:
        return authorization.split(marker, 1)[1].split(",", 1)[0].strip()[:64]
    return ""


@csrf_exempt
def api(request: HttpRequest) -> HttpResponse:
    path = raw_path(request)
    operation_name = ""
    try:
        found = resolve(request.method, path, request)
        if found is None:
            raise api_not_found()
        op, path_params = found
        operation_name = op.name
        if op.service == "iam":
            # IAM is not behind APIG's signature: its handlers check the password or X-Auth-Token.
            principal = None
            throttle_key = f"iam:{request.META.get('REMOTE_ADDR', '')}"
        else:
            principal = authenticate(request, raw_path=path)
            check_callers(op, principal)
            # Huawei throttles per account: the customer's own calls do not use up the partner's.
            throttle_key = (
                f"customer:{principal.customer.customer_id}"
                if principal.customer is not None
                else principal.access_key or principal.partner.access_key
            )
        if not runtime.allow(access_key=throttle_key, operation=op.name, documented_rate=op.rate_limit):
            raise throttled()
        injected = faults.apply(op.name)
        response = injected.response
        if response is None:
            call = Call(
                request=request,
                operation=op,
                principal=principal,
                body=_parse_body(request, service=op.service),
                query={key: request.GET.getlist(key) for key in request.GET},
                path_params=path_params,
            )
            injected.shift_offset(call)
            response = injected.duplicate_row(_render(op.handler(call)))
    except ApiError as exc:
        response = exc.response()
    except Exception:
        logger.exception("Sandbox operation %s failed", operation_name or path)
        response = ApiError(500, "CBC.0999", "Other error.").response()
    finally:
        # Freezes decided inside a transaction that was rolled back (budget refused) still happen.
        services.deferred_run()

    _log(request, path=path, operation=operation_name, response=response)
    return response


def _error_code(response: HttpResponse) -> str:
    if response.status_code < 400 or not response.get("Content-Type", "").startswith("application/json"):
        return ""
    try:
        body = json.loads(response.content)
        if isinstance(body.get("error"), dict):  # IAM's Keystone-style body
            return str(body["error"].get("code", ""))
        return str(body.get("error_code", ""))
    except (ValueError, AttributeError):
        return ""


def _log(request: HttpRequest, *, path: str, operation: str, response: HttpResponse) -> None:
    try:
        RequestLogEntry.objects.create(
            request_id=getattr(request, "request_id", ""),
            operation=operation,
            method=request.method,
            path=path[:500],
            query=request.META.get("QUERY_STRING", ""),
            status=response.status_code,
            error_code=_error_code(response),
            access_key=_access_key(request),
        )
    except Exception:  # the log is a test aid: never turn an answer into a failure because of it
        logger.exception("Could not log the sandbox request")
