"""Acting as the customer (reference 9.3): IAM tokens, and SDK clients that send the customer's token.

The partner's IAM user gets a partner token (password method), swaps it with IAM `assume_role` for a
token of the customer's account (agency `XACCOUNT_TYPE`, project scope of a region: that also gives
the customer's `project_id`, which ratings need) and sends it as `X-Auth-Token`.

Why tokens rather than temporary AK/SK (`/v3.0/OS-CREDENTIAL/securitytokens`): Huawei's partner
procedure (bpconsole_apifaq_00001) is the token swap, one IAM call gives both the credential and the
project id, and a token is one header we add, not a second signing key we must keep.

Tokens are cached in the Django cache until 10 minutes before they expire, keyed by partner, customer
and region. A token is never logged, never part of a repr and never leaves this module except in the
`X-Auth-Token` header of that customer's own client.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import requests
from django.conf import settings
from django.core.cache import cache
from huaweicloudsdkbssintl.v2 import BssintlClient
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions import exceptions as sdk
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkosm.v2 import OsmClient

from huaweicloud import clients
from huaweicloud.calls import call
from huaweicloud.errors import CloudMisconfigured
from huaweicloud.types import CustomerRef, MalformedValue, parse_datetime

R = TypeVar("R")

# BSS is a global service; a token scoped to any of the customer's projects works for it.
DEFAULT_REGION = "ap-southeast-1"
# Stop using a token this long before IAM says it expires (a call may take a while, clocks differ).
TOKEN_MARGIN = timedelta(minutes=10)
# Operation names for the rate limiter and the log line: the IAM SDK's method names.
PARTNER_IAM_OPERATION = "keystone_create_user_token_by_password"
CUSTOMER_IAM_OPERATION = "keystone_create_agency_token"

_REGION = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+$")
_CACHE_PREFIX = "huaweicloud:iam:"


@dataclass(frozen=True, slots=True)
class _Token:
    value: str = field(repr=False)
    expires_at: datetime
    project_id: str = ""


# --- the IAM calls -----------------------------------------------------------------------------------


def _iam_tokens(body: dict[str, Any], auth_token: str | None = None) -> requests.Response:
    """POST /v3/auth/tokens; an error answer is raised as the SDK would, so `call` maps it alike."""
    config = settings.HUAWEICLOUD
    headers = {"Content-Type": "application/json;charset=utf8"}
    if auth_token:
        headers["X-Auth-Token"] = auth_token
    response = requests.post(
        f"{config['IAM_ENDPOINT'].rstrip('/')}/v3/auth/tokens",
        json=body,
        headers=headers,
        timeout=(config["CONNECT_TIMEOUT"], config["READ_TIMEOUT"]),
    )
    clients.remember_response(response)
    if response.status_code >= 400:
        raise _sdk_exception(response)
    return response


def _sdk_exception(response: requests.Response) -> sdk.ServiceResponseException:
    # IAM answers either BSS-style `{"error_code", "error_msg"}` or Keystone-style
    # `{"error": {"code": 401, "message": ..., "title": ...}}` (whose code is only the HTTP status).
    code, message = None, response.text[:200]
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        if body.get("error_code"):
            code, message = str(body["error_code"]), str(body.get("error_msg") or "")
        elif isinstance(body.get("error"), dict):
            code = str(body["error"].get("code") or response.status_code)
            message = str(body["error"].get("message") or "")
    request_id = response.headers.get("X-Request-Id") or response.headers.get("X-IAM-Trace-Id")
    error = sdk.SdkError(request_id, code or str(response.status_code), message)
    if response.status_code >= 500:
        return sdk.ServerResponseException(response.status_code, error)
    return sdk.ClientRequestException(response.status_code, error)


def _parse_token(response: requests.Response, *, project_scope: bool) -> _Token:
    value = response.headers.get("X-Subject-Token")
    if not value:
        raise MalformedValue("IAM answered without X-Subject-Token")
    token = response.json().get("token")
    if not isinstance(token, dict):
        raise MalformedValue("IAM answered without a token")
    expires_at = parse_datetime(token.get("expires_at"))
    if expires_at is None:
        raise MalformedValue("IAM answered without expires_at")
    project_id = ""
    if project_scope:
        project = token.get("project")
        project_id = str(project.get("id") or "") if isinstance(project, dict) else ""
        if not project_id:
            raise MalformedValue("IAM answered without the project id")
    return _Token(value=value, expires_at=expires_at, project_id=project_id)


# --- cache ---------------------------------------------------------------------------------------------


def _cached(key: str) -> _Token | None:
    stored = cache.get(key)
    if not isinstance(stored, dict):
        return None
    token = _Token(value=stored["value"], expires_at=stored["expires_at"], project_id=stored["project_id"])
    if token.expires_at - TOKEN_MARGIN <= datetime.now(UTC):
        return None
    return token


def _store(key: str, token: _Token) -> None:
    lifetime = (token.expires_at - TOKEN_MARGIN - datetime.now(UTC)).total_seconds()
    if lifetime > 1:
        cache.set(
            key,
            {"value": token.value, "expires_at": token.expires_at, "project_id": token.project_id},
            timeout=int(lifetime),
        )


def _partner_key() -> str:
    return f"{_CACHE_PREFIX}partner:{settings.HUAWEICLOUD['DOMAIN_ID']}"


def _customer_key(customer_id: str, region: str) -> str:
    return f"{_CACHE_PREFIX}customer:{settings.HUAWEICLOUD['DOMAIN_ID']}:{customer_id}:{region}"


# --- tokens --------------------------------------------------------------------------------------------


def _password_body(scope: dict[str, Any]) -> dict[str, Any]:
    config = settings.HUAWEICLOUD
    user = {"name": config["IAM_USER"], "password": config["IAM_PASSWORD"], "domain": {"name": config["DOMAIN_NAME"]}}
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}, "scope": scope}}


def _partner_token() -> _Token:
    key = _partner_key()
    token = _cached(key)
    if token is not None:
        return token
    body = _password_body({"domain": {"name": settings.HUAWEICLOUD["DOMAIN_NAME"]}})
    token = call(PARTNER_IAM_OPERATION, _iam_tokens, body, parse=lambda r: _parse_token(r, project_scope=False))
    _store(key, token)
    return token


def _check_region(region: str) -> None:
    if not _REGION.match(region):
        raise ValueError(f"not a region: {region!r}")


def _partner_project_token(region: str) -> _Token:
    """A partner token scoped to the partner's own project in `region`: for its project id."""
    _check_region(region)
    key = f"{_partner_key()}:{region}"
    token = _cached(key)
    if token is not None:
        return token
    body = _password_body({"project": {"name": region}})
    token = call(PARTNER_IAM_OPERATION, _iam_tokens, body, parse=lambda r: _parse_token(r, project_scope=True))
    _store(key, token)
    return token


