"""Order writes: mirror the customer's orders, pay and cancel pending ones, remind before they expire.

Paying moves money and is sent to HUAWEI CLOUD at most once per order at a time (see `order_pay`).
Paying and cancelling act as the customer (the gateway's identity module); reads of the order list
use the partner's credentials (`method=sub_customer`) so a periodic sync needs no customer token.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.selectors import customers_bound
from huaweicloud import orders as cloud_orders
from huaweicloud import resources as cloud_resources
from huaweicloud.errors import CloudRejected, CloudUnavailable
from huaweicloud.types import CustomerRef
from orders.models import Order, OrderLineItem, OrderResource, PaymentAttempt, Resource
from partner_portal import audit

logger = logging.getLogger(__name__)

Status = Order.Status
Attempt = PaymentAttempt.Status

# A SENDING attempt older than this was left by a process that died mid-call: its outcome is unknown.
SENDING_STALE = timedelta(minutes=2)
# HUAWEI CLOUD may still be applying a payment whose answer was lost. Until this much time has passed,
# "still pending payment" is not proof that it was not paid, so no new payment is sent.
UNCLEAR_SETTLE = timedelta(minutes=1)
# "Order about to expire unpaid": reminded once, this long before the payment deadline.
EXPIRY_REMINDER_BEFORE = timedelta(days=1)
PAGE_SIZE = 100
_LAST_SYNC_KEY = "orders:last-sync:{pk}"

# CBC codes a customer meets when paying, in their own words (reference 8; sandbox/README.md).
PAY_MESSAGES = {
    "CBC.3106": _(
        "This order can no longer be paid: it was paid, cancelled or it passed its payment deadline. "
        "Its current state is shown below."
    ),
    "CBC.99003108": _(
        "Your budget does not cover this order. Ask us to raise your budget, then pay again: "
        "the order stays waiting for payment until its deadline."
    ),
    "CBC.99003109": _(
        "Your budget does not cover this order. Ask us to raise your budget, then pay again: "
        "the order stays waiting for payment until its deadline."
    ),
    "CBC.99003110": _("Your HUAWEI CLOUD account is frozen, so it cannot pay. Please contact us."),
    "CBC.30000010": _("HUAWEI CLOUD does not know this order for your account."),
    "CBC.0100": _("HUAWEI CLOUD did not accept the discount or coupon chosen. Choose another one or none."),
}


class OrderActionRefused(Exception):
    """A pay or cancel that did not happen; `message` says why, in the customer's words."""

    def __init__(self, message, *, order: Order | None = None):
        self.message = message
        self.order = order
        super().__init__(str(message))


class PaymentInProgress(OrderActionRefused):
    """Another payment of this order is being sent or checked: nothing was sent this time."""


@dataclass(frozen=True)
class SyncResult:
    seen: int = 0
    created: int = 0
    changed: int = 0
    details: int = 0


def customer_ref(customer: Customer) -> CustomerRef:
    """The identity customer-only calls act as: always the order's own customer."""
    return CustomerRef(customer_id=customer.customer_id or "", account_name=customer.account_name)


def last_sync(*, customer: Customer):
    return cache.get(_LAST_SYNC_KEY.format(pk=customer.pk))


# --- the mirror -----------------------------------------------------------------------------------


def _order_values(cloud: cloud_orders.Order) -> dict:
    values = {
        "service_type_code": cloud.service_type_code[:64],
        "service_type_name": cloud.service_type_name[:200],
        "status": cloud.status,
        "order_type": cloud.order_type,
        "source_type": cloud.source_type,
        "official_amount": cloud.official_amount,
        "discount_amount": cloud.discount_amount,
        "amount": cloud.amount,
        "coupon_amount": cloud.coupon_amount,
        "currency": cloud.currency[:8],
        "ordered_at": cloud.created_at,
        "paid_at": cloud.paid_at,
    }
    # Only order details carry these; a list answer must not blank them.
    if cloud.user_name:
        values["user_name"] = cloud.user_name[:200]
    if cloud.pay_before:
        values["pay_before"] = cloud.pay_before
    return values


