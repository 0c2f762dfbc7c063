"""Commerce orders and resources (reference 5.4-5.12) seen by the partner (AK/SK), plus the console
purchase control API. The customer's own operations are in test_commerce_life.py."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from huaweicloudsdkbssintl.v2 import (
    CancelCustomerOrderReq,
    CancelCustomerOrderRequest,
    ListCustomerOnDemandResourcesRequest,
    ListCustomerOrdersRequest,
    ListPayPerUseCustomerResourcesRequest,
    ListRenewRateOnPeriodReq,
    ListRenewRateOnPeriodRequest,
    PayCustomerOrderV3Req,
    PayOrdersRequest,
    QueryCustomerOnDemandResourcesReq,
    QueryResourcesReq,
    ShowCustomerOrderDetailsRequest,
    ShowRefundOrderDetailsRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.sandbox_server import DEMO_CUSTOMER

DEMO_ID = DEMO_CUSTOMER["customer_id"]
ACME_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
# Fixed demo ids (sandbox/commerce/world.py).
ORDER_NEAR_EXPIRY = "CS2501010001DEMO1"
ORDER_PENDING = "CS2501010004DEMO4"
ORDER_NEAR_DEADLINE = "CS2501010005DEMO5"
ORDER_UNSUBSCRIPTION = "CS2501010008DEMO8"
ORDER_UNSUBSCRIBED = "CS2501010007DEMO7"
RESOURCE_NEAR_EXPIRY = "3f1a2b4c-5d6e-4f70-8a91-b2c3d4e5f601"
RESOURCE_FAR_EXPIRY = "7c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e402"
RESOURCE_AUTO_RENEW = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b03"


def purchase(sandbox, **fields):
    body = {"customer_id": DEMO_ID, "service": "ecs", "region": "ap-southeast-1", "spec": "s6.large.2.linux"}
    response = sandbox.http.post(f"{sandbox.url}/_sandbox/console/purchase", json={**body, **fields}, timeout=10)
    return response


def orders(bss, **query):
    return bss.list_customer_orders(ListCustomerOrdersRequest(**query))


def assert_rejected(exc_info, status, code):
    assert (exc_info.value.status_code, exc_info.value.error_code) == (status, code)


# --- console purchase (control API) ----------------------------------------------------------------


def test_console_purchase_creates_a_pending_new_purchase_order(sandbox, bss):
    response = purchase(sandbox, size=60, period_type=3, period_num=1, quantity=2)
    assert response.status_code == 201
    order = response.json()
    assert (order["status"], order["order_type"], order["source_type"]) == (6, 1, 1)
    assert order["pending_payment_end_time"]
    vm, disk = order["order_line_items"]
    assert (vm["product_spec_desc"], vm["subscription_num"], vm["period_type"]) == (
        "S6 2 vCPUs | 4 GiB | s6.large.2 | Linux",
        2,
        3,
    )
    assert disk["product_spec_desc"] == "EVS High I/O (SAS) | 60 GB"
    # A year of s6.large.2 in Hong Kong is 262.00, of a 60 GB SAS disk 45.00; two of each.
    assert Decimal(str(order["official_amount"])) == Decimal("614.00")
    assert order["amount_after_discount"] == order["official_amount"]

    listed = orders(bss, method="sub_customer", customer_id=DEMO_ID, order_id=order["order_id"])
    assert listed.total_count == 1
    assert listed.order_infos[0].status == 6


@pytest.mark.parametrize(
    "fields",
    [
        {"service": "ftp"},
        {"spec": "s9.huge.1.linux"},
        {"service": "evs", "spec": "SSD"},  # no size
        {"service": "eip", "spec": "5_sbgp", "size": 5, "region": "ap-southeast-3"},
        {"period_type": 2, "period_num": 12},
        {"customer_id": "ffffffffffffffffffffffffffffffff"},
        {"colour": "blue"},
    ],
)
def test_console_purchase_bad_input_is_400(sandbox, fields):
    response = purchase(sandbox, **fields)
    assert response.status_code == 400
    assert response.json()["error"]


def test_console_purchase_of_an_eip_attaches_its_bandwidth(sandbox):
    order = purchase(sandbox, service="eip", spec="5_bgp", size=10).json()
    ip, bandwidth = order["order_line_items"]
    assert ip["commercial_resource"] == "hws.resource.type.ip"
    assert (bandwidth["commercial_resource"], bandwidth["product_spec_desc"]) == (
        "hws.resource.type.bandwidth",
        "Dedicated bandwidth, dynamic BGP, billed by bandwidth | 10 Mbit/s",
    )


# --- list_customer_orders / show_customer_order_details as the partner -----------------------------


def test_partner_lists_a_customers_orders_with_sub_customer(bss):
    response = orders(bss, method="sub_customer", customer_id=DEMO_ID, limit=100)
    assert response.total_count == 8
    by_id = {o.order_id: o for o in response.order_infos}
    near = by_id[ORDER_NEAR_EXPIRY]
    assert (near.status, near.order_type, near.currency, near.measure_id) == (5, 1, "USD", 1)
    assert near.amount_after_discount < near.official_amount  # paid with the partner discount
    assert near.amount_info.discounts[0].discount_type == "607"
    assert near.payment_time.endswith("Z")
    assert by_id[ORDER_UNSUBSCRIPTION].order_type == 4
    assert by_id[ORDER_UNSUBSCRIPTION].amount_after_discount < 0
    # Newest first by default.
    times = [o.create_time for o in response.order_infos]
    assert times == sorted(times, reverse=True)


def test_partner_order_filters_and_order_by(bss):
    pending = orders(bss, method="sub_customer", customer_id=DEMO_ID, status=6)
    assert {o.order_id for o in pending.order_infos} == {ORDER_PENDING, ORDER_NEAR_DEADLINE}
    cancelled = orders(bss, method="sub_customer", customer_id=DEMO_ID, status=4)
    assert cancelled.total_count == 1
    refunds = orders(bss, method="sub_customer", customer_id=DEMO_ID, order_type="4")
    assert [o.order_id for o in refunds.order_infos] == [ORDER_UNSUBSCRIPTION]
    ecs = orders(bss, method="sub_customer", customer_id=DEMO_ID, service_type_code="hws.service.type.ec2")
    assert all(o.service_type_code == "hws.service.type.ec2" for o in ecs.order_infos)
    oldest_first = orders(bss, method="sub_customer", customer_id=DEMO_ID, order_by="createTime", limit=2, offset=0)
    assert len(oldest_first.order_infos) == 2
    assert oldest_first.order_infos[0].create_time <= oldest_first.order_infos[1].create_time
    assert oldest_first.total_count == 8


def test_partner_without_sub_customer_sees_its_own_orders_only(bss):
    assert orders(bss).total_count == 0


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 101},
        {"method": "sub_customer"},  # needs customer_id
        {"method": "everyone", "customer_id": DEMO_ID},
        {"status": 2, "method": "sub_customer", "customer_id": DEMO_ID},  # not a filter value
        {"order_type": "7", "method": "sub_customer", "customer_id": DEMO_ID},
        {"create_time_begin": "2024-01-01", "method": "sub_customer", "customer_id": DEMO_ID},
        {
            "create_time_begin": "2023-01-01T00:00:00Z",
            "create_time_end": "2024-06-01T00:00:00Z",
            "method": "sub_customer",
            "customer_id": DEMO_ID,
        },  # more than a year
    ],
)
def test_list_orders_invalid_query_is_cbc_0100(bss, query):
    with pytest.raises(ClientRequestException) as exc_info:
        orders(bss, **query)
    assert_rejected(exc_info, 400, "CBC.0100")


def test_list_orders_of_someone_elses_customer_is_cbc_99000035(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        orders(bss, method="sub_customer", customer_id="ffffffffffffffffffffffffffffffff")
    assert_rejected(exc_info, 400, "CBC.99000035")


def test_order_details_page_the_line_items(bss):
    first = bss.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=ORDER_NEAR_EXPIRY, limit=1))
    assert first.total_count == 2
    assert len(first.order_line_items) == 1
    info = first.order_info
    assert (info.order_id, info.customer_id, info.user_name, info.status) == (
        ORDER_NEAR_EXPIRY,
        DEMO_ID,
        "demo-customer",
        5,
    )
    line = first.order_line_items[0]
    assert line.order_line_item_id == f"{ORDER_NEAR_EXPIRY}-000001"
    assert (line.period_type, line.period_num, line.subscription_num) == (2, 1, 1)
    assert line.effective_time and line.expire_time
    assert line.base_product_info.product_id == line.product_id
    second = bss.show_customer_order_details(
        ShowCustomerOrderDetailsRequest(order_id=ORDER_NEAR_EXPIRY, offset=1, limit=1, x_language="en_US")
    )
    assert second.order_line_items[0].service_type_name == "Elastic Volume Service"


def test_pending_order_has_its_payment_deadline(bss):
    response = bss.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=ORDER_NEAR_DEADLINE))
    assert response.order_info.status == 6
    assert response.order_info.pending_payment_end_time.endswith("Z")
    assert response.order_info.payment_time is None


def test_unknown_order_details_is_cbc_30000010(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        bss.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id="CS0000000000NOPE0"))
    assert_rejected(exc_info, 400, "CBC.30000010")


def test_order_details_limit_above_100_is_cbc_0100(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        bss.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=ORDER_NEAR_EXPIRY, limit=101))
    assert_rejected(exc_info, 400, "CBC.0100")


# --- refunds -------------------------------------------------------------------------------------


def test_partner_reads_the_refund_of_the_demo_unsubscription(bss):
    response = bss.show_refund_order_details(
        ShowRefundOrderDetailsRequest(order_id=ORDER_UNSUBSCRIPTION, customer_id=DEMO_ID)
    )
    assert response.total_count == 2  # the ECS and its system disk
    for refund in response.refund_infos:
        assert refund.amount < 0
        assert (refund.base_order_id, refund.customer_id, refund.measure_id) == (ORDER_UNSUBSCRIBED, DEMO_ID, "1")
        assert refund.region_code == "af-south-1"
    assert {r.resource_type_code for r in response.refund_infos} == {"hws.resource.type.vm", "hws.resource.type.volume"}


def test_refund_details_without_customer_id_is_cbc_0100_for_the_partner(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        bss.show_refund_order_details(ShowRefundOrderDetailsRequest(order_id=ORDER_UNSUBSCRIPTION))
    assert_rejected(exc_info, 400, "CBC.0100")


# --- yearly/monthly resources ----------------------------------------------------------------------


def resources(bss, **body):
    return bss.list_pay_per_use_customer_resources(
        ListPayPerUseCustomerResourcesRequest(body=QueryResourcesReq(**body))
    )


def test_partner_lists_yearly_monthly_resources_with_customer_id(bss):
    response = resources(bss, customer_id=DEMO_ID, limit=100)
    by_id = {r.resource_id: r for r in response.data}
    near = by_id[RESOURCE_NEAR_EXPIRY]
    assert (near.is_main_resource, near.status, near.expire_policy) == (1, 2, 0)
    assert near.resource_spec_code == "s6.large.2.linux"
    assert near.region_code == "ap-southeast-3"
    assert near.project_id
    disk = next(r for r in response.data if r.parent_resource_id == RESOURCE_NEAR_EXPIRY)
    assert (disk.is_main_resource, disk.resource_type_code, disk.spec_size, disk.spec_size_measure_id) == (
        0,
        "hws.resource.type.volume",
        40,
        17,
    )
    assert by_id[RESOURCE_AUTO_RENEW].expire_policy == 3
    assert by_id[RESOURCE_FAR_EXPIRY].expire_time > near.expire_time


def test_resource_filters(bss):
    main_only = resources(bss, customer_id=DEMO_ID, only_main_resource=1, limit=100)
    assert all(r.is_main_resource == 1 for r in main_only.data)
    closed = resources(bss, customer_id=DEMO_ID, status_list=[3])
    assert closed.total_count == 2  # the unsubscribed ECS and its disk
    by_order = resources(bss, customer_id=DEMO_ID, order_id=ORDER_NEAR_EXPIRY)
    assert by_order.total_count == 2
    some = resources(bss, customer_id=DEMO_ID, resource_ids=[RESOURCE_FAR_EXPIRY])
    assert [r.resource_id for r in some.data] == [RESOURCE_FAR_EXPIRY]
    soon = resources(bss, customer_id=DEMO_ID, expire_time_end="2999-01-01T00:00:00Z", limit=1)
    assert soon.data[0].expire_time <= soon.data[-1].expire_time


@pytest.mark.parametrize(
    "body",
    [
        {},  # the partner must name the customer
        {"customer_id": DEMO_ID, "limit": 101},
        {"customer_id": DEMO_ID, "status_list": [9]},
        {"customer_id": DEMO_ID, "resource_ids": [f"r{i}" for i in range(51)]},
    ],
)
def test_resource_list_invalid_is_cbc_0100(bss, body):
    with pytest.raises(ClientRequestException) as exc_info:
        resources(bss, **body)
    assert_rejected(exc_info, 400, "CBC.0100")


# --- pay-per-use resources -------------------------------------------------------------------------


def on_demand(bss, **body):
    return bss.list_customer_on_demand_resources(
        ListCustomerOnDemandResourcesRequest(x_language="en_US", body=QueryCustomerOnDemandResourcesReq(**body))
    )


def test_partner_lists_pay_per_use_resources(bss):
    response = on_demand(bss, customer_id=DEMO_ID)
    assert response.total_count == 4
    disk = next(r for r in response.resources if r.resource_type_code == "hws.resource.type.volume")
    assert json.loads(disk.resource_info) == {"specSize": 100.0}
    assert (disk.customer_id, disk.status, disk.resource_type_name) == (DEMO_ID, 1, "Cloud disk")
    closed = on_demand(bss, customer_id=DEMO_ID, status=6)
    assert closed.total_count == 1
    hk = on_demand(bss, customer_id=DEMO_ID, region_code="ap-southeast-1", service_type_code="hws.service.type.ec2")
    assert [r.resource_name for r in hk.resources] == ["ecs-batch-01"]


def test_pay_per_use_errors(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        on_demand(bss, customer_id=DEMO_ID, limit=101)
    assert_rejected(exc_info, 400, "CBC.0100")
    with pytest.raises(ClientRequestException) as exc_info:
        on_demand(bss, customer_id=DEMO_ID, indirect_partner_id="someone")
    assert_rejected(exc_info, 400, "CBC.99000037")


# --- customer-only operations refuse the partner ---------------------------------------------------


def test_partner_cannot_pay_or_cancel(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        bss.pay_orders(PayOrdersRequest(body=PayCustomerOrderV3Req(order_id=ORDER_PENDING, use_coupon="NO")))
    assert exc_info.value.status_code in (401, 403)
    with pytest.raises(ClientRequestException) as exc_info:
        bss.cancel_customer_order(CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=ORDER_PENDING)))
    assert exc_info.value.status_code in (401, 403)


# --- renewal quote (P|C) ---------------------------------------------------------------------------


def test_partner_quotes_a_renewal_of_a_customers_resource(bss):
    response = bss.list_renew_rate_on_period(
        ListRenewRateOnPeriodRequest(
            body=ListRenewRateOnPeriodReq(
                resource_ids=[RESOURCE_NEAR_EXPIRY, "no-such-resource"], period_type=3, period_num=1
            )
        )
    )
    (quote,) = response.renew_inquiry_results
    # A year of s6.large.2 (262.00) and its 40 GB SAS disk (30.00) in Singapore (x 1.05).
    assert (quote.resource_id, Decimal(quote.amount)) == (RESOURCE_NEAR_EXPIRY, Decimal("306.60"))
    assert Decimal(response.official_website_rating_result.official_website_amount) == Decimal("306.60")
    (offer,) = response.optional_discount_rating_results
    assert (offer.discount_type, offer.best_offer) == (607, 1)
    assert Decimal(offer.amount) < Decimal(offer.official_website_amount)
    assert [(f.resource_id, f.error_code) for f in response.fail_resource_infos] == [
        ("no-such-resource", "CBC.30050009")
    ]


def test_renewal_quote_without_attached_and_invalid_period(bss):
    alone = bss.list_renew_rate_on_period(
        ListRenewRateOnPeriodRequest(
            body=ListRenewRateOnPeriodReq(
                resource_ids=[RESOURCE_NEAR_EXPIRY], period_type=2, period_num=1, include_relative_resources=False
            )
        )
    )
    assert Decimal(alone.renew_inquiry_results[0].amount) == Decimal("27.51")  # 26.20 x 1.05
    with pytest.raises(ClientRequestException) as exc_info:
        bss.list_renew_rate_on_period(
            ListRenewRateOnPeriodRequest(
                body=ListRenewRateOnPeriodReq(resource_ids=[RESOURCE_NEAR_EXPIRY], period_type=2, period_num=12)
            )
        )
    assert_rejected(exc_info, 400, "CBC.0100")
