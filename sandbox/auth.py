"""Who is calling: APIG's authentication in front of every operation.

Three ways in, as on HUAWEI CLOUD (reference 9):
* AK/SK signature (`Authorization: SDK-HMAC-SHA256 ...`): the partner's permanent keys, verified here;
* AK/SK signature plus `X-Security-Token`: temporary keys (IAM securitytokens, sandbox/operations/iam.py),
  usually a customer's obtained by the partner with assume_role;
* `X-Auth-Token`: an IAM token (the partner's, or a customer's via assume_role).
Tokens and temporary keys expire on the sandbox clock (`sandbox.clock.now()`); the signature's
X-Sdk-Date is compared with real time, since the SDK signs with the machine's clock.
"""

from __future__ import annotations

import contextlib
import hashlib

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from sandbox import clock, signing
from sandbox.errors import access_denied, auth_failed
from sandbox.models import Customer, IamToken, Partner, TemporaryCredential
from sandbox.registry import Call, Principal

CUSTOMER_ONLY_MSG = "Access denied: this API must be called with the customer's own credentials."
PARTNER_ONLY_MSG = "Access denied: this API must be called with the partner's credentials."


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


def secret_hash(value: str) -> str:
    """How tokens and security tokens are stored: their SHA-256, never the value."""
    return hashlib.sha256(value.encode()).hexdigest()


def token_row(token: str) -> IamToken | None:
    """The stored token (expired or not); None if the sandbox never issued it."""
    if not token:
        return None
    return IamToken.objects.select_related("partner", "customer").filter(token_hash=secret_hash(token.strip())).first()


def principal_for_token(token: str) -> Principal | None:
    """The principal an IAM token stands for; None if it is unknown or expired (on the sandbox clock)."""
    row = token_row(token)
    if row is None or row.expires_at <= clock.now():
        return None
    return Principal(partner=row.partner, kind="token", customer=row.customer)


def temporary_credentials(access_key: str, security_token: str) -> tuple[str, Principal] | None:
    """(secret key, principal) of temporary AK/SK with its security token; None if unknown or expired."""
    row = (
        TemporaryCredential.objects.select_related("partner", "customer")
        .filter(access_key=access_key, security_token_hash=secret_hash(security_token.strip()))
        .first()
    )
    if row is None or row.expires_at <= clock.now():
        return None
    return row.secret_key, Principal(
        partner=row.partner, access_key=access_key, kind="temporary", customer=row.customer
    )


def customer_of(call: Call, customer_id: str | None = None) -> Customer:
    """The customer calling with its own identity (token or temporary AK/SK).

    Partner credentials -> 403 CBC.0151. With `customer_id` (an id the request names), an id other
    than the caller's own is refused the same way: a customer sees only its own objects.
    """
    customer = call.principal.customer
    if customer is None:
        raise access_denied(CUSTOMER_ONLY_MSG)
    if customer_id and customer_id != customer.customer_id:
        raise access_denied(f"Access denied: customer {customer_id} is not the calling customer.")
    return customer


def check_callers(call_operation, principal: Principal) -> None:
    """The `callers` of an operation (registry): P, C or P|C; anyone else -> 403 CBC.0151."""
    allowed = set(call_operation.callers.split("|"))
    if principal.customer is None and "P" not in allowed:
        raise access_denied(CUSTOMER_ONLY_MSG)
    if principal.customer is not None and "C" not in allowed:
        raise access_denied(PARTNER_ONLY_MSG)


def authenticate(request: HttpRequest, *, raw_path: str) -> Principal:
    """The verified principal of an API request, or ApiError 401 APIGW.0301."""
    headers = request_headers(request)
    authorization = headers.get("authorization")
    if not authorization:
        token = headers.get("x-auth-token")
        if token:
            principal = principal_for_token(token)
            if principal is None:
                raise auth_failed("token expired" if token_row(token) is not None else "decrypt token fail")
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
            raise auth_failed("the temporary access key or its security token is unknown or expired")
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
    own_domain = principal.customer.customer_id if principal.customer is not None else principal.partner.domain_id
    if domain_id and domain_id.strip() != own_domain:
        raise auth_failed(f"X-Domain-Id {domain_id} is not the domain of access key {parsed.access_key}")
    return principal
