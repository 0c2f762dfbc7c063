"""Real-name authentication (reference 4): applications, validation, manual review via the control API."""

from __future__ import annotations

import pytest
import requests
from huaweicloudsdkbssintl.v2 import (
    ApplyEnterpriseRealnameAuthsReq,
    ApplyIndividualRealnameAuthsReq,
    ChangeEnterpriseRealnameAuthenticationRequest,
    ChangeEnterpriseRealnameAuthsReq,
    CreateEnterpriseRealnameAuthenticationRequest,
    CreatePersonalRealnameAuthRequest,
    EnterprisePersonNew,
    ListSubCustomersRequest,
    QuerySubCustomerListReq,
    ShowRealnameAuthenticationReviewResultRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.sandbox_server import DEMO_CUSTOMER, DEMO_PARTNER

MARIA = "c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4"  # never applied
AHMED = "3c4d5e6f708192a3b4c5d6e7f8091a2b"  # never applied
SUNRISE = "d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9"  # rejected
BLUE_HARBOUR = "b7e1f2a3c4d5e6f708192a3b4c5d6e7f"  # enterprise under review
ACME = "a1b2c3d4e5f60718293a4b5c6d7e8f90"  # approved enterprise
DEMO_ID = DEMO_CUSTOMER["customer_id"]  # approved individual
PASSPORT = ["kyc/maria/bio.jpg", "kyc/maria/hand.jpg"]


def individual(bss, customer_id=MARIA, **fields):
    values = {
        "customer_id": customer_id,
        "identify_type": 0,
        "verified_type": 3,
        "verified_file_url": PASSPORT,
        "name": "Maria Lopez",
        "verified_number": "G12345678",
        "change_type": -1,
        "xaccount_type": DEMO_PARTNER["xaccount_type"],
        **fields,
    }
    request = CreatePersonalRealnameAuthRequest(body=ApplyIndividualRealnameAuthsReq(**values))
    return bss.create_personal_realname_auth(request)


def enterprise_fields(customer_id, **fields):
    return {
        "customer_id": customer_id,
        "identify_type": 1,
        "certificate_type": 0,
        "verified_file_url": ["kyc/corp/licence.pdf"],
        "corp_name": "Lopez Trading S.A. de C.V.",
        "verified_number": "LTR180101ABC",
        "reg_country": "MX",
        "reg_address": "Av. Reforma 1, CDMX",
        "xaccount_type": DEMO_PARTNER["xaccount_type"],
        **fields,
    }


def enterprise(bss, customer_id=MARIA, **fields):
    body = ApplyEnterpriseRealnameAuthsReq(**enterprise_fields(customer_id, **fields))
    return bss.create_enterprise_realname_authentication(CreateEnterpriseRealnameAuthenticationRequest(body=body))


def change(bss, customer_id=DEMO_ID, **fields):
    body = ChangeEnterpriseRealnameAuthsReq(**enterprise_fields(customer_id, **{"change_type": 1, **fields}))
    return bss.change_enterprise_realname_authentication(ChangeEnterpriseRealnameAuthenticationRequest(body=body))


def review(bss, customer_id=MARIA):
    request = ShowRealnameAuthenticationReviewResultRequest(customer_id=customer_id)
    return bss.show_realname_authentication_review_result(request)


def customer_info(bss, customer_id):
    request = ListSubCustomersRequest(body=QuerySubCustomerListReq(customer_id=customer_id))
    return bss.list_sub_customers(request).customer_infos[0]


def expect_error(call, status, code):
    with pytest.raises(ClientRequestException) as exc_info:
        call()
    assert (exc_info.value.status_code, exc_info.value.error_code) == (status, code), exc_info.value.error_msg
    return exc_info.value


# --- the demo world -------------------------------------------------------------------------------


def test_demo_world_review_results(bss):
    assert review(bss, MARIA).review_result is None
    assert review(bss, DEMO_ID).review_result == 2
    assert review(bss, BLUE_HARBOUR).review_result == 0
    rejected = review(bss, SUNRISE)
    assert rejected.review_result == 1
    assert "blurred" in rejected.opinion


def test_demo_world_pending_applications(sandbox):
    pending = {a["account_name"]: a for a in sandbox.realname_pending()}

    assert set(pending) == {"blue-harbour-logistics", "pixel-forge-studio"}
    assert pending["blue-harbour-logistics"]["kind"] == "enterprise"


# --- manual review --------------------------------------------------------------------------------


def test_individual_manual_review_approved(bss, sandbox):
    assert individual(bss).is_review == 1
    assert review(bss).review_result == 0
    info = customer_info(bss, MARIA)
    assert (info.verified_status, info.customer_type) == ("0", 0)
    assert [a["customer_id"] for a in sandbox.realname_pending()].count(MARIA) == 1

    decided = sandbox.realname_decide(MARIA, "approve")

    assert decided["review_result"] == 2
    result = review(bss)
    assert (result.review_result, result.opinion) == (2, None)
    info = customer_info(bss, MARIA)
    assert (info.verified_status, info.customer_type, info.customer) == ("2", 0, "Maria Lopez")


def test_enterprise_manual_review_rejected_with_opinion_then_again(bss, sandbox):
    person = EnterprisePersonNew(legel_name="Maria Lopez", legel_id_number="G12345678", certifier_role="legalPerson")
    files = ["kyc/corp/front.png", "kyc/corp/back.png", "kyc/corp/id-portrait.png", "kyc/corp/id-emblem.png"]
    assert enterprise(bss, enterprise_person=person, verified_file_url=files).is_review == 1

    sandbox.realname_decide(MARIA, "reject", "The licence number does not match the licence.")

    result = review(bss)
    assert (result.review_result, result.opinion) == (1, "The licence number does not match the licence.")
    assert customer_info(bss, MARIA).verified_status == "1"
    # A rejected customer may apply again; the history keeps both.
    assert enterprise(bss).is_review == 1
    assert review(bss).review_result == 0
    history = sandbox._call("GET", "realname", params={"all": "1", "customer_id": MARIA})["applications"]
    assert [a["review_result"] for a in history] == [0, 1]


def test_deciding_without_a_pending_application_is_409(sandbox):
    response = requests.post(
        f"{sandbox.url}/_sandbox/realname/{MARIA}/decision", json={"decision": "approve"}, timeout=10
    )
    assert response.status_code == 409


# --- instant approval -----------------------------------------------------------------------------


def test_auto_review_setting_approves_at_once(bss, sandbox):
    sandbox.config(realname_review="auto")

    assert enterprise(bss).is_review == 0

    assert review(bss).review_result == 2
    info = customer_info(bss, MARIA)
    assert (info.verified_status, info.customer_type, info.customer) == ("2", 1, "Lopez Trading S.A. de C.V.")
    assert sandbox.realname_pending() == [a for a in sandbox.realname_pending() if a["customer_id"] != MARIA]


def test_a_name_with_auto_approve_is_approved_at_once(bss):
    assert individual(bss, AHMED, name="Ahmed Saleh auto-approve").is_review == 0
    assert review(bss, AHMED).review_result == 2


# --- change individual -> enterprise ---------------------------------------------------------------


def test_change_of_an_approved_individual(bss, sandbox):
    assert change(bss).is_review == 1
    info = customer_info(bss, DEMO_ID)
    assert (info.verified_status, info.customer_type) == ("2", 0)  # still the individual until decided

    sandbox.realname_decide(DEMO_ID, "approve")

    info = customer_info(bss, DEMO_ID)
    assert (info.verified_status, info.customer_type, info.customer) == ("2", 1, "Lopez Trading S.A. de C.V.")


def test_change_rejected_keeps_the_individual(bss, sandbox):
    change(bss)
    sandbox.realname_decide(DEMO_ID, "reject", "Not a registered company.")

    assert review(bss, DEMO_ID).review_result == 1
    info = customer_info(bss, DEMO_ID)
    assert (info.verified_status, info.customer_type) == ("2", 0)


@pytest.mark.parametrize("customer_id", [ACME, MARIA])
def test_change_only_for_an_approved_individual(bss, customer_id):
    expect_error(lambda: change(bss, customer_id), 400, "CBC.99007300")


# --- refusals ---------------------------------------------------------------------------------------


def test_already_authenticated_or_under_review_is_cbc_99007188(bss):
    expect_error(lambda: individual(bss, DEMO_ID), 400, "CBC.99007188")
    expect_error(lambda: enterprise(bss, BLUE_HARBOUR), 400, "CBC.99007188")
    individual(bss)
    expect_error(lambda: individual(bss), 400, "CBC.99007188")


def test_bank_card_is_not_supported(bss):
    error = expect_error(lambda: individual(bss, identify_type=4), 400, "CBC.0100")
    assert "bank card" in error.error_msg


@pytest.mark.parametrize(
    "fields",
    [
        {"verified_type": 4},
        {"verified_file_url": ["kyc/only-one.jpg"]},  # a passport needs 2 files
        {"verified_type": 5},  # 3 files needed
        {"verified_file_url": ["/kyc/bio.jpg", "kyc/hand.jpg"]},
        {"verified_file_url": ["https://bucket.obs.example.com/download/kyc/bio.jpg", "kyc/hand.jpg"]},
        {"verified_file_url": ["kyc/../bio.jpg", "kyc/hand.jpg"]},
        {"name": "12345 !!"},
        {"verified_number": "G1"},
        {"change_type": 1},
        {"xaccount_type": "other_IDP"},
        {"identify_type": 1},
    ],
)
def test_invalid_individual_application_is_cbc_0100(bss, fields):
    expect_error(lambda: individual(bss, **fields), 400, "CBC.0100")


def test_a_file_that_is_no_image_or_pdf_is_cbc_99000100(bss):
    expect_error(lambda: individual(bss, verified_file_url=["kyc/bio.exe", "kyc/hand.jpg"]), 400, "CBC.99000100")


@pytest.mark.parametrize(
    "fields",
    [
        {"certificate_type": 5},
        {"identify_type": 0},
        {"reg_country": "Mexico"},
        {"corp_name": "   "},
        {"verified_file_url": ["a.pdf", "b.pdf", "c.pdf"]},  # 3 files need an enterprise_person
        {"enterprise_person": EnterprisePersonNew(legel_name="M", legel_id_number="1", certifier_role="agent")},
    ],
)
def test_invalid_enterprise_application_is_cbc_0100(bss, fields):
    expect_error(lambda: enterprise(bss, **fields), 400, "CBC.0100")


def test_someone_elses_customer_is_cbc_99000035(bss):
    expect_error(lambda: individual(bss, "ffffffffffffffffffffffffffffffff"), 400, "CBC.99000035")
    expect_error(lambda: review(bss, "ffffffffffffffffffffffffffffffff"), 400, "CBC.99000035")


def test_a_customer_token_cannot_apply(sandbox):
    demo = sandbox.customer_client("demo-customer")
    expect_error(lambda: review(demo, DEMO_ID), 403, "CBC.0151")
