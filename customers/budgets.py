"""Budgets, freezes and budget alerts: what partner staff and the budget worker change.

Every staff action and every change of money or state is written to the audit log
(`partner_portal.audit`), refused and failed attempts included.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from customers.models import BudgetAlert, Customer, SyncRun
from customers.services import sync_run_claim, sync_run_fail
from huaweicloud import budgets as cloud_budgets
from huaweicloud.budgets import BATCH_MAX, BatchOutcome, Budget, BudgetRecord
from huaweicloud.errors import CloudError, CloudRejected
from huaweicloud.types import Page
from partner_portal import audit
from partner_portal.audit import Outcome
from partner_portal.roles import OPERATIONS

logger = logging.getLogger(__name__)

# Budget and freeze answers of HUAWEI CLOUD, in words partner staff can act on (reference 5.2 and 8).
BUDGET_MESSAGES: dict[str, Promise] = {
    "CBC.0100": _("HUAWEI CLOUD did not accept the amount or the options: %(error_msg)s"),
    "CBC.0151": _("HUAWEI CLOUD refused access to this customer's budget."),
    "CBC.99000035": _(
        "This customer is not a reseller customer of ours on HUAWEI CLOUD (any more), so its budget cannot be changed."
    ),
    "CBC.99000037": _("We have no permission on this customer's reseller."),
    "CBC.18000016": _("Our HUAWEI CLOUD account lacks the permission for this. Please ask an administrator."),
}


def cloud_error_message(error: CloudError) -> str:
    """Plain words for staff for any gateway error, with HUAWEI CLOUD's own text where it helps."""
    if isinstance(error, CloudRejected):
        template = BUDGET_MESSAGES.get(error.error_code or "")
        if template is not None:
            text = str(template)
            return text % {"error_msg": error.error_msg or "-"} if "%(error_msg)s" in text else text
    return str(error.user_message)


class BudgetChangedMeanwhile(Exception):
    """The budget is no longer the one the form was based on: someone else changed it first."""

    def __init__(self, current: Decimal | None) -> None:
        self.current = current
        super().__init__(f"the budget is now {current}")


class CustomerNotBound(Exception):
    """The customer has no HUAWEI CLOUD account yet."""


def budget_state(customer: Customer) -> dict[str, Any]:
    return {
        "budget_amount": customer.budget_amount,
        "budget_used": customer.budget_used,
        "budget_type": customer.budget_type,
        "budget_freeze_at_limit": customer.budget_freeze_at_limit,
    }


def _apply_budget(customer: Customer, budget: Budget, *, now: datetime) -> list[str]:
    customer.budget_amount = budget.amount
    customer.budget_used = budget.used
    customer.budget_type = budget.budget_type
    customer.budget_refreshed_at = now
    return ["budget_amount", "budget_used", "budget_type", "budget_refreshed_at", "updated_at"]


# --- reading -----------------------------------------------------------------------------------


def budget_refresh(*, customer: Customer) -> Budget:
    """Ask HUAWEI CLOUD for the customer's budget and mirror it. A budget changed elsewhere is audited."""
    if not customer.customer_id:
        raise CustomerNotBound(customer.pk)
    budget = cloud_budgets.show_sub_customer_budget(customer_id=customer.customer_id)
    with transaction.atomic():
        row = Customer.objects.select_for_update().get(pk=customer.pk)
        _mirror_one(row, budget, now=timezone.now())
    customer.refresh_from_db(fields=["budget_amount", "budget_used", "budget_type", "budget_refreshed_at"])
    return budget


def _mirror_one(row: Customer, budget: Budget, *, now: datetime) -> None:
    if row.budget_amount is not None and row.budget_amount != budget.amount:
        audit.record(
            action="budget.changed_in_cloud",
            obj=row,
            before={"budget_amount": row.budget_amount},
            after={"budget_amount": budget.amount},
            message="budget refresh",
        )
    row.save(update_fields=_apply_budget(row, budget, now=now))


