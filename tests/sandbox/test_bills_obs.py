"""The OBS stand-in serving the bill bucket to boto3 (path-style S3 under /obs, AWS Signature V4)."""

from __future__ import annotations

import hashlib
import io
import tarfile
from datetime import UTC, datetime

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox.bills import generator
from tests.sandbox_server import DEMO_PARTNER

BUCKET = "demo-partner-bills"
DEMO_KEY = generator.object_key(generator.latest_closed_cycle(datetime.now(UTC)))


def s3_client(url: str, *, ak: str = DEMO_PARTNER["ak"], sk: str = DEMO_PARTNER["sk"], **config):
    return boto3.client(
        "s3",
        endpoint_url=f"{url}/obs",
        aws_access_key_id=ak,
        aws_secret_access_key=sk,
        region_name="ap-southeast-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, **config),
    )


@pytest.fixture
def s3(sandbox):
    return s3_client(sandbox.url)


def error_of(call) -> tuple[int, str]:
    with pytest.raises(ClientError) as exc_info:
        call()
    response = exc_info.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def test_download_the_demo_bill_file(s3):
    buffer = io.BytesIO()
    s3.download_fileobj(BUCKET, DEMO_KEY, buffer)

    head = s3.head_object(Bucket=BUCKET, Key=DEMO_KEY)
    body = buffer.getvalue()
    assert head["ContentLength"] == len(body) > 0
    assert head["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'  # noqa: S324
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        names = archive.getnames()
    assert names == [f"{DEMO_KEY.split('/')[1].removesuffix('.tar.gz')}_0001.csv"]


def test_get_object_streams_in_chunks(s3):
    response = s3.get_object(Bucket=BUCKET, Key=DEMO_KEY)

    chunks = list(response["Body"].iter_chunks(chunk_size=16 * 1024))

    assert len(chunks) > 1
    assert sum(len(c) for c in chunks) == response["ContentLength"]
    assert response["ContentType"] == "application/gzip"
    assert response["AcceptRanges"] == "bytes"


def test_range_request(s3):
    whole = s3.get_object(Bucket=BUCKET, Key=DEMO_KEY)["Body"].read()

    part = s3.get_object(Bucket=BUCKET, Key=DEMO_KEY, Range="bytes=100-199")
    tail = s3.get_object(Bucket=BUCKET, Key=DEMO_KEY, Range="bytes=-10")

    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert part["ContentRange"] == f"bytes 100-199/{len(whole)}"
    assert part["Body"].read() == whole[100:200]
    assert tail["Body"].read() == whole[-10:]
    assert error_of(lambda: s3.get_object(Bucket=BUCKET, Key=DEMO_KEY, Range=f"bytes={len(whole)}-")) == (
        416,
        "InvalidRange",
    )


def test_list_objects_v2_and_v1(s3):
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="customerBill/")
    folders = s3.list_objects(Bucket=BUCKET, Delimiter="/")
    nothing = s3.list_objects_v2(Bucket=BUCKET, Prefix="elsewhere/")

    assert [item["Key"] for item in listed["Contents"]] == [DEMO_KEY]
    assert listed["KeyCount"] == 1 and listed["IsTruncated"] is False
    assert listed["Contents"][0]["ETag"] == s3.head_object(Bucket=BUCKET, Key=DEMO_KEY)["ETag"]
    assert [p["Prefix"] for p in folders["CommonPrefixes"]] == ["customerBill/"]
    assert "Contents" not in nothing and nothing["KeyCount"] == 0


def test_list_objects_pages_with_a_continuation_token(sandbox, s3):
    earlier = generator.shift_cycle(generator.latest_closed_cycle(datetime.now(UTC)), -1)
    requests.post(f"{sandbox.url}/_sandbox/bills/generate", json={"cycle": earlier, "lines": 10}, timeout=60)

    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, PaginationConfig={"PageSize": 1}))

    assert [item["Key"] for page in pages for item in page.get("Contents", [])] == [
        generator.object_key(earlier),
        DEMO_KEY,
    ]


def test_missing_key_is_no_such_key(s3):
    assert error_of(lambda: s3.get_object(Bucket=BUCKET, Key="customerBill/customerBill_190001.tar.gz")) == (
        404,
        "NoSuchKey",
    )
    assert error_of(lambda: s3.get_object(Bucket=BUCKET, Key="../sandbox.sqlite3")) == (404, "NoSuchKey")


def test_missing_key_body_is_s3_xml(sandbox):
    url = s3_client(sandbox.url).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "customerBill/none.tar.gz"}, ExpiresIn=60
    )

    response = requests.get(url, timeout=10)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/xml"
    assert "<Code>NoSuchKey</Code>" in response.text and "<Key>customerBill/none.tar.gz</Key>" in response.text


def test_unknown_bucket_is_no_such_bucket(s3):
    assert error_of(lambda: s3.list_objects_v2(Bucket="someone-else-bills")) == (404, "NoSuchBucket")


def test_wrong_secret_is_signature_does_not_match(sandbox):
    s3 = s3_client(sandbox.url, sk="not-the-secret")

    assert error_of(lambda: s3.get_object(Bucket=BUCKET, Key=DEMO_KEY)) == (403, "SignatureDoesNotMatch")
    assert error_of(lambda: s3.list_objects_v2(Bucket=BUCKET)) == (403, "SignatureDoesNotMatch")


def test_unknown_access_key_is_refused(sandbox):
    s3 = s3_client(sandbox.url, ak="UNKNOWNAK0000000000")

    assert error_of(lambda: s3.get_object(Bucket=BUCKET, Key=DEMO_KEY)) == (403, "InvalidAccessKeyId")


def test_unsigned_request_is_access_denied(sandbox):
    response = requests.get(f"{sandbox.url}/obs/{BUCKET}/{DEMO_KEY}", timeout=10)

    assert response.status_code == 403
    assert "<Code>AccessDenied</Code>" in response.text


@pytest.mark.parametrize("signature_version", ["s3v4", None])
def test_presigned_urls(sandbox, signature_version):
    config = {"signature_version": signature_version} if signature_version else {}
    s3 = s3_client(sandbox.url, **config)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": DEMO_KEY}, ExpiresIn=60)

    response = requests.get(url, timeout=10)
    tampered = requests.get(url.replace(DEMO_KEY.split("/")[1], "customerBill_190001.tar.gz"), timeout=10)

    assert response.status_code == 200 and response.content[:2] == b"\x1f\x8b"
    assert tampered.status_code == 403


def test_writes_are_not_allowed(s3):
    assert error_of(lambda: s3.put_object(Bucket=BUCKET, Key="customerBill/x.csv", Body=b"x")) == (
        405,
        "MethodNotAllowed",
    )
