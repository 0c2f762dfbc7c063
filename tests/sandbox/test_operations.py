"""The four registration/query operations, called with the official SDK as the platform does."""

from __future__ import annotations

import re

import pytest
from huaweicloudsdkbssintl.v2 import (
    CheckSubcustomerUserReq,
    CheckUserIdentityRequest,
    CreateCustomerV2Req,
    CreateSubCustomerRequest,
    ListSubCustomersRequest,
    QuerySubCustomerListReq,
    SendVerificationCodeV2Req,
    SendVerificationMessageCodeRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.sandbox_server import DEMO_CUSTOMER, DEMO_PARTNER

CREATE_PATH = "/v2/partners/sub-customers"


def check(bss, search_type, value):
    return bss.check_user_identity(
        CheckUserIdentityRequest(body=CheckSubcustomerUserReq(search_type=search_type, search_value=value))
    )


def send_code(bss, email, **kwargs):
    return bss.send_verification_message_code(
        SendVerificationMessageCodeRequest(body=SendVerificationCodeV2Req(receiver_type=2, email=email, **kwargs))
    )


def create(bss, **fields):
    body = {"domain_area": "SG", "xaccount_type": DEMO_PARTNER["xaccount_type"], **fields}
    return bss.create_sub_customer(CreateSubCustomerRequest(body=CreateCustomerV2Req(**body)))


def query(bss, **filters):
    return bss.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq(**filters)))


def assert_rejected(exc_info, status, error_code):
    assert exc_info.value.status_code == status
    assert exc_info.value.error_code == error_code
    assert exc_info.value.request_id  # X-Request-Id reaches the SDK exception


# --- check_user_identity -------------------------------------------------------------------------


def test_check_identity_name_available_and_taken(bss):
    assert check(bss, "name", "brand-new-name").check_result == "available"
    assert check(bss, "name", DEMO_CUSTOMER["account_name"]).check_result == "used_by_user"


def test_check_identity_email_taken(bss):
    assert check(bss, "email", DEMO_CUSTOMER["email"]).check_result == "used_by_user"
    assert check(bss, "email", "nobody@example.com").check_result == "available"


def test_check_identity_mobile_counts_remaining_registrations(bss):
    response = check(bss, "mobile", "0065-81234567")  # the demo customer's number
    assert response.check_result == "available"
    assert response.mobile_remain_available_num == 4


@pytest.mark.parametrize(
    ("search_type", "value"),
    [
        ("name", "op_reserved"),
        ("name", "abc"),
        ("name", "9starts-with-digit"),
        ("mobile", "+65 8123 4567"),
        ("email", "no-at-sign"),
        ("phone", "x"),
    ],
)
def test_check_identity_invalid_value_is_cbc_0100(bss, search_type, value):
    with pytest.raises(ClientRequestException) as exc_info:
        check(bss, search_type, value)
    assert_rejected(exc_info, 400, "CBC.0100")


# --- send_verification_message_code -------------------------------------------------------------


def test_send_code_puts_six_digits_into_the_outbox(bss, sandbox):
    response = send_code(bss, "new-person@example.com", timeout=5, lang="en-us")
    assert response.status_code == 200
    (message,) = sandbox.outbox(to="new-person@example.com", kind="verification_code")
    assert re.fullmatch(r"\d{6}", message["code"])
    assert message["code"] in message["body"]
    assert "5 minutes" in message["body"]


def test_send_code_timeout_above_60_is_five_minutes(bss, sandbox):
    send_code(bss, "long@example.com", timeout=120)
    assert "5 minutes" in sandbox.outbox(to="long@example.com")[0]["body"]


def test_send_code_twice_within_a_minute_is_refused(bss, sandbox):
    send_code(bss, "twice@example.com")
    with pytest.raises(ClientRequestException) as exc_info:
        send_code(bss, "twice@example.com")
    assert_rejected(exc_info, 400, "CBC.99000082")
    assert len(sandbox.outbox(to="twice@example.com")) == 1


