"""Resources: yearly/monthly list, renew / unsubscribe (failures as data), auto-renewal, pay-per-use."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from huaweicloudsdkbssintl.v2 import model as m

from huaweicloud import orders, resources
from huaweicloud.errors import CloudRejected, CloudUnavailable
from huaweicloud.ratings import ResourceFailure
from huaweicloud.types import CustomerRef
from tests.huaweicloud import gateway_fakes
from tests.huaweicloud.gateway_fakes import ALICE, rejected

fakes = gateway_fakes.fakes
fresh_tokens = gateway_fakes.fresh_tokens


def test_subscriptions_list_as_the_customer(fakes):
    client = fakes.customer(ALICE)
    client.list_pay_per_use_customer_resources.return_value = m.ListPayPerUseCustomerResourcesResponse(
        total_count=1,
        data=[
            m.OrderInstanceV2(
                id="i1",
                resource_id="vm-1",
                is_main_resource=1,
                status=2,
                expire_policy=3,
                expire_time="2024-02-01T00:00:00Z",
                spec_size=40,
                region_code="ap-southeast-1",
            )
        ],
    )

    page = resources.subscriptions_list(customer=ALICE, only_main=True, statuses=[2, 5], order_id="CS1")

    body = client.list_pay_per_use_customer_resources.call_args.args[0].body
    assert (body.only_main_resource, body.status_list, body.order_id) == (1, [2, 5], "CS1")
    assert body.customer_id is None  # the customer's own token says who
    (sub,) = page.items
    assert sub.is_main_resource and sub.auto_renew
    assert sub.expires_at == datetime(2024, 2, 1, tzinfo=UTC)
    assert sub.spec_size == Decimal("40")
    with pytest.raises(ValueError):
        resources.subscriptions_list(customer=ALICE, statuses=[1])


def test_renew_returns_orders_and_failures(fakes):
    client = fakes.customer(ALICE)
    client.renewal_resources.return_value = m.RenewalResourcesResponse(
        order_ids=["CS2"],
        fail_resource_infos=[m.FailResourceInfo(resource_id="disk-1", error_code="CBC.30050007", error_msg="not main")],
    )

    result = resources.resources_renew(customer=ALICE, resource_ids=["vm-1", "disk-1"], period_type=2, period_num=1)

    assert result.order_ids == ("CS2",)
    assert result.failures == (ResourceFailure("disk-1", "CBC.30050007", "not main"),)
    assert client.renewal_resources.call_args.args[0].body.is_auto_pay == 0
    with pytest.raises(ValueError):
        resources.resources_renew(
            customer=ALICE, resource_ids=[f"r{n}" for n in range(11)], period_type=2, period_num=1
        )
    with pytest.raises(ValueError):
        resources.resources_renew(customer=ALICE, resource_ids="vm-1", period_type=2, period_num=1)


def test_unsubscribe(fakes):
    client = fakes.customer(ALICE)
    client.cancel_resources_subscription.return_value = m.CancelResourcesSubscriptionResponse(
        order_ids=["CS3"], fail_resource_infos=[]
    )

    result = resources.resources_unsubscribe(customer=ALICE, resource_ids=["vm-1"], reason_type=5, reason="moving")

    body = client.cancel_resources_subscription.call_args.args[0].body
    assert (body.unsubscribe_type, body.unsubscribe_reason_type, body.unsubscribe_reason) == (1, 5, "moving")
    assert result == resources.BatchResult(order_ids=("CS3",), failures=())


def test_autorenew_on_and_off(fakes):
    client = fakes.customer(ALICE)
    client.auto_renewal_resources.return_value = m.AutoRenewalResourcesResponse()
    client.cancel_auto_renewal_resources.side_effect = rejected(code="CBC.99003605", message="already cancelled")

    resources.autorenew_enable(customer=ALICE, resource_id="vm-1", times=3, period="YEAR")
    with pytest.raises(CloudRejected):
        resources.autorenew_disable(customer=ALICE, resource_id="vm-1")

    request = client.auto_renewal_resources.call_args.args[0]
    assert (request.resource_id, request.body.auto_renew_times, request.body.period_type) == ("vm-1", 3, "YEAR")
    with pytest.raises(ValueError):
        resources.autorenew_enable(customer=ALICE, resource_id="vm-1", times=100)


def test_renewal_quote_is_the_rating(fakes):
    client = fakes.customer(ALICE)
    client.list_renew_rate_on_period.return_value = m.ListRenewRateOnPeriodResponse(
        renew_inquiry_results=[], fail_resource_infos=[]
    )
    quote = resources.renewal_quote(customer=ALICE, resource_ids=["vm-1"], period_type=3, period_num=1)
    assert quote.amount == Decimal("0")


def test_on_demand_resources_as_the_partner(fakes):
    fakes.partner_bss.list_customer_on_demand_resources.return_value = m.ListCustomerOnDemandResourcesResponse(
        total_count=1,
        resources=[
            m.CustomerOnDemandResource(
                customer_id=ALICE.customer_id,
                resource_id="eip-1",
                status=1,
                resource_info='{"specSize":40.0}',
                effective_time="2024-01-01T00:00:00Z",
            )
        ],
    )

    page = resources.on_demand_resources_list(customer_id=ALICE.customer_id, region_code="ap-southeast-1")

    body = fakes.partner_bss.list_customer_on_demand_resources.call_args.args[0].body
    assert (body.customer_id, body.region_code) == (ALICE.customer_id, "ap-southeast-1")
    assert page.items[0].resource_info["specSize"] == 40.0
    assert page.items[0].effective_at.tzinfo is UTC


def test_on_demand_resource_info_that_is_not_json_is_malformed(fakes):
    fakes.partner_bss.list_customer_on_demand_resources.return_value = m.ListCustomerOnDemandResourcesResponse(
        total_count=1, resources=[m.CustomerOnDemandResource(resource_id="eip-1", resource_info="{broken")]
    )
    with pytest.raises(CloudUnavailable):
        resources.on_demand_resources_list(customer_id=ALICE.customer_id)


# --- against the sandbox (partner side) ------------------------------------------------------------------


def test_partner_lists_pay_per_use_resources(sandbox):
    page = resources.on_demand_resources_list(customer_id=sandbox.demo_customer["customer_id"], limit=100)

    assert page.count == len(page.items) > 0
    assert {r.customer_id for r in page.items} == {sandbox.demo_customer["customer_id"]}
    assert all(r.effective_at is None or r.effective_at.tzinfo is UTC for r in page.items)


def test_pay_per_use_resources_of_someone_elses_customer_are_rejected(sandbox):
    with pytest.raises(CloudRejected) as raised:
        resources.on_demand_resources_list(customer_id="f" * 32)
    assert raised.value.error_code == "CBC.99000035"


# --- against the sandbox (as the customer) ---------------------------------------------------------------

ECS = "3f1a2b4c-5d6e-4f70-8a91-b2c3d4e5f601"  # demo: ECS + system disk expiring in 5 days
EVS = "7c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e402"  # demo: yearly disk far from expiry


def demo(sandbox):
    return CustomerRef(sandbox.demo_customer["customer_id"], sandbox.demo_customer["account_name"])


def test_customer_lists_subscriptions(sandbox):
    everything = resources.subscriptions_list(customer=demo(sandbox), limit=100)
    main = resources.subscriptions_list(customer=demo(sandbox), only_main=True, limit=100)

    assert ECS in {s.resource_id for s in main.items}
    assert all(s.is_main_resource for s in main.items)
    assert everything.count > main.count  # attached disks and bandwidths too
    assert all(s.expires_at.tzinfo is UTC for s in everything.items)


def test_renew_a_server_and_fail_on_its_disk(sandbox):
    customer = demo(sandbox)
    (disk,) = [
        s for s in resources.subscriptions_list(customer=customer, limit=100).items if s.parent_resource_id == ECS
    ]
    quote = resources.renewal_quote(customer=customer, resource_ids=[ECS], period_type=2, period_num=1)
    assert quote.amount > 0 and quote.failures == ()

    result = resources.resources_renew(
        customer=customer, resource_ids=[ECS, disk.resource_id], period_type=2, period_num=1
    )

    assert len(result.order_ids) == 1
    assert [(f.resource_id, f.error_code) for f in result.failures] == [(disk.resource_id, "CBC.30050007")]
    page = orders.orders_list(customer=customer, order_id=result.order_ids[0])
    assert page.items[0].status == orders.STATUS_PENDING_PAYMENT


def test_auto_renewal_on_and_off(sandbox):
    customer = demo(sandbox)

    resources.autorenew_enable(customer=customer, resource_id=EVS, period="YEAR")
    (on,) = resources.subscriptions_list(customer=customer, resource_ids=[EVS]).items
    resources.autorenew_disable(customer=customer, resource_id=EVS)
    (off,) = resources.subscriptions_list(customer=customer, resource_ids=[EVS]).items

    assert on.auto_renew and not off.auto_renew
    with pytest.raises(CloudRejected) as raised:
        resources.autorenew_disable(customer=customer, resource_id=EVS)
    assert raised.value.error_code == "CBC.99003605"


def test_unsubscribe_and_read_the_refund(sandbox):
    customer = demo(sandbox)

    result = resources.resources_unsubscribe(customer=customer, resource_ids=[EVS], reason_type=5, reason="test")

    assert result.failures == ()
    (order_id,) = result.order_ids
    refund = orders.refund_order_detail(customer_id=customer.customer_id, order_id=order_id)
    assert sum(line.amount for line in refund) < 0
