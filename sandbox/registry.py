"""Operations the sandbox answers, keyed by the SDK method name (`BssintlClient.create_sub_customer` ...).

Each operation is declared once with `@operation(...)` next to its handler:

    @operation("list_sub_customers", method="POST", path="/v2/partners/sub-customers/query", rate_limit=10)
    def list_sub_customers(call: Call) -> dict: ...

`path` may hold `{name}` parameters (`/v2/orders/customer-orders/details/{order_id}`); their decoded
values arrive in `call.path_params`. `rate_limit` is Huawei's documented per-second limit (reference 13).
A handler returns a dict (200 JSON), `None` (200, empty body) or a `(status, dict)` pair, or raises
`sandbox.errors.ApiError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from django.http import HttpRequest

from sandbox.models import Customer, Partner


@dataclass
class Principal:
    """Who signed the call: the partner (AK/SK or its IAM token) or one of its customers (a token or
    temporary AK/SK obtained with assume_role): then `customer` is set and `partner` is the customer's partner."""

    partner: Partner
    access_key: str = ""
    kind: str = "aksk"  # aksk | token | temporary
    customer: Customer | None = None


@dataclass
class Call:
    request: HttpRequest
    operation: Operation
    principal: Principal
    body: Any = None
    query: dict[str, list[str]] = field(default_factory=dict)
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def partner(self) -> Partner:
        return self.principal.partner


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str
    rate_limit: float
    handler: Callable[[Call], Any]
    service: str = "bssintl"
    callers: str = "P"  # P partner, C customer, P|C either (reference section 2)
    pattern: re.Pattern = field(repr=False, default=None)
    # Two operations on one method + path (IAM's password and assume_role tokens): which one a request is.
    when: Callable[[HttpRequest], bool] | None = field(repr=False, default=None)


REGISTRY: dict[str, Operation] = {}


def _compile(path: str) -> re.Pattern:
    parts = re.split(r"(\{\w+\})", path)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}/?$")


def operation(
    name: str,
    *,
    method: str,
    path: str,
    rate_limit: float = 10,
    service: str = "bssintl",
    callers: str = "P",
    when: Callable[[HttpRequest], bool] | None = None,
):
    """Register a handler. `callers`: "P" partner credentials only, "C" the customer's own (token or
    temporary AK/SK), "P|C" either; the pipeline refuses the others with 403 CBC.0151. `service` "iam":
    the handler authenticates the caller itself (no APIG signature)."""
    if callers not in {"P", "C", "P|C"}:
        raise ValueError(f"callers of {name} must be P, C or P|C, not {callers!r}")

    def register(handler: Callable[[Call], Any]):
        if name in REGISTRY:
            raise ValueError(f"Operation {name} is registered twice.")
        REGISTRY[name] = Operation(
            name=name,
            method=method.upper(),
            path=path,
            rate_limit=rate_limit,
            handler=handler,
            service=service,
            callers=callers,
            pattern=_compile(path),
            when=when,
        )
        return handler

    return register


def resolve(method: str, path: str, request: HttpRequest | None = None) -> tuple[Operation, dict[str, str]] | None:
    """The operation answering `method path`, and its decoded path parameters; None if there is none."""
    for op in REGISTRY.values():
        if op.method != method.upper():
            continue
        if op.when is not None and request is not None and not op.when(request):
            continue
        match = op.pattern.match(path)
        if match:
            return op, {key: unquote(value) for key, value in match.groupdict().items()}
    return None