def _changed(row, values: dict) -> list[str]:
    fields = []
    for name, value in values.items():
        current = getattr(row, name)
        same = current == Decimal(value) if isinstance(current, Decimal) and value is not None else current == value
        if not same:
            setattr(row, name, value)
            fields.append(name)
    return fields


def _order_upsert(*, customer: Customer, cloud: cloud_orders.Order, existing: Order | None) -> tuple[Order, bool, bool]:
    """(order, created, status_changed). Writes nothing when nothing changed."""
    values = _order_values(cloud)
    if existing is None:
        try:
            with transaction.atomic():
                return Order.objects.create(customer=customer, order_id=cloud.order_id, **values), True, True
        except IntegrityError:
            # A concurrent sync created it first (UniqueConstraint on order_id): update that row.
            existing = Order.objects.get(order_id=cloud.order_id)
    old_status = existing.status
    fields = _changed(existing, values)
    if fields:
        existing.save(update_fields=[*fields, "updated_at"])
    return existing, False, existing.status != old_status


def _lines_apply(*, order: Order, lines: Sequence[cloud_orders.OrderLineItem]) -> None:
    existing = {line.line_item_id: line for line in order.line_items.all()}
    for cloud in lines:
        values = {
            "service_type_code": cloud.service_type_code[:64],
            "service_type_name": cloud.service_type_name[:200],
            "product_id": cloud.product_id[:80],
            "product_spec_desc": cloud.product_spec_desc[:500],
            "period_type": cloud.period_type,
            "period_num": cloud.period_num,
            "subscription_num": cloud.subscription_num,
            "effective_at": cloud.effective_at,
            "expires_at": cloud.expires_at,
            "official_amount": cloud.official_amount,
            "amount": cloud.amount,
            "currency": cloud.currency[:8],
        }
        row = existing.pop(cloud.order_line_item_id, None)
        if row is None:
            OrderLineItem.objects.create(order=order, line_item_id=cloud.order_line_item_id, **values)
        elif fields := _changed(row, values):
            row.save(update_fields=fields)
    if existing:
        OrderLineItem.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()


def _detail_apply(*, order: Order, detail: cloud_orders.OrderDetail) -> Order:
    with transaction.atomic():
        order, _created, _moved = _order_upsert(customer=order.customer, cloud=detail.order, existing=order)
        _lines_apply(order=order, lines=detail.line_items)
        order.details_synced_at = timezone.now()
        order.save(update_fields=["details_synced_at"])
    return order


def _resources_refresh(*, order: Order, ref: CustomerRef) -> None:
    found: list[cloud_resources.Subscription] = []
    while True:
        page = cloud_resources.subscriptions_list(
            customer=ref, order_id=order.order_id, offset=len(found), limit=PAGE_SIZE
        )
        found.extend(page.items)
        if not page.items or len(found) >= page.count:
            break
    with transaction.atomic():
        existing = {row.resource_id: row for row in order.resources.all()}
        for item in found:
            values = {
                "resource_name": item.resource_name[:200],
                "region_code": item.region_code[:40],
                "service_type_name": item.service_type_name[:200],
                "resource_type_name": item.resource_type_name[:200],
                "product_spec_desc": item.product_spec_desc[:500],
                "is_main_resource": item.is_main_resource,
                "status": item.status,
                "expires_at": item.expires_at,
            }
            row = existing.pop(item.resource_id, None)
            if row is None:
                OrderResource.objects.create(order=order, resource_id=item.resource_id, **values)
            elif fields := _changed(row, values):
                row.save(update_fields=fields)
        if order.order_type == Order.OrderType.NEW and found:
            # The resources sync runs beside this one and may have mirrored them before their order.
            Resource.objects.filter(
                customer_id=order.customer_id, order_id="", resource_id__in=[item.resource_id for item in found]
            ).update(order_id=order.order_id)
        order.resources_synced_at = timezone.now()
        order.save(update_fields=["resources_synced_at"])


