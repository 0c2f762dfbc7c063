"""Who may call what (reference 2): `callers` P / C / P|C enforced by the pipeline, and a customer's
identity reaches only that customer's objects."""

from __future__ import annotations

from decimal import Decimal

import pytest
from huaweicloudsdkbssintl.v2 import (
    ListSubCustomerCouponsRequest,
    ListSubCustomersRequest,
    QuerySubCustomerListReq,
    ShowCustomerAccountBalancesRequest,
    ShowSubCustomerBudgetRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.sandbox_server import DEMO_CUSTOMER

DEMO_ID = DEMO_CUSTOMER["customer_id"]
DEMO_COUPON = "CP2501010001DEMO"


def expect_error(call, status, code):
    with pytest.raises(ClientRequestException) as exc_info:
        call()
    assert (exc_info.value.status_code, exc_info.value.error_code) == (status, code), exc_info.value.error_msg
    return exc_info.value


def balances(client):
    return client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())


def coupons(client, **query):
    return client.list_sub_customer_coupons(ListSubCustomerCouponsRequest(**query))


def test_partner_credentials_on_a_customer_only_operation_are_403(bss):
    error = expect_error(lambda: balances(bss), 403, "CBC.0151")
    assert "customer's own credentials" in error.error_msg


@pytest.mark.parametrize("temporary", [False, True])
def test_a_customer_on_a_partner_only_operation_is_403(sandbox, temporary):
    demo = sandbox.customer_client("demo-customer", temporary=temporary)

    expect_error(
        lambda: demo.show_sub_customer_budget(ShowSubCustomerBudgetRequest(customer_id=DEMO_ID)), 403, "CBC.0151"
    )
    expect_error(
        lambda: demo.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq())), 403, "CBC.0151"
    )
    assert sandbox.requests(operation="list_sub_customers")[0]["error_code"] == "CBC.0151"


def test_a_customer_cannot_read_another_customers_budget(sandbox):
    acme = sandbox.customer_client("acme-retail")

    expect_error(
        lambda: acme.show_sub_customer_budget(ShowSubCustomerBudgetRequest(customer_id=DEMO_ID)), 403, "CBC.0151"
    )


def test_balances_are_the_callers_own(sandbox):
    demo = balances(sandbox.customer_client("demo-customer"))
    acme = balances(sandbox.customer_client("acme-retail"))

    amounts = {b.account_type: Decimal(str(b.amount)) for b in demo.account_balances}
    assert amounts == {1: Decimal("25.00"), 2: Decimal("876.55")}
    acme_amounts = {b.account_type: Decimal(str(b.amount)) for b in acme.account_balances}
    assert acme_amounts == {1: Decimal("0.00"), 2: Decimal("789.20")}


def test_coupons_are_the_callers_own(sandbox, bss):
    demo = coupons(sandbox.customer_client("demo-customer"))
    assert demo.count == 3
    assert {c.customer_id for c in demo.user_coupons} == {DEMO_ID}

    acme = sandbox.customer_client("acme-retail")
    assert coupons(acme).count == 0
    assert coupons(acme, coupon_id=DEMO_COUPON).count == 0  # naming another's coupon finds nothing
    assert coupons(bss).count == 0  # the partner holds no coupons of its own
