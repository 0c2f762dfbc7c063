"""A whole customer life through the official SDK alone (issue #3): the partner registers a customer, gets
its real-name authentication approved and sets its budget; the customer buys in the console, pays, renews,
switches auto-renewal on and off, unsubscribes and opens a ticket. The sandbox's control API stands in
only where a person acts: the verification email, the reviewer, the console's "Buy Now", the support
engineer and the passing of time. The customer's identity comes from IAM (partner token -> assume_role
token, and temporary AK/SK for tickets; reference 9.3) through `sandbox.customer_client`."""

from __future__ import annotations

from decimal import Decimal

from dateutil.relativedelta import relativedelta
from huaweicloudsdkbssintl.v2 import (
    CancelAutoRenewalResourcesRequest,
    ListCustomerOrdersRequest,
    ListOrderDiscountsRequest,
    ShowCustomerAccountBalancesRequest,
    ShowRefundOrderDetailsRequest,
)
from huaweicloudsdkosm.v2 import (
    IncidentSatisfactionV2Do,
    ListMessagesRequest,
    ShowCaseDetailRequest,
)

from tests.sandbox import test_budgets as budgets
from tests.sandbox import test_commerce_life as life
from tests.sandbox import test_operations as registration
from tests.sandbox import test_realname as realname
from tests.sandbox import test_tickets_life as tickets
from tests.sandbox.conftest import build_bss
from tests.sandbox.test_every_operation import auto_renew, cancel_order, refusal
from tests.sandbox_tickets_helpers import SITE, build_osm

NAME = "lin-trading"
EMAIL = "lin.wei@lin-trading.example.com"
XACCOUNT_ID = "pp-customer-4711"
BUDGET = Decimal("300.00")


def money(value) -> Decimal:
    return Decimal(str(value))


# --- the partner's side ---------------------------------------------------------------------------------


def register_customer(bss, sandbox) -> str:
    """Check the name and email, mail a verification code, create the account; its id."""
    assert registration.check(bss, "name", NAME).check_result == "available"
    assert registration.check(bss, "email", EMAIL).check_result == "available"
    registration.send_code(bss, EMAIL, lang="en-us")
    code = sandbox.verification_code(EMAIL)  # the customer reads it in the email
    created = registration.create(
        bss, domain_name=NAME, email=EMAIL, verification_code=code, xaccount_id=XACCOUNT_ID, password="Lin-Trading-2026"
    )
    assert created.domain_name == NAME
    return created.domain_id


def customer_info(bss, customer_id):
    return realname.customer_info(bss, customer_id)


def apply_for_real_name(bss, customer_id) -> None:
    application = realname.individual(bss, customer_id, name="Lin Wei", verified_number="E98765432")
    assert application.is_review == 1  # a person reviews it


def budget(bss, customer_id):
    return budgets.show(bss, customer_id)


def set_budget(bss, customer_id, amount: Decimal) -> None:
    budgets.update(bss, customer_id=customer_id, budget_amount=amount, budget_type="MONTHLY")


def orders_of(bss, customer_id, **query):
    request = ListCustomerOrdersRequest(method="sub_customer", customer_id=customer_id, limit=100, **query)
    return bss.list_customer_orders(request).order_infos


# --- where a person acts (control API) -----------------------------------------------------------------


def buy_in_console(sandbox, customer_id, **choice) -> str:
    """The customer clicks "Buy Now" in the HUAWEI CLOUD console: a pending-payment order."""
    return life.purchase(sandbox, customer_id=customer_id, **choice)["order_id"]


# --- the customer's side -------------------------------------------------------------------------------


def pay_with_the_partner_discount(client, order_id) -> None:
    (discount,) = client.list_order_discounts(ListOrderDiscountsRequest(order_id=order_id)).discounts
    life.pay(client, order_id, discount_id=discount.discount_id)


def open_ticket(osm) -> str:
    return tickets.create(
        osm,
        incident_sub_type_id="2",
        product_category_id="81",
        business_type_id="8101",
        region_id=None,
        simple_description="Which budget does my renewal use?",
    )


