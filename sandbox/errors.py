"""Error answers shaped like HUAWEI CLOUD's: `{"error_code": ..., "error_msg": ...}`."""

from __future__ import annotations

from django.http import JsonResponse


class ApiError(Exception):
    """Raised by operations and by the request pipeline; rendered by `ApiError.response()`.

    `extra` adds fields to the body (CBC.99000050 carries `domain_id` and `domain_name`).
    """

    def __init__(self, status: int, error_code: str, error_msg: str, **extra):
        super().__init__(f"{status} {error_code}: {error_msg}")
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.extra = extra

    def response(self) -> JsonResponse:
        return JsonResponse(
            {"error_code": self.error_code, "error_msg": self.error_msg, **self.extra}, status=self.status
        )


def invalid_parameter(message: str) -> ApiError:
    return ApiError(400, "CBC.0100", f"Invalid parameter: {message}")


# APIG (the gateway in front of every HUAWEI CLOUD API).
AUTH_FAILED_MSG = "Incorrect IAM authentication information: verify aksk signature fail"


def auth_failed(detail: str = "") -> ApiError:
    message = AUTH_FAILED_MSG if not detail else f"Incorrect IAM authentication information: {detail}"
    return ApiError(401, "APIGW.0301", message)


def api_not_found() -> ApiError:
    return ApiError(404, "APIGW.0101", "The API does not exist or has not been published in the environment")


def throttled() -> ApiError:
    return ApiError(429, "APIGW.0308", "The throttling threshold has been reached")


def access_denied(message: str) -> ApiError:
    return ApiError(403, "CBC.0151", message)


class IamError(ApiError):
    """IAM's own (Keystone-style) error body: `{"error": {"code": 401, "message": ..., "title": ...}}`.

    IAM's token APIs answer this shape, not BSS's `error_code`/`error_msg`; `code` is the HTTP status.
    """

    TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error"}

    def __init__(self, status: int, message: str):
        super().__init__(status, str(status), message)

    def response(self) -> JsonResponse:
        title = self.TITLES.get(self.status, "Error")
        return JsonResponse(
            {"error": {"code": self.status, "message": self.error_msg, "title": title}}, status=self.status
        )
