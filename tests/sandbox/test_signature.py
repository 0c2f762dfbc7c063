"""APIG's authentication: SDK-HMAC-SHA256 verified by hand, checked against the SDK's own Signer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from huaweicloudsdkbssintl.v2 import ListSubCustomersRequest, QuerySubCustomerListReq
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from sandbox import signing
from tests.sandbox.conftest import build_bss
from tests.sandbox_server import DEMO_PARTNER

QUERY_PATH = "/v2/partners/sub-customers/query"
SIGNATURE_FAIL = {
    "error_code": "APIGW.0301",
    "error_msg": "Incorrect IAM authentication information: verify aksk signature fail",
}


def _lowered(headers: dict) -> dict:
    return {k.lower(): v for k, v in headers.items()}


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "body"),
    [
        ("POST", QUERY_PATH, [], {}, b'{"account_name": "ali", "offset": 0, "limit": 10}'),
        ("GET", "/v2/partners/sub-customers/budget", [("customer_id", "0a1b2c")], {}, b""),
        (
            "GET",
            "/v2/servicerequest/cases",
            [("status", 1), ("search_key", ["b", "a"]), ("limit", 10)],
            {"X-Site": "1"},
            b"",
        ),
        ("DELETE", "/v2/orders/subscriptions/resources/autorenew/res%2F1", [], {}, b""),
        (
            "POST",
            "/v2/servicerequest/cases/CS1/action",
            [("action_id", "close"), ("flag", True)],
            {"X-Language": "zh-cn"},
            '{"operate_desc": "已解决 ~ ok"}'.encode(),
        ),
        ("PUT", "/v2/x/中文 path", [("q", "a b&c=d/é")], {"X-Security-Token": "tok"}, b"{}"),
    ],
)
def test_verifier_accepts_what_the_sdk_signer_signs(method, path, query, headers, body):
    request = SdkRequest(
        method=method,
        schema="http",
        host="127.0.0.1:8111",
        resource_path=path,
        query_params=list(query),
        header_params={"Content-Type": "application/json", "User-Agent": "t", "X-Domain-Id": "d", **headers},
        body=body,
    )
    Signer(GlobalCredentials("AK1", "SK1", "d")).sign(request)
    authorization = signing.parse_authorization(request.header_params["Authorization"])
    raw_path, _, query_string = request.uri.partition("?")
    now = datetime.strptime(request.header_params["X-Sdk-Date"], signing.DATE_FORMAT).replace(tzinfo=UTC)

    signing.verify(
        authorization=authorization,
        secret_key="SK1",
        method=method,
        path=raw_path,
        query_string=query_string,
        headers=_lowered(request.header_params),
        body=request.body or b"",
        now=now,
        max_skew_seconds=900,
    )
    with pytest.raises(signing.SignatureError):
        signing.verify(
            authorization=authorization,
            secret_key="SK2",
            method=method,
            path=raw_path,
            query_string=query_string,
            headers=_lowered(request.header_params),
            body=request.body or b"",
            now=now,
            max_skew_seconds=900,
        )


def _list(client):
    return client.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq(limit=1)))


def test_sdk_with_the_demo_credentials_is_accepted(sandbox):
    assert _list(build_bss(sandbox.url)).count >= 1


@pytest.mark.parametrize(
    "credentials",
    [
        {"sk": "not-the-secret-key"},
        {"ak": "UNKNOWNAK0000000000"},
    ],
)
def test_sdk_with_wrong_keys_is_401(sandbox, credentials):
    with pytest.raises(ClientRequestException) as exc_info:
        _list(build_bss(sandbox.url, **credentials))
    assert exc_info.value.status_code == 401
    assert exc_info.value.error_code == "APIGW.0301"
    assert exc_info.value.error_msg == SIGNATURE_FAIL["error_msg"]


def test_wrong_secret_key_answers_the_apig_body(signed):
    response = signed.call("POST", QUERY_PATH, body={"limit": 1}, sk="wrong-secret")
    assert response.status_code == 401
    assert response.json() == SIGNATURE_FAIL
    assert response.headers["X-Request-Id"]


def test_altered_body_is_rejected(signed):
    request = signed.prepare("POST", QUERY_PATH, body={"limit": 1})
    assert signed.send(request).status_code == 200

    response = signed.send(request, body=b'{"limit": 100}')

    assert response.status_code == 401
    assert response.json() == SIGNATURE_FAIL


def test_altered_query_is_rejected(signed, sandbox):
    request = signed.prepare("POST", QUERY_PATH, body={"limit": 1}, query=[("a", "1")])
    request.uri = request.uri.replace("a=1", "a=2")
    assert signed.send(request).status_code == 401


def test_a_signature_an_hour_old_has_expired(signed):
    response = signed.call("POST", QUERY_PATH, body={"limit": 1}, sdk_date=datetime.now(UTC) - timedelta(hours=1))
    assert response.status_code == 401
    body = response.json()
    assert body["error_code"] == "APIGW.0301"
    assert body["error_msg"].startswith("Incorrect IAM authentication information: the signature expired")


def test_a_signature_ten_minutes_old_is_still_fine(signed):
    response = signed.call("POST", QUERY_PATH, body={"limit": 1}, sdk_date=datetime.now(UTC) - timedelta(minutes=10))
    assert response.status_code == 200


def test_unsigned_request_is_401(sandbox, signed):
    response = signed.http.post(f"{sandbox.url}{QUERY_PATH}", json={"limit": 1}, timeout=10)
    assert response.status_code == 401
    assert response.json()["error_code"] == "APIGW.0301"


def test_unknown_token_is_401(sandbox, signed):
    response = signed.http.post(
        f"{sandbox.url}{QUERY_PATH}", json={}, headers={"X-Auth-Token": "MIIE-fake"}, timeout=10
    )
    assert response.status_code == 401
    assert response.json()["error_code"] == "APIGW.0301"


def test_domain_id_of_another_account_is_401(signed):
    response = signed.call("POST", QUERY_PATH, body={}, domain_id="ffffffffffffffffffffffffffffffff")
    assert response.status_code == 401


def test_unknown_path_or_method_is_404_apigw_0101(signed):
    for method, path in [("POST", "/v2/partners/nothing-here"), ("GET", QUERY_PATH)]:
        response = signed.call(method, path)
        assert response.status_code == 404
        assert response.json()["error_code"] == "APIGW.0101"
        assert response.headers["X-Request-Id"]


def test_every_answer_has_a_request_id_that_the_log_knows(signed, sandbox):
    response = signed.call("POST", QUERY_PATH, body={"limit": 1})
    request_id = response.headers["X-Request-Id"]
    (entry,) = sandbox.requests(operation="list_sub_customers")
    assert entry["request_id"] == request_id
    assert entry["status"] == 200
    assert entry["access_key"] == DEMO_PARTNER["ak"]
    assert entry["method"] == "POST"
    assert entry["path"] == QUERY_PATH
