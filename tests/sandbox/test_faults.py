"""Injected faults, seen through the official SDK (as the gateway sees them) and as raw answers."""

from __future__ import annotations

import time

import pytest
import requests
from huaweicloudsdkbssintl.v2 import (
    ListPayPerUseCustomerResourcesRequest,
    ListSubCustomersRequest,
    QuerySubCustomerListReq,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, ServerResponseException
from huaweicloudsdkosm.v2 import ListCasesRequest

from tests.sandbox.conftest import build_bss
from tests.sandbox_tickets_helpers import SITE, build_osm

QUERY_PATH = "/v2/partners/sub-customers/query"


def _list(bss):
    return bss.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq(limit=1)))


def test_error_fault_defaults_to_500_cbc_0999(bss, sandbox):
    sandbox.add_fault("list_sub_customers", "error")
    with pytest.raises(ServerResponseException) as exc_info:
        _list(bss)
    assert exc_info.value.status_code == 500
    assert exc_info.value.error_code == "CBC.0999"


def test_error_fault_with_business_code(bss, sandbox):
    sandbox.add_fault(
        "list_sub_customers", "error", status=403, error_code="CBC.0155", error_msg="Request not allowed."
    )
    with pytest.raises(ClientRequestException) as exc_info:
        _list(bss)
    assert (exc_info.value.status_code, exc_info.value.error_code, exc_info.value.error_msg) == (
        403,
        "CBC.0155",
        "Request not allowed.",
    )


def test_throttle_fault(signed, sandbox):
    sandbox.add_fault("*", "throttle")
    response = signed.call("POST", QUERY_PATH, body={})
    assert response.status_code == 429
    assert response.json()["error_code"] == "APIGW.0308"


def test_delay_fault_slows_the_answer_and_trips_a_read_timeout(sandbox):
    sandbox.add_fault("list_sub_customers", "delay", delay=1.5, count=1)
    started = time.monotonic()
    assert _list(build_bss(sandbox.url)).count >= 1
    assert time.monotonic() - started >= 1.4

    sandbox.add_fault("list_sub_customers", "delay", delay=2, count=1)
    # A read timeout on a POST escapes the SDK as requests' own exception (reference 11).
    with pytest.raises(requests.exceptions.ReadTimeout):
        _list(build_bss(sandbox.url, timeout=(2, 0.5)))


def test_malformed_502_is_an_html_page(bss, sandbox):
    sandbox.add_fault("list_sub_customers", "malformed", status=502)
    with pytest.raises(ServerResponseException) as exc_info:
        _list(bss)
    assert exc_info.value.status_code == 502
    assert "<html>" in exc_info.value.error_msg


def test_malformed_200_is_truncated_json(signed, sandbox):
    sandbox.add_fault("list_sub_customers", "malformed")
    response = signed.call("POST", QUERY_PATH, body={})
    assert response.status_code == 200
    assert response.text == '{"count": 1, "customer_'
    with pytest.raises(ValueError):
        response.json()


def test_count_limits_a_fault_then_it_disappears(bss, sandbox):
    sandbox.add_fault("list_sub_customers", "error", count=2)
    for _ in range(2):
        with pytest.raises(ServerResponseException):
            _list(bss)
    assert _list(bss).count >= 1
    assert sandbox.faults() == []


def test_rate_zero_never_fires(bss, sandbox):
    sandbox.add_fault("list_sub_customers", "error", rate=0.0)
    for _ in range(5):
        assert _list(bss).count >= 1
    (fault,) = sandbox.faults()
    assert fault["applied"] == 0


def test_rate_half_fires_sometimes(signed, sandbox):
    sandbox.config(throttling=False)
    sandbox.add_fault("list_sub_customers", "error", rate=0.5)
    statuses = [signed.call("POST", QUERY_PATH, body={}).status_code for _ in range(40)]
    assert statuses.count(500) > 0
    assert statuses.count(200) > 0