def partner_project_id(*, region: str) -> str:
    """The partner's own IAM project id in `region`: what a price inquiry without a customer sends."""
    return _partner_project_token(region).project_id


def _customer_token(customer: CustomerRef, region: str) -> _Token:
    _check_region(region)
    key = _customer_key(customer.customer_id, region)
    token = _cached(key)
    if token is not None:
        return token
    body = {
        "auth": {
            "identity": {
                "methods": ["assume_role"],
                "assume_role": {
                    "domain_name": customer.account_name,
                    "agency_name": settings.HUAWEICLOUD["XACCOUNT_TYPE"],
                },
            },
            "scope": {"project": {"name": region}},
        }
    }

    def swap() -> _Token:
        partner_token = _partner_token().value
        return call(
            CUSTOMER_IAM_OPERATION,
            lambda b: _iam_tokens(b, partner_token),
            body,
            parse=lambda r: _parse_token(r, project_scope=True),
        )

    try:
        token = swap()
    except CloudMisconfigured as exc:
        if exc.status_code != 401 or exc.operation != CUSTOMER_IAM_OPERATION:
            raise
        # The cached partner token was revoked or expired early. Getting a token changes nothing
        # on HUAWEI CLOUD, so one more try with a fresh partner token is safe.
        cache.delete(_partner_key())
        token = swap()
    _store(key, token)
    return token


