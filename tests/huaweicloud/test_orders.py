"""Orders: parsing (float money to exact Decimal, aware datetimes), who calls, payments never repeated."""

import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from huaweicloudsdkbssintl.v2 import model as m

from huaweicloud import orders
from huaweicloud.errors import LOCAL_TIMEOUT, CloudRejected, CloudUnavailable
from tests.huaweicloud import gateway_fakes
from tests.huaweicloud.gateway_fakes import ALICE, rejected

fakes = gateway_fakes.fakes
fresh_tokens = gateway_fakes.fresh_tokens


def order_info(model=m.CustomerOrderV2, **extra):
    return model(
        order_id="CS2401011234ABCDE",
        customer_id=ALICE.customer_id,
        service_type_code="hws.service.type.ec2",
        service_type_name="ECS",
        source_type=1,
        status=6,
        order_type=1,
        amount_after_discount=0.1 + 0.2,
        official_amount=0.4,
        measure_id=1,
        create_time="2024-01-01T12:34:00Z",
        payment_time=None,
        currency="USD",
        amount_info=m.AmountInfomationV2(
            discounts=[m.DiscountItemV2(discount_type="607", discount_amount=0.1)], coupon_amount=0.0
        ),
        **extra,
    )


def test_orders_list_as_the_customer(fakes):
    client = fakes.customer(ALICE)
    client.list_customer_orders.return_value = m.ListCustomerOrdersResponse(total_count=7, order_infos=[order_info()])

    page = orders.orders_list(
        customer=ALICE, status=6, order_type=2, offset=5, limit=5, created_from=datetime(2024, 1, 1, tzinfo=UTC)
    )

    (request,), _ = client.list_customer_orders.call_args
    assert (request.status, request.order_type, request.offset, request.limit) == (6, "2", 5, 5)
    assert request.create_time_begin == "2024-01-01T00:00:00Z"
    assert request.method is None and request.customer_id is None
    assert page.count == 7
    (order,) = page.items
    assert order.amount == Decimal("0.30000000000000004")  # exactly what the float said, no binary noise added
    assert order.official_amount == Decimal("0.4")
    assert order.created_at == datetime(2024, 1, 1, 12, 34, tzinfo=UTC)
    assert order.discounts == (orders.Discount("607", Decimal("0.1")),)
    fakes.partner_bss.list_customer_orders.assert_not_called()


def test_orders_list_as_the_partner_names_the_customer(fakes):
    fakes.partner_bss.list_customer_orders.return_value = m.ListCustomerOrdersResponse(total_count=0, order_infos=[])

    assert orders.orders_list(customer=ALICE, as_partner=True).items == ()

    (request,), _ = fakes.partner_bss.list_customer_orders.call_args
    assert (request.method, request.customer_id) == ("sub_customer", ALICE.customer_id)


def test_orders_list_checks_filters(fakes):
    with pytest.raises(ValueError):
        orders.orders_list(customer=ALICE, status=2)  # only in answers, not a filter
    with pytest.raises(ValueError):
        orders.orders_list(customer=ALICE, limit=101)


def test_order_detail_collects_every_page_of_line_items(fakes):
    client = fakes.customer(ALICE)

    def line(n):
        return m.OrderLineItemEntityV2(
            order_line_item_id=f"L{n}",
            product_id="p",
            period_type=2,
            period_num=1,
            amount_after_discount=1.5,
            official_amount=2.0,
            expire_time="2024-02-01T00:00:00Z",
        )

    detail = order_info(m.CustomerOrderV3, pending_payment_end_time="2024-01-16T12:34:00Z", user_name="alice-co")
    client.show_customer_order_details.side_effect = [
        m.ShowCustomerOrderDetailsResponse(
            total_count=101, order_info=detail, order_line_items=[line(n) for n in range(100)]
        ),
        m.ShowCustomerOrderDetailsResponse(total_count=101, order_info=detail, order_line_items=[line(100)]),
    ]

    result = orders.order_detail(customer=ALICE, order_id="CS2401011234ABCDE")

    assert [c.args[0].offset for c in client.show_customer_order_details.call_args_list] == [0, 100]
    assert len(result.line_items) == 101
    assert result.line_items[0].amount == Decimal("1.5")
    assert result.line_items[0].order_id == "CS2401011234ABCDE"
    assert result.order.pay_before == datetime(2024, 1, 16, 12, 34, tzinfo=UTC)
    assert result.order.status == orders.STATUS_PENDING_PAYMENT


