"""The control API under /_sandbox/ and the process around it."""

from __future__ import annotations

import pytest
import requests
from huaweicloudsdkbssintl.v2 import ListSubCustomersRequest, QuerySubCustomerListReq

from tests.sandbox.conftest import build_bss
from tests.sandbox_server import DEMO_CUSTOMER, run_sandbox


def control(sandbox, method, path, **kwargs):
    return requests.request(method, f"{sandbox.url}/_sandbox/{path}", timeout=10, **kwargs)


def test_health(sandbox):
    response = control(sandbox, "GET", "health")
    assert response.json() == {"status": "ok", "mode": "local"}
    assert response.headers["X-Request-Id"]


def test_the_fixture_points_the_platform_at_the_sandbox(sandbox, settings):
    assert sandbox.url == settings.SANDBOX_URL
    assert settings.HUAWEICLOUD["BSS_ENDPOINT"] == sandbox.url
    assert settings.HUAWEICLOUD["OSM_ENDPOINT"] == sandbox.url
    assert settings.HUAWEICLOUD["IAM_ENDPOINT"] == sandbox.url
    assert settings.HUAWEICLOUD["SSO_URL"] == f"{sandbox.url}/authui/saml/login"
    assert settings.HUAWEICLOUD["AK"] == sandbox.partner["ak"]


def test_reset_to_an_empty_world_keeps_the_partner(sandbox, bss):
    sandbox.reset(world="empty")
    assert bss.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq())).count == 0
    sandbox.reset()
    assert bss.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq())).count >= 12


def test_reset_clears_faults_outbox_and_log(sandbox, signed):
    sandbox.add_fault("*", "delay", delay=0)
    signed.call("POST", "/v2/bases/verificationcode/send", body={"receiver_type": 2, "email": "x@example.com"})
    assert sandbox.outbox() and sandbox.requests() and sandbox.faults()

    sandbox.reset()

    assert sandbox.outbox() == [] and sandbox.requests() == [] and sandbox.faults() == []


def test_outbox_filters_newest_first(sandbox, signed):
    for email in ["a@example.com", "b@example.com"]:
        signed.call(
            "POST", "/v2/bases/verificationcode/send", body={"receiver_type": 2, "email": email, "lang": "zh-cn"}
        )
    messages = sandbox.outbox()
    assert [m["to"] for m in messages] == ["b@example.com", "a@example.com"]
    assert set(messages[0]) == {"id", "kind", "to", "subject", "body", "code", "created_at"}
    assert [m["to"] for m in sandbox.outbox(to="A@example.com")] == ["a@example.com"]
    assert sandbox.outbox(kind="something_else") == []


def test_request_log_filters_and_clears(sandbox, signed):
    signed.call("POST", "/v2/partners/sub-customers/query", body={})
    signed.call("POST", "/v2/partners/sub-customers/query", body={"limit": 101})
    signed.call(
        "POST",
        "/v2/partners/sub-customers/users/check-identity",
        body={"search_type": "name", "search_value": "abcdef"},
    )
    entries = sandbox.requests(operation="list_sub_customers")
    assert [(e["status"], e["error_code"]) for e in entries] == [(400, "CBC.0100"), (200, "")]
    assert len(sandbox.requests()) == 3
    sandbox.clear_requests()
    assert sandbox.requests() == []


def test_customer_state_and_update(sandbox, bss):
    state = sandbox.customer(DEMO_CUSTOMER["customer_id"])
    assert state["domain_name"] == "demo-customer"
    assert state["verified_status"] == "2"

    sandbox.update_customer(DEMO_CUSTOMER["customer_id"], is_frozen=1, verified_status="0")

    info = bss.list_sub_customers(
        ListSubCustomersRequest(body=QuerySubCustomerListReq(customer_id=DEMO_CUSTOMER["customer_id"]))
    ).customer_infos[0]
    assert (info.is_frozen, info.verified_status) == (1, "0")
    assert control(sandbox, "GET", "customers/0000").status_code == 404
    assert (
        control(sandbox, "PATCH", f"customers/{DEMO_CUSTOMER['customer_id']}", json={"customer_id": "x"}).status_code
        == 400
    )


def test_control_api_wrong_method(sandbox):
    assert control(sandbox, "GET", "reset").status_code == 405


def test_strict_mode_refuses_the_control_api(tmp_path):
    with run_sandbox(tmp_path, mode="strict") as strict:
        for method, path in [("GET", "health"), ("POST", "reset"), ("GET", "outbox"), ("POST", "faults")]:
            response = requests.request(method, f"{strict.url}/_sandbox/{path}", json={}, timeout=10)
            assert response.status_code == 404
            assert response.json()["error_code"] == "APIGW.0101"
        # The cloud itself still answers, with the demo world loaded at start.
        bss = build_bss(strict.url)
        assert bss.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq())).count >= 1


def test_a_restart_keeps_the_database(tmp_path):
    with run_sandbox(tmp_path) as first:
        requests.post(f"{first.url}/_sandbox/reset", json={"world": "empty"}, timeout=10)
    with run_sandbox(tmp_path) as second:
        bss = build_bss(second.url)
        # Not empty of partners, so the demo world is not reloaded over the stored one.
        assert bss.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq())).count == 0


# --- the clock ------------------------------------------------------------------------------------


def test_clock_reads_and_advances(sandbox):
    start = sandbox.clock()
    assert start["offset_seconds"] == 0
    assert start["now"].endswith("Z")

    moved = requests.post(f"{sandbox.url}/_sandbox/clock", json={"advance": "P3DT1H"}, timeout=10).json()
    assert moved["offset_seconds"] == 3 * 86400 + 3600
    assert sandbox.advance_clock(seconds=60)["offset_seconds"] == 3 * 86400 + 3660

    sandbox.reset()
    assert sandbox.clock()["offset_seconds"] == 0


@pytest.mark.parametrize("advance", ["P1Y", "P", "3 days", -5, True, None])
def test_clock_refuses_bad_durations(sandbox, advance):
    response = requests.post(f"{sandbox.url}/_sandbox/clock", json={"advance": advance}, timeout=10)
    assert response.status_code == 400


def test_realname_review_setting(sandbox):
    assert sandbox.config()["realname_review"] == "manual"
    assert sandbox.config(realname_review="auto")["realname_review"] == "auto"
    response = requests.post(f"{sandbox.url}/_sandbox/config", json={"realname_review": "maybe"}, timeout=10)
    assert response.status_code == 400
    sandbox.reset()
    assert sandbox.config()["realname_review"] == "manual"