def test_faults_apply_only_to_their_operation_and_can_be_removed(bss, signed, sandbox):
    fault_id = sandbox.add_fault("create_sub_customer", "error")
    assert _list(bss).count >= 1
    sandbox.add_fault("list_sub_customers", "throttle")
    sandbox.remove_fault(fault_id)
    assert [f["operation"] for f in sandbox.faults()] == ["list_sub_customers"]
    sandbox.clear_faults()
    assert sandbox.faults() == []
    assert _list(bss).count >= 1


def test_signature_is_checked_before_faults(signed, sandbox):
    sandbox.add_fault("*", "error")
    assert signed.call("POST", QUERY_PATH, body={}, sk="wrong").status_code == 401


@pytest.mark.parametrize(
    "payload",
    [
        {"operation": "no_such_operation", "kind": "error"},
        {"operation": "*", "kind": "explode"},
        {"operation": "*", "kind": "error", "rate": 2},
        {"operation": "*", "kind": "error", "count": 0},
        {"operation": "*", "kind": "error", "surprise": 1},
        {"operation": "list_sub_customers", "kind": "shift", "rows": 0},
        {"operation": "list_sub_customers", "kind": "shift", "rows": 1.5},
        {"operation": "list_sub_customers", "kind": "duplicate", "rows": 2},
    ],
)
def test_bad_fault_definitions_are_refused(sandbox, payload):
    response = requests.post(f"{sandbox.url}/_sandbox/faults", json=payload, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]


# --- paging: pages shifted while paging, rows repeated ------------------------------------------------


def _page(bss, offset, limit=5):
    response = bss.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq(offset=offset, limit=limit)))
    return response.count, [c.customer_id for c in response.customer_infos]


def test_shift_fault_skips_rows_between_two_pages(bss, sandbox):
    total, everyone = _page(bss, 0, limit=100)
    sandbox.add_fault("list_sub_customers", "shift", rows=2, count=1)

    count, second = _page(bss, 5)

    assert count == total  # the total does not give it away
    assert second == everyone[7:12]  # rows 5 and 6 were never seen
    assert _page(bss, 5) == (total, everyone[5:10])  # the fault was used up


def test_negative_shift_repeats_the_end_of_the_previous_page(sandbox):
    osm = build_osm(sandbox.url)
    everyone = [t.incident_id for t in osm.list_cases(ListCasesRequest(**SITE)).incident_info_list]
    sandbox.add_fault("list_cases", "shift", rows=-1)

    second = osm.list_cases(ListCasesRequest(offset=2, limit=2, **SITE))

    assert second.total_count == len(everyone) == 4
    assert [t.incident_id for t in second.incident_info_list] == everyone[1:3]
    # Never before the first row.
    first = osm.list_cases(ListCasesRequest(offset=0, limit=2, **SITE)).incident_info_list
    assert [t.incident_id for t in first] == everyone[0:2]


def test_duplicate_fault_repeats_a_row_in_place_of_the_last(bss, sandbox):
    total, everyone = _page(bss, 0, limit=100)
    sandbox.add_fault("list_sub_customers", "duplicate", count=1)

    count, page = _page(bss, 0)

    assert count == total
    assert page == [*everyone[0:4], everyone[0]]
    assert len(set(page)) == 4


def test_shift_fault_on_a_list_asked_without_a_body(sandbox):
    demo = sandbox.customer_client("demo-customer")
    request = ListPayPerUseCustomerResourcesRequest()  # no body at all: offset 0
    everyone = [r.resource_id for r in demo.list_pay_per_use_customer_resources(request).data]
    sandbox.add_fault("list_pay_per_use_customer_resources", "shift", rows=1, count=1)

    shifted = [r.resource_id for r in demo.list_pay_per_use_customer_resources(request).data]

    assert shifted == everyone[1:]
    assert sandbox.faults() == []  # count 1: gone after one use
    assert sandbox.requests(operation="list_pay_per_use_customer_resources")[0]["status"] == 200


def test_a_shift_fault_is_listed_with_its_rows(sandbox):
    fault_id = sandbox.add_fault("list_cases", "shift")

    (fault,) = sandbox.faults()

    assert (fault["id"], fault["kind"], fault["rows"]) == (fault_id, "shift", 1)
