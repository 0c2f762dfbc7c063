"""A stand-in for OBS, the object storage HUAWEI CLOUD uploads the partner's bill files into.

Serves the folder `settings.SANDBOX_OBS_ROOT` (one sub-folder per bucket) the way OBS/S3 serves
objects, path-style under `/obs`: `GET|HEAD /obs/<bucket>/<key>` (Range, ETag, Last-Modified),
`GET /obs/<bucket>?prefix=...` (ListObjects v1 and v2 XML), `HEAD /obs/<bucket>`, `GET /obs/`
(the caller's buckets). Read-only: other methods answer 405 MethodNotAllowed.

Authentication is S3's, as boto3/botocore sends it (OBS accepts it too): AWS Signature V4 in the
`Authorization` header or in a presigned URL, or a V2 presigned URL (boto3's default for
`generate_presigned_url` on a client without `signature_version="s3v4"`), all with the partner's
AK/SK. A partner reads only its own bucket (`<partner domain name>-bills`). Failures answer S3's
XML errors: 403 AccessDenied / InvalidAccessKeyId / SignatureDoesNotMatch / RequestTimeTooSkewed,
404 NoSuchBucket / NoSuchKey, 416 InvalidRange. Files are streamed, never read whole.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import mimetypes
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote
from xml.sax.saxutils import escape

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox.auth import request_headers
from sandbox.bills.services import bucket_name, obs_root
from sandbox.models import Partner, RequestLogEntry
from sandbox.views import raw_path

PREFIX = "/obs"
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_SKEW = timedelta(minutes=15)
CHUNK = 256 * 1024
LIST_MAX = 1000


class ObsError(Exception):
    def __init__(self, status: int, code: str, message: str, **details: str):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details

    def response(self, request: HttpRequest) -> HttpResponse:
        parts = [f"<Code>{self.code}</Code>", f"<Message>{escape(self.message)}</Message>"]
        parts += [f"<{name}>{escape(value)}</{name}>" for name, value in self.details.items()]
        request_id = getattr(request, "request_id", "")
        parts.append(f"<RequestId>{request_id}</RequestId><HostId>sandbox</HostId>")
        body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{"".join(parts)}</Error>'
        # A HEAD answer carries no body (S3 signals the error by status only).
        response = HttpResponse(b"" if request.method == "HEAD" else body.encode(), status=self.status)
        response["Content-Type"] = "application/xml"
        return response


# --- ETags ----------------------------------------------------------------------------------------

_etags: dict[tuple[str, int, int], str] = {}
_etags_lock = threading.Lock()


def remember_etag(path: Path, md5: str) -> None:
    """The generator knows the MD5 of what it wrote; saves reading a big file again."""
    stat = path.stat()
    with _etags_lock:
        _etags[(str(path), stat.st_size, stat.st_mtime_ns)] = md5


def _etag(path: Path, stat: os.stat_result) -> str:
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _etags_lock:
        known = _etags.get(key)
    if known is None:
        digest = hashlib.md5()  # noqa: S324 - S3's ETag of a single-part object, not security
        with open(path, "rb") as file:
            while chunk := file.read(CHUNK):
                digest.update(chunk)
        known = digest.hexdigest()
        with _etags_lock:
            _etags[key] = known
    return f'"{known}"'


# --- signatures -----------------------------------------------------------------------------------


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _canonical_query(query_string: str, *, skip: str = "") -> str:
    pairs = [
        (_encode(name), _encode(value))
        for name, value in parse_qsl(query_string, keep_blank_values=True)
        if name != skip
    ]
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _canonical_request(
    *, method: str, path: str, query: str, headers: dict[str, str], signed: list[str], payload: str
) -> str:
    canonical_headers = "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed)
    return "\n".join([method, path, query, canonical_headers, ";".join(signed), payload])


def _v4_signature(*, secret_key: str, amz_date: str, scope: str, canonical_request: str) -> str:
    date, region, service, _ = scope.split("/")
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(("AWS4" + secret_key).encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _partner_for(access_key: str) -> Partner:
    partner = Partner.objects.filter(access_key=access_key).first()
    if partner is None:
        raise ObsError(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            AWSAccessKeyId=access_key,
        )
    return partner


def _amz_time(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise ObsError(403, "AccessDenied", "X-Amz-Date is not a time like 20240506T080501Z.") from None


def _signature_mismatch() -> ObsError:
    return ObsError(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
    )


def authenticate(request: HttpRequest, *, path: str) -> Partner:
    """The partner whose AK signed this request (header SigV4, presigned SigV4 or presigned V2)."""
    headers = request_headers(request)
    query_string = request.META.get("QUERY_STRING", "")
    query = dict(parse_qsl(query_string, keep_blank_values=True))
    now = timezone.now()
    authorization = headers.get("authorization", "")

    if authorization.startswith("AWS4-HMAC-SHA256 "):
        fields = {}
        for item in authorization[len("AWS4-HMAC-SHA256 ") :].split(","):
            name, _, value = item.strip().partition("=")
            fields[name] = value
        try:
            access_key, scope = fields["Credential"].split("/", 1)
            signed = fields["SignedHeaders"].split(";")
            signature = fields["Signature"]
        except (KeyError, ValueError):
            raise ObsError(400, "AuthorizationHeaderMalformed", "The authorization header is malformed.") from None
        partner = _partner_for(access_key)
        amz_date = headers.get("x-amz-date", "")
        if abs(now - _amz_time(amz_date)) > MAX_SKEW:
            raise ObsError(
                403,
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
            )
        payload = headers.get("x-amz-content-sha256") or hashlib.sha256(request.body).hexdigest()
        canonical = _canonical_request(
            method=request.method,
            path=path,
            query=_canonical_query(query_string),
            headers=headers,
            signed=signed,
            payload=payload,
        )
    elif query.get("X-Amz-Algorithm") == "AWS4-HMAC-SHA256":
        try:
            access_key, scope = query["X-Amz-Credential"].split("/", 1)
            signed = query["X-Amz-SignedHeaders"].split(";")
            signature = query["X-Amz-Signature"]
            amz_date = query["X-Amz-Date"]
            expires = int(query["X-Amz-Expires"])
        except (KeyError, ValueError):
            raise ObsError(403, "AccessDenied", "The presigned URL is incomplete.") from None
        partner = _partner_for(access_key)
        if now > _amz_time(amz_date) + timedelta(seconds=expires):
            raise ObsError(403, "AccessDenied", "Request has expired")
        canonical = _canonical_request(
            method=request.method,
            path=path,
            query=_canonical_query(query_string, skip="X-Amz-Signature"),
            headers=headers,
            signed=signed,
            payload="UNSIGNED-PAYLOAD",
        )
    elif "AWSAccessKeyId" in query and "Signature" in query:
        partner = _partner_for(query["AWSAccessKeyId"])
        try:
            expires = int(query.get("Expires", ""))
        except ValueError:
            raise ObsError(403, "AccessDenied", "The presigned URL is incomplete.") from None
        if now.timestamp() > expires:
            raise ObsError(403, "AccessDenied", "Request has expired")
        # botocore signs the path-style resource, without the endpoint's path prefix (its auth_path).
        matches = [
            hmac.compare_digest(
                base64.b64encode(
                    hmac.new(
                        partner.secret_key.encode(), f"{request.method}\n\n\n{expires}\n{resource}".encode(), "sha1"
                    ).digest()
                ).decode(),
                query["Signature"],
            )
            for resource in (path[len(PREFIX) :], path)
        ]
        if not any(matches):
            raise _signature_mismatch()
        return partner
    else:
        raise ObsError(403, "AccessDenied", "Access Denied")

    if len(scope.split("/")) != 4 or not scope.endswith("/s3/aws4_request"):
        raise ObsError(
            400, "AuthorizationHeaderMalformed", "The credential scope must be <date>/<region>/s3/aws4_request."
        )
    expected = _v4_signature(secret_key=partner.secret_key, amz_date=amz_date, scope=scope, canonical_request=canonical)
    if not hmac.compare_digest(expected, signature):
        raise _signature_mismatch()
    return partner


# --- objects --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    bucket: str
    key: str


def _target(path: str) -> Target:
    rest = path[len(PREFIX) :].lstrip("/")
    bucket, _, key = rest.partition("/")
    return Target(bucket=unquote(bucket), key=unquote(key))


def _bucket_dir(bucket: str, partner: Partner) -> Path:
    if not Partner.objects.filter(domain_name=bucket.removesuffix("-bills")).exists() or not bucket.endswith("-bills"):
        raise ObsError(404, "NoSuchBucket", "The specified bucket does not exist.", BucketName=bucket)
    if bucket != bucket_name(partner):
        raise ObsError(403, "AccessDenied", "Access Denied")
    return obs_root() / bucket


def _object_path(directory: Path, key: str) -> Path | None:
    """The file of `key`, or None; keys that climb out of the bucket or name hidden (temporary) files
    do not exist."""
    segments = key.split("/")
    if not key or any(s in {"", ".", ".."} or s.startswith(".") for s in segments):
        return None
    path = directory.joinpath(*segments)
    return path if path.is_file() else None


def _http_date(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, UTC), usegmt=True)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `bytes=` range; None to serve the whole object (no or an
    unsupported range, as S3 does); ObsError 416 if it cannot be satisfied."""
    if not header.startswith("bytes=") or "," in header:
        return None
    first_text, dash, last_text = header[6:].strip().partition("-")
    if not dash or not (first_text.isdigit() or first_text == "") or not (last_text.isdigit() or last_text == ""):
        return None
    if first_text == "":
        if last_text == "" or int(last_text) == 0:
            raise ObsError(416, "InvalidRange", "The requested range is not satisfiable", RangeRequested=header)
        return max(0, size - int(last_text)), size - 1
    first = int(first_text)
    last = size - 1 if last_text == "" else min(int(last_text), size - 1)
    if first >= size or first > last:
        raise ObsError(416, "InvalidRange", "The requested range is not satisfiable", RangeRequested=header)
    return first, last


