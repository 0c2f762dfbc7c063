"""The life of a yearly/monthly purchase, driven as the customer (C operations, reference 5.4-5.11):
console purchase -> pay -> resources -> renew -> auto-renewal -> unsubscribe -> refund; and the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from huaweicloudsdkbssintl.v2 import (
    AutoRenewalResourcesReq,
    AutoRenewalResourcesRequest,
    CancelAutoRenewalResourcesRequest,
    CancelCustomerOrderReq,
    CancelCustomerOrderRequest,
    CancelResourcesSubscriptionRequest,
    DiscountSimpleInfoV3,
    ListCustomerOnDemandResourcesRequest,
    ListCustomerOrdersRequest,
    ListFreeResourceInfosReq,
    ListFreeResourceInfosRequest,
    ListFreeResourceUsagesReq,
    ListFreeResourceUsagesRequest,
    ListOrderDiscountsRequest,
    ListPayPerUseCustomerResourcesRequest,
    ListRenewRateOnPeriodReq,
    ListRenewRateOnPeriodRequest,
    PayCustomerOrderV3Req,
    PayOrdersRequest,
    PeriodToOnDemandReq,
    QueryCustomerOnDemandResourcesReq,
    QueryResourcesReq,
    RenewalResourcesReq,
    RenewalResourcesRequest,
    RenewResourceConfigReq,
    SetResourcesRenewConfigRequest,
    ShowCustomerOrderDetailsRequest,
    ShowRefundOrderDetailsRequest,
    UnsubscribeResourcesReq,
    UpdatePeriodToOnDemandRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.sandbox_server import DEMO_CUSTOMER

DEMO_ID = DEMO_CUSTOMER["customer_id"]
ORDER_PENDING = "CS2501010004DEMO4"
ORDER_NEAR_DEADLINE = "CS2501010005DEMO5"
RESOURCE_NEAR_EXPIRY = "3f1a2b4c-5d6e-4f70-8a91-b2c3d4e5f601"
RESOURCE_FAR_EXPIRY = "7c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e402"
RESOURCE_AUTO_RENEW = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b03"
TIME = "%Y-%m-%dT%H:%M:%SZ"


@pytest.fixture
def as_customer(sandbox):
    """`as_customer("demo-customer")` -> a BssintlClient acting with that customer's own identity."""
    return sandbox.customer_client


@pytest.fixture
def advance(sandbox):
    """`advance(days=...)`: move the sandbox clock forward."""
    return lambda **kwargs: sandbox.advance_clock(seconds=timedelta(**kwargs).total_seconds())


def at(text: str) -> datetime:
    return datetime.strptime(text, TIME).replace(tzinfo=UTC)


def purchase(sandbox, **fields) -> dict:
    body = {"customer_id": DEMO_ID, "service": "ecs", "region": "ap-southeast-1", "spec": "s6.large.2.linux"}
    response = sandbox.http.post(f"{sandbox.url}/_sandbox/console/purchase", json={**body, **fields}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def pay(bss, order_id, *, discount_id=None):
    body = PayCustomerOrderV3Req(order_id=order_id, use_coupon="NO", use_discount="YES" if discount_id else "NO")
    if discount_id:
        body.discount_infos = [DiscountSimpleInfoV3(id=discount_id, type=3)]
    return bss.pay_orders(PayOrdersRequest(body=body))


def details(bss, order_id):
    return bss.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=order_id, limit=100))


def resources(bss, **body):
    return bss.list_pay_per_use_customer_resources(
        ListPayPerUseCustomerResourcesRequest(body=QueryResourcesReq(limit=100, **body))
    ).data


def resource(bss, resource_id, customer_id=None):
    (found,) = resources(bss, resource_ids=[resource_id], customer_id=customer_id)
    return found


def renew(bss, resource_ids, *, auto_pay=0, period_type=2, period_num=1):
    return bss.renewal_resources(
        RenewalResourcesRequest(
            body=RenewalResourcesReq(
                resource_ids=resource_ids, period_type=period_type, period_num=period_num, is_auto_pay=auto_pay
            )
        )
    )