def _refund_refresh(*, order: Order) -> None:
    lines = cloud_orders.refund_order_detail(customer_id=order.customer.customer_id, order_id=order.order_id)
    refunded = -sum((line.amount for line in lines if line.amount < 0), Decimal("0"))
    if order.refund_amount != refunded:
        order.refund_amount = refunded
        order.save(update_fields=["refund_amount"])


def _wants_resources(order: Order) -> bool:
    return order.status == Status.COMPLETED and order.order_type in (
        Order.OrderType.NEW,
        Order.OrderType.RENEWAL,
        Order.OrderType.CHANGE,
        Order.OrderType.TO_YEARLY_MONTHLY,
    )


def order_refresh(*, order: Order) -> Order:
    """Everything about one order again: details and line items, its resources, its refund."""
    ref = customer_ref(order.customer)
    order = _detail_apply(order=order, detail=cloud_orders.order_detail(customer=ref, order_id=order.order_id))
    if _wants_resources(order) or order.status == Status.PROCESSING:
        _resources_refresh(order=order, ref=ref)
    if order.order_type == Order.OrderType.UNSUBSCRIPTION:
        _refund_refresh(order=order)
    return order


def orders_sync(*, customer: Customer) -> SyncResult:
    """Mirror the customer's orders: every page of the list (as the partner, `method=sub_customer`),
    then details, resources and refunds only of the orders that are new or whose status moved.

    Safe to run twice, even at once: rows are upserted on the order id and a second run that finds
    nothing new writes nothing. A payment left unclear is settled here too.
    """
    if not customer.customer_id:
        return SyncResult()
    ref = customer_ref(customer)
    cloud_list: list[cloud_orders.Order] = []
    while True:
        page = cloud_orders.orders_list(customer=ref, offset=len(cloud_list), limit=PAGE_SIZE, as_partner=True)
        cloud_list.extend(page.items)
        if not page.items or len(cloud_list) >= page.count:
            break
    existing = {o.order_id: o for o in Order.objects.filter(order_id__in=[c.order_id for c in cloud_list])}
    created = changed = details = 0
    for cloud in cloud_list:
        row = existing.get(cloud.order_id)
        if row is not None and row.customer_id != customer.pk:
            logger.warning(
                "Order %s is listed for customer %s but mirrored for another; skipped.", cloud.order_id, customer.pk
            )
            continue
        order, was_created, moved = _order_upsert(customer=customer, cloud=cloud, existing=row)
        order.customer = customer
        created += was_created
        changed += moved and not was_created
        if was_created or moved or order.details_synced_at is None:
            order = _detail_apply(order=order, detail=cloud_orders.order_detail(customer=ref, order_id=order.order_id))
            details += 1
            if _wants_resources(order):
                _resources_refresh(order=order, ref=ref)
            if order.order_type == Order.OrderType.UNSUBSCRIPTION and order.refund_amount is None:
                _refund_refresh(order=order)
    for attempt in PaymentAttempt.objects.filter(customer=customer, status__in=PaymentAttempt.OPEN).select_related(
        "order__customer"
    ):
        with contextlib.suppress(OrderActionRefused):
            _payment_settle(order=attempt.order, ref=ref)
    cache.set(_LAST_SYNC_KEY.format(pk=customer.pk), timezone.now(), timeout=None)
    return SyncResult(seen=len(cloud_list), created=created, changed=changed, details=details)


def customers_for_sync() -> list[int]:
    return customers_bound()


# --- paying ----------------------------------------------------------------------------------------


