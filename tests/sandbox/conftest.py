"""Clients for talking to the sandbox the way the platform does: the official SDK, or signed raw requests."""

from __future__ import annotations

import json as jsonlib
from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest
import requests
from huaweicloudsdkbssintl.v2 import BssintlClient
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from tests.sandbox_server import DEMO_PARTNER


def build_bss(
    url: str,
    *,
    ak: str = DEMO_PARTNER["ak"],
    sk: str = DEMO_PARTNER["sk"],
    domain_id=DEMO_PARTNER["domain_id"],
    http_handler=None,
    timeout=(5, 20),
):
    config = HttpConfig.get_default_config()
    config.timeout = timeout
    builder = (
        BssintlClient.new_builder()
        .with_credentials(GlobalCredentials(ak, sk, domain_id))
        .with_http_config(config)
        .with_endpoints([url])
    )
    if http_handler is not None:
        builder = builder.with_http_handler(http_handler)
    return builder.build()


@pytest.fixture
def bss(sandbox):
    return build_bss(sandbox.url)


class SignedClient:
    """Signs requests with the SDK's own Signer and sends them with `requests`, so tests can read raw
    bodies and tamper with a correctly signed request."""

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()
        self.http.trust_env = False

    def prepare(
        self,
        method: str,
        path: str,
        *,
        body=None,
        raw_body: bytes | None = None,
        query: list[tuple[str, object]] | None = None,
        ak: str = DEMO_PARTNER["ak"],
        sk: str = DEMO_PARTNER["sk"],
        domain_id: str | None = DEMO_PARTNER["domain_id"],
        sdk_date: datetime | None = None,
        headers: dict[str, str] | None = None,
    ) -> SdkRequest:
        parsed = urlparse(self.url)
        header_params = {"Content-Type": "application/json", "User-Agent": "sandbox-tests"}
        if domain_id:
            header_params["X-Domain-Id"] = domain_id
        if sdk_date is not None:
            header_params["X-Sdk-Date"] = sdk_date.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        header_params.update(headers or {})
        if raw_body is None:
            raw_body = b"" if body is None else jsonlib.dumps(body).encode()
        request = SdkRequest(
            method=method,
            schema=parsed.scheme,
            host=parsed.netloc,
            resource_path=path,
            query_params=list(query or []),
            header_params=header_params,
            body=raw_body,
        )
        return Signer(GlobalCredentials(ak, sk, domain_id)).sign(request)

    def send(self, request: SdkRequest, *, body: bytes | None = None) -> requests.Response:
        """Send a signed request; `body` replaces the signed body (to tamper with it)."""
        data = request.body if body is None else body
        return self.http.request(
            request.method,
            f"{self.url}{request.uri}",
            headers=request.header_params,
            data=data or None,
            timeout=20,
        )

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.send(self.prepare(method, path, **kwargs))


@pytest.fixture
def signed(sandbox):
    return SignedClient(sandbox.url)
