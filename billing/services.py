"""Every write of Finance: the partner bill, the bill file's lines, monthly sums, rating rules,
customer bills and exports."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from billing import ingest, rating
from billing.models import (
    BillCycle,
    BillLine,
    BillNumber,
    CustomerBill,
    CustomerBillItem,
    CustomerMonthlySum,
    ExportJob,
    IngestRun,
    PartnerBill,
    RatingRule,
)
from partner_portal import audit

log = logging.getLogger(__name__)
BEIJING = dt_timezone(timedelta(hours=8))
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


class NotReady(Exception):
    """The cycle's lines are not complete, or not rated with the current rules."""

    @property
    def user_message(self) -> str:
        return gettext("Not possible yet: %(reason)s.") % {"reason": self}


def money(value) -> Decimal:
    """A sum from the database as an exact 2-place Decimal (SQLite sums decimals as floats)."""
    return Decimal(str(value or 0)).quantize(CENT)


# --- cycles and the partner bill -----------------------------------------------------------------


def shift_cycle(cycle: str, months: int) -> str:
    index = int(cycle[:4]) * 12 + int(cycle[5:]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def cycle_closes_at(cycle: str) -> datetime:
    """When HUAWEI CLOUD has the cycle's bills: before 12:00 Beijing time on the 5th of the next month."""
    following = shift_cycle(cycle, 1)
    return datetime(int(following[:4]), int(following[5:]), 5, 12, tzinfo=BEIJING).astimezone(UTC)


def latest_closed_cycle(now: datetime | None = None) -> str:
    now = now or timezone.now()
    previous = shift_cycle(now.astimezone(BEIJING).strftime("%Y-%m"), -1)
    return previous if cycle_closes_at(previous) <= now else shift_cycle(previous, -1)


def partner_bill_sync(*, cycle: str) -> PartnerBill:
    """Mirror the partner's bill of `cycle` (`list_postpaid_bill_sum`); upsert on the cycle."""
    from huaweicloud import bills as gateway

    summary = gateway.partner_bill_summary(cycle=cycle)
    bill, _ = PartnerBill.objects.update_or_create(
        cycle=cycle,
        defaults={
            "consume_amount": summary.consume_amount,
            "refunds": summary.refunds,
            "adjustments": summary.adjustments,
            "tax_amount": summary.tax_amount,
            "initial_amount_due": summary.initial_amount_due,
            "currency": summary.currency,
            "synced_at": timezone.now(),
        },
    )
    return bill


def bill_file_load(*, cycle: str, user=None) -> IngestRun:
    """Ask for the cycle's bill file to be loaded (billing.tasks.bill_file_ingest, after the commit) and
    return its run: the cycle's open run, else a new one waiting for the worker. Asking again while a
    run is open queues a task that resumes it, or finds it taken and returns: nothing loads twice."""
    from billing import tasks

    run = ingest.waiting_run(cycle=cycle, started_by=user)
    tasks.bill_file_ingest.delay_on_commit(cycle, user.pk if user else None)
    return run


def monthly_sums_check(*, cycle: str) -> list[CustomerMonthlySum]:
    """Each customer's monthly sum from HUAWEI CLOUD (as the partner, `method=sub_customer`), stored
    beside the sum of that customer's ingested lines. Upserts on (cycle, customer)."""
    from huaweicloud import bills as gateway
    from huaweicloud.types import CustomerRef

    lines = BillLine.objects.filter(cycle=cycle)
    customers = (
        lines.values("customer_id", "account_name").annotate(consume=Sum("consume_amount")).order_by("customer_id")
    )
    checked = []
    for row in customers:
        ref = CustomerRef(customer_id=row["customer_id"], account_name=row["account_name"] or row["customer_id"])
        official = consume = ZERO
        offset = 0
        while True:
            answer = gateway.customer_monthly_sum(customer=ref, cycle=cycle, offset=offset, limit=1000, as_partner=True)
            official += sum((s.official_amount for s in answer.sums), ZERO)
            consume += sum((s.consume_amount for s in answer.sums), ZERO)
            offset += len(answer.sums)
            if not answer.sums or offset >= answer.count:
                break
        sum_row, _ = CustomerMonthlySum.objects.update_or_create(
            cycle=cycle,
            customer_id=row["customer_id"],
            defaults={
                "account_name": row["account_name"],
                "official_amount": official,
                "consume_amount": consume,
                "lines_consume_amount": money(row["consume"]),
                "checked_at": timezone.now(),
            },
        )
        checked.append(sum_row)
    BillCycle.objects.filter(cycle=cycle).update(monthly_sums_checked_at=timezone.now())
    return checked


def cycle_rate(*, cycle: str) -> int:
    """Price the cycle's lines with the current rules (billing.rating)."""
    if not BillCycle.objects.filter(cycle=cycle, lines_final=True).exists():
        raise NotReady(f"the lines of {cycle} are not complete")
    return rating.rate_cycle(cycle=cycle)


# --- rating rules --------------------------------------------------------------------------------


def _rule_state(rule: RatingRule) -> dict:
    return rule.as_json()


def rating_rule_save(*, rule: RatingRule, user, request=None) -> RatingRule:
    """Save a rule Finance edited; rated cycles it touches are marked for rating again."""
    before = _rule_state(RatingRule.objects.get(pk=rule.pk)) if rule.pk else None
    with transaction.atomic():
        if rule.pk is None:
            rule.created_by = user
        rule.save()
        _rules_changed()
        audit.record(
            action="billing.rule_save", request=request, actor=user, obj=rule, before=before, after=_rule_state(rule)
        )
    return rule


def rating_rule_delete(*, rule: RatingRule, user, request=None) -> None:
    with transaction.atomic():
        audit.record(action="billing.rule_delete", request=request, actor=user, obj=rule, before=_rule_state(rule))
        rule.delete()
        _rules_changed()


def _rules_changed() -> None:
    # Rated lines no longer follow the rules: drafts must not be made before rating again.
    BillCycle.objects.filter(rated_at__isnull=False).update(rated_at=None)


# --- customer bills ------------------------------------------------------------------------------


def customer_bills_draft(*, cycle: str, customer_ids: list[str] | None = None) -> int:
    """(Re)make draft bills of `cycle` from the rated lines: one per customer, lines grouped by
    service and resource, plus fees and adjustments. A customer with an issued bill gets the next
    version, which supersedes it once issued. Set-based: two grouped queries and bulk inserts."""
    from customers.models import Customer

    bill_cycle = BillCycle.objects.filter(cycle=cycle).first()
    if bill_cycle is None or not bill_cycle.lines_final:
        raise NotReady(f"the lines of {cycle} are not complete")
    if bill_cycle.rated_at is None:
        raise NotReady(f"the lines of {cycle} are not rated with the current rules")
    lines = BillLine.objects.filter(cycle=cycle)
    if customer_ids is not None:
        lines = lines.filter(customer_id__in=customer_ids)
    totals = list(
        lines.values("customer_id")
        .annotate(
            account_name=Max("account_name"),
            customer_name=Max("customer_name"),
            line_count=Count("pk"),
            official=Sum("official_amount"),
            cost=Sum("consume_amount"),
            usage=Sum("rated_amount"),
        )
        .order_by("customer_id")
    )
    ids = [row["customer_id"] for row in totals]
    fees = rating.fees_for(cycle, ids)
    issued = {
        row["cloud_customer_id"]: row
        for row in CustomerBill.objects.filter(
            cycle=cycle, cloud_customer_id__in=ids, status=CustomerBill.Status.ISSUED
        )
        .order_by("cloud_customer_id", "version")
        .values("cloud_customer_id", "version", "pk")
    }
    portal = dict(Customer.objects.filter(customer_id__in=ids).values_list("customer_id", "pk"))
    with transaction.atomic():
        CustomerBill.objects.filter(cycle=cycle, cloud_customer_id__in=ids, status=CustomerBill.Status.DRAFT).delete()
        bills = []
        for row in totals:
            own = [f for f in fees if f.customer_id == row["customer_id"]]
            fees_amount = sum((f.amount for f in own if f.rule.kind == RatingRule.Kind.FIXED_FEE), ZERO)
            adjustments = sum((f.amount for f in own if f.rule.kind == RatingRule.Kind.ADJUSTMENT), ZERO)
            usage = money(row["usage"])
            previous = issued.get(row["customer_id"])
            bills.append(
                CustomerBill(
                    cycle=cycle,
                    cloud_customer_id=row["customer_id"],
                    account_name=row["account_name"],
                    customer_name=row["customer_name"],
                    customer_id=portal.get(row["customer_id"]),
                    version=previous["version"] + 1 if previous else 1,
                    supersedes_id=previous["pk"] if previous else None,
                    official_amount=money(row["official"]),
                    cost_amount=money(row["cost"]),
                    usage_amount=usage,
                    fees_amount=fees_amount,
                    adjustments_amount=adjustments,
                    total_amount=usage + fees_amount + adjustments,
                    line_count=row["line_count"],
                )
            )
        CustomerBill.objects.bulk_create(bills, batch_size=1000)
        by_customer = {
            b.cloud_customer_id: b.pk
            for b in CustomerBill.objects.filter(cycle=cycle, cloud_customer_id__in=ids, status="draft").only(
                "pk", "cloud_customer_id"
            )
        }
        groups = (
            lines.values(
                "customer_id",
                "service_type_code",
                "service_type_name",
                "resource_type_name",
                "resource_id",
                "resource_name",
            )
            .annotate(
                line_count=Count("pk"),
                official=Sum("official_amount"),
                cost=Sum("consume_amount"),
                amount=Sum("rated_amount"),
            )
            .order_by()
        )
        items = []
        for group in groups.iterator(chunk_size=5000):
            items.append(
                CustomerBillItem(
                    bill_id=by_customer[group["customer_id"]],
                    service_type_code=group["service_type_code"],
                    service_type_name=group["service_type_name"],
                    resource_type_name=group["resource_type_name"],
                    resource_id=group["resource_id"],
                    resource_name=group["resource_name"],
                    line_count=group["line_count"],
                    official_amount=money(group["official"]),
                    cost_amount=money(group["cost"]),
                    amount=money(group["amount"]),
                )
            )
            if len(items) >= 5000:
                CustomerBillItem.objects.bulk_create(items)
                items.clear()
        for fee in fees:
            items.append(
                CustomerBillItem(
                    bill_id=by_customer[fee.customer_id],
                    kind=CustomerBillItem.Kind.FEE
                    if fee.rule.kind == RatingRule.Kind.FIXED_FEE
                    else CustomerBillItem.Kind.ADJUSTMENT,
                    description=fee.rule.description or fee.rule.get_kind_display(),
                    official_amount=ZERO,
                    cost_amount=ZERO,
                    amount=fee.amount,
                )
            )
        CustomerBillItem.objects.bulk_create(items, batch_size=5000)
    return len(bills)


def _rules_used(bill: CustomerBill) -> list[dict]:
    rule_ids = set(
        BillLine.objects.filter(cycle=bill.cycle, customer_id=bill.cloud_customer_id, rule_id__isnull=False)
        .values_list("rule_id", flat=True)
        .distinct()
    )
    rule_ids |= {f.rule.pk for f in rating.fees_for(bill.cycle, [bill.cloud_customer_id])}
    return [rule.as_json() for rule in RatingRule.objects.filter(pk__in=rule_ids).order_by("pk")]


def customer_bill_issue(*, bill: CustomerBill, user=None, request=None) -> CustomerBill:
    """Issue a draft: number it PP-YYYYMM-000123 (per cycle), record the rules used; from then on it
    is immutable. The customer is told by email after the commit."""
    with transaction.atomic():
        # Locks the draft (two clicks on "issue" give one number) and the cycle's counter.
        bill = CustomerBill.objects.select_for_update().get(pk=bill.pk)
        if bill.status != CustomerBill.Status.DRAFT:
            return bill
        counter, _ = BillNumber.objects.get_or_create(cycle=bill.cycle)
        counter = BillNumber.objects.select_for_update().get(pk=counter.pk)
        counter.last += 1
        counter.save(update_fields=["last"])
        if bill.customer_id is None:
            # The customer may have signed up after the draft was made.
            from customers.models import Customer

            bill.customer = Customer.objects.filter(customer_id=bill.cloud_customer_id).first()
        bill.number = f"PP-{bill.cycle.replace('-', '')}-{counter.last:06d}"
        bill.rules = _rules_used(bill)
        bill.status = CustomerBill.Status.ISSUED
        bill.issued_at = timezone.now()
        bill.issued_by = user
        bill.save(update_fields=["number", "rules", "status", "issued_at", "issued_by", "customer"])
        audit.record(
            action="billing.bill_issue",
            request=request,
            actor=user,
            obj=bill,
            after={"number": bill.number, "total": bill.total_amount, "version": bill.version},
        )
        transaction.on_commit(lambda: _bill_issued_email(bill.pk))
    return bill


def customer_bills_issue(*, cycle: str, user=None, request=None) -> int:
    drafts = list(CustomerBill.objects.filter(cycle=cycle, status=CustomerBill.Status.DRAFT).order_by("account_name"))
    for draft in drafts:
        customer_bill_issue(bill=draft, user=user, request=request)
    return len(drafts)


def _bill_issued_email(bill_id: int) -> None:
    bill = CustomerBill.objects.select_related("customer").get(pk=bill_id)
    customer = bill.customer
    if customer is None or not customer.email:
        return
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        context = {"bill": bill, "customer": customer, "site_url": getattr(settings, "SITE_URL", "")}
        subject = render_to_string("emails/bill_issued_subject.txt", context).strip()
        body = render_to_string("emails/bill_issued.txt", context)
    try:
        send_mail(subject, body, None, [customer.email])
    except Exception:  # the bill is issued either way; the customer sees it on the site
        log.exception("could not email bill %s", bill.number)


# --- exports -------------------------------------------------------------------------------------


def export_request(*, kind: str, cycle: str, user) -> ExportJob:
    from billing import tasks

    job = ExportJob.objects.create(kind=kind, cycle=cycle, requested_by=user)
    transaction.on_commit(lambda: tasks.export_build.delay(job.pk))
    return job
