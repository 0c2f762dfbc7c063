"""The gateway against the sandbox over real HTTP: signed calls succeed, every failure maps to its error."""

import dataclasses
import logging
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest

from huaweicloud import bss, clients
from huaweicloud.errors import (
    LOCAL_MALFORMED,
    LOCAL_THROTTLED,
    LOCAL_TIMEOUT,
    MAYBE_APPLIED_MESSAGE,
    MISCONFIGURED_MESSAGE,
    UNAVAILABLE_MESSAGE,
    CloudMisconfigured,
    CloudRejected,
    CloudUnavailable,
)
from huaweicloud.types import CreatedCustomer, IdentityCheck, Page, SubCustomer

DEMO = {
    "customer_id": "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a",
    "account_name": "demo-customer",
    "xaccount_id": "pp-demo-customer",
}


def new_name():
    return f"pp{uuid.uuid4().hex[:12]}"


# One POST operation per kind of call; the sandbox has no GET operation yet (see the GET test below).
OPERATIONS = {
    "list_sub_customers": lambda: bss.list_sub_customers(limit=10),
    "create_sub_customer": lambda: bss.create_sub_customer(
        xaccount_id=f"pp-{uuid.uuid4().hex}", domain_name=new_name(), domain_area="SG"
    ),
}


# --- success ----------------------------------------------------------------------------------------------


def test_check_user_identity(sandbox):
    assert bss.check_user_identity(search_type="name", search_value=new_name()) == IdentityCheck(available=True)
    assert bss.check_user_identity(search_type="name", search_value="demo-customer").available is False
    mobile = bss.check_user_identity(search_type="mobile", search_value="0065-80000001")
    assert mobile.available is True
    assert isinstance(mobile.mobile_remain_available_num, int)


def test_create_sub_customer_with_email_code_and_password(sandbox):
    email = f"{new_name()}@example.com"
    bss.send_verification_code(email=email, lang="en-us", timeout_minutes=10)
    code = sandbox.verification_code(email)
    name = new_name()

    created = bss.create_sub_customer(
        xaccount_id=f"pp-{uuid.uuid4().hex}",
        domain_name=name,
        email=email,
        verification_code=code,
        password="Secret-Passw0rd!",
        domain_area="SG",
        is_close_market_ms=True,
    )

    assert isinstance(created, CreatedCustomer)
    assert created.domain_name == name
    assert created.already_existed is False
    assert sandbox.customer(created.customer_id)["customer_id"] == created.customer_id


def test_create_sub_customer_again_returns_the_existing_account(sandbox):
    xaccount_id = f"pp-{uuid.uuid4().hex}"
    first = bss.create_sub_customer(xaccount_id=xaccount_id, domain_name=new_name(), domain_area="SG")

    again = bss.create_sub_customer(xaccount_id=xaccount_id, domain_name=new_name(), domain_area="SG")

    assert again == CreatedCustomer(customer_id=first.customer_id, domain_name=first.domain_name, already_existed=True)


def test_list_sub_customers_returns_frozen_dataclasses(sandbox):
    page = bss.list_sub_customers(customer_id=DEMO["customer_id"])

    assert isinstance(page, Page)
    assert page.count == 1
    (customer,) = page.items
    assert isinstance(customer, SubCustomer)
    assert customer.customer_id == DEMO["customer_id"]
    assert customer.account_name == DEMO["account_name"]
    assert customer.xaccount_id == DEMO["xaccount_id"]
    assert customer.associated_on == datetime(2024, 1, 15, 2, 30, tzinfo=UTC)
    assert customer.associated_on.tzinfo is UTC
    assert customer.mobile == "0065-81234567"
    assert customer.verified_status == "2"
    assert customer.customer_type == 0
    assert customer.is_frozen is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        customer.account_name = "changed"


def test_list_sub_customers_pages_and_filters(sandbox):
    everyone = bss.list_sub_customers(limit=100)
    assert everyone.count == len(everyone.items) >= 3
    first, second = bss.list_sub_customers(limit=2), bss.list_sub_customers(offset=2, limit=2)
    assert [c.customer_id for c in first.items + second.items] == [c.customer_id for c in everyone.items[:4]]
    assert [c.account_name for c in bss.list_sub_customers(account_name="demo-cust").items] == ["demo-customer"]
    in_january = bss.list_sub_customers(
        associated_on_begin=datetime(2024, 1, 1, tzinfo=UTC), associated_on_end=datetime(2024, 1, 31, tzinfo=UTC)
    )
    assert [c.customer_id for c in in_january.items] == [DEMO["customer_id"]]