def _stream(path: Path, first: int, length: int):
    with open(path, "rb") as file:
        file.seek(first)
        while length > 0:
            chunk = file.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk


def _get_object(request: HttpRequest, directory: Path, key: str) -> HttpResponse:
    path = _object_path(directory, key)
    if path is None:
        raise ObsError(404, "NoSuchKey", "The specified key does not exist.", Key=key)
    stat = path.stat()
    etag = _etag(path, stat)
    content_type = mimetypes.guess_type(path.name)[0] or "binary/octet-stream"
    if path.name.endswith(".gz"):
        content_type = "application/gzip"  # the archive itself, not a gzip-encoded tar
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    byte_range = _range(request.headers.get("Range", ""), stat.st_size)
    if request.method == "HEAD":
        response = HttpResponse(b"")
        length = stat.st_size
    elif byte_range is not None:
        first, last = byte_range
        length = last - first + 1
        response = StreamingHttpResponse(_stream(path, first, length), status=206)
        response["Content-Range"] = f"bytes {first}-{last}/{stat.st_size}"
    else:
        response = FileResponse(open(path, "rb"))  # noqa: SIM115 - FileResponse closes it
        length = stat.st_size
    response["Content-Type"] = content_type
    response["Content-Length"] = str(length)
    response["ETag"] = etag
    response["Last-Modified"] = _http_date(stat.st_mtime)
    response["Accept-Ranges"] = "bytes"
    if "Content-Disposition" in response:
        del response["Content-Disposition"]
    return response