def budget_records(*, customer: Customer, limit: int = 20) -> Page[BudgetRecord]:
    """HUAWEI CLOUD's history of the customer's budget, newest first."""
    if not customer.customer_id:
        raise CustomerNotBound(customer.pk)
    return cloud_budgets.list_sub_customer_budget_records(customer_id=customer.customer_id, limit=limit)


def budgets_refresh(*, triggered_by=None) -> SyncRun:
    """Mirror every bound, associated customer's budget, one HUAWEI CLOUD call per 100 customers.

    Walks the customers in primary-key order; the run's cursor is the last primary key written, saved
    with each batch, so a retry after CloudUnavailable continues from there. Safe to run twice.
    Raises SyncAlreadyRunning if another budget run is live. Then checks the budget alerts.
    """
    run = sync_run_claim(kind=SyncRun.Kind.BUDGETS, triggered_by=triggered_by)
    candidates = Customer.objects.filter(customer_id__isnull=False, associated=True).order_by("pk")
    try:
        while True:
            batch = list(candidates.filter(pk__gt=run.next_offset).values_list("pk", "customer_id")[:BATCH_MAX])
            if not batch:
                break
            budgets = {
                b.customer_id: b for b in cloud_budgets.list_sub_customer_budget(customer_ids=[c for _, c in batch])
            }
            now = timezone.now()
            with transaction.atomic():
                rows = list(Customer.objects.select_for_update().filter(pk__in=[pk for pk, _ in batch]))
                changed = []
                for row in rows:
                    budget = budgets.get(row.customer_id)
                    if budget is None:
                        continue  # not a reseller customer of ours: HUAWEI CLOUD leaves it out
                    if row.budget_amount is not None and row.budget_amount != budget.amount:
                        audit.record(
                            action="budget.changed_in_cloud",
                            obj=row,
                            before={"budget_amount": row.budget_amount},
                            after={"budget_amount": budget.amount},
                            message="budget refresh",
                        )
                    _apply_budget(row, budget, now=now)
                    row.updated_at = now
                    changed.append(row)
                Customer.objects.bulk_update(
                    changed, ["budget_amount", "budget_used", "budget_type", "budget_refreshed_at", "updated_at"]
                )
                run.next_offset = batch[-1][0]
                SyncRun.objects.filter(pk=run.pk).update(
                    next_offset=run.next_offset,
                    heartbeat_at=now,
                    seen=F("seen") + len(batch),
                    updated=F("updated") + len(changed),
                )
    except Exception as exc:
        sync_run_fail(run=run, error=exc)
        raise
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now(), heartbeat_at=timezone.now(), error=""
    )
    budget_alerts_check()
    run.refresh_from_db()
    return run


# --- setting a budget ------------------------------------------------------------------------------