# --- failures, on each operation -----------------------------------------------------------------------------


@pytest.fixture(params=sorted(OPERATIONS))
def operation(request):
    return request.param


def test_timeout(sandbox, settings, operation):
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "READ_TIMEOUT": 1}
    sandbox.add_fault(operation, "delay", delay=2.5, count=1)
    started = time.monotonic()
    with pytest.raises(CloudUnavailable) as raised:
        OPERATIONS[operation]()
    assert time.monotonic() - started < 2.4
    error = raised.value
    assert type(error) is CloudUnavailable
    assert error.operation == operation
    assert error.error_code == LOCAL_TIMEOUT
    assert error.maybe_applied is True
    assert error.user_message == MAYBE_APPLIED_MESSAGE


def test_server_error(sandbox, operation):
    sandbox.add_fault(operation, "error", status=500, error_code="CBC.0999", error_msg="Other error.")
    with pytest.raises(CloudUnavailable) as raised:
        OPERATIONS[operation]()
    error = raised.value
    assert type(error) is CloudUnavailable
    assert (error.status_code, error.error_code, error.error_msg) == (500, "CBC.0999", "Other error.")
    assert error.user_message == UNAVAILABLE_MESSAGE


def test_bad_gateway_html_page(sandbox, operation):
    sandbox.add_fault(operation, "malformed", status=502)
    with pytest.raises(CloudUnavailable) as raised:
        OPERATIONS[operation]()
    error = raised.value
    assert (error.status_code, error.error_code) == (502, "502")
    assert "502" in error.error_msg and len(error.error_msg) <= 200
    assert error.user_message == UNAVAILABLE_MESSAGE


def test_throttled_by_huawei(sandbox, operation):
    sandbox.add_fault(operation, "throttle")
    with pytest.raises(CloudUnavailable) as raised:
        OPERATIONS[operation]()
    assert (raised.value.status_code, raised.value.error_code) == (429, "APIGW.0308")


def test_business_error(sandbox, operation):
    sandbox.add_fault(operation, "error", status=400, error_code="CBC.0100", error_msg="Invalid parameter: limit")
    with pytest.raises(CloudRejected) as raised:
        OPERATIONS[operation]()
    error = raised.value
    assert (error.status_code, error.error_code) == (400, "CBC.0100")
    assert str(error.user_message) == "HUAWEI CLOUD did not accept some of the details: Invalid parameter: limit"


def test_malformed_body_with_200(sandbox, operation):
    sandbox.add_fault(operation, "malformed")
    with pytest.raises(CloudUnavailable) as raised:
        OPERATIONS[operation]()
    error = raised.value
    assert (error.status_code, error.error_code) == (200, LOCAL_MALFORMED)
    assert error.maybe_applied is True


def test_wrong_secret_key_is_misconfigured(sandbox, settings, operation):
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "SK": "not-the-secret-key"}
    with pytest.raises(CloudMisconfigured) as raised:
        OPERATIONS[operation]()
    error = raised.value
    assert (error.status_code, error.error_code) == (401, "APIGW.0301")
    assert error.user_message == MISCONFIGURED_MESSAGE


def test_sandbox_not_running_is_unavailable(settings):
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "BSS_ENDPOINT": "http://127.0.0.1:9"}
    with pytest.raises(CloudUnavailable) as raised:
        bss.list_sub_customers()
    assert raised.value.error_code == "LOCAL.CONNECTION"
    assert raised.value.user_message == UNAVAILABLE_MESSAGE


def test_get_operation_timeout(sandbox, settings):
    """GET fails differently inside the SDK (urllib3 wraps the read timeout); exercised with a raw GET call."""
    from huaweicloudsdkbssintl.v2 import model

    from huaweicloud.calls import call

    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "READ_TIMEOUT": 1}
    sandbox.add_fault("show_sub_customer_budget", "delay", delay=2.5, count=1)
    request = model.ShowSubCustomerBudgetRequest(customer_id=DEMO["customer_id"])
    with pytest.raises(CloudUnavailable) as raised:
        call("show_sub_customer_budget", clients.bss_client().show_sub_customer_budget, request, parse=lambda r: r)
    assert raised.value.error_code == LOCAL_TIMEOUT