# --- listings -------------------------------------------------------------------------------------


def _keys(directory: Path) -> list[str]:
    keys = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        relative = Path(root).relative_to(directory)
        for name in files:
            if not name.startswith("."):
                keys.append((relative / name).as_posix())
    return sorted(keys)


def _xml_value(value: str, url_encoded: bool) -> str:
    return escape(quote(value, safe="/") if url_encoded else value)


def _list_objects(request: HttpRequest, bucket: str, directory: Path) -> HttpResponse:
    params = request.GET
    v2 = params.get("list-type") == "2"
    prefix = params.get("prefix", "")
    delimiter = params.get("delimiter", "")
    url_encoded = params.get("encoding-type") == "url"
    try:
        max_keys = max(0, min(LIST_MAX, int(params.get("max-keys", LIST_MAX))))
    except ValueError:
        raise ObsError(400, "InvalidArgument", "max-keys must be an integer.") from None
    if v2:
        token = params.get("continuation-token", "")
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode() if token else params.get("start-after", "")
        except (ValueError, UnicodeDecodeError):
            raise ObsError(400, "InvalidArgument", "The continuation token provided is incorrect.") from None
    else:
        after = params.get("marker", "")

    contents, prefixes, truncated, last = [], [], False, ""
    seen_prefixes = set()
    for key in _keys(directory) if directory.is_dir() else []:
        if not key.startswith(prefix) or key <= after:
            continue
        common = None
        if delimiter:
            position = key.find(delimiter, len(prefix))
            if position >= 0:
                common = key[: position + len(delimiter)]
        if common is not None and common in seen_prefixes:
            continue
        if len(contents) + len(prefixes) >= max_keys:
            truncated = True
            break
        if common is not None:
            seen_prefixes.add(common)
            prefixes.append(common)
            last = common
        else:
            contents.append(key)
            last = key

    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="{S3_NS}">']
    out.append(f"<Name>{escape(bucket)}</Name><Prefix>{_xml_value(prefix, url_encoded)}</Prefix>")
    if v2:
        out.append(f"<KeyCount>{len(contents) + len(prefixes)}</KeyCount>")
        if params.get("continuation-token"):
            out.append(f"<ContinuationToken>{escape(params['continuation-token'])}</ContinuationToken>")
        if params.get("start-after"):
            out.append(f"<StartAfter>{_xml_value(params['start-after'], url_encoded)}</StartAfter>")
        if truncated:
            next_token = base64.urlsafe_b64encode(last.encode()).decode()
            out.append(f"<NextContinuationToken>{next_token}</NextContinuationToken>")
    else:
        out.append(f"<Marker>{_xml_value(after, url_encoded)}</Marker>")
        if truncated and delimiter:
            out.append(f"<NextMarker>{_xml_value(last, url_encoded)}</NextMarker>")
    out.append(f"<MaxKeys>{max_keys}</MaxKeys>")
    if delimiter:
        out.append(f"<Delimiter>{_xml_value(delimiter, url_encoded)}</Delimiter>")
    if url_encoded:
        out.append("<EncodingType>url</EncodingType>")
    out.append(f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>")
    for key in contents:
        path = directory / key
        stat = path.stat()
        out.append(
            f"<Contents><Key>{_xml_value(key, url_encoded)}</Key><LastModified>{_iso(stat.st_mtime)}</LastModified>"
            f"<ETag>{escape(_etag(path, stat))}</ETag><Size>{stat.st_size}</Size>"
            "<StorageClass>STANDARD</StorageClass></Contents>"
        )
    for common in prefixes:
        out.append(f"<CommonPrefixes><Prefix>{_xml_value(common, url_encoded)}</Prefix></CommonPrefixes>")
    out.append("</ListBucketResult>")
    return HttpResponse("".join(out).encode(), content_type="application/xml")


def _list_buckets(partner: Partner) -> HttpResponse:
    name = bucket_name(partner)
    directory = obs_root() / name
    created = _iso(directory.stat().st_mtime) if directory.exists() else _iso(0)
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="{S3_NS}">'
        f"<Owner><ID>{partner.domain_id}</ID><DisplayName>{escape(partner.domain_name)}</DisplayName></Owner>"
        f"<Buckets><Bucket><Name>{escape(name)}</Name><CreationDate>{created}</CreationDate></Bucket></Buckets>"
        "</ListAllMyBucketsResult>"
    )
    return HttpResponse(body.encode(), content_type="application/xml")


