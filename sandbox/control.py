"""The control API under /_sandbox/ (unsigned, JSON): resets, faults, outbox, request log, config.

Only in SANDBOX_MODE=local; in strict mode every control URL answers like an unknown API (404 APIGW.0101).
"""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox import clock, runtime, services
from sandbox.errors import api_not_found
from sandbox.models import Customer, Fault, OutboxMessage, RealnameApplication, RequestLogEntry
from sandbox.registry import REGISTRY

ISO = "%Y-%m-%dT%H:%M:%S.%fZ"


class BadInput(Exception):
    pass


def control(*methods: str):
    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if settings.SANDBOX_MODE != "local":
                return api_not_found().response()
            if request.method not in methods:
                return JsonResponse({"error": f"use {' or '.join(methods)}"}, status=405)
            try:
                return view(request, *args, **kwargs)
            except BadInput as exc:
                return JsonResponse({"error": str(exc)}, status=400)

        return wrapper

    return decorate


def _json(request: HttpRequest) -> dict:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError:
        raise BadInput("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadInput("the body must be a JSON object")
    return data


def _time(value) -> str:
    return value.strftime(ISO)


@control("GET")
def health(request):
    return JsonResponse({"status": "ok", "mode": settings.SANDBOX_MODE})


@control("POST")
def reset(request):
    world = _json(request).get("world", "demo")
    if world not in {"demo", "empty"}:
        raise BadInput("world must be demo or empty")
    services.world_reset(world=world)
    return JsonResponse({"status": "ok", "world": world})


@control("GET", "POST")
def config(request):
    if request.method == "POST":
        data = _json(request)
        unknown = set(data) - {"throttling", "rate_limits", "visibility_delay", "realname_review"}
        if unknown:
            raise BadInput(f"unknown setting(s): {', '.join(sorted(unknown))}")
        throttling = data.get("throttling")
        if throttling is not None and not isinstance(throttling, bool):
            raise BadInput("throttling must be true or false")
        rate_limits = data.get("rate_limits")
        if rate_limits is not None:
            if not isinstance(rate_limits, dict):
                raise BadInput("rate_limits must map operation names to requests per second")
            for name, rate in rate_limits.items():
                if name not in REGISTRY:
                    raise BadInput(f"unknown operation {name!r}")
                if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
                    raise BadInput(f"rate_limits[{name!r}] must be a positive number")
        delay = data.get("visibility_delay")
        if delay is not None and (isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0):
            raise BadInput("visibility_delay must be a number of seconds, 0 or more")
        realname_review = data.get("realname_review")
        if realname_review is not None and realname_review not in {"manual", "auto"}:
            raise BadInput("realname_review must be manual or auto")
        runtime.update_config(
            throttling=throttling, rate_limits=rate_limits, visibility_delay=delay, realname_review=realname_review
        )
    current = runtime.config().as_dict()
    current["documented_rate_limits"] = {name: op.rate_limit for name, op in sorted(REGISTRY.items())}
    return JsonResponse(current)


FAULT_FIELDS = {"operation", "kind", "status", "error_code", "error_msg", "body", "rate", "delay", "count", "rows"}


def _fault_dict(fault: Fault) -> dict:
    return {
        "id": fault.id,
        "operation": fault.operation,
        "kind": fault.kind,
        "status": fault.status,
        "error_code": fault.error_code,
        "error_msg": fault.error_msg,
        "body": fault.body,
        "rate": fault.rate,
        "delay": fault.delay,
        "rows": fault.rows,
        "count": fault.remaining,
        "applied": fault.applied,
        "created_at": _time(fault.created_at),
    }


def _number(data, name, *, default, minimum=None, maximum=None, integer=False):
    value = data.get(name)
    if value is None:
        return default
    kinds = int if integer else int | float
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise BadInput(f"{name} must be a{'n integer' if integer else ' number'}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise BadInput(f"{name} must be between {minimum} and {maximum}")
    return value


def _string(data, name):
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"{name} must be a string")
    return value


@control("GET", "POST", "DELETE")
def faults(request):
    if request.method == "GET":
        return JsonResponse({"faults": [_fault_dict(f) for f in Fault.objects.all()]})
    if request.method == "DELETE":
        Fault.objects.all().delete()
        return JsonResponse({"status": "ok"})
    data = _json(request)
    unknown = set(data) - FAULT_FIELDS
    if unknown:
        raise BadInput(f"unknown field(s): {', '.join(sorted(unknown))}")
    operation = data.get("operation") or "*"
    if operation != "*" and operation not in REGISTRY:
        raise BadInput(f"unknown operation {operation!r}; use an SDK method name such as create_sub_customer, or *")
    kind = data.get("kind")
    if kind not in Fault.Kind.values:
        raise BadInput(f"kind must be one of {', '.join(Fault.Kind.values)}")
    rows = 0
    if kind == Fault.Kind.SHIFT:
        rows = _number(data, "rows", default=1, minimum=-1000, maximum=1000, integer=True)
        if rows == 0:
            raise BadInput("rows must not be 0: how many rows later (negative: earlier) the page starts")
    elif "rows" in data:
        raise BadInput("rows is only for kind shift")
    fault = Fault.objects.create(
        operation=operation,
        kind=kind,
        status=_number(data, "status", default=None, minimum=100, maximum=599, integer=True),
        error_code=_string(data, "error_code"),
        error_msg=_string(data, "error_msg"),
        body=_string(data, "body"),
        rate=_number(data, "rate", default=1.0, minimum=0, maximum=1),
        delay=_number(data, "delay", default=3.0 if kind == "delay" else 0.0, minimum=0, maximum=600),
        remaining=_number(data, "count", default=None, minimum=1, integer=True),
        rows=rows,
    )
    return JsonResponse({"id": fault.id, **_fault_dict(fault)}, status=201)


@control("DELETE")
def fault_detail(request, fault_id: int):
    deleted, _ = Fault.objects.filter(pk=fault_id).delete()
    if not deleted:
        return JsonResponse({"error": f"no fault {fault_id}"}, status=404)
    return JsonResponse({"status": "ok"})


@control("GET", "DELETE")
def outbox(request):
    if request.method == "DELETE":
        OutboxMessage.objects.all().delete()
        return JsonResponse({"status": "ok"})
    messages = OutboxMessage.objects.all()
    if to := request.GET.get("to"):
        messages = messages.filter(to__iexact=to)
    if kind := request.GET.get("kind"):
        messages = messages.filter(kind=kind)
    return JsonResponse(
        {
            "messages": [
                {
                    "id": m.id,
                    "kind": m.kind,
                    "to": m.to,
                    "subject": m.subject,
                    "body": m.body,
                    "code": m.code,
                    "created_at": _time(m.created_at),
                }
                for m in messages
            ]
        }
    )


@control("GET", "DELETE")
def requests_log(request):
    if request.method == "DELETE":
        RequestLogEntry.objects.all().delete()
        return JsonResponse({"status": "ok"})
    entries = RequestLogEntry.objects.all()
    if operation := request.GET.get("operation"):
        entries = entries.filter(operation=operation)
    return JsonResponse(
        {
            "requests": [
                {
                    "id": e.id,
                    "request_id": e.request_id,
                    "operation": e.operation,
                    "method": e.method,
                    "path": e.path,
                    "query": e.query,
                    "status": e.status,
                    "error_code": e.error_code,
                    "access_key": e.access_key,
                    "created_at": _time(e.created_at),
                }
                for e in entries
            ]
        }
    )


CUSTOMER_EDITABLE = {
    "verified_status": str,
    "customer_type": int,
    "customer": str,
    "label": str,
    "is_frozen": int,
    "customer_level": str,
    "email": str,
    "country_code": str,
    "telephone": str,
    "association_type": str,
    "used_amount": (int, float),
    "cash_balance": (int, float),
}


def customer_state(customer: Customer) -> dict:
    return {
        "customer_id": customer.customer_id,
        "domain_name": customer.domain_name,
        "xaccount_id": customer.xaccount_id,
        "xaccount_type": customer.xaccount_type,
        "partner_domain_id": customer.partner.domain_id,
        "domain_area": customer.domain_area,
        "email": customer.email,
        "country_code": customer.country_code,
        "telephone": customer.telephone,
        "has_password": customer.has_password,
        "is_close_market_ms": customer.is_close_market_ms,
        "customer": customer.customer,
        "verified_status": customer.verified_status,
        "customer_type": customer.customer_type,
        "association_type": customer.association_type,
        "associated_on": _time(customer.associated_on),
        "label": customer.label,
        "is_frozen": customer.is_frozen,
        "customer_level": customer.customer_level,
        "account_managers": customer.account_managers,
        "budget_amount": str(customer.budget_amount),
        "used_amount": str(customer.used_amount),
        "cash_balance": str(customer.cash_balance),
        "budget_type": customer.budget_type,
        "frozen_operate_type": customer.frozen_operate_type,
        "visible_after": _time(customer.visible_after),
        "created_at": _time(customer.created_at),
    }


@control("GET")
def customers(request):
    """Every customer's state; `?account_name=` exact (case-insensitive) account name."""
    rows = Customer.objects.select_related("partner").order_by("associated_on", "id")
    if account_name := request.GET.get("account_name"):
        rows = rows.filter(domain_name__iexact=account_name)
    return JsonResponse({"customers": [customer_state(c) for c in rows]})


@control("GET", "PATCH")
def customer_detail(request, customer_id: str):
    customer = Customer.objects.select_related("partner").filter(customer_id=customer_id).first()
    if customer is None:
        return JsonResponse({"error": f"no customer {customer_id}"}, status=404)
    if request.method == "PATCH":
        data = _json(request)
        unknown = set(data) - set(CUSTOMER_EDITABLE)
        if unknown:
            raise BadInput(
                f"not editable: {', '.join(sorted(unknown))}; editable: {', '.join(sorted(CUSTOMER_EDITABLE))}"
            )
        for name, value in data.items():
            kind = CUSTOMER_EDITABLE[name]
            if isinstance(value, bool) or not isinstance(value, kind):
                raise BadInput(
                    f"{name} must be a{'n integer' if kind is int else ' string' if kind is str else ' number'}"
                )
            if name in {"used_amount", "cash_balance"}:
                value = Decimal(str(value))
            setattr(customer, name, value)
        if "verified_status" in data and data["verified_status"] not in Customer.VerifiedStatus.values:
            raise BadInput(f"verified_status must be one of {', '.join(Customer.VerifiedStatus.values)}")
        customer.save(update_fields=list(data))
    return JsonResponse(customer_state(customer))


# --- the clock ------------------------------------------------------------------------------------

DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
UNIT_SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def duration_seconds(value) -> float:
    """`P3D`, `PT25H`, `P1DT2H30M`, `P2W` (ISO 8601, no years or months: their length varies) or seconds."""
    if isinstance(value, bool):
        raise BadInput("advance must be an ISO 8601 duration such as P3D or PT25H, or a number of seconds")
    if isinstance(value, int | float):
        seconds = float(value)
    elif (
        isinstance(value, str)
        and (match := DURATION.match(value.strip().upper()))
        and value.strip().upper()
        not in {
            "P",
            "PT",
        }
    ):
        seconds = sum(float(n) * UNIT_SECONDS[unit] for unit, n in match.groupdict().items() if n)
    else:
        raise BadInput("advance must be an ISO 8601 duration such as P3D or PT25H, or a number of seconds")
    if seconds < 0:
        raise BadInput("the sandbox clock only moves forward")
    return seconds


def _clock_state() -> dict:
    return {
        "now": clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "offset_seconds": clock.offset().total_seconds(),
    }


@control("GET", "POST")
def clock_view(request):
    if request.method == "POST":
        data = _json(request)
        unknown = set(data) - {"advance"}
        if unknown or "advance" not in data:
            raise BadInput('give {"advance": "P3D"} or {"advance": <seconds>}')
        try:
            clock.advance(seconds=duration_seconds(data["advance"]))
        finally:
            services.deferred_run()
    return JsonResponse(_clock_state())


# --- real-name reviews ------------------------------------------------------------------------------


def realname_application_dict(application: RealnameApplication) -> dict:
    return {
        "id": application.id,
        "customer_id": application.customer.customer_id,
        "account_name": application.customer.domain_name,
        "kind": application.kind,
        "identify_type": application.identify_type,
        "verified_type": application.verified_type,
        "certificate_type": application.certificate_type,
        "name": application.name,
        "verified_number": application.verified_number,
        "verified_file_url": application.file_keys,
        "reg_country": application.reg_country,
        "reg_address": application.reg_address,
        "enterprise_person": application.enterprise_person,
        "review_result": application.status,
        "is_review": application.is_review,
        "opinion": application.opinion,
        "submitted_at": _time(application.submitted_at),
        "decided_at": _time(application.decided_at) if application.decided_at else None,
    }


@control("GET")
def realname_applications(request):
    """Applications waiting for a manual review, oldest first; `?all=1` the whole history (newest
    first), `?customer_id=` one customer's."""
    applications = RealnameApplication.objects.select_related("customer")
    if request.GET.get("all") in {"1", "true"}:
        applications = applications.order_by("-submitted_at", "-id")
    else:
        applications = applications.filter(status=RealnameApplication.Status.UNDER_REVIEW).order_by(
            "submitted_at", "id"
        )
    if customer_id := request.GET.get("customer_id"):
        applications = applications.filter(customer__customer_id=customer_id)
    return JsonResponse({"applications": [realname_application_dict(a) for a in applications]})


@control("POST")
def realname_decision(request, customer_id: str):
    customer = Customer.objects.filter(customer_id=customer_id).first()
    if customer is None:
        return JsonResponse({"error": f"no customer {customer_id}"}, status=404)
    data = _json(request)
    decision = data.get("decision")
    if decision not in {"approve", "reject"}:
        raise BadInput("decision must be approve or reject")
    opinion = _string(data, "opinion")
    if len(opinion) > 256:
        raise BadInput("opinion has at most 256 characters")
    try:
        application = services.realname_decide(customer=customer, approve=decision == "approve", opinion=opinion)
    except services.RealnameNotPending as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    return JsonResponse(realname_application_dict(application))
