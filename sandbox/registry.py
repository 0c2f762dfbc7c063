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
    """Who signed the call: the partner (AK/SK or partner token) or, later, a customer (token / temp AK/SK)."""

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


REGISTRY: dict[str, Operation] = {}


def _compile(path: str) -> re.Pattern:
    parts = re.split(r"(\{\w+\})", path)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}/?$")


def operation(
    name: str, *, method: str, path: str, rate_limit: float = 10, service: str = "bssintl", callers: str = "P"
):
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
        )
        return handler

    return register


def resolve(method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    """The operation answering `method path`, and its decoded path parameters; None if there is none."""
    for op in REGISTRY.values():
        if op.method != method.upper():
            continue
        match = op.pattern.match(path)
        if match:
            return op, {key: unquote(value) for key, value in match.groupdict().items()}
    return None
