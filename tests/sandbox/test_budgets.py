"""Budgets (reference 5.2): read, set, batch, history, freeze/unfreeze, spending; and the partner extras
(coupons, indirect partners)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from huaweicloudsdkbssintl.v2 import (
    FreezeSubCustomersReq,
    FreezeSubCustomersRequest,
    ListIndirectPartnersRequest,
    ListSubCustomerBudgetRecordsRequest,
    ListSubCustomerBudgetReq,
    ListSubCustomerBudgetRequest,
    ListSubCustomerCouponsRequest,
    ModSubCustomerBudgetReq,
    PayCustomerOrderV3Req,
    PayOrdersRequest,
    QueryIndirectPartnersReq,
    ShowSubCustomerBudgetRequest,
    UnfreezeSubCustomersReq,
    UnfreezeSubCustomersRequest,
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


# --- batch read, history, freezing, coupons, balances, indirect partners ------------------------------

ACME_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
GREENLEAF_ID = "2b3c4d5e6f708192a3b4c5d6e7f8091a"  # frozen in the demo world
UNKNOWN_ID = "ffffffffffffffffffffffffffffffff"


def expect_error(call, status, code):
    with pytest.raises(ClientRequestException) as exc_info:
        call()
    assert (exc_info.value.status_code, exc_info.value.error_code) == (status, code), exc_info.value.error_msg
    return exc_info.value


def batch(bss, customer_ids):
    return bss.list_sub_customer_budget(
        ListSubCustomerBudgetRequest(body=ListSubCustomerBudgetReq(customer_ids=customer_ids))
    )


def records(bss, customer_id=DEMO_CUSTOMER["customer_id"], **query):
    return bss.list_sub_customer_budget_records(ListSubCustomerBudgetRecordsRequest(customer_id=customer_id, **query))


def freeze(bss, customer_ids, unfreeze=False):
    if unfreeze:
        body = UnfreezeSubCustomersReq(customer_ids=customer_ids, reason="paid", unfreeze_type="ACCOUNT")
        return bss.unfreeze_sub_customers(UnfreezeSubCustomersRequest(body=body))
    body = FreezeSubCustomersReq(customer_ids=customer_ids, reason="over budget", freeze_type="ACCOUNT")
    return bss.freeze_sub_customers(FreezeSubCustomersRequest(body=body))


def is_frozen(sandbox, customer_id):
    return sandbox.customer(customer_id)["is_frozen"]


def test_batch_budgets_leave_out_ids_that_are_not_yours(bss):
    response = batch(bss, [DEMO_CUSTOMER["customer_id"], UNKNOWN_ID, ACME_ID])

    assert (response.measure_id, response.currency) == (1, "USD")
    assert [i.customer_id for i in response.budget_infos] == [DEMO_CUSTOMER["customer_id"], ACME_ID]
    acme = response.budget_infos[1]
    assert (Decimal(str(acme.budget_amount)), Decimal(str(acme.used_amount)), acme.budget_type) == (
        Decimal("5000.00"),
        Decimal("4210.80"),
        "MONTHLY",
    )


def test_batch_budgets_of_more_than_100_is_cbc_0100(bss):
    expect_error(lambda: batch(bss, [f"{i:032x}" for i in range(101)]), 400, "CBC.0100")


def test_every_budget_setting_is_recorded(bss):
    update(bss, budget_amount=Decimal("1500.00"))
    update(bss, budget_amount=Decimal("700.50"), budget_type="PACKAGE")

    response = records(bss)

    assert response.total_count == 4  # two demo settings + two here
    newest = response.record_list[0]
    assert Decimal(str(newest.budget_amount)) == Decimal("700.50")
    assert (newest.operation_type, newest.budget_type, newest.operator) == ("SETTING", "PACKAGE", "partner-api")
    assert (newest.partner_account_name, newest.partner_corp_name) == ("demo-partner", "Demo Partner Pte. Ltd.")
    assert newest.operation_time.endswith("Z")
    assert records(bss, budget_type="PACKAGE").total_count == 1
    assert len(records(bss, limit=1, offset=1).record_list) == 1


def test_budget_records_invalid_or_not_yours(bss):
    expect_error(lambda: records(bss, limit=101), 400, "CBC.0100")
    expect_error(lambda: records(bss, operation_type="CHANGE"), 400, "CBC.0100")
    expect_error(lambda: records(bss, UNKNOWN_ID), 400, "CBC.99000035")


def test_freeze_and_unfreeze_with_per_id_errors(bss, sandbox):
    response = freeze(bss, [DEMO_CUSTOMER["customer_id"], UNKNOWN_ID, GREENLEAF_ID])

    errors = {e.id: e.error_code for e in response.error_details}
    assert errors == {UNKNOWN_ID: "CBC.99000035", GREENLEAF_ID: "CBC.99000041"}
    assert is_frozen(sandbox, DEMO_CUSTOMER["customer_id"]) == 1

    response = freeze(bss, [DEMO_CUSTOMER["customer_id"], ACME_ID], unfreeze=True)

    assert {e.id: e.error_code for e in response.error_details} == {ACME_ID: "CBC.99000042"}
    assert is_frozen(sandbox, DEMO_CUSTOMER["customer_id"]) == 0


def test_freeze_all_fine_has_no_error_details(bss):
    assert freeze(bss, [ACME_ID]).error_details is None


def test_freeze_without_reason_is_cbc_0100(bss):
    body = FreezeSubCustomersReq(customer_ids=[ACME_ID])
    expect_error(lambda: bss.freeze_sub_customers(FreezeSubCustomersRequest(body=body)), 400, "CBC.0100")


def test_coupons_of_the_demo_customer(sandbox):
    demo = sandbox.customer_client("demo-customer")

    response = demo.list_sub_customer_coupons(ListSubCustomerCouponsRequest())

    assert response.count == 3
    welcome = next(c for c in response.user_coupons if c.coupon_id == "CP2501010001DEMO")
    assert (welcome.status, welcome.coupon_type, welcome.face_value, welcome.measure_id) == (2, 1, 50.0, 1)
    assert welcome.use_limits[0].limit_key == "SERVICE_TYPE"
    assert welcome.valid_time.endswith("Z") and welcome.expire_time.endswith("Z")
    usable = demo.list_sub_customer_coupons(ListSubCustomerCouponsRequest(status=2))
    assert [c.coupon_id for c in usable.user_coupons] == ["CP2501010001DEMO"]
    expect_error(lambda: demo.list_sub_customer_coupons(ListSubCustomerCouponsRequest(status=9)), 400, "CBC.0100")


def test_indirect_partners_none(bss):
    response = bss.list_indirect_partners(ListIndirectPartnersRequest(body=QueryIndirectPartnersReq(limit=10)))
    assert (response.count, response.indirect_partners) == (0, [])
    expect_error(
        lambda: bss.list_indirect_partners(ListIndirectPartnersRequest(body=QueryIndirectPartnersReq(limit=101))),
        400,
        "CBC.0100",
    )


# --- spending: the budget charged when the customer pays (core services.budget_charge) ------------------


def console_purchase(sandbox, customer_id=ACME_ID):
    body = {"customer_id": customer_id, "service": "ecs", "region": "ap-southeast-1", "spec": "s6.large.2.linux"}
    response = requests.post(f"{sandbox.url}/_sandbox/console/purchase", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["order_id"]


def pay(client, order_id):
    body = PayCustomerOrderV3Req(order_id=order_id, use_coupon="NO", use_discount="NO")
    return client.pay_orders(PayOrdersRequest(body=body))


def test_over_budget_payment_is_refused_and_auto_freezes(sandbox):
    # acme-retail: 5000.00 budget, 4210.80 used, frozen_operate_type 1 (auto-freeze).
    sandbox.update_customer(ACME_ID, used_amount=4999.00)
    order_id = console_purchase(sandbox)
    acme = sandbox.customer_client("acme-retail")

    error = expect_error(lambda: pay(acme, order_id), 400, "CBC.99003109")

    assert "budget is insufficient" in error.error_msg
    state = sandbox.customer(ACME_ID)
    assert (state["is_frozen"], state["used_amount"]) == (1, "4999.00")
    expect_error(lambda: pay(acme, order_id), 400, "CBC.99003110")  # frozen: no purchases


def test_payment_within_budget_is_charged(sandbox):
    sandbox.update_customer(ACME_ID, used_amount=0)
    order_id = console_purchase(sandbox)

    pay(sandbox.customer_client("acme-retail"), order_id)

    assert Decimal(sandbox.customer(ACME_ID)["used_amount"]) > 0


def test_over_budget_without_auto_freeze_stays_unfrozen(sandbox):
    sandbox.update_customer(DEMO_CUSTOMER["customer_id"], used_amount=999.99)  # frozen_operate_type 0
    order_id = console_purchase(sandbox, DEMO_CUSTOMER["customer_id"])

    expect_error(lambda: pay(sandbox.customer_client("demo-customer"), order_id), 400, "CBC.99003109")

    assert is_frozen(sandbox, DEMO_CUSTOMER["customer_id"]) == 0