def unsubscribe(bss, resource_ids, unsubscribe_type=1):
    return bss.cancel_resources_subscription(
        CancelResourcesSubscriptionRequest(
            body=UnsubscribeResourcesReq(
                resource_ids=resource_ids, unsubscribe_type=unsubscribe_type, unsubscribe_reason_type=5
            )
        )
    )


def renew_config(bss, name, value):
    return bss.set_resources_renew_config(
        SetResourcesRenewConfigRequest(body=RenewResourceConfigReq(config_name=name, config_value=value))
    )


def to_on_demand(bss, operation, resource_ids):
    return bss.update_period_to_on_demand(
        UpdatePeriodToOnDemandRequest(body=PeriodToOnDemandReq(operation=operation, resource_ids=resource_ids))
    )


def packages(bss, **body):
    return bss.list_free_resource_infos(
        ListFreeResourceInfosRequest(x_language="en_US", body=ListFreeResourceInfosReq(**body))
    )


def package_usages(bss, free_resource_ids):
    return bss.list_free_resource_usages(
        ListFreeResourceUsagesRequest(body=ListFreeResourceUsagesReq(free_resource_ids=free_resource_ids))
    ).free_resources


def assert_rejected(exc_info, status, code):
    assert (exc_info.value.status_code, exc_info.value.error_code) == (status, code)


def test_the_life_of_a_purchase(sandbox, as_customer, bss):
    demo = as_customer("demo-customer")
    used_before = Decimal(sandbox.customer(DEMO_ID)["used_amount"])
    order_id = purchase(sandbox, size=40)["order_id"]

    # The partner discount is offered for the order, then used to pay.
    (discount,) = demo.list_order_discounts(ListOrderDiscountsRequest(order_id=order_id)).discounts
    assert discount.discount_type == 3
    assert {i.discount_mode for i in discount.orders[0].order_line_items} == {0}
    pay(demo, order_id, discount_id=discount.discount_id)

    paid = details(demo, order_id).order_info
    assert (paid.status, paid.amount_info.discounts[0].discount_type) == (5, "607")
    assert paid.amount_after_discount < paid.official_amount
    used_after = Decimal(sandbox.customer(DEMO_ID)["used_amount"])
    assert used_after - used_before == Decimal(str(paid.amount_after_discount))

    # Provisioned: the ECS (main) and its system disk (attached), a month from payment.
    provisioned = resources(demo, order_id=order_id)
    (vm,) = [r for r in provisioned if r.is_main_resource == 1]
    (disk,) = [r for r in provisioned if r.is_main_resource == 0]
    assert disk.parent_resource_id == vm.resource_id
    assert (vm.status, vm.expire_policy) == (2, 0)
    assert at(vm.expire_time) == at(vm.effective_time) + relativedelta(months=1)

    # Paying twice is refused.
    with pytest.raises(ClientRequestException) as exc_info:
        pay(demo, order_id)
    assert_rejected(exc_info, 400, "CBC.3106")

    # Renew: quote, then a pending renewal order, then pay it; the expiry moves one month on.
    quote = demo.list_renew_rate_on_period(
        ListRenewRateOnPeriodRequest(
            body=ListRenewRateOnPeriodReq(resource_ids=[vm.resource_id], period_type=2, period_num=1)
        )
    )
    assert quote.renew_inquiry_results[0].resource_id == vm.resource_id
    assert Decimal(quote.renew_inquiry_results[0].amount) == Decimal(str(paid.official_amount))
    assert quote.optional_discount_rating_results[0].best_offer == 1
    renewal = renew(demo, [vm.resource_id])
    assert renewal.fail_resource_infos == []
    (renewal_id,) = renewal.order_ids
    renewal_order = details(demo, renewal_id)
    assert (renewal_order.order_info.order_type, renewal_order.order_info.status) == (2, 6)
    assert renewal_order.total_count == 2  # main + attached renew together
    blocked = renew(demo, [vm.resource_id], auto_pay=1)
    assert (blocked.order_ids, blocked.fail_resource_infos[0].error_code) == ([], "CBC.30050010")
    pay(demo, renewal_id)
    once = resource(demo, vm.resource_id)
    assert at(once.expire_time) == at(vm.expire_time) + relativedelta(months=1)
    assert resource(demo, disk.resource_id).expire_time == once.expire_time

    # Renew again with auto-pay: completed at once.
    auto = renew(demo, [vm.resource_id], auto_pay=1)
    assert details(demo, auto.order_ids[0]).order_info.status == 5
    twice = resource(demo, vm.resource_id)
    assert at(twice.expire_time) == at(once.expire_time) + relativedelta(months=1)

    # Auto-renewal on and off flips expire_policy (the attached disk follows).
    demo.auto_renewal_resources(
        AutoRenewalResourcesRequest(
            resource_id=vm.resource_id, body=AutoRenewalResourcesReq(auto_renew_times=0, period_type="MONTH")
        )
    )
    assert resource(demo, vm.resource_id).expire_policy == 3
    assert resource(demo, disk.resource_id).expire_policy == 3
    demo.cancel_auto_renewal_resources(CancelAutoRenewalResourcesRequest(resource_id=vm.resource_id))
    assert resource(demo, vm.resource_id).expire_policy == 0
    with pytest.raises(ClientRequestException) as exc_info:
        demo.cancel_auto_renewal_resources(CancelAutoRenewalResourcesRequest(resource_id=vm.resource_id))
    assert_rejected(exc_info, 400, "CBC.99003605")

    # Unsubscribe: an unsubscription order with negative refund lines, the resources closed.
    result = unsubscribe(demo, [vm.resource_id])
    assert result.fail_resource_infos == []
    (refund_order,) = result.order_ids
    refund = demo.show_refund_order_details(ShowRefundOrderDetailsRequest(order_id=refund_order))
    assert refund.total_count == 6  # ECS and disk x (purchase, renewal, auto-paid renewal)
    assert all(r.amount < 0 for r in refund.refund_infos)
    assert {r.base_order_id for r in refund.refund_infos} == {order_id, renewal_id, auto.order_ids[0]}
    refunded = -sum(r.amount for r in refund.refund_infos)
    assert refunded > 0
    assert Decimal(sandbox.customer(DEMO_ID)["used_amount"]) < used_after + Decimal("100")
    assert resource(demo, vm.resource_id).status == 3
    assert details(demo, refund_order).order_info.order_type == 4
    partner_view = bss.show_refund_order_details(
        ShowRefundOrderDetailsRequest(order_id=refund_order, customer_id=DEMO_ID)
    )
    assert -sum(r.amount for r in partner_view.refund_infos) == refunded

    again = unsubscribe(demo, [vm.resource_id])
    assert (again.order_ids, again.fail_resource_infos[0].error_code) == ([], "CBC.3124")