# --- logging ------------------------------------------------------------------------------------------------


def test_log_lines_carry_no_secret_code_password_or_email(sandbox, settings, caplog):
    caplog.set_level(logging.DEBUG)
    email = f"{new_name()}@example.com"
    password = "Secret-Passw0rd!"
    bss.send_verification_code(email=email)
    code = sandbox.verification_code(email)
    bss.create_sub_customer(
        xaccount_id=f"pp-{uuid.uuid4().hex}",
        domain_name=new_name(),
        email=email,
        verification_code=code,
        password=password,
        domain_area="SG",
    )
    sandbox.add_fault("check_user_identity", "error", status=400, error_code="CBC.0100", error_msg=f"bad {email}")
    with pytest.raises(CloudRejected):
        bss.check_user_identity(search_type="email", search_value=email)

    lines = [r.getMessage() for r in caplog.records if r.name == "huaweicloud"]
    assert len(lines) == 3
    assert "send_verification_message_code outcome=ok" in lines[0]
    assert "create_sub_customer outcome=ok" in lines[1]
    assert "check_user_identity outcome=CBC.0100" in lines[2]
    assert all("latency_ms=" in line and "request_id=" in line for line in lines)
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (settings.HUAWEICLOUD["AK"], settings.HUAWEICLOUD["SK"], password, code, email):
        assert secret not in everything


# --- rate limiting and clients --------------------------------------------------------------------------------


def test_rate_limiter_keeps_us_under_huaweis_throttling(sandbox):
    """The sandbox throttles at Huawei's documented 5/s; 8 threads for 2 s through the gateway never see a 429."""
    errors, done = [], []
    deadline = time.monotonic() + 2.0

    def worker():
        while time.monotonic() < deadline:
            try:
                bss.check_user_identity(search_type="name", search_value="demo-customer")
                done.append(time.monotonic())
            except CloudUnavailable as exc:
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(done) >= 8  # 4/s with a burst of 1 (threads queued at the deadline finish later)
    done.sort()
    assert all(later - earlier >= 1.0 for earlier, later in zip(done, done[5:], strict=False))  # <= 5 in any second


def test_a_caller_gives_up_when_no_slot_comes_in_time(sandbox, monkeypatch):
    from huaweicloud import ratelimit

    monkeypatch.setattr(ratelimit, "DEFAULT_MAX_WAIT", 0.0)
    with pytest.raises(CloudUnavailable) as raised:
        for _ in range(5):
            bss.check_user_identity(search_type="name", search_value="demo-customer")
    assert raised.value.error_code == LOCAL_THROTTLED
    assert raised.value.user_message == UNAVAILABLE_MESSAGE


def test_client_is_built_once_and_rebuilt_when_settings_change(sandbox, settings):
    client = clients.bss_client()
    assert clients.bss_client() is client
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "READ_TIMEOUT": 7}
    rebuilt = clients.bss_client()
    assert rebuilt is not client
    assert rebuilt.get_http_client().config.timeout == (settings.HUAWEICLOUD["CONNECT_TIMEOUT"], 7)
    assert rebuilt.get_http_client().config.retry_times == 0


def test_client_is_rebuilt_in_a_forked_child(sandbox):
    import multiprocessing

    parent_client = clients.bss_client()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child():
        fresh = clients._clients.get("bss") is None
        page = bss.list_sub_customers(customer_id=DEMO["customer_id"])
        queue.put((fresh, clients.bss_client() is not parent_client, page.count))

    process = context.Process(target=child)
    process.start()
    result = queue.get(timeout=30)
    process.join(timeout=10)
    assert result == (True, True, 1)


@pytest.mark.parametrize(
    "body",
    [
        '{"count": "many", "customer_infos": []}',  # the SDK itself raises a bare ValueError
        "[1, 2]",  # the SDK returns an empty response without a word
        '{"count": 1, "customer_infos": [{"customer_id": "c", "associated_on": "last tuesday"}]}',
        '{"customer_infos": []}',
    ],
)
def test_unreadable_json_with_200(sandbox, body):
    sandbox.add_fault("list_sub_customers", "malformed", body=body)
    with pytest.raises(CloudUnavailable) as raised:
        bss.list_sub_customers()
    assert (raised.value.status_code, raised.value.error_code) == (200, LOCAL_MALFORMED)