# --- the view -------------------------------------------------------------------------------------


@csrf_exempt
def serve(request: HttpRequest, rest: str = "") -> HttpResponse:
    path = raw_path(request)
    target = _target(path)
    operation = "obs"
    try:
        if request.method not in {"GET", "HEAD"}:
            raise ObsError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        partner = authenticate(request, path=path)
        if not target.bucket:
            operation = "obs.list_buckets"
            response = _list_buckets(partner)
        else:
            directory = _bucket_dir(target.bucket, partner)
            if not target.key:
                operation = "obs.head_bucket" if request.method == "HEAD" else "obs.list_objects"
                response = (
                    HttpResponse(b"") if request.method == "HEAD" else _list_objects(request, target.bucket, directory)
                )
            else:
                operation = "obs.head_object" if request.method == "HEAD" else "obs.get_object"
                response = _get_object(request, directory, target.key)
    except ObsError as exc:
        response = exc.response(request)
        error_code = exc.code
    else:
        error_code = ""
    response["x-amz-request-id"] = getattr(request, "request_id", "")
    _log(request, path=path, operation=operation, status=response.status_code, error_code=error_code)
    return response


def _log(request: HttpRequest, *, path: str, operation: str, status: int, error_code: str) -> None:
    headers = request_headers(request)
    credential = headers.get("authorization", "").partition("Credential=")[2].partition("/")[0]
    access_key = credential or request.GET.get("AWSAccessKeyId", "") or request.GET.get("X-Amz-Credential", "")[:20]
    RequestLogEntry.objects.create(
        request_id=getattr(request, "request_id", ""),
        operation=operation,
        method=request.method,
        path=path[:500],
        query=request.META.get("QUERY_STRING", ""),
        status=status,
        error_code=error_code,
        access_key=access_key[:64],
    )