def budget_set(
    *,
    customer: Customer,
    amount: Decimal,
    based_on: Decimal | None,
    reason: str,
    budget_type: str = "MONTHLY",
    freeze_at_limit: bool | None = None,
    actor=None,
    request=None,
) -> Customer:
    """Set the customer's budget in HUAWEI CLOUD and in the mirror, with the staff member's reason.

    `based_on` is the budget the staff member saw. The customer row is locked while HUAWEI CLOUD is
    asked, so two staff saving at once are applied one after the other, and the second finds the
    budget changed (BudgetChangedMeanwhile) and sends nothing: no lost update. Raises CloudRejected /
    CloudUnavailable when HUAWEI CLOUD refuses or does not answer; then nothing changes locally.
    Every attempt is in the audit log.
    """
    if not customer.customer_id:
        raise CustomerNotBound(customer.pk)
    requested = {"budget_amount": amount, "budget_type": budget_type, "budget_freeze_at_limit": freeze_at_limit}
    before: dict[str, Any] = budget_state(customer)
    try:
        with transaction.atomic():
            # Locks the row: a second staff member's save waits here until the first one is committed.
            row = Customer.objects.select_for_update().get(pk=customer.pk)
            before = budget_state(row)
            if row.budget_amount != based_on:
                raise BudgetChangedMeanwhile(row.budget_amount)
            cloud_budgets.update_sub_customer_budget(
                customer_id=row.customer_id, amount=amount, budget_type=budget_type, freeze_at_limit=freeze_at_limit
            )
            row.budget_amount = amount
            row.budget_type = budget_type
            update_fields = ["budget_amount", "budget_type", "updated_at"]
            if freeze_at_limit is not None:
                row.budget_freeze_at_limit = freeze_at_limit
                update_fields.append("budget_freeze_at_limit")
            row.save(update_fields=update_fields)
            audit.record(
                action="budget.set",
                actor=actor,
                request=request,
                obj=row,
                before=before,
                after=budget_state(row),
                reason=reason,
            )
    except BudgetChangedMeanwhile as exc:
        audit.record(
            action="budget.set",
            outcome=Outcome.CONFLICT,
            actor=actor,
            request=request,
            obj=customer,
            before={**before, "based_on": based_on},
            after=requested,
            reason=reason,
            message=f"changed meanwhile: now {exc.current}",
        )
        raise
    except CloudError as exc:
        audit.record(
            action="budget.set",
            outcome=Outcome.REFUSED if isinstance(exc, CloudRejected) else Outcome.FAILED,
            actor=actor,
            request=request,
            obj=customer,
            before=before,
            after=requested,
            reason=reason,
            message=str(exc),
        )
        raise
    customer.refresh_from_db()
    return customer


# --- freezing ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FreezeResult:
    customer: Customer
    ok: bool
    message: str = ""


def customers_freeze(
    *, customers: QuerySet[Customer] | list[Customer], freeze: bool, reason: str, actor=None, request=None
) -> list[FreezeResult]:
    """Freeze (or unfreeze) customers in HUAWEI CLOUD, 100 per call, and mirror what it accepted.

    HUAWEI CLOUD may accept some and refuse others (`error_details`): each customer gets its own
    result and audit entry. A batch that gets no answer (CloudUnavailable) is reported as failed for
    each of its customers; the others batches still go.
    """
    action = "customer.freeze" if freeze else "customer.unfreeze"
    results: list[FreezeResult] = []
    bound = [c for c in customers if c.customer_id]
    for customer in customers:
        if not customer.customer_id:
            results.append(FreezeResult(customer, False, str(_("No HUAWEI CLOUD account yet."))))
    for start in range(0, len(bound), BATCH_MAX):
        batch = bound[start : start + BATCH_MAX]
        by_cloud_id = {c.customer_id: c for c in batch}
        call = cloud_budgets.freeze_sub_customers if freeze else cloud_budgets.unfreeze_sub_customers
        try:
            outcome: BatchOutcome = call(customer_ids=list(by_cloud_id), reason=reason)
        except CloudError as exc:
            message = cloud_error_message(exc)
            audit.record_many(
                audit.entry(
                    action=action,
                    outcome=Outcome.REFUSED if isinstance(exc, CloudRejected) else Outcome.FAILED,
                    actor=actor,
                    request=request,
                    obj=c,
                    before={"is_frozen": c.is_frozen},
                    after={"is_frozen": freeze},
                    reason=reason,
                    message=str(exc),
                )
                for c in batch
            )
            results.extend(FreezeResult(c, False, message) for c in batch)
            continue
        failures = {f.customer_id: f for f in outcome.failures}
        accepted = [by_cloud_id[cid] for cid in outcome.succeeded if cid in by_cloud_id]
        now = timezone.now()
        with transaction.atomic():
            Customer.objects.filter(pk__in=[c.pk for c in accepted]).update(is_frozen=freeze, updated_at=now)
            entries = []
            for c in batch:
                failure = failures.get(c.customer_id)
                entries.append(
                    audit.entry(
                        action=action,
                        outcome=Outcome.OK if failure is None else Outcome.REFUSED,
                        actor=actor,
                        request=request,
                        obj=c,
                        before={"is_frozen": c.is_frozen},
                        after={"is_frozen": freeze if failure is None else c.is_frozen},
                        reason=reason,
                        message="" if failure is None else f"{failure.error_code}: {failure.error_msg}",
                    )
                )
            audit.record_many(entries)
        for c in batch:
            failure = failures.get(c.customer_id)
            if failure is None:
                c.is_frozen = freeze
                results.append(FreezeResult(c, True))
            else:
                refused = CloudRejected(
                    operation=call.__name__, error_code=failure.error_code, error_msg=failure.error_msg
                )
                results.append(FreezeResult(c, False, cloud_error_message(refused)))
    return results