def test_renew_and_unsubscribe_failures_per_resource(sandbox, as_customer):
    demo = as_customer("demo-customer")
    disk_id = next(r.resource_id for r in resources(demo) if r.parent_resource_id == RESOURCE_NEAR_EXPIRY)
    result = renew(demo, [disk_id, "no-such-resource", RESOURCE_FAR_EXPIRY])
    codes = {f.resource_id: f.error_code for f in result.fail_resource_infos}
    assert codes == {disk_id: "CBC.30050007", "no-such-resource": "CBC.30050009"}
    assert len(result.order_ids) == 1  # the far-expiry disk renews

    result = unsubscribe(demo, [disk_id, "no-such-resource"])
    assert result.order_ids == []
    assert {f.error_code for f in result.fail_resource_infos} == {"CBC.30050007", "CBC.30050009"}


def test_renew_and_unsubscribe_invalid_is_cbc_0100(as_customer):
    demo = as_customer("demo-customer")
    with pytest.raises(ClientRequestException) as exc_info:
        renew(demo, [f"r{i}" for i in range(11)])
    assert_rejected(exc_info, 400, "CBC.0100")
    with pytest.raises(ClientRequestException) as exc_info:
        renew(demo, [RESOURCE_FAR_EXPIRY], period_type=3, period_num=4)
    assert_rejected(exc_info, 400, "CBC.0100")
    with pytest.raises(ClientRequestException) as exc_info:
        unsubscribe(demo, [RESOURCE_FAR_EXPIRY], unsubscribe_type=7)
    assert_rejected(exc_info, 400, "CBC.0100")


