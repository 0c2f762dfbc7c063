"""Cursor pagination over any ordering a list allows, with the primary key as the last tie-breaker.

The cursor is the (opaque, base64) sort values of the last row of the page; the next page is the rows
after it in the same order (keyset pagination): stable while rows are added, and one query per page
whatever the page number. Ordering fields must not be NULL: lists annotate a COALESCE where they are.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import OrderedDict
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api.exceptions import ApiError

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _invalid_cursor() -> ApiError:
    return ApiError("The request has errors; see fields.", fields={"cursor": ["Invalid cursor."]})


class KeysetCursorPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self._page_size(request)
        self.ordering = [*view.get_ordering(request), "pk"] if view is not None else ["pk"]
        queryset = queryset.order_by(*self.ordering)
        position = self._decode(request.query_params.get(self.cursor_query_param))
        try:
            if position is not None:
                queryset = queryset.filter(self._after(position))
            rows = list(queryset[: self.page_size + 1])
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            # A cursor whose values do not fit the fields: made up or from another list.
            raise _invalid_cursor() from None
        self.has_next = len(rows) > self.page_size
        rows = rows[: self.page_size]
        self.last = rows[-1] if rows else None
        return rows

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return DEFAULT_PAGE_SIZE
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ApiError(
                "The request has errors; see fields.",
                fields={"page_size": [f"A whole number from 1 to {MAX_PAGE_SIZE}."]},
            )
        return size

    def _fields(self) -> list[tuple[str, bool]]:
        return [(name.lstrip("-"), name.startswith("-")) for name in self.ordering]

    def _decode(self, raw: str | None) -> list | None:
        if not raw:
            return None
        try:
            values = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
        except (ValueError, binascii.Error, UnicodeError):
            raise _invalid_cursor() from None
        if not isinstance(values, list) or len(values) != len(self.ordering):
            raise _invalid_cursor()
        if not all(isinstance(v, str | int | float | bool) for v in values):
            raise _invalid_cursor()
        return values

    def _after(self, position: list) -> Q:
        """Rows strictly after `position` in the ordering: (a > x) or (a = x and b > y) or ..."""
        condition = Q(pk__in=[])
        equal = Q()
        for (name, descending), value in zip(self._fields(), position, strict=True):
            condition |= equal & Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
            equal &= Q(**{name: value})
        return condition

    def _encode(self, row) -> str:
        values = [_plain(getattr(row, name)) for name, _descending in self._fields()]
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    def get_next_link(self) -> str | None:
        if not self.has_next or self.last is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, self._encode(self.last))

    def get_paginated_response(self, data):
        return Response(OrderedDict([("next", self.get_next_link()), ("results", data)]))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last page.",
                    "example": "https://portal.example.com/api/v1/orders/?cursor=WyIyMDI2LTA1LTAxIiwgMTJd",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The `next` link's cursor: where the page starts.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