def customer_project_id(*, customer_id: str, account_name: str, region: str) -> str:
    """The customer's IAM project id in `region` (what price inquiries need), from a cached token."""
    return _customer_token(CustomerRef(customer_id=customer_id, account_name=account_name), region).project_id


def forget_customer_token(customer: CustomerRef, *, region: str = DEFAULT_REGION) -> None:
    """Drop the cached token, e.g. after HUAWEI CLOUD refused it."""
    cache.delete(_customer_key(customer.customer_id, region))


# --- SDK clients that act as the customer --------------------------------------------------------------


class TokenCredentials(GlobalCredentials):
    """Sends `X-Auth-Token` instead of an AK/SK signature (the SDK has no token credential, 9.3).

    `ClientBuilder.build()` only accepts the exact class `GlobalCredentials`, so a client is built
    with a placeholder and gets these through `client.with_credentials(...)`.
    """

    def __init__(self, token: str, customer_id: str) -> None:
        super().__init__(None, None, None)
        self._token = token
        self.customer_id = customer_id

    def __repr__(self) -> str:
        return f"TokenCredentials(customer_id={self.customer_id!r})"

    def process_auth_params(self, http_client: Any, region_id: str) -> TokenCredentials:
        return self  # no domain id lookup at IAM

    def process_auth_request(self, request: Any, http_client: Any) -> Any:
        # Without AK/SK the parent would fetch temporary keys from STS first: never wanted here.
        return http_client.executor.submit(self.sign_request, request)

    def sign_request(self, request: Any) -> Any:
        request.header_params["X-Auth-Token"] = self._token
        # What signing would otherwise do to the path and query (reference 9.3, verified on the wire).
        Signer.process_request_uri(request)
        return request


def customer_bss_client(customer: CustomerRef, *, region: str = DEFAULT_REGION) -> BssintlClient:
    """This customer's own BSS client, carrying a valid token of theirs."""
    token = _customer_token(customer, region)
    client = clients.customer_client("bss", BssintlClient, "BSS_ENDPOINT", customer.customer_id)
    client.with_credentials(TokenCredentials(token.value, customer.customer_id))
    return client


def customer_osm_client(customer: CustomerRef, *, region: str = DEFAULT_REGION) -> OsmClient:
    token = _customer_token(customer, region)
    client = clients.customer_client("osm", OsmClient, "OSM_ENDPOINT", customer.customer_id)
    client.with_credentials(TokenCredentials(token.value, customer.customer_id))
    return client


def call_as_customer(
    operation: str,
    customer: CustomerRef,
    request: Any,
    *,
    parse: Callable[[Any], R],
    service: str = "bss",
    region: str = DEFAULT_REGION,
    repeatable: bool = False,
) -> R:
    """`call(operation, ...)` with the customer's own client.

    A 401 means HUAWEI CLOUD's gateway did not take the token (revoked, or gone before IAM said): the
    cached token is dropped. A `repeatable` call (a read) is then sent once more with a fresh token;
    any other call fails, because repeating a payment or a renewal is never ours to decide here.
    """
    factory = customer_osm_client if service == "osm" else customer_bss_client
    try:
        return call(operation, getattr(factory(customer, region=region), operation), request, parse=parse)
    except CloudMisconfigured as exc:
        if exc.status_code != 401 or exc.operation != operation:
            raise
        forget_customer_token(customer, region=region)
        if not repeatable:
            raise
    return call(operation, getattr(factory(customer, region=region), operation), request, parse=parse)