def test_order_discounts_then_pay_with_the_discount(fakes):
    client = fakes.customer(ALICE)
    client.list_order_discounts.return_value = m.ListOrderDiscountsResponse(
        discounts=[
            m.DiscountInfoV3(
                discount_id="partner-discount",
                discount_value="1.60",
                discount_type=3,
                orders=[
                    m.OrderV3(
                        order_id="CS1",
                        order_line_items=[
                            m.OrderLineItemV3(
                                order_line_item_ids=["L1"],
                                discount_mode=0,
                                discount_amount=Decimal("1.60"),
                                discount_ratio=Decimal("0.90"),
                            )
                        ],
                    )
                ],
            )
        ]
    )
    client.pay_orders.return_value = m.PayOrdersResponse()

    (discount,) = orders.order_discounts(customer=ALICE, order_id="CS1")
    orders.order_pay(customer=ALICE, order_id="CS1", discount=discount)

    assert discount.lines[0].discount_amount == Decimal("1.60")
    (request,), _ = client.pay_orders.call_args
    assert (request.body.use_discount, request.body.use_coupon) == ("YES", "NO")
    assert [(d.id, d.type) for d in request.body.discount_infos] == [("partner-discount", 3)]
    assert request.body.coupon_infos is None


def test_pay_with_coupons(fakes):
    client = fakes.customer(ALICE)
    client.pay_orders.return_value = m.PayOrdersResponse()

    orders.order_pay(customer=ALICE, order_id="CS1", coupon_ids=["c1", "c2"])

    body = client.pay_orders.call_args.args[0].body
    assert body.use_coupon == "YES" and body.use_discount == "NO"
    assert [(c.id, c.type) for c in body.coupon_infos] == [("c1", 301), ("c2", 301)]
    with pytest.raises(ValueError):
        orders.order_pay(
            customer=ALICE, order_id="CS1", coupon_ids=["c1"], discount=orders.OrderDiscount("d", 3, "1", ())
        )
    with pytest.raises(ValueError):
        orders.order_pay(customer=ALICE, order_id="CS1", coupon_ids=["a", "b", "c", "d"])


def test_a_lost_payment_answer_is_maybe_applied_and_never_repeated(fakes):
    client = fakes.customer(ALICE)
    client.pay_orders.side_effect = requests.exceptions.ReadTimeout("read timed out")

    with pytest.raises(CloudUnavailable) as raised:
        orders.order_pay(customer=ALICE, order_id="CS1")

    assert raised.value.maybe_applied is True
    assert raised.value.error_code == LOCAL_TIMEOUT
    assert client.pay_orders.call_count == 1


def test_cancel_refused_is_rejected(fakes):
    client = fakes.customer(ALICE)
    client.cancel_customer_order.side_effect = rejected(code="CBC.30000067", message="Only pending-payment orders.")

    with pytest.raises(CloudRejected) as raised:
        orders.order_cancel(customer=ALICE, order_id="CS1")

    assert raised.value.error_code == "CBC.30000067"
    assert client.cancel_customer_order.call_args.args[0].body.order_id == "CS1"


def test_refund_order_detail_as_the_partner(fakes):
    fakes.partner_bss.show_refund_order_details.return_value = m.ShowRefundOrderDetailsResponse(
        total_count=1,
        refund_infos=[
            m.OrderRefundInfoV2(
                id="r1", amount=Decimal("-12.34"), measure_id="1", customer_id=ALICE.customer_id, base_order_id="CS0"
            )
        ],
    )

    (line,) = orders.refund_order_detail(customer_id=ALICE.customer_id, order_id="CS9")

    assert line.amount == Decimal("-12.34") and line.base_order_id == "CS0"
    request = fakes.partner_bss.show_refund_order_details.call_args.args[0]
    assert (request.customer_id, request.order_id) == (ALICE.customer_id, "CS9")


def test_coupons_list(fakes):
    client = fakes.customer(ALICE)
    client.list_sub_customer_coupons.return_value = m.ListSubCustomerCouponsResponse(
        count=1,
        user_coupons=[
            m.IQueryUserCouponsResultV2(
                coupon_id="c1", status=2, coupon_type=1, face_value=10.0, expire_time="2025-01-01T00:00:00Z"
            )
        ],
    )

    page = orders.coupons_list(customer=ALICE, status=2)

    assert page.count == 1
    assert page.items[0].face_value == Decimal("10.0")
    assert page.items[0].expires_at.tzinfo is UTC


def test_missing_total_is_malformed(fakes):
    fakes.customer(ALICE).list_customer_orders.return_value = m.ListCustomerOrdersResponse(order_infos=[])
    with pytest.raises(CloudUnavailable):
        orders.orders_list(customer=ALICE)


# --- against the sandbox (partner side) ------------------------------------------------------------------

DEMO_ORDERS = {"pending": "CS2501010004DEMO4", "unsubscription": "CS2501010008DEMO8"}


def demo(sandbox):
    from huaweicloud.types import CustomerRef

    return CustomerRef(sandbox.demo_customer["customer_id"], sandbox.demo_customer["account_name"])


