"""Acting as the customer: IAM tokens (partner, then assume_role), their cache, and per-customer clients."""

import json
import logging
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import requests
from django.core.cache import cache

from huaweicloud import clients, identity
from huaweicloud.errors import LOCAL_TIMEOUT, CloudMisconfigured, CloudRejected, CloudUnavailable
from huaweicloud.types import CustomerRef
from tests.huaweicloud import gateway_fakes
from tests.huaweicloud.gateway_fakes import ALICE, BOB

fresh_tokens = gateway_fakes.fresh_tokens


def iam_answer(token: str, *, status: int = 201, project_id: str | None = None, expires_in=timedelta(hours=24)):
    body = {"token": {"expires_at": (datetime.now(UTC) + expires_in).strftime("%Y-%m-%dT%H:%M:%S.000000Z")}}
    if project_id:
        body["token"]["project"] = {"id": project_id, "name": "ap-southeast-1"}
    return raw(status, body, {"X-Subject-Token": token})


def raw(status: int, body, headers=None):
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    response.headers.update({"Content-Type": "application/json", "X-Request-Id": "iam-req", **(headers or {})})
    return response


@pytest.fixture
def iam(monkeypatch):
    """requests.post to IAM, patched: set `.side_effect` to the answers in order."""
    cache.clear()
    post = mock.create_autospec(requests.post)
    monkeypatch.setattr(identity.requests, "post", post)
    yield post
    cache.clear()


def test_customer_token_swaps_the_partner_token_with_assume_role(iam, settings):
    iam.side_effect = [iam_answer("PARTNER-TOKEN"), iam_answer("ALICE-TOKEN", project_id="p-alice")]

    project_id = identity.customer_project_id(
        customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="ap-southeast-1"
    )

    assert project_id == "p-alice"
    (url1, *_), partner_kwargs = iam.call_args_list[0]
    assert url1 == f"{settings.HUAWEICLOUD['IAM_ENDPOINT'].rstrip('/')}/v3/auth/tokens"
    password = partner_kwargs["json"]["auth"]["identity"]["password"]["user"]
    assert password["name"] == settings.HUAWEICLOUD["IAM_USER"]
    assert password["domain"] == {"name": settings.HUAWEICLOUD["DOMAIN_NAME"]}
    assert partner_kwargs["timeout"] == (settings.HUAWEICLOUD["CONNECT_TIMEOUT"], settings.HUAWEICLOUD["READ_TIMEOUT"])
    _, customer_kwargs = iam.call_args_list[1]
    assert customer_kwargs["headers"]["X-Auth-Token"] == "PARTNER-TOKEN"
    assert customer_kwargs["json"]["auth"] == {
        "identity": {
            "methods": ["assume_role"],
            "assume_role": {"domain_name": "alice-co", "agency_name": settings.HUAWEICLOUD["XACCOUNT_TYPE"]},
        },
        "scope": {"project": {"name": "ap-southeast-1"}},
    }


def test_tokens_are_cached_per_customer_and_region(iam):
    iam.side_effect = [
        iam_answer("PARTNER-TOKEN"),
        iam_answer("ALICE-TOKEN", project_id="p-alice"),
        iam_answer("BOB-TOKEN", project_id="p-bob"),
        iam_answer("ALICE-EU-TOKEN", project_id="p-alice-eu"),
    ]
    ask = identity.customer_project_id

    assert ask(customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="ap-southeast-1") == "p-alice"
    assert ask(customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="ap-southeast-1") == "p-alice"
    assert ask(customer_id=BOB.customer_id, account_name=BOB.account_name, region="ap-southeast-1") == "p-bob"
    assert ask(customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="eu-west-101") == "p-alice-eu"
    assert iam.call_count == 4  # the partner token once, then one swap per customer and region


def test_a_token_close_to_expiry_is_not_used(iam):
    iam.side_effect = [
        iam_answer("PARTNER-TOKEN"),
        iam_answer("SHORT", project_id="p1", expires_in=timedelta(minutes=5)),
        iam_answer("FRESH", project_id="p2"),
    ]
    ask = identity.customer_project_id

    assert ask(customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="ap-southeast-1") == "p1"
    assert ask(customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="ap-southeast-1") == "p2"