def test_send_code_only_receiver_type_2(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        bss.send_verification_message_code(
            SendVerificationMessageCodeRequest(body=SendVerificationCodeV2Req(receiver_type=1, email="a@example.com"))
        )
    assert_rejected(exc_info, 400, "CBC.0100")


# --- create_sub_customer -------------------------------------------------------------------------


def test_create_customer_with_email_and_code(bss, sandbox):
    send_code(bss, "alice@example.com")
    code = sandbox.verification_code("alice@example.com")

    response = create(
        bss,
        domain_name="alice-01",
        email="alice@example.com",
        verification_code=code,
        xaccount_id="pp-42",
        password="Secret-pass-1",
    )

    assert re.fullmatch(r"[0-9a-f]{32}", response.domain_id)
    assert response.domain_name == "alice-01"
    state = sandbox.customer(response.domain_id)
    assert state["association_type"] == "3"
    assert state["verified_status"] == "-1"
    assert state["xaccount_id"] == "pp-42"
    assert state["has_password"] is True
    listed = query(bss, customer_id=response.domain_id)
    assert listed.count == 1
    assert listed.customer_infos[0].account_name == "alice-01"
    assert listed.customer_infos[0].xaccount_type == DEMO_PARTNER["xaccount_type"]


def test_create_customer_without_name_gets_a_generated_one(bss):
    response = create(bss, xaccount_id="pp-no-name")
    assert len(response.domain_name) == 32
    assert response.domain_name[0].isalpha()


def test_create_customer_without_required_field_is_cbc_0100(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        create(bss, domain_area=None, xaccount_id="pp-1")
    assert_rejected(exc_info, 400, "CBC.0100")
    assert "domain_area" in exc_info.value.error_msg


@pytest.mark.parametrize(
    "fields",
    [
        {"domain_name": "shadow_admin"},
        {"password": "short1A"},
        {"password": "onlylowercase"},
        {"domain_name": "mirror-name", "password": "eman-rorrim"},
        {"email": "bob@example.com"},  # no verification code
        {"domain_area": "Singapore"},
        {"xaccount_type": "someone_elses_IDP"},
    ],
)
def test_create_customer_invalid_fields_are_cbc_0100(bss, fields):
    with pytest.raises(ClientRequestException) as exc_info:
        create(bss, **{"xaccount_id": "pp-bad", **fields})
    assert_rejected(exc_info, 400, "CBC.0100")


def test_create_customer_with_wrong_code_is_refused(bss, sandbox):
    send_code(bss, "carol@example.com")
    code = sandbox.verification_code("carol@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(ClientRequestException) as exc_info:
        create(bss, xaccount_id="pp-carol", email="carol@example.com", verification_code=wrong)
    assert_rejected(exc_info, 400, "CBC.99000027")


def test_a_code_works_once(bss, sandbox):
    send_code(bss, "dave@example.com")
    code = sandbox.verification_code("dave@example.com")
    create(bss, xaccount_id="pp-dave", email="dave@example.com", verification_code=code)
    with pytest.raises(ClientRequestException) as exc_info:
        # Another account cannot reuse the address either; the email check answers first.
        create(bss, xaccount_id="pp-dave-2", email="dave@example.com", verification_code=code)
    assert exc_info.value.error_code in {"CBC.99000027", "CBC.99000051"}


def test_create_customer_with_a_taken_name_is_refused(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        create(bss, xaccount_id="pp-someone-new", domain_name=DEMO_CUSTOMER["account_name"])
    assert_rejected(exc_info, 400, "CBC.99000051")


def test_repeat_with_same_xaccount_id_answers_99000050_with_the_ids(bss, signed):
    first = create(bss, xaccount_id="pp-repeat", domain_name="repeat-me")

    # The SDK exception drops the body's extra fields: read the raw answer of a signed request.
    response = signed.call(
        "POST",
        CREATE_PATH,
        body={
            "domain_area": "SG",
            "xaccount_id": "pp-repeat",
            "xaccount_type": DEMO_PARTNER["xaccount_type"],
            "domain_name": "repeat-me",
        },
    )

    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "CBC.99000050"
    assert body["domain_id"] == first.domain_id
    assert body["domain_name"] == "repeat-me"


def test_repeat_of_the_demo_customer_through_the_sdk(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        create(bss, xaccount_id=DEMO_CUSTOMER["xaccount_id"])
    assert_rejected(exc_info, 400, "CBC.99000050")


def test_visibility_delay_hides_a_new_customer_for_a_while(bss, sandbox):
    sandbox.config(visibility_delay=30)
    response = create(bss, xaccount_id="pp-slow")
    assert query(bss, customer_id=response.domain_id).count == 0
    assert sandbox.customer(response.domain_id)["domain_name"] == response.domain_name


# --- list_sub_customers --------------------------------------------------------------------------


def test_list_returns_all_fields_of_the_demo_customer(bss):
    response = query(bss, account_name="demo-cust")
    assert response.count == 1
    info = response.customer_infos[0]
    assert info.customer_id == DEMO_CUSTOMER["customer_id"]
    assert info.account_name == "demo-customer"
    assert info.xaccount_id == "pp-demo-customer"
    assert info.association_type == "3"
    assert info.verified_status == "2"
    assert info.customer_type == 0
    assert info.email == "demo-customer@example.com"
    assert info.is_frozen == 0
    assert info.associated_on.endswith("Z")
    assert info.customer_level and info.country_code and info.telephone
    assert info.account_managers == []


def test_list_pages_with_offset_and_limit(bss):
    everyone = query(bss, limit=100)
    first = query(bss, offset=0, limit=5)
    second = query(bss, offset=5, limit=5)
    assert first.count == second.count == everyone.count >= 12
    ids = [c.customer_id for c in first.customer_infos + second.customer_infos]
    assert ids == [c.customer_id for c in everyone.customer_infos[:10]]
    assert len(set(ids)) == 10
    assert query(bss, offset=everyone.count, limit=5).customer_infos == []


def test_list_filters(bss):
    assert {c.account_name for c in query(bss, customer="pte").customer_infos} == {"acme-retail", "orbit-analytics"}
    assert query(bss, label="retail").count == 1
    assert query(bss, association_type="1").count == 0
    window = query(bss, associated_on_begin="2024-03-01T00:00:00Z", associated_on_end="2024-05-31T23:59:59Z", limit=100)
    assert {c.account_name for c in window.customer_infos} == {"blue-harbour-logistics", "maria-lopez", "sunrise-edu"}


@pytest.mark.parametrize(
    "filters", [{"limit": 101}, {"limit": 0}, {"offset": -1}, {"associated_on_begin": "2024-03-01"}]
)
def test_list_invalid_paging_or_filter_is_cbc_0100(bss, filters):
    with pytest.raises(ClientRequestException) as exc_info:
        query(bss, **filters)
    assert_rejected(exc_info, 400, "CBC.0100")