def test_partner_lists_a_customers_orders(sandbox):
    page = orders.orders_list(customer=demo(sandbox), as_partner=True, limit=100)

    assert page.count == len(page.items) >= 8
    assert {o.customer_id for o in page.items} == {sandbox.demo_customer["customer_id"]}
    assert all(o.created_at.tzinfo is UTC for o in page.items)
    pending = orders.orders_list(customer=demo(sandbox), as_partner=True, status=orders.STATUS_PENDING_PAYMENT)
    assert DEMO_ORDERS["pending"] in {o.order_id for o in pending.items}
    assert all(o.status == orders.STATUS_PENDING_PAYMENT for o in pending.items)


def test_partner_reads_a_refund(sandbox):
    lines = orders.refund_order_detail(
        customer_id=sandbox.demo_customer["customer_id"], order_id=DEMO_ORDERS["unsubscription"]
    )

    assert lines
    assert sum(line.amount for line in lines) < 0  # refunded to the customer
    assert all(line.base_order_id for line in lines)


def test_partner_reads_a_refund_of_someone_elses_customer(sandbox):
    with pytest.raises(CloudRejected) as raised:
        orders.refund_order_detail(customer_id="f" * 32, order_id=DEMO_ORDERS["unsubscription"])
    assert raised.value.error_code == "CBC.99000035"


# --- against the sandbox (as the customer) ---------------------------------------------------------------


def test_customer_sees_an_order_with_its_line_items(sandbox):
    detail = orders.order_detail(customer=demo(sandbox), order_id="CS2501010001DEMO1")

    assert detail.order.order_id == "CS2501010001DEMO1"
    assert detail.order.status == orders.STATUS_COMPLETED
    assert len(detail.line_items) >= 2  # the server and its system disk
    assert sum(line.amount for line in detail.line_items) == detail.order.amount
    assert all(line.expires_at.tzinfo is UTC for line in detail.line_items)


def test_customer_pays_a_pending_order_with_the_partner_discount(sandbox):
    customer = demo(sandbox)
    before = orders.order_detail(customer=customer, order_id=DEMO_ORDERS["pending"]).order
    (discount,) = orders.order_discounts(customer=customer, order_id=DEMO_ORDERS["pending"])

    orders.order_pay(customer=customer, order_id=DEMO_ORDERS["pending"], discount=discount)

    after = orders.order_detail(customer=customer, order_id=DEMO_ORDERS["pending"]).order
    assert before.status == orders.STATUS_PENDING_PAYMENT
    assert after.status == orders.STATUS_COMPLETED
    assert after.paid_at is not None
    assert after.amount < after.official_amount
    with pytest.raises(CloudRejected) as raised:  # a second click
        orders.order_pay(customer=customer, order_id=DEMO_ORDERS["pending"])
    assert raised.value.error_code == "CBC.3106"


def test_a_payment_whose_answer_is_lost_is_resolved_with_order_detail(sandbox, settings):
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "READ_TIMEOUT": 1}
    sandbox.add_fault("pay_orders", "delay", delay=2.0, count=1)
    customer = demo(sandbox)

    with pytest.raises(CloudUnavailable) as raised:
        orders.order_pay(customer=customer, order_id=DEMO_ORDERS["pending"])
    assert raised.value.maybe_applied is True

    time.sleep(2.5)  # the sandbox finishes the payment after its delay
    assert (
        orders.order_detail(customer=customer, order_id=DEMO_ORDERS["pending"]).order.status == orders.STATUS_COMPLETED
    )
    assert len(sandbox.requests("pay_orders")) == 1  # never repeated


def test_customer_cancels_a_pending_order_once(sandbox):
    customer = demo(sandbox)
    purchase = sandbox.http.post(
        f"{sandbox.url}/_sandbox/console/purchase",
        json={
            "customer_id": customer.customer_id,
            "service": "evs",
            "region": "ap-southeast-1",
            "spec": "SAS",
            "size": 40,
        },
        timeout=10,
    )
    purchase.raise_for_status()
    order_id = purchase.json()["order_id"]

    orders.order_cancel(customer=customer, order_id=order_id)

    assert orders.order_detail(customer=customer, order_id=order_id).order.status == orders.STATUS_CANCELLED
    with pytest.raises(CloudRejected) as raised:
        orders.order_cancel(customer=customer, order_id=order_id)
    assert raised.value.error_code == "CBC.30000067"


def test_a_customer_cannot_see_another_customers_order(sandbox):
    from huaweicloud.types import CustomerRef

    acme = CustomerRef("a1b2c3d4e5f60718293a4b5c6d7e8f90", "acme-retail")
    with pytest.raises(CloudRejected):
        orders.order_detail(customer=acme, order_id=DEMO_ORDERS["pending"])
