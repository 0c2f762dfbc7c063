"""Concurrent and malformed requests, and reading a 99000050 answer's ids the way the gateway can."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from huaweicloudsdkbssintl.v2 import CreateCustomerV2Req, CreateSubCustomerRequest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_handler import HttpHandler

from tests.sandbox.conftest import build_bss
from tests.sandbox_server import DEMO_PARTNER

CREATE_PATH = "/v2/partners/sub-customers"


def test_concurrent_creates_with_one_xaccount_id_make_one_account(signed, sandbox):
    sandbox.config(throttling=False)
    body = {
        "domain_area": "SG",
        "xaccount_id": "pp-race",
        "xaccount_type": DEMO_PARTNER["xaccount_type"],
        "domain_name": "race-winner",
    }

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: signed.call("POST", CREATE_PATH, body=body), range(8)))

    created = [r.json() for r in responses if r.status_code == 200]
    repeats = [r.json() for r in responses if r.status_code == 400]
    assert len(created) == 1
    assert len(repeats) == 7
    assert {r["error_code"] for r in repeats} == {"CBC.99000050"}
    assert {r["domain_id"] for r in repeats} == {created[0]["domain_id"]}


def test_the_ids_of_a_99000050_answer_through_an_sdk_response_handler(sandbox):
    """The gateway's way (reference 11): the exception keeps only code and message; a response
    handler on the client sees the raw body."""
    seen = []

    def keep_body(response, **_):
        if response.status_code == 400:
            seen.append(json.loads(response.text))

    bss = build_bss(sandbox.url, http_handler=HttpHandler().add_response_handler(keep_body))
    request = CreateSubCustomerRequest(
        body=CreateCustomerV2Req(
            domain_area="SG", xaccount_id="pp-demo-customer", xaccount_type=DEMO_PARTNER["xaccount_type"]
        )
    )

    with pytest.raises(ClientRequestException) as exc_info:
        bss.create_sub_customer(request)

    assert exc_info.value.error_code == "CBC.99000050"
    assert seen[-1]["domain_id"] == sandbox.demo_customer["customer_id"]
    assert seen[-1]["domain_name"] == sandbox.demo_customer["account_name"]


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'{"search_type": 1, "search_value": "abcdef"}', b"{}"])
def test_malformed_bodies_are_cbc_0100(signed, raw):
    response = signed.call("POST", "/v2/partners/sub-customers/users/check-identity", raw_body=raw)

    assert response.status_code == 400
    assert response.json()["error_code"] == "CBC.0100"
