"""Budgets (reference 5.2): the sandbox's first GET operation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from huaweicloudsdkbssintl.v2 import (
    ModSubCustomerBudgetReq,
    ShowSubCustomerBudgetRequest,
    UpdateSubCustomerBudgetRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.sandbox_server import DEMO_CUSTOMER


def show(bss, customer_id=DEMO_CUSTOMER["customer_id"]):
    return bss.show_sub_customer_budget(ShowSubCustomerBudgetRequest(customer_id=customer_id))


def update(bss, **fields):
    body = {"customer_id": DEMO_CUSTOMER["customer_id"], **fields}
    return bss.update_sub_customer_budget(UpdateSubCustomerBudgetRequest(body=ModSubCustomerBudgetReq(**body)))


def test_show_budget_of_the_demo_customer(bss):
    response = show(bss)
    assert Decimal(str(response.budget_amount)) == Decimal("1000.00")
    assert Decimal(str(response.used_amount)) == Decimal("123.45")
    assert (response.measure_id, response.currency, response.budget_type) == (1, "USD", "MONTHLY")


def test_update_budget_then_show(bss, sandbox):
    sandbox.update_customer(DEMO_CUSTOMER["customer_id"], is_frozen=1)

    update(
        bss, budget_amount=Decimal("1234.50"), budget_type="PACKAGE", cancel_partner_frozen="1", frozen_operate_type=1
    )

    response = show(bss)
    assert Decimal(str(response.budget_amount)) == Decimal("1234.50")
    assert response.budget_type == "PACKAGE"
    state = sandbox.customer(DEMO_CUSTOMER["customer_id"])
    assert (state["budget_amount"], state["is_frozen"], state["frozen_operate_type"]) == ("1234.50", 0, 1)


@pytest.mark.parametrize("amount", [Decimal("-1"), Decimal("10.001")])
def test_update_invalid_amount_is_cbc_0100(bss, amount):
    with pytest.raises(ClientRequestException) as exc_info:
        update(bss, budget_amount=amount)
    assert (exc_info.value.status_code, exc_info.value.error_code) == (400, "CBC.0100")


def test_someone_elses_customer_is_cbc_99000035(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        show(bss, customer_id="ffffffffffffffffffffffffffffffff")
    assert (exc_info.value.status_code, exc_info.value.error_code) == (400, "CBC.99000035")


def test_get_without_customer_id_is_cbc_0100(signed):
    response = signed.call("GET", "/v2/partners/sub-customers/budget")
    assert response.status_code == 400
    assert response.json()["error_code"] == "CBC.0100"


def test_delay_fault_on_a_get_times_out_inside_the_sdk(sandbox):
    from huaweicloudsdkcore.exceptions.exceptions import ConnectionException

    from tests.sandbox.conftest import build_bss

    sandbox.add_fault("show_sub_customer_budget", "delay", delay=1.5, count=1)
    with pytest.raises(ConnectionException):
        show(build_bss(sandbox.url, timeout=(2, 0.5)))
