"""OpenAPI extras: the API token security scheme, the error schema, and the error answers of every operation."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields", "huaweicloud_code"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "The request has errors; see fields."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "example": {"amount": ["Ensure this value is greater than or equal to 0."]},
                },
                "huaweicloud_code": {"type": "string", "nullable": True, "example": None},
            },
        }
    },
}

_READ_ERRORS = {
    "400": "The request has errors (query parameters): see `error.fields`.",
    "401": "No valid API token or session.",
    "403": "Signed in, but not allowed: not the customer's, or the staff groups do not allow it.",
    "404": "No such object, or it belongs to another customer.",
    "406": "Only application/json answers are available.",
    "429": "Too many requests for this token: wait `Retry-After` seconds.",
    "503": "HUAWEI CLOUD did not answer: nothing was changed; retry after `Retry-After` seconds.",
}
_WRITE_ERRORS = {
    **_READ_ERRORS,
    "400": "The request has errors: see `error.fields`.",
    "409": "The object's state does not allow it now (or the same Idempotency-Key is still running).",
    "415": "Send the body as application/json.",
    "422": "Refused: by HUAWEI CLOUD (`error.huaweicloud_code`) or by our rules; or an Idempotency-Key reused "
    "with another body.",
}
_HEADERS = {
    "429": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
    "503": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from your account page (customers) or the admin (staff): "
            "`Authorization: Bearer pp_...`.",
        }


def add_error_responses(result, generator, request, public):
    """Every operation answers errors in the one shape; this documents them all (drf-spectacular hook)."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            errors = _READ_ERRORS if method == "get" else _WRITE_ERRORS
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                # An error an operation names itself (a 409 of a GET, say): with its description, in the one shape.
                if str(code).isdigit() and int(code) >= 400 and "content" not in response:
                    response["content"] = {"application/json": {"schema": ref}}
            for code, description in errors.items():
                if code in responses:
                    continue
                response = {"description": description, "content": {"application/json": {"schema": ref}}}
                if code in _HEADERS:
                    response["headers"] = _HEADERS[code]
                responses[code] = response
    return result