def test_wrong_partner_password_is_misconfigured(iam):
    iam.side_effect = [
        raw(401, {"error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}})
    ]

    with pytest.raises(CloudMisconfigured) as raised:
        identity.customer_project_id(
            customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="ap-southeast-1"
        )

    assert raised.value.status_code == 401
    assert raised.value.operation == identity.PARTNER_IAM_OPERATION
    assert raised.value.request_id == "iam-req"


def test_assume_role_refused_for_that_customer_is_rejected(iam):
    iam.side_effect = [
        iam_answer("PARTNER-TOKEN"),
        raw(403, {"error_code": "IAM.0002", "error_msg": "The agency does not exist."}),
    ]

    with pytest.raises(CloudRejected) as raised:
        identity.customer_project_id(
            customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="ap-southeast-1"
        )

    assert (raised.value.status_code, raised.value.error_code) == (403, "IAM.0002")


def test_a_revoked_partner_token_is_replaced_once(iam):
    iam.side_effect = [
        iam_answer("OLD-PARTNER"),
        raw(401, {"error": {"code": 401, "message": "token expired"}}),
        iam_answer("NEW-PARTNER"),
        iam_answer("ALICE-TOKEN", project_id="p-alice"),
    ]

    assert (
        identity.customer_project_id(
            customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="ap-southeast-1"
        )
        == "p-alice"
    )
    assert iam.call_args_list[3].kwargs["headers"]["X-Auth-Token"] == "NEW-PARTNER"


@pytest.mark.parametrize(
    ("failure", "error_code"),
    [(requests.exceptions.ReadTimeout("read timed out"), LOCAL_TIMEOUT), (None, "CBC.0999")],
)
def test_iam_outage_is_unavailable(iam, failure, error_code):
    iam.side_effect = [failure or raw(500, {"error_code": "CBC.0999", "error_msg": "Other error."})]

    with pytest.raises(CloudUnavailable) as raised:
        identity.customer_project_id(
            customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="ap-southeast-1"
        )

    assert raised.value.error_code == error_code


def test_answer_without_token_header_is_malformed(iam):
    iam.side_effect = [raw(201, {"token": {"expires_at": "2099-01-01T00:00:00Z"}})]

    with pytest.raises(CloudUnavailable) as raised:
        identity.customer_project_id(
            customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="ap-southeast-1"
        )

    assert raised.value.error_code == "LOCAL.MALFORMED"


def test_tokens_never_reach_the_log(iam, caplog, settings):
    caplog.set_level(logging.DEBUG)
    iam.side_effect = [iam_answer("PARTNER-SECRET-TOKEN"), iam_answer("ALICE-SECRET-TOKEN", project_id="p")]

    identity.customer_project_id(
        customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="ap-southeast-1"
    )
    client = identity.customer_bss_client(ALICE)

    lines = [r.getMessage() for r in caplog.records if r.name == "huaweicloud"]
    assert len(lines) == 2
    assert all("outcome=ok" in line for line in lines)
    everything = "\n".join(r.getMessage() for r in caplog.records) + repr(client._credentials)
    for secret in ("PARTNER-SECRET-TOKEN", "ALICE-SECRET-TOKEN", settings.HUAWEICLOUD["IAM_PASSWORD"]):
        assert secret not in everything


def test_region_is_checked():
    with pytest.raises(ValueError):
        identity.customer_project_id(customer_id=ALICE.customer_id, account_name=ALICE.account_name, region="../x")


def test_customer_ref_needs_both_ids():
    with pytest.raises(ValueError):
        CustomerRef(customer_id="", account_name="alice-co")


# --- per-customer clients -------------------------------------------------------------------------------


def test_each_customer_has_its_own_client_with_its_own_token(iam):
    iam.side_effect = [
        iam_answer("PARTNER-TOKEN"),
        iam_answer("ALICE-TOKEN", project_id="p-alice"),
        iam_answer("BOB-TOKEN", project_id="p-bob"),
    ]

    alice = identity.customer_bss_client(ALICE)
    bob = identity.customer_bss_client(BOB)

    assert alice is not bob
    assert alice is identity.customer_bss_client(ALICE)
    assert alice is not clients.bss_client()
    signed_for_alice = identity.TokenCredentials("unused", ALICE.customer_id)
    assert isinstance(signed_for_alice, identity.GlobalCredentials)
    assert (alice._credentials.customer_id, alice._credentials._token) == (ALICE.customer_id, "ALICE-TOKEN")
    assert (bob._credentials.customer_id, bob._credentials._token) == (BOB.customer_id, "BOB-TOKEN")


def test_token_credentials_send_only_the_token():
    from huaweicloudsdkcore.sdk_request import SdkRequest

    request = SdkRequest(
        method="GET",
        schema="http",
        host="127.0.0.1:1",
        resource_path="/v2/orders/customer-orders",
        query_params=[("limit", 10)],
        header_params={"Content-Type": "application/json"},
        body="",
    )

    signed = identity.TokenCredentials("ALICE-TOKEN", ALICE.customer_id).sign_request(request)

    assert signed.header_params["X-Auth-Token"] == "ALICE-TOKEN"
    assert "Authorization" not in signed.header_params
    assert "X-Domain-Id" not in signed.header_params


def test_customer_clients_are_bounded(iam, monkeypatch):
    monkeypatch.setattr(clients, "CUSTOMER_CLIENTS_MAX", 2)
    clients.reset_clients()
    from huaweicloudsdkbssintl.v2 import BssintlClient

    first = clients.customer_client("bss", BssintlClient, "BSS_ENDPOINT", "c1")
    clients.customer_client("bss", BssintlClient, "BSS_ENDPOINT", "c2")
    clients.customer_client("bss", BssintlClient, "BSS_ENDPOINT", "c3")

    assert clients.customer_client("bss", BssintlClient, "BSS_ENDPOINT", "c1") is not first
    clients.reset_clients()


def test_a_refused_customer_token_is_forgotten(iam, monkeypatch):
    from huaweicloudsdkcore.exceptions import exceptions as sdk

    iam.side_effect = [
        iam_answer("PARTNER-TOKEN"),
        iam_answer("ALICE-TOKEN", project_id="p"),
        iam_answer("ALICE-TOKEN-2", project_id="p"),
    ]
    client = identity.customer_bss_client(ALICE)
    refused = sdk.ClientRequestException(
        401, sdk.SdkError("r", "APIGW.0301", "Incorrect IAM authentication information")
    )
    monkeypatch.setattr(client, "list_customer_orders", mock.Mock(side_effect=refused))

    with pytest.raises(CloudMisconfigured):
        identity.call_as_customer("list_customer_orders", ALICE, object(), parse=lambda r: r)

    assert identity.customer_bss_client(ALICE)._credentials._token == "ALICE-TOKEN-2"
    clients.reset_clients()


# --- against the sandbox ----------------------------------------------------------------------------------


def customers_of(sandbox) -> tuple[CustomerRef, CustomerRef]:
    demo = CustomerRef(sandbox.demo_customer["customer_id"], sandbox.demo_customer["account_name"])
    acme = CustomerRef("a1b2c3d4e5f60718293a4b5c6d7e8f90", "acme-retail")
    return demo, acme


def test_customer_project_id_from_the_sandbox(sandbox):
    demo, _ = customers_of(sandbox)

    first = identity.customer_project_id(
        customer_id=demo.customer_id, account_name=demo.account_name, region="ap-southeast-1"
    )
    again = identity.customer_project_id(
        customer_id=demo.customer_id, account_name=demo.account_name, region="ap-southeast-1"
    )
    other = identity.customer_project_id(
        customer_id=demo.customer_id, account_name=demo.account_name, region="ap-southeast-3"
    )

    assert len(first) == 32 and first == again != other
    assert len(sandbox.requests(identity.PARTNER_IAM_OPERATION)) == 1
    assert len(sandbox.requests(identity.CUSTOMER_IAM_OPERATION)) == 2  # one per region, then cached


def test_a_customers_token_is_never_sent_for_another(sandbox, monkeypatch):
    from huaweicloud import orders

    demo, acme = customers_of(sandbox)
    sent = []
    sign = identity.TokenCredentials.sign_request

    def spy(self, request):
        signed = sign(self, request)
        sent.append(
            (self.customer_id, signed.header_params.get("X-Auth-Token"), signed.header_params.get("Authorization"))
        )
        return signed

    monkeypatch.setattr(identity.TokenCredentials, "sign_request", spy)

    seen = {}
    for customer in (demo, acme, demo, acme):
        page = orders.orders_list(customer=customer, limit=100)
        seen.setdefault(customer.customer_id, set()).update(o.customer_id for o in page.items)

    # The sandbox answers for whoever the token stands for: each saw only its own orders.
    assert seen == {demo.customer_id: {demo.customer_id}, acme.customer_id: {acme.customer_id}}
    tokens = {customer_id: {token for cid, token, _ in sent if cid == customer_id} for customer_id, _, _ in sent}
    assert all(len(t) == 1 for t in tokens.values())  # one token per customer, reused from the cache
    assert tokens[demo.customer_id].isdisjoint(tokens[acme.customer_id])
    assert all(authorization is None for _, _, authorization in sent)  # never signed with the partner's keys
    assert identity.customer_bss_client(demo) is not identity.customer_bss_client(acme)


def test_assume_role_for_an_account_that_is_not_ours_is_refused(sandbox):
    with pytest.raises(CloudMisconfigured) as raised:
        identity.customer_project_id(customer_id="f" * 32, account_name="not-our-customer", region="ap-southeast-1")
    assert raised.value.status_code == 403
    assert raised.value.operation == identity.CUSTOMER_IAM_OPERATION


def test_wrong_iam_password_against_the_sandbox(sandbox, settings):
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "IAM_PASSWORD": "wrong"}
    demo, _ = customers_of(sandbox)
    with pytest.raises(CloudMisconfigured) as raised:
        identity.customer_project_id(
            customer_id=demo.customer_id, account_name=demo.account_name, region="ap-southeast-1"
        )
    assert (raised.value.status_code, raised.value.operation) == (401, identity.PARTNER_IAM_OPERATION)
