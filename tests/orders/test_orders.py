"""The orders mirror and pages: sync, list, detail, cancel, isolation between customers, staff admin."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from huaweicloud import identity
from orders import services, tasks
from orders.models import Order, OrderResource, PaymentAttempt
from partner_portal.roles import OPERATIONS
from tests.factories import CustomerFactory, StaffUserFactory
from tests.orders.helpers import cloud_order, demo_customer, purchase, sandbox_customer

pytestmark = pytest.mark.django_db


def make_orders(customer, n: int, *, status=Order.Status.COMPLETED) -> list[Order]:
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            customer=customer,
            order_id=f"CS{customer.pk:04d}{i:08d}",
            status=status,
            order_type=Order.OrderType.NEW,
            service_type_name="Elastic Cloud Server",
            amount=Decimal("10.00"),
            official_amount=Decimal("11.00"),
            ordered_at=now - timedelta(minutes=i),
            pay_before=now + timedelta(days=3),
        )
        for i in range(n)
    )
    return orders


# --- sync ----------------------------------------------------------------------------------------


def test_sync_mirrors_orders_with_lines_resources_and_refunds(sandbox):
    customer = demo_customer()

    result = services.orders_sync(customer=customer)

    assert result.seen == result.created == Order.objects.filter(customer=customer).count() == 8
    paid = Order.objects.get(order_id="CS2501010001DEMO1")
    assert paid.status == Order.Status.COMPLETED
    assert paid.discount_amount == paid.official_amount - paid.amount > 0
    assert paid.line_items.count() == 2
    assert paid.resources.filter(resource_id="3f1a2b4c-5d6e-4f70-8a91-b2c3d4e5f601", status=2).exists()
    pending = Order.objects.get(order_id="CS2501010004DEMO4")
    assert pending.status == Order.Status.PENDING_PAYMENT and pending.pay_before is not None
    unsubscription = Order.objects.get(order_id="CS2501010008DEMO8")
    assert unsubscription.order_type == Order.OrderType.UNSUBSCRIPTION
    assert unsubscription.refund_amount > 0


def test_second_sync_changes_nothing(sandbox, django_assert_max_num_queries):
    customer = demo_customer()
    services.orders_sync(customer=customer)
    before = list(Order.objects.values_list("order_id", "updated_at", "status", "amount"))
    sandbox.clear_requests()

    # The rows of the listed orders (1 query), the open payment attempts (1); no write.
    with django_assert_max_num_queries(3):
        result = services.orders_sync(customer=customer)

    assert (result.created, result.changed, result.details) == (0, 0, 0)
    assert list(Order.objects.values_list("order_id", "updated_at", "status", "amount")) == before
    assert [r["operation"] for r in sandbox.requests()] == ["list_customer_orders"]


def test_sync_picks_up_a_new_console_order_and_a_status_change(sandbox):
    customer = demo_customer()
    services.orders_sync(customer=customer)
    placed = purchase(sandbox, customer.customer_id)
    services.order_cancel(order=Order.objects.get(order_id="CS2501010004DEMO4"))
    Order.objects.filter(order_id="CS2501010004DEMO4").update(status=Order.Status.PENDING_PAYMENT)

    result = services.orders_sync(customer=customer)

    assert (result.created, result.changed) == (1, 1)
    assert Order.objects.get(order_id=placed["order_id"]).status == Order.Status.PENDING_PAYMENT
    assert Order.objects.get(order_id="CS2501010004DEMO4").status == Order.Status.CANCELLED


def test_sync_task_covers_every_bound_customer(sandbox):
    demo = demo_customer()
    acme = sandbox_customer(sandbox, "acme-retail")
    CustomerFactory(customer_id=None, binding="pending")

    assert tasks.orders_sync_all.delay().get() == 2

    assert Order.objects.filter(customer=demo).exists()
    assert set(Order.objects.filter(customer=acme).values_list("order_id", flat=True)) == {
        "CS2501010009DEMO9",
        "CS2501010010DEMOA",
    }


def test_refresh_button(client, sandbox):
    customer = demo_customer()
    client.force_login(customer.user)

    response = client.post(reverse("orders_refresh"))

    assert response.status_code == 302
    assert Order.objects.filter(customer=customer).count() == 8
    assert "8 new" in client.get(reverse("orders")).content.decode()


# --- pages ---------------------------------------------------------------------------------------


def test_orders_page_tabs_and_search(client, sandbox):
    customer = demo_customer()
    services.orders_sync(customer=customer)
    client.force_login(customer.user)

    pending = client.get(reverse("orders"), {"status": "pending-payment"}).content.decode()
    assert "CS2501010004DEMO4" in pending and "CS2501010001DEMO1" not in pending
    completed = client.get(reverse("orders"), {"status": "completed"}).content.decode()
    assert "CS2501010001DEMO1" in completed and "CS2501010004DEMO4" not in completed
    canceled = client.get(reverse("orders"), {"status": "canceled"}).content.decode()
    assert "CS2501010006DEMO6" in canceled
    found = client.get(reverse("orders"), {"q": "DEMO2"}).content.decode()
    assert "CS2501010002DEMO2" in found and "CS2501010003DEMO3" not in found
    assert 'href="/sso/console/?service=ecs&amp;action=buy"' in pending


@pytest.mark.parametrize("count", [10, 200])
def test_orders_page_query_count_does_not_grow(client, count, django_assert_max_num_queries):
    customer = CustomerFactory()
    make_orders(customer, count)
    client.force_login(customer.user)

    # Session, user, customer (the nav and the view share it), the paginator's count, the tab counts
    # (one GROUP BY), the page of orders with their resource counts (one JOIN): 6, whatever the number.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("orders"))

    assert response.status_code == 200
    assert len(response.context["orders"]) == min(count, 25)


def test_detail_shows_lines_resources_and_refund(client, sandbox):
    customer = demo_customer()
    services.orders_sync(customer=customer)
    client.force_login(customer.user)

    page = client.get(reverse("order_detail", args=["CS2501010001DEMO1"])).content.decode()
    assert "s6.large.2" in page and "3f1a2b4c-5d6e-4f70-8a91-b2c3d4e5f601" in page and "In use" in page
    refund = client.get(reverse("order_detail", args=["CS2501010008DEMO8"]))
    assert refund.context["order"].refund_amount > 0
    assert 'data-testid="refund"' in refund.content.decode()


def test_a_stuck_order_tells_the_customer_what_huawei_cloud_offers(client):
    customer = CustomerFactory()
    (order,) = make_orders(customer, 1, status=Order.Status.PROCESSING)
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(hours=3))
    client.force_login(customer.user)

    page = client.get(reverse("order_detail", args=[order.order_id])).content.decode()

    assert "Billing Center > Unsubscriptions" in page
    assert "/sso/console/?service=ecs&amp;action=manage" in page


def test_a_completed_order_without_resources_is_stuck_too():
    customer = CustomerFactory()
    (order,) = make_orders(customer, 1)
    order.paid_at = timezone.now() - timedelta(hours=2)
    order.resources_synced_at = timezone.now()
    order.resource_count = 0
    assert order.provisioning_stuck
    order.resource_count = 1
    assert not order.provisioning_stuck


# --- cancel ----------------------------------------------------------------------------------------


def test_cancel_a_pending_order(client, sandbox):
    customer = demo_customer()
    services.orders_sync(customer=customer)
    client.force_login(customer.user)
    url = reverse("order_cancel", args=["CS2501010004DEMO4"])

    assert client.get(url).status_code == 200
    response = client.post(url)

    assert response.status_code == 302
    assert cloud_order(sandbox, "CS2501010004DEMO4")["status"] == 4
    assert Order.objects.get(order_id="CS2501010004DEMO4").status == Order.Status.CANCELLED
    assert "is canceled" in client.get(response["Location"]).content.decode()


def test_a_completed_order_cannot_be_canceled(client, sandbox):
    customer = demo_customer()
    services.orders_sync(customer=customer)
    sandbox.clear_requests()
    client.force_login(customer.user)

    response = client.post(reverse("order_cancel", args=["CS2501010001DEMO1"]))

    assert response.status_code == 302
    assert sandbox.requests("cancel_customer_order") == []
    assert "Only orders waiting for payment" in client.get(response["Location"]).content.decode()


def test_cancel_refused_while_a_payment_is_open(sandbox):
    customer = demo_customer()
    services.orders_sync(customer=customer)
    order = Order.objects.get(order_id="CS2501010004DEMO4")
    PaymentAttempt.objects.create(order=order, customer=customer, idempotency_key=uuid.uuid4())

    with pytest.raises(services.OrderActionRefused):
        services.order_cancel(order=order)

    assert cloud_order(sandbox, order.order_id)["status"] == 6


# --- one customer never reaches another's order ------------------------------------------------------


def test_customer_a_cannot_see_pay_or_cancel_customer_b_order(client, sandbox):
    a = demo_customer()
    b = sandbox_customer(sandbox, "acme-retail")
    services.orders_sync(customer=b)
    sandbox.clear_requests()
    client.force_login(a.user)
    b_order = "CS2501010010DEMOA"  # pending payment

    for name in ("order_detail", "order_pay", "order_cancel"):
        assert client.get(reverse(name, args=[b_order])).status_code == 404
    for name in ("order_pay", "order_cancel", "order_refresh"):
        url = reverse(name, args=[b_order])
        assert client.post(url, {"idempotency_key": uuid.uuid4(), "option": "none"}).status_code == 404
    assert b_order not in client.get(reverse("orders")).content.decode()
    assert sandbox.requests() == []  # nothing was asked of HUAWEI CLOUD on B's behalf
    assert cloud_order(sandbox, b_order)["status"] == 6


def test_every_customer_call_acts_as_the_order_own_customer(sandbox):
    a = demo_customer()
    b = sandbox_customer(sandbox, "acme-retail")
    services.orders_sync(customer=a)
    services.orders_sync(customer=b)
    seen = []
    real = identity.call_as_customer

    def spy(operation, customer, request, **kwargs):
        seen.append((operation, customer.customer_id))
        return real(operation, customer, request, **kwargs)

    with mock.patch.object(identity, "call_as_customer", side_effect=spy):
        services.order_pay(order=Order.objects.get(order_id="CS2501010004DEMO4"), idempotency_key=uuid.uuid4())
        services.order_cancel(order=Order.objects.get(order_id="CS2501010010DEMOA"))

    assert ("pay_orders", a.customer_id) in seen and ("cancel_customer_order", b.customer_id) in seen
    assert all(cid == a.customer_id for op, cid in seen if op in ("pay_orders", "list_order_discounts"))
    assert all(cid == b.customer_id for op, cid in seen if op == "cancel_customer_order")
    assert cloud_order(sandbox, "CS2501010004DEMO4")["status"] == 5
    assert cloud_order(sandbox, "CS2501010010DEMOA")["status"] == 4


def test_staff_and_unbound_users_have_no_orders_pages(client):
    staff = StaffUserFactory(group=OPERATIONS)
    order = make_orders(CustomerFactory(), 1, status=Order.Status.PENDING_PAYMENT)[0]
    client.force_login(staff)

    assert client.get(reverse("orders")).status_code == 404
    assert (
        client.post(reverse("order_pay", args=[order.order_id]), {"idempotency_key": uuid.uuid4()}).status_code == 404
    )


def test_buy_without_approved_real_name_explains_why(client):
    customer = CustomerFactory(real_name_status="0")
    client.force_login(customer.user)

    response = client.get(reverse("sso:console"), {"service": "ecs", "action": "buy"})

    assert response.status_code == 403
    assert "real-name" in response.content.decode().lower()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("orders"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_wrong_method(client):
    customer = CustomerFactory()
    client.force_login(customer.user)
    assert client.get(reverse("orders_refresh")).status_code == 405


# --- staff admin ------------------------------------------------------------------------------------


def test_staff_see_orders_in_the_admin_without_a_pay_action(client, django_assert_max_num_queries):
    customer = CustomerFactory()
    orders = make_orders(customer, 30, status=Order.Status.PENDING_PAYMENT)
    OrderResource.objects.create(order=orders[0], resource_id="r-1", status=2)
    PaymentAttempt.objects.create(
        order=orders[0], customer=customer, idempotency_key=uuid.uuid4(), status=PaymentAttempt.Status.REJECTED
    )
    client.force_login(StaffUserFactory(group=OPERATIONS))

    changelist = client.get(reverse("admin:orders_order_changelist"), {"status__exact": 6, "q": customer.account_name})
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == 30
    assert not changelist.context["action_form"]  # no bulk actions at all
    change = client.get(reverse("admin:orders_order_change", args=[orders[0].pk])).content.decode()
    assert "r-1" in change and "Refused by HUAWEI CLOUD" in change
    # No way to pay for the customer: no action, and the attempts cannot be added or edited.
    from django.contrib import admin

    model_admin = admin.site._registry[Order]
    request = changelist.wsgi_request
    assert not any("pay" in name for name in model_admin.get_actions(request))
    assert not admin.site._registry[PaymentAttempt].has_add_permission(request)
    assert client.get(reverse("admin:orders_paymentattempt_add")).status_code == 403


# --- emails --------------------------------------------------------------------------------------


def test_expiry_reminder_goes_out_once_per_order():
    customer = CustomerFactory()
    (soon,) = make_orders(customer, 1, status=Order.Status.PENDING_PAYMENT)
    Order.objects.filter(pk=soon.pk).update(pay_before=timezone.now() + timedelta(hours=5))
    later = make_orders(CustomerFactory(), 1, status=Order.Status.PENDING_PAYMENT)[0]
    Order.objects.filter(pk=later.pk).update(pay_before=timezone.now() + timedelta(days=5))

    assert tasks.order_expiry_reminders_send.delay().get() == 1
    assert tasks.order_expiry_reminders_send.delay().get() == 0

    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert soon.order_id in mail.outbox[0].subject
    assert reverse("order_pay", args=[soon.order_id]) in mail.outbox[0].body
