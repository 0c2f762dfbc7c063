"""Verifying SDK-HMAC-SHA256 signatures (reference 9.1/9.2), by hand with hashlib/hmac.

The SDK signs: METHOD, the canonical URI (decoded path, each segment re-quoted, a trailing `/`
added), the sorted canonical query, the signed headers (`name:trimmed value\n` each), the list of
signed header names, and the SHA-256 of the body. The string to sign is
`SDK-HMAC-SHA256\n<X-Sdk-Date>\n<sha256(canonical request)>`, the signature its HMAC-SHA256 under the SK.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()

_AUTHORIZATION = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=(?P<access>[^,\s]+),\s*SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-fA-F]+)\s*$"
)


class SignatureError(Exception):
    """The request is not correctly signed; the message says why (shown after APIG's prefix)."""


@dataclass(frozen=True)
class Authorization:
    access_key: str
    signed_headers: list[str]
    signature: str


def parse_authorization(value: str) -> Authorization:
    match = _AUTHORIZATION.match(value.strip())
    if not match:
        raise SignatureError("the Authorization header is not an SDK-HMAC-SHA256 signature")
    return Authorization(
        access_key=match["access"],
        signed_headers=match["headers"].split(";"),
        signature=match["signature"].lower(),
    )


def canonical_uri(path: str) -> str:
    uri = "/".join(quote(segment, safe="~") for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query_string: str) -> str:
    pairs = sorted(parse_qsl(query_string, keep_blank_values=True))
    return "&".join(f"{quote(name, safe='~')}={quote(value, safe='~')}" for name, value in pairs)


def canonical_request(
    *, method: str, path: str, query_string: str, headers: dict[str, str], signed_headers: list[str], body: bytes
) -> str:
    """`headers` maps lower-case names to received values; every signed header must be present."""
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed_headers)
    # Same order as the SDK: an empty body always hashes as empty, even with UNSIGNED-PAYLOAD.
    if not body:
        payload_hash = EMPTY_BODY_SHA256
    else:
        payload_hash = headers.get("x-sdk-content-sha256") or hashlib.sha256(body).hexdigest()
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query_string),
            canonical_headers,
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    return f"{ALGORITHM}\n{sdk_date}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def signature(secret_key: str, to_sign: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_sdk_date(value: str) -> datetime:
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError(f"X-Sdk-Date {value!r} is not in the form 20240506T080501Z") from None


def verify(
    *,
    authorization: Authorization,
    secret_key: str,
    method: str,
    path: str,
    query_string: str,
    headers: dict[str, str],
    body: bytes,
    now: datetime,
    max_skew_seconds: int,
) -> None:
    """Raise SignatureError unless the request carries a valid, fresh signature made with `secret_key`."""
    missing = [name for name in authorization.signed_headers if name not in headers]
    if missing:
        raise SignatureError(f"signed header(s) {', '.join(missing)} missing from the request")
    if "x-sdk-date" not in authorization.signed_headers:
        raise SignatureError("X-Sdk-Date is not signed")
    sdk_date = headers["x-sdk-date"].strip()
    signed_at = parse_sdk_date(sdk_date)
    if abs((now - signed_at).total_seconds()) > max_skew_seconds:
        raise SignatureError(
            f"the signature expired: X-Sdk-Date {sdk_date} is more than {max_skew_seconds // 60} minutes "
            f"away from the server time {now.strftime(DATE_FORMAT)}"
        )
    canonical = canonical_request(
        method=method,
        path=path,
        query_string=query_string,
        headers=headers,
        signed_headers=authorization.signed_headers,
        body=body,
    )
    expected = signature(secret_key, string_to_sign(canonical, sdk_date))
    if not hmac.compare_digest(expected, authorization.signature):
        raise SignatureError("verify aksk signature fail")
