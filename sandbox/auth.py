"""Who is calling: APIG's authentication in front of every operation.

Three ways in, as on HUAWEI CLOUD (reference 9):
* AK/SK signature (`Authorization: SDK-HMAC-SHA256 ...`): the partner's permanent keys, verified here;
* AK/SK signature plus `X-Security-Token`: temporary keys of a customer (IAM securitytokens); not issued yet;
* `X-Auth-Token`: an IAM token (partner, or a customer's via assume_role); not issued yet.
Later work fills `principal_for_token` / `temporary_credentials` once the IAM operations exist.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from sandbox import signing
from sandbox.errors import auth_failed
from sandbox.models import Partner
from sandbox.registry import Principal


def request_headers(request: HttpRequest) -> dict[str, str]:
    """Lower-case header names -> values as the client sent them (WSGI hands them over as latin-1)."""
    headers = {}
    for key, value in request.META.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in {"CONTENT_TYPE", "CONTENT_LENGTH"}:
            name = key
        else:
            continue
        if not isinstance(value, str):
            continue
        with contextlib.suppress(UnicodeError):
            value = value.encode("latin-1").decode("utf-8")
        headers[name.replace("_", "-").lower()] = value
    return headers


def principal_for_token(token: str) -> Principal | None:
    """The principal an IAM token stands for; None while the sandbox issues no tokens."""
    return None


def temporary_credentials(access_key: str, security_token: str) -> tuple[str, Principal] | None:
    """(secret key, principal) of temporary AK/SK; None while the sandbox issues none."""
    return None


def authenticate(request: HttpRequest, *, raw_path: str) -> Principal:
    """The verified principal of an API request, or ApiError 401 APIGW.0301."""
    headers = request_headers(request)
    authorization = headers.get("authorization")
    if not authorization:
        token = headers.get("x-auth-token")
        if token:
            principal = principal_for_token(token)
            if principal is None:
                raise auth_failed("decrypt token fail")
            return principal
        raise auth_failed("no Authorization or X-Auth-Token header")

    try:
        parsed = signing.parse_authorization(authorization)
    except signing.SignatureError as exc:
        raise auth_failed(str(exc)) from None

    security_token = headers.get("x-security-token")
    if security_token:
        found = temporary_credentials(parsed.access_key, security_token)
        if found is None:
            raise auth_failed()
        secret_key, principal = found
    else:
        partner = Partner.objects.filter(access_key=parsed.access_key).first()
        if partner is None:
            raise auth_failed()
        secret_key = partner.secret_key
        principal = Principal(partner=partner, access_key=parsed.access_key)

    try:
        signing.verify(
            authorization=parsed,
            secret_key=secret_key,
            method=request.method,
            path=raw_path,
            query_string=request.META.get("QUERY_STRING", ""),
            headers=headers,
            body=request.body,
            now=timezone.now(),
            max_skew_seconds=settings.SANDBOX_SIGNATURE_MAX_SKEW,
        )
    except signing.SignatureError as exc:
        detail = str(exc)
        raise auth_failed("" if detail == "verify aksk signature fail" else detail) from None

    domain_id = headers.get("x-domain-id")
    if principal.kind == "aksk" and domain_id and domain_id.strip() != principal.partner.domain_id:
        raise auth_failed(f"X-Domain-Id {domain_id} is not the domain of access key {parsed.access_key}")
    return principal
