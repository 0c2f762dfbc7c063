"""What every API view shares: validated query parameters, allowed orderings, cursor pages, downloads."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from api.pagination import KeysetCursorPagination


class ApiView(GenericAPIView):
    """A view that parses input, checks permission, calls one service or selector, and answers.

    Lists declare `query_serializer_class` (filters, validated: a bad value is a 400 with fields) and
    `orderings` (public name -> model ordering; the first is the default).
    """

    pagination_class = KeysetCursorPagination
    # No OPTIONS description (the OpenAPI schema is the description): OPTIONS is a 405.
    metadata_class = None
    query_serializer_class: type[serializers.Serializer] | None = None
    orderings: dict[str, list[str]] = {}

    def query(self) -> dict:
        if not hasattr(self, "_query"):
            if self.query_serializer_class is None:
                self._query = {}
            else:
                serializer = self.query_serializer_class(data=self.request.query_params)
                serializer.is_valid(raise_exception=True)
                self._query = serializer.validated_data
        return self._query

    def get_ordering(self, request) -> list[str]:
        if not self.orderings:
            return []
        name = self.query().get("ordering") or next(iter(self.orderings))
        return self.orderings[name]

    def list_response(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)


class FileRenderer(BaseRenderer):
    """Lets a client ask for a download's type (`Accept`); the view answers the file itself. Subclasses
    set `media_type` and `format`."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class FileView(ApiView):
    """A download (PDF, CSV, XLSX): `renderer_classes = [JSONRenderer, <its FileRenderer>]`. The file is a
    plain (streaming) HttpResponse; an error is in the one JSON error shape, whatever was asked."""

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def download_schema(renderer: type[FileRenderer], *, description: str, disposition: str) -> dict:
    """`extend_schema` arguments of a download: the file (binary) with its Content-Disposition."""
    return {
        "parameters": [
            OpenApiParameter("format", exclude=True),  # DRF's ?format= renderer override: not for a download
            OpenApiParameter(
                "Content-Disposition",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                required=True,
                description=disposition,
            ),
        ],
        "responses": {(200, renderer.media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)},
    }


def ordering_field(orderings: dict[str, list[str]]) -> serializers.ChoiceField:
    names = list(orderings)
    return serializers.ChoiceField(
        choices=names, required=False, help_text=f"Sort order; default {names[0]}. One of: {', '.join(names)}."
    )


def customer_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, min_value=1, help_text="Staff: the customer's id. Ignored for a customer's own token."
    )


class NotFoundView(ApiView):
    """Any other URL under /api/v1/ (e.g. an id that is not a number): a 404 in the API's error shape."""

    schema = None  # not an endpoint

    def dispatch(self, request, *args, **kwargs):
        self.args, self.kwargs, self.request = args, kwargs, self.initialize_request(request, *args, **kwargs)
        self.headers = self.default_response_headers
        response = self.handle_exception(exceptions.NotFound("No such API endpoint or object."))
        self.response = self.finalize_response(self.request, response, *args, **kwargs)
        return self.response