def _attempt_finish(attempt: PaymentAttempt, status: str, *, error=None) -> None:
    attempt.status = status
    attempt.finished_at = timezone.now()
    fields = ["status", "finished_at"]
    if error is not None:
        attempt.error_code = (error.error_code or "")[:64]
        attempt.error_message = str(error.error_msg or "")[:500]
        attempt.request_id = (error.request_id or "")[:80]
        fields += ["error_code", "error_message", "request_id"]
    attempt.save(update_fields=fields)


def _payment_settle(*, order: Order, ref: CustomerRef) -> None:
    """Settle an open attempt of `order` by asking HUAWEI CLOUD for the order's state: never by paying.

    Raises PaymentInProgress while an attempt is being sent elsewhere, or when a lost answer is too
    recent to tell (UNCLEAR_SETTLE).
    """
    attempt = order.payment_attempts.filter(status__in=PaymentAttempt.OPEN).first()
    if attempt is None:
        return
    now = timezone.now()
    if attempt.status == Attempt.SENDING and attempt.created_at > now - SENDING_STALE:
        raise PaymentInProgress(
            _("A payment of this order is being sent to HUAWEI CLOUD. Wait a moment and reload the page."),
            order=order,
        )
    try:
        detail = cloud_orders.order_detail(customer=ref, order_id=order.order_id)
    except (CloudUnavailable, CloudRejected) as exc:
        raise PaymentInProgress(
            _(
                "We could not yet confirm whether your last payment of this order went through, so we "
                "did not pay again. Please try again in a minute."
            ),
            order=order,
        ) from exc
    order = _detail_apply(order=order, detail=detail)
    if order.status in (Status.PROCESSING, Status.COMPLETED, Status.PENDING_CONFIRMATION):
        # Conditional UPDATE: when two requests settle the same attempt, one sends the email.
        closed = PaymentAttempt.objects.filter(pk=attempt.pk, status__in=PaymentAttempt.OPEN).update(
            status=Attempt.SUCCEEDED, finished_at=timezone.now()
        )
        if closed:
            attempt.status = Attempt.SUCCEEDED
            _after_paid(order=order, attempt=attempt)
    elif order.status == Status.PENDING_PAYMENT and attempt.created_at > now - UNCLEAR_SETTLE:
        raise PaymentInProgress(
            _(
                "HUAWEI CLOUD has not confirmed your last payment of this order yet, so we did not pay "
                "again. Please check again in a minute."
            ),
            order=order,
        )
    else:
        PaymentAttempt.objects.filter(pk=attempt.pk, status__in=PaymentAttempt.OPEN).update(
            status=Attempt.NOT_APPLIED, finished_at=timezone.now()
        )


def _after_paid(*, order: Order, attempt: PaymentAttempt) -> None:
    from orders import tasks

    audit.record(action="order.paid", obj=order, actor=None, after={"order_id": order.order_id, "attempt": attempt.pk})
    tasks.order_paid_email_send.delay_on_commit(attempt.pk)
    tasks.order_refresh_task.delay_on_commit(order.pk)


def order_payment_options(*, order: Order) -> dict:
    """What the confirmation page offers: the discounts and usable coupons (as the customer)."""
    ref = customer_ref(order.customer)
    discounts = cloud_orders.order_discounts(customer=ref, order_id=order.order_id)
    coupons = cloud_orders.coupons_list(customer=ref, status=2, limit=50).items
    return {"discounts": discounts, "coupons": coupons}