def test_a_customer_life_through_the_sdk(sandbox):
    bss = build_bss(sandbox.url)

    # The partner registers the customer; it is listed at once, not yet authenticated, without a budget.
    customer_id = register_customer(bss, sandbox)
    info = customer_info(bss, customer_id)
    assert (info.account_name, info.xaccount_id, info.association_type, info.verified_status) == (
        NAME,
        XACCOUNT_ID,
        "3",
        "-1",
    )
    assert money(budget(bss, customer_id).budget_amount) == 0

    # Real-name authentication waits for a reviewer, who approves it.
    apply_for_real_name(bss, customer_id)
    assert realname.review(bss, customer_id).review_result == 0
    assert customer_info(bss, customer_id).verified_status == "0"
    sandbox.realname_decide(customer_id, "approve")
    assert realname.review(bss, customer_id).review_result == 2
    info = customer_info(bss, customer_id)
    assert (info.verified_status, info.customer_type, info.customer) == ("2", 0, "Lin Wei")

    # In the console the customer orders an ECS; the partner sees the order waiting for payment.
    order_id = buy_in_console(sandbox, customer_id, spec="s6.large.2.linux", size=40)
    (listed,) = orders_of(bss, customer_id, status=6)
    assert (listed.order_id, listed.order_type) == (order_id, 1)

    # Acting as the customer (IAM assume_role token): no budget yet, so paying is refused.
    customer = sandbox.customer_client(NAME)
    assert refusal(lambda: life.pay(customer, order_id)) == (400, "CBC.99003109")
    assert life.details(customer, order_id).order_info.status == 6

    # The partner sets a budget; now the customer pays with the partner discount.
    set_budget(bss, customer_id, BUDGET)
    assert (money(budget(bss, customer_id).budget_amount), money(budget(bss, customer_id).used_amount)) == (BUDGET, 0)
    pay_with_the_partner_discount(customer, order_id)
    paid = life.details(customer, order_id).order_info
    assert paid.status == 5
    assert money(budget(bss, customer_id).used_amount) == money(paid.amount_after_discount) > 0
    balances = customer.show_customer_account_balances(ShowCustomerAccountBalancesRequest()).account_balances
    assert {b.account_type: money(b.amount) for b in balances}[2] == BUDGET - money(paid.amount_after_discount)

    # Provisioned: the ECS and its system disk, for one month from payment.
    provisioned = life.resources(customer, order_id=order_id)
    (vm,) = [r for r in provisioned if r.is_main_resource == 1]
    (disk,) = [r for r in provisioned if r.is_main_resource == 0]
    assert (vm.status, disk.parent_resource_id) == (2, vm.resource_id)
    assert life.at(vm.expire_time) == life.at(vm.effective_time) + relativedelta(months=1)

    # Renewing for a month (paid at once) moves the expiry on by a month and spends budget.
    used = money(budget(bss, customer_id).used_amount)
    (renewal_id,) = life.renew(customer, [vm.resource_id], auto_pay=1).order_ids
    renewal = life.details(customer, renewal_id).order_info
    assert (renewal.order_type, renewal.status) == (2, 5)
    renewed = life.resource(customer, vm.resource_id)
    assert life.at(renewed.expire_time) == life.at(vm.expire_time) + relativedelta(months=1)
    assert money(budget(bss, customer_id).used_amount) == used + money(renewal.amount_after_discount)

    # Auto-renewal on, then off again.
    auto_renew(customer, vm.resource_id)
    assert life.resource(customer, vm.resource_id).expire_policy == 3
    customer.cancel_auto_renewal_resources(CancelAutoRenewalResourcesRequest(resource_id=vm.resource_id))
    assert life.resource(customer, vm.resource_id).expire_policy == 0

    # Unsubscribing closes the resources; the refund order's amount comes back to the budget.
    used = money(budget(bss, customer_id).used_amount)
    (refund_id,) = life.unsubscribe(customer, [vm.resource_id]).order_ids
    refund = bss.show_refund_order_details(ShowRefundOrderDetailsRequest(order_id=refund_id, customer_id=customer_id))
    refunded = -sum(money(line.amount) for line in refund.refund_infos)
    assert {line.base_order_id for line in refund.refund_infos} == {order_id, renewal_id}
    assert 0 < refunded <= money(paid.amount_after_discount) + money(renewal.amount_after_discount)
    assert money(budget(bss, customer_id).used_amount) == used - refunded
    assert life.resource(customer, vm.resource_id).status == 3

    # A ticket opened as the customer (temporary AK/SK); the engineer answers; the customer closes it.
    osm = sandbox.customer_client(NAME, service="osm", temporary=True)
    incident_id = open_ticket(osm)
    sandbox.ticket_reply(incident_id, "Renewals use the budget your partner sets.", status=2)
    detail = osm.show_case_detail(ShowCaseDetailRequest(case_id=incident_id, **SITE)).incident_detail_info
    assert [(m.type, m.content) for m in detail.message_list][1] == (1, "Renewals use the budget your partner sets.")
    messages = osm.list_messages(ListMessagesRequest(case_id=incident_id, **SITE))
    assert (messages.count, messages.message_list[1].replier_type) == (2, 1)
    satisfied = [IncidentSatisfactionV2Do(satisfaction_id=3, satisfaction_value=5)]
    tickets.act(osm, incident_id, "close", judgement="Clear answer", incident_satisfaction_list=satisfied)
    assert tickets.status_of(osm, incident_id) == 3
    assert refusal(lambda: tickets.status_of(build_osm(sandbox.url), incident_id)) == (400, "OSM.01010002")

    # Another customer's identity cannot touch this customer's order; partner credentials cannot act
    # as the customer.
    pending_id = buy_in_console(sandbox, customer_id, service="evs", spec="SAS", size=100)
    acme = sandbox.customer_client("acme-retail")
    for attempt in (
        lambda: life.pay(acme, pending_id),
        lambda: cancel_order(acme, pending_id),
        lambda: life.details(acme, pending_id),
    ):
        assert refusal(attempt) == (400, "CBC.30000010")
    for attempt in (
        lambda: life.pay(bss, pending_id),
        lambda: cancel_order(bss, pending_id),
        lambda: life.renew(bss, [vm.resource_id]),
        lambda: bss.show_customer_account_balances(ShowCustomerAccountBalancesRequest()),
    ):
        assert refusal(attempt) == (403, "CBC.0151")
    cancel_order(customer, pending_id)
    assert life.details(customer, pending_id).order_info.status == 4

    # The budget holds: a yearly server that costs more than is left is refused and stays unpaid ...
    left = BUDGET - money(budget(bss, customer_id).used_amount)
    expensive_id = buy_in_console(sandbox, customer_id, spec="m7.2xlarge.8.linux", period_type=3, period_num=1)
    assert money(life.details(customer, expensive_id).order_info.amount_after_discount) > left
    assert refusal(lambda: life.pay(customer, expensive_id)) == (400, "CBC.99003109")
    assert money(budget(bss, customer_id).used_amount) == BUDGET - left

    # ... until its payment window closes 15 days later. The customer's token (24 hours) has expired by then.
    sandbox.advance_clock(days=16)
    (lapsed,) = orders_of(bss, customer_id, order_id=expensive_id)
    assert lapsed.status == 4
    assert refusal(lambda: life.details(customer, expensive_id)) == (401, "APIGW.0301")
