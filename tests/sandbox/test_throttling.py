"""Per (AK, operation) token buckets at Huawei's documented per-second limits."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.sandbox_server import DEMO_PARTNER

CHECK_PATH = "/v2/partners/sub-customers/users/check-identity"
QUERY_PATH = "/v2/partners/sub-customers/query"
CHECK_BODY = {"search_type": "name", "search_value": "someone-new"}


def burst(signed, path, body, n):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda _: signed.call("POST", path, body=body), range(n)))


def test_check_identity_above_5_per_second_is_429(signed, sandbox):
    responses = burst(signed, CHECK_PATH, CHECK_BODY, 12)

    refused = [r for r in responses if r.status_code == 429]
    assert 1 <= len(refused) <= 12 - 5
    assert refused[0].json() == {"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached"}
    assert {r.status_code for r in responses} == {200, 429}
    logged = sandbox.requests(operation="check_user_identity")
    assert sum(1 for e in logged if e["error_code"] == "APIGW.0308") == len(refused)


def test_buckets_are_per_operation(signed):
    burst(signed, CHECK_PATH, CHECK_BODY, 12)
    assert signed.call("POST", QUERY_PATH, body={"limit": 1}).status_code == 200


def test_throttling_can_be_switched_off(signed, sandbox):
    assert sandbox.config(throttling=False)["throttling"] is False

    responses = burst(signed, CHECK_PATH, CHECK_BODY, 30)

    assert {r.status_code for r in responses} == {200}


def test_rate_limit_override_and_reset_restores_defaults(signed, sandbox):
    sandbox.config(rate_limits={"list_sub_customers": 1})
    codes = [signed.call("POST", QUERY_PATH, body={"limit": 1}).status_code for _ in range(3)]
    assert codes[0] == 200 and 429 in codes

    sandbox.reset()

    config = sandbox.config()
    assert config["throttling"] is True
    assert config["rate_limits"] == {}
    assert config["documented_rate_limits"]["check_user_identity"] == 5
    assert signed.call("POST", QUERY_PATH, body={"limit": 1}, ak=DEMO_PARTNER["ak"]).status_code == 200