def order_pay(
    *,
    order: Order,
    idempotency_key: uuid.UUID,
    user=None,
    discount_id: str = "",
    coupon_ids: Sequence[str] = (),
) -> PaymentAttempt:
    """Pay a pending-payment order once, however often this is called.

    * The same `idempotency_key` again returns the attempt it made and sends nothing.
    * Claiming takes the order's row lock (`select_for_update`), so two requests cannot both find
      "no payment open" and both pay; the partial unique index on open attempts backs it up.
    * An earlier attempt whose answer was lost (UNCLEAR) is settled by reading the order's state
      in HUAWEI CLOUD first; a blind second pay call is never made.

    Returns the attempt (SUCCEEDED, or UNCLEAR when the answer was lost); raises OrderActionRefused
    with the customer's reason otherwise. The order stays payable after a refusal.
    """
    ref = customer_ref(order.customer)
    done = PaymentAttempt.objects.filter(idempotency_key=idempotency_key, order=order).first()
    if done is not None:
        return _replayed(done)
    _payment_settle(order=order, ref=ref)
    with transaction.atomic():
        # The row lock serialises every pay request for this order: which one may send is decided here.
        locked = Order.objects.select_for_update().get(pk=order.pk)
        done = PaymentAttempt.objects.filter(idempotency_key=idempotency_key).first()
        if done is not None:
            if done.order_id != order.pk:
                raise OrderActionRefused(_("This payment form is not for this order. Reload the page."), order=order)
            return _replayed(done)
        if locked.payment_attempts.filter(status=Attempt.SUCCEEDED).exists():
            raise OrderActionRefused(_("This order is already paid."), order=locked)
        if locked.payment_attempts.filter(status__in=PaymentAttempt.OPEN).exists():
            raise PaymentInProgress(
                _("A payment of this order is being sent to HUAWEI CLOUD. Wait a moment and reload the page."),
                order=locked,
            )
        if not locked.is_payable:
            raise OrderActionRefused(_not_payable_message(locked), order=locked)
        attempt = PaymentAttempt.objects.create(
            order=locked,
            customer=locked.customer,
            idempotency_key=idempotency_key,
            amount=locked.amount,
            discount_id=discount_id[:80],
            coupon_ids=list(coupon_ids),
        )
    order = locked
    audit.record(
        action="order.pay",
        actor=user,
        obj=order,
        after={"attempt": attempt.pk, "discount": discount_id, "coupons": list(coupon_ids)},
    )

    discount = None
    if discount_id:
        try:
            discounts = cloud_orders.order_discounts(customer=ref, order_id=order.order_id)
        except CloudUnavailable as exc:
            _attempt_finish(attempt, Attempt.NOT_SENT, error=exc)
            raise OrderActionRefused(exc.user_message, order=order) from exc
        discount = next((d for d in discounts if d.discount_id == discount_id), None)
        if discount is None:
            _attempt_finish(attempt, Attempt.NOT_APPLIED)
            raise OrderActionRefused(
                _("That discount is no longer available for this order. Choose again."), order=order
            )

    try:
        cloud_orders.order_pay(customer=ref, order_id=order.order_id, coupon_ids=tuple(coupon_ids), discount=discount)
    except CloudRejected as exc:
        _attempt_finish(attempt, Attempt.REJECTED, error=exc)
        logger.info("Payment of order %s refused: %s", order.order_id, exc)
        _order_reload(order=order, ref=ref)
        from orders import tasks

        tasks.order_payment_failed_email_send.delay_on_commit(attempt.pk)
        raise OrderActionRefused(PAY_MESSAGES.get(exc.error_code or "", exc.user_message), order=order) from exc
    except CloudUnavailable as exc:
        if exc.maybe_applied:
            # The request went out and its answer was lost: it may have been paid. Settled later by
            # reading the order's state (`_payment_settle`), never by sending it again.
            _attempt_finish(attempt, Attempt.UNCLEAR, error=exc)
            logger.warning("Payment of order %s: answer lost (%s); left unclear.", order.order_id, exc)
            return attempt
        _attempt_finish(attempt, Attempt.NOT_SENT, error=exc)
        raise OrderActionRefused(exc.user_message, order=order) from exc

    # Attempt and order change together under the order's lock: a request waiting for the lock must
    # never see the attempt closed while the order still says "pending payment".
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
        _attempt_finish(attempt, Attempt.SUCCEEDED)
        order.status = Status.PROCESSING  # until the refresh below reads HUAWEI CLOUD's own state
        order.paid_at = timezone.now()
        order.save(update_fields=["status", "paid_at", "updated_at"])
    _after_paid(order=order, attempt=attempt)
    return attempt