# --- budget alerts -----------------------------------------------------------------------------------


def budget_alerts_check(*, now: datetime | None = None) -> int:
    """Record and email an alert for every threshold a customer's usage crossed this month, once.

    Thresholds come from BUDGET_ALERT_THRESHOLDS (percent). Safe to run twice, even at the same time:
    the unique constraint on (customer, threshold, month) lets one insert win; the email goes out
    after commit and is claimed with a conditional UPDATE. Returns how many alerts were new.
    """
    thresholds = sorted(settings.BUDGET_ALERT_THRESHOLDS)
    if not thresholds:
        return 0
    now = now or timezone.now()
    cycle = f"{now:%Y-%m}"
    lowest = Decimal(thresholds[0]) / 100
    over = Customer.objects.filter(
        associated=True, budget_amount__gt=0, budget_used__gte=F("budget_amount") * lowest
    ).only("pk", "budget_amount", "budget_used")
    already = set(BudgetAlert.objects.filter(cycle=cycle).values_list("customer_id", "threshold"))
    new = 0
    for customer in over:
        percent = customer.budget_used * 100 / customer.budget_amount
        for threshold in thresholds:
            if percent < threshold or (customer.pk, threshold) in already:
                continue
            try:
                with transaction.atomic():
                    alert = BudgetAlert.objects.create(
                        customer=customer,
                        threshold=threshold,
                        cycle=cycle,
                        budget_amount=customer.budget_amount,
                        budget_used=customer.budget_used,
                    )
            except IntegrityError:
                continue  # another run recorded it first
            new += 1
            from customers.tasks import budget_alert_email_send

            transaction.on_commit(lambda pk=alert.pk: budget_alert_email_send.delay(pk))
    return new


def budget_alert_email_send(*, alert: BudgetAlert) -> bool:
    """Email the customer and the Operations group about one alert, once (claimed with a conditional UPDATE)."""
    claimed = BudgetAlert.objects.filter(pk=alert.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    customer = alert.customer
    context = {
        "customer": customer,
        "alert": alert,
        "partner_name": settings.PARTNER_NAME,
        "site_url": settings.SITE_URL,
    }
    try:
        if customer.email:
            with translation.override(customer.language or settings.LANGUAGE_CODE):
                subject = " ".join(render_to_string("emails/budget_alert_subject.txt", context).split())
                body = render_to_string("emails/budget_alert.txt", context)
            send_mail(subject, body, None, [customer.email])
        staff = list(
            get_user_model()
            .objects.filter(groups__name=OPERATIONS, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
            .distinct()
        )
        if staff:
            with translation.override(settings.LANGUAGE_CODE):
                subject = " ".join(render_to_string("emails/budget_alert_staff_subject.txt", context).split())
                body = render_to_string("emails/budget_alert_staff.txt", context)
            send_mail(subject, body, None, staff)
    except OSError:
        # Give the claim back so the task's retry sends it.
        BudgetAlert.objects.filter(pk=alert.pk).update(emailed_at=None)
        raise
    return True
