"""IAM (reference 9.3): the partner's token, a customer's token through assume_role, projects,
temporary AK/SK, and their expiry on the sandbox clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import requests
from huaweicloudsdkbssintl.v2 import BssintlClient, ShowCustomerAccountBalancesRequest
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.sandbox_server import DEMO_CUSTOMER, DEMO_PARTNER

ACME = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


def password_body(password=DEMO_PARTNER["iam_password"], scope=None):
    user = {"name": DEMO_PARTNER["iam_user"], "password": password, "domain": {"name": DEMO_PARTNER["domain_name"]}}
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}}}
    if scope is not None:
        body["auth"]["scope"] = scope
    return body


def assume_role_body(account_name="demo-customer", agency=DEMO_PARTNER["xaccount_type"], region="ap-southeast-1"):
    return {
        "auth": {
            "identity": {
                "methods": ["assume_role"],
                "assume_role": {"domain_name": account_name, "agency_name": agency},
            },
            "scope": {"project": {"name": region}},
        }
    }


def post(sandbox, path, body, token=None):
    headers = {"X-Auth-Token": token} if token else {}
    return requests.post(f"{sandbox.url}{path}", json=body, headers=headers, timeout=10)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def balances(client):
    return client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())


def expect_error(call, status, code):
    with pytest.raises(ClientRequestException) as exc_info:
        call()
    assert (exc_info.value.status_code, exc_info.value.error_code) == (status, code)
    return exc_info.value


# --- the partner's token --------------------------------------------------------------------------


def test_partner_token_by_password(sandbox):
    response = post(sandbox, "/v3/auth/tokens", password_body(scope={"domain": {"name": "demo-partner"}}))

    assert response.status_code == 201
    assert response.headers["X-Subject-Token"].startswith("MII")
    token = response.json()["token"]
    assert at(token["expires_at"]) - at(token["issued_at"]) == timedelta(hours=24)
    assert token["methods"] == ["password"]
    assert token["user"]["name"] == "partner-api"
    assert token["user"]["domain"] == {"id": DEMO_PARTNER["domain_id"], "name": "demo-partner"}
    assert token["domain"] == {"id": DEMO_PARTNER["domain_id"], "name": "demo-partner"}
    assert token["catalog"] == []


def test_wrong_password_is_401_in_iams_shape(sandbox):
    response = post(sandbox, "/v3/auth/tokens", password_body(password="wrong-password"))

    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}
    }
    assert "X-Subject-Token" not in response.headers
    assert sandbox.requests(operation="keystone_create_user_token_by_password")[0]["status"] == 401


def test_partner_project_scope_gives_a_stable_project_id(sandbox):
    first = post(sandbox, "/v3/auth/tokens", password_body(scope={"project": {"name": "ap-southeast-3"}}))
    second = post(sandbox, "/v3/auth/tokens", password_body(scope={"project": {"name": "ap-southeast-3"}}))

    project = first.json()["token"]["project"]
    assert project["name"] == "ap-southeast-3"
    assert len(project["id"]) == 32
    assert second.json()["token"]["project"]["id"] == project["id"]
    assert first.headers["X-Subject-Token"] != second.headers["X-Subject-Token"]


def test_unknown_project_is_400(sandbox):
    response = post(sandbox, "/v3/auth/tokens", password_body(scope={"project": {"name": "mars-north-1"}}))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400


# --- a customer's token ---------------------------------------------------------------------------


def test_assume_role_gives_the_customers_token_and_project(sandbox):
    partner_token = sandbox.partner_token()

    response = post(sandbox, "/v3/auth/tokens", assume_role_body(), token=partner_token)

    assert response.status_code == 201
    token = response.json()["token"]
    assert token["methods"] == ["assume_role"]
    assert token["project"]["name"] == "ap-southeast-1"
    assert token["project"]["domain"] == {"id": DEMO_CUSTOMER["customer_id"], "name": "demo-customer"}
    assert token["user"]["domain"]["name"] == "demo-customer"
    assert token["assumed_by"]["user"]["name"] == "partner-api"
    again = post(sandbox, "/v3/auth/tokens", assume_role_body(), token=partner_token).json()["token"]
    assert again["project"]["id"] == token["project"]["id"]
    other_region = post(sandbox, "/v3/auth/tokens", assume_role_body(region="ap-southeast-2"), token=partner_token)
    assert other_region.json()["token"]["project"]["id"] != token["project"]["id"]
    other_customer = post(sandbox, "/v3/auth/tokens", assume_role_body("acme-retail"), token=partner_token)
    assert other_customer.json()["token"]["project"]["id"] != token["project"]["id"]


@pytest.mark.parametrize(
    ("account_name", "agency"),
    [
        ("no-such-account", DEMO_PARTNER["xaccount_type"]),
        ("demo-customer", "someone_elses_IDP"),
    ],
)
def test_assume_role_outside_the_partners_customers_is_403(sandbox, account_name, agency):
    response = post(sandbox, "/v3/auth/tokens", assume_role_body(account_name, agency), token=sandbox.partner_token())

    assert response.status_code == 403
    assert response.json()["error"]["title"] == "Forbidden"


def test_assume_role_of_a_referral_customer_is_403(sandbox):
    sandbox.update_customer(ACME, association_type="1")

    response = post(sandbox, "/v3/auth/tokens", assume_role_body("acme-retail"), token=sandbox.partner_token())

    assert response.status_code == 403


def test_assume_role_needs_the_partners_token(sandbox):
    assert post(sandbox, "/v3/auth/tokens", assume_role_body()).status_code == 401
    assert post(sandbox, "/v3/auth/tokens", assume_role_body(), token="MIIforged").status_code == 401
    customer_token = sandbox.customer_token("demo-customer")
    assert post(sandbox, "/v3/auth/tokens", assume_role_body("acme-retail"), token=customer_token).status_code == 403


def test_projects_of_the_customers_token(sandbox):
    identity = sandbox.customer_identity("demo-customer", region="ap-southeast-3")

    response = requests.get(f"{sandbox.url}/v3/auth/projects", headers={"X-Auth-Token": identity["token"]}, timeout=10)

    assert response.status_code == 200
    projects = {p["name"]: p for p in response.json()["projects"]}
    assert projects["ap-southeast-3"]["id"] == identity["project_id"]
    assert {p["domain_id"] for p in projects.values()} == {DEMO_CUSTOMER["customer_id"]}
    assert requests.get(f"{sandbox.url}/v3/auth/projects", timeout=10).status_code == 401


def test_the_customers_token_works_with_the_sdk_until_it_expires(sandbox):
    demo = sandbox.customer_client("demo-customer")
    assert balances(demo).currency == "USD"

    sandbox.advance_clock(hours=25)

    error = expect_error(lambda: balances(demo), 401, "APIGW.0301")
    assert "expired" in error.error_msg
    assert balances(sandbox.customer_client("demo-customer")).currency == "USD"  # a fresh token works


def test_partner_token_expires_after_24_hours(sandbox):
    token = sandbox.partner_token()
    sandbox.advance_clock(hours=23, minutes=59)
    assert post(sandbox, "/v3/auth/tokens", assume_role_body(), token=token).status_code == 201

    sandbox.advance_clock(minutes=2)

    assert post(sandbox, "/v3/auth/tokens", assume_role_body(), token=token).status_code == 401


# --- temporary AK/SK ------------------------------------------------------------------------------


def test_temporary_keys_of_a_customer(sandbox):
    response = post(
        sandbox,
        "/v3.0/OS-CREDENTIAL/securitytokens",
        {
            "auth": {
                "identity": {
                    "methods": ["assume_role"],
                    "assume_role": {
                        "domain_name": "demo-customer",
                        "agency_name": DEMO_PARTNER["xaccount_type"],
                        "duration_seconds": 3600,
                    },
                }
            }
        },
        token=sandbox.partner_token(),
    )

    assert response.status_code == 201
    credential = response.json()["credential"]
    assert set(credential) == {"access", "secret", "securitytoken", "expires_at"}
    assert len(credential["access"]) == 20


def test_temporary_keys_work_with_with_security_token(sandbox):
    demo = sandbox.customer_client("demo-customer", temporary=True)

    response = balances(demo)

    credit = next(b for b in response.account_balances if b.account_type == 2)
    assert Decimal(str(credit.amount)) == Decimal("876.55")


def test_temporary_keys_with_a_wrong_security_token_or_after_expiry_are_401(sandbox):
    keys = sandbox.customer_temporary_credentials("demo-customer")

    def client(security_token):
        credentials = GlobalCredentials(keys["access"], keys["secret"], keys["customer_id"]).with_security_token(
            security_token
        )
        return BssintlClient.new_builder().with_credentials(credentials).with_endpoints([sandbox.url]).build()

    expect_error(lambda: balances(client("gQpjbi1forged")), 401, "APIGW.0301")
    assert balances(client(keys["securitytoken"])).currency == "USD"
    sandbox.advance_clock(seconds=901)
    expect_error(lambda: balances(client(keys["securitytoken"])), 401, "APIGW.0301")


def test_temporary_keys_signed_for_another_domain_are_401(sandbox):
    keys = sandbox.customer_temporary_credentials("demo-customer")
    credentials = GlobalCredentials(keys["access"], keys["secret"], ACME).with_security_token(keys["securitytoken"])
    client = BssintlClient.new_builder().with_credentials(credentials).with_endpoints([sandbox.url]).build()

    expect_error(lambda: balances(client), 401, "APIGW.0301")


@pytest.mark.parametrize("duration", [899, 86401, "900"])
def test_temporary_keys_duration_out_of_range_is_400(sandbox, duration):
    response = post(
        sandbox,
        "/v3.0/OS-CREDENTIAL/securitytokens",
        {
            "auth": {
                "identity": {
                    "methods": ["assume_role"],
                    "assume_role": {
                        "domain_name": "demo-customer",
                        "agency_name": DEMO_PARTNER["xaccount_type"],
                        "duration_seconds": duration,
                    },
                }
            }
        },
        token=sandbox.partner_token(),
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400