def test_unsubscribe_only_the_renewed_period(sandbox, as_customer):
    demo = as_customer("demo-customer")
    before = resource(demo, RESOURCE_FAR_EXPIRY)
    renew(demo, [RESOURCE_FAR_EXPIRY], auto_pay=1, period_type=2, period_num=2)
    assert at(resource(demo, RESOURCE_FAR_EXPIRY).expire_time) == at(before.expire_time) + relativedelta(months=2)

    result = unsubscribe(demo, [RESOURCE_FAR_EXPIRY], unsubscribe_type=2)
    refund = demo.show_refund_order_details(ShowRefundOrderDetailsRequest(order_id=result.order_ids[0]))
    assert refund.total_count == 1
    after = resource(demo, RESOURCE_FAR_EXPIRY)
    assert (after.status, after.expire_time) == (2, before.expire_time)


def test_budget_exceeded_is_refused_and_the_order_stays_payable(sandbox, as_customer):
    demo = as_customer("demo-customer")
    sandbox.update_customer(DEMO_ID, used_amount=999.99)
    with pytest.raises(ClientRequestException) as exc_info:
        pay(demo, ORDER_PENDING)
    assert exc_info.value.status_code == 400
    assert exc_info.value.error_code not in ("CBC.0100", "CBC.3106", "CBC.30000010")
    assert details(demo, ORDER_PENDING).order_info.status == 6

    sandbox.update_customer(DEMO_ID, used_amount=0)
    pay(demo, ORDER_PENDING)
    assert details(demo, ORDER_PENDING).order_info.status == 5


def test_cancel_a_pending_order(as_customer):
    demo = as_customer("demo-customer")
    demo.cancel_customer_order(CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=ORDER_PENDING)))
    assert details(demo, ORDER_PENDING).order_info.status == 4
    with pytest.raises(ClientRequestException) as exc_info:
        demo.cancel_customer_order(CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=ORDER_PENDING)))
    assert_rejected(exc_info, 400, "CBC.30000067")
    with pytest.raises(ClientRequestException) as exc_info:
        pay(demo, ORDER_PENDING)
    assert_rejected(exc_info, 400, "CBC.3106")


def test_pay_with_a_coupon_or_an_unknown_discount_is_cbc_0100(as_customer):
    demo = as_customer("demo-customer")
    with pytest.raises(ClientRequestException) as exc_info:
        pay(demo, ORDER_PENDING, discount_id="not-a-discount")
    assert_rejected(exc_info, 400, "CBC.0100")
    with pytest.raises(ClientRequestException) as exc_info:
        demo.pay_orders(PayOrdersRequest(body=PayCustomerOrderV3Req(order_id=ORDER_PENDING, use_coupon="YES")))
    assert_rejected(exc_info, 400, "CBC.0100")


def test_a_customer_cannot_touch_another_customers_order(sandbox, as_customer):
    acme = as_customer("acme-retail")
    for attempt in (
        lambda: details(acme, ORDER_PENDING),
        lambda: pay(acme, ORDER_PENDING),
        lambda: acme.cancel_customer_order(
            CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=ORDER_PENDING))
        ),
        lambda: acme.list_order_discounts(ListOrderDiscountsRequest(order_id=ORDER_PENDING)),
    ):
        with pytest.raises(ClientRequestException) as exc_info:
            attempt()
        assert_rejected(exc_info, 400, "CBC.30000010")
    own = acme.list_customer_orders(ListCustomerOrdersRequest(limit=100))
    assert own.total_count == 2
    assert all(o.customer_id != DEMO_ID for o in own.order_infos)
    assert RESOURCE_FAR_EXPIRY not in {r.resource_id for r in resources(acme)}
    assert details(as_customer("demo-customer"), ORDER_PENDING).order_info.status == 6