def _replayed(attempt: PaymentAttempt) -> PaymentAttempt:
    if attempt.status in (Attempt.SUCCEEDED, Attempt.UNCLEAR, Attempt.SENDING):
        return attempt
    raise OrderActionRefused(
        _("This payment form was already sent and did not go through. Reload the page to try again."),
        order=attempt.order,
    )


def _not_payable_message(order: Order):
    if order.status == Status.PENDING_PAYMENT:
        return _("The payment deadline of this order has passed. Place the order again in the console.")
    if order.status in (Status.PROCESSING, Status.COMPLETED):
        return _("This order is already paid.")
    return _("Only orders waiting for payment can be paid.")


def _order_reload(*, order: Order, ref: CustomerRef) -> None:
    try:
        _detail_apply(order=order, detail=cloud_orders.order_detail(customer=ref, order_id=order.order_id))
    except (CloudUnavailable, CloudRejected) as exc:
        logger.info("Could not reload order %s: %s", order.order_id, exc)


# --- cancelling --------------------------------------------------------------------------------------


def order_cancel(*, order: Order, user=None) -> Order:
    """Cancel a pending-payment order, as the customer. Refused while a payment is open."""
    ref = customer_ref(order.customer)
    if order.payment_attempts.filter(status__in=PaymentAttempt.OPEN).exists():
        raise OrderActionRefused(
            _("A payment of this order is being processed; it cannot be canceled now."), order=order
        )
    if not order.is_cancellable:
        raise OrderActionRefused(_("Only orders waiting for payment can be canceled."), order=order)
    try:
        cloud_orders.order_cancel(customer=ref, order_id=order.order_id)
    except CloudRejected as exc:
        _order_reload(order=order, ref=ref)
        raise OrderActionRefused(exc.user_message, order=order) from exc
    except CloudUnavailable as exc:
        raise OrderActionRefused(exc.user_message, order=order) from exc
    order.status = Status.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    audit.record(action="order.cancel", actor=user, obj=order, after={"order_id": order.order_id})
    return order


# --- emails --------------------------------------------------------------------------------------


def _send(*, customer: Customer, template: str, context: dict) -> None:
    if not customer.email:
        return
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        context = {
            "customer": customer,
            "partner_name": settings.PARTNER_NAME,
            "site_url": settings.SITE_URL,
            **context,
        }
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        body = render_to_string(f"emails/{template}.txt", context)
    send_mail(subject, body, None, [customer.email])


def order_paid_email_send(*, attempt: PaymentAttempt) -> None:
    _send(customer=attempt.customer, template="order_paid", context={"order": attempt.order, "attempt": attempt})


def order_payment_failed_email_send(*, attempt: PaymentAttempt) -> None:
    reason = PAY_MESSAGES.get(attempt.error_code) or gettext("HUAWEI CLOUD did not accept the payment.")
    _send(
        customer=attempt.customer,
        template="order_payment_failed",
        context={"order": attempt.order, "attempt": attempt, "reason": reason},
    )


def order_expiry_reminders_send(*, now=None) -> int:
    """Email each customer whose order will pass its payment deadline within a day, once per order.

    Safe to run twice, even at once: each order is claimed with a conditional UPDATE on
    `expiry_reminder_sent_at` before its email is sent, so only one run sends it.
    """
    now = now or timezone.now()
    due = Order.objects.filter(
        status=Status.PENDING_PAYMENT,
        pay_before__gt=now,
        pay_before__lte=now + EXPIRY_REMINDER_BEFORE,
        expiry_reminder_sent_at__isnull=True,
    ).select_related("customer")
    sent = 0
    for order in due:
        claimed = Order.objects.filter(pk=order.pk, expiry_reminder_sent_at__isnull=True).update(
            expiry_reminder_sent_at=now
        )
        if claimed:
            _send(customer=order.customer, template="order_expiring", context={"order": order})
            sent += 1
    return sent
