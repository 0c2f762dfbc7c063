"""Every answer carries `X-Request-Id`, as HUAWEI CLOUD's gateway does (the SDK puts it on its exceptions)."""

import uuid


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
        return response