def test_the_clock_auto_renews_expires_freezes_and_closes(sandbox, bss, advance):
    auto_before = resource(bss, RESOURCE_AUTO_RENEW, DEMO_ID)

    advance(days=10)  # the 5-day ECS is expired, the unpaid order near its deadline cancelled
    assert resource(bss, RESOURCE_NEAR_EXPIRY, DEMO_ID).status == 5
    assert details(bss, ORDER_NEAR_DEADLINE).order_info.status == 4

    advance(days=15)  # 20 days past expiry: frozen after the 15-day grace period
    assert resource(bss, RESOURCE_NEAR_EXPIRY, DEMO_ID).status == 4

    advance(days=20)  # 40 days past expiry: closed; the auto-renew EIP (due after ~42 days) renewed
    assert resource(bss, RESOURCE_NEAR_EXPIRY, DEMO_ID).status == 3
    renewed = resource(bss, RESOURCE_AUTO_RENEW, DEMO_ID)
    assert (renewed.status, renewed.expire_policy) == (2, 3)
    assert at(renewed.expire_time) == at(auto_before.expire_time) + relativedelta(months=1)
    system_renewals = bss.list_customer_orders(
        ListCustomerOrdersRequest(method="sub_customer", customer_id=DEMO_ID, order_type="2")
    ).order_infos
    assert [(o.source_type, o.status) for o in system_renewals] == [(8, 5)]
    assert resource(bss, RESOURCE_FAR_EXPIRY, DEMO_ID).status == 2


def test_paying_after_the_deadline_is_refused(sandbox, as_customer, advance):
    demo = as_customer("demo-customer")
    advance(hours=5)
    with pytest.raises(ClientRequestException) as exc_info:
        pay(demo, ORDER_NEAR_DEADLINE)
    assert_rejected(exc_info, 400, "CBC.3106")
    assert details(demo, ORDER_NEAR_DEADLINE).order_info.status == 4


# --- renewal settings and conversion to pay-per-use ---------------------------------------------------


def test_conversion_to_pay_per_use_is_set_and_cancelled_with_the_attached_resources(as_customer):
    demo = as_customer("demo-customer")
    disk_id = next(r.resource_id for r in resources(demo) if r.parent_resource_id == RESOURCE_NEAR_EXPIRY)

    assert to_on_demand(demo, "SET_UP", [RESOURCE_NEAR_EXPIRY]).error_details == []
    assert {resource(demo, RESOURCE_NEAR_EXPIRY).expire_policy, resource(demo, disk_id).expire_policy} == {1}
    assert to_on_demand(demo, "CANCEL", [RESOURCE_NEAR_EXPIRY]).error_details == []
    assert {resource(demo, RESOURCE_NEAR_EXPIRY).expire_policy, resource(demo, disk_id).expire_policy} == {0}

    # Cancelling leaves an auto-renewal alone; only main resources; per-id answers.
    failed = to_on_demand(demo, "CANCEL", [RESOURCE_AUTO_RENEW, disk_id]).error_details
    assert [(f.id, f.error_code) for f in failed] == [(disk_id, "CBC.30050007")]
    assert resource(demo, RESOURCE_AUTO_RENEW).expire_policy == 3


def test_an_expired_resource_cannot_be_set_to_pay_per_use_and_stays_off_the_on_demand_list(sandbox, bss, advance):
    advance(days=6)  # the ECS expired without a conversion set
    demo = sandbox.customer_client("demo-customer")

    failed = to_on_demand(demo, "SET_UP", [RESOURCE_NEAR_EXPIRY]).error_details

    assert [(f.id, f.error_code) for f in failed] == [(RESOURCE_NEAR_EXPIRY, "CBC.3016")]
    on_demand = bss.list_customer_on_demand_resources(
        ListCustomerOnDemandResourcesRequest(
            body=QueryCustomerOnDemandResourcesReq(customer_id=DEMO_ID, resource_ids=[RESOURCE_NEAR_EXPIRY])
        )
    )
    assert on_demand.total_count == 0
    assert resource(demo, RESOURCE_NEAR_EXPIRY).status == 5


def test_renewals_end_on_the_unified_expiry_day(as_customer):
    demo = as_customer("demo-customer")
    before = at(resource(demo, RESOURCE_FAR_EXPIRY).expire_time)

    renew_config(demo, "EXPIRE_DATE", "15")
    renew(demo, [RESOURCE_FAR_EXPIRY], auto_pay=1)

    after = at(resource(demo, RESOURCE_FAR_EXPIRY).expire_time)
    one_month = before + relativedelta(months=1)
    assert after.day == 15 and one_month <= after < one_month + relativedelta(months=1)
    assert (after.hour, after.minute) == (before.hour, before.minute)


@pytest.mark.parametrize(
    ("name", "value"), [("DEDUCTION_DATE", "1"), ("DEDUCTION_DATE", "8"), ("EXPIRE_DATE", "29"), ("RENEW_DAY", "3")]
)
def test_renewal_settings_out_of_range_are_cbc_0100(as_customer, name, value):
    with pytest.raises(ClientRequestException) as exc_info:
        renew_config(as_customer("demo-customer"), name, value)
    assert_rejected(exc_info, 400, "CBC.0100")


# --- resource packages ---------------------------------------------------------------------------------

OBS_STORAGE_ITEM = "c1d2e3f4a5b60718293a4b5c6d7e8f01"  # resets every month
TRAFFIC_ITEM = "c1d2e3f4a5b60718293a4b5c6d7e8f02"  # never resets


def test_resource_packages_and_what_is_left_of_them(as_customer):
    demo = as_customer("demo-customer")

    listed = packages(demo, limit=100)
    storage, traffic = package_usages(demo, [OBS_STORAGE_ITEM, TRAFFIC_ITEM, "not-an-item"])

    assert listed.total_count == 3
    obs = next(p for p in listed.free_resource_packages if p.service_type_code == "hws.service.type.obs")
    assert (obs.status, obs.quota_reuse_mode, obs.service_type_name) == (1, 1, "Object Storage Service")
    assert [(i.free_resource_id, i.amount, i.original_amount) for i in obs.free_resources] == [
        (OBS_STORAGE_ITEM, "27.5", "40")
    ]
    assert (storage.free_resource_id, storage.amount, storage.original_amount) == (
        OBS_STORAGE_ITEM,
        Decimal("27.5"),
        Decimal("40"),
    )
    # A monthly quota runs for the natural month (UTC+8); a one-off one for the package's life.
    assert (storage.quota_reuse_cycle, storage.quota_reuse_cycle_type) == (4, 1)
    assert storage.start_time.endswith("T16:00:00Z") and storage.end_time.endswith("T15:59:59Z")
    traffic_package = next(
        p for p in listed.free_resource_packages if p.free_resources[0].free_resource_id == TRAFFIC_ITEM
    )
    assert (traffic.quota_reuse_cycle, traffic.start_time, traffic.end_time) == (
        None,
        traffic_package.effective_time,
        traffic_package.expire_time,
    )


def test_resource_package_filters_and_expiry(sandbox, as_customer, advance):
    demo = as_customer("demo-customer")
    assert [p.status for p in packages(demo, status=3).free_resource_packages] == [3]
    assert packages(demo, service_type_code_list=["HWS.SERVICE.TYPE.VPC"]).total_count == 1
    assert packages(demo, product_name="storage").total_count == 1
    assert packages(as_customer("acme-retail")).total_count == 0
    assert package_usages(as_customer("acme-retail"), [OBS_STORAGE_ITEM]) == []  # not its item

    advance(days=151)  # the 6-month traffic package has run out

    assert packages(sandbox.customer_client("demo-customer"), status=3).total_count == 2


def test_resource_package_queries_out_of_range_are_cbc_0100(as_customer):
    demo = as_customer("demo-customer")
    for call in (
        lambda: packages(demo, status=5),
        lambda: packages(demo, limit=101),
        lambda: package_usages(demo, []),
        lambda: package_usages(demo, ["x" * 65]),
    ):
        with pytest.raises(ClientRequestException) as exc_info:
            call()
        assert_rejected(exc_info, 400, "CBC.0100")
