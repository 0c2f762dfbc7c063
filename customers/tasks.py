"""Customer background work: each task calls one service."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from customers import services
from huaweicloud.errors import CloudMisconfigured, CloudUnavailable


@shared_task(
    autoretry_for=(CloudUnavailable,),
    # Wrong AK/SK or clock: retrying cannot help; the gateway has logged it at ERROR.
    dont_autoretry_for=(CloudMisconfigured,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def customers_sync() -> dict[str, int]:
    """Mirror HUAWEI CLOUD's customer list into `Customer` rows (beat: every 15 minutes).

    Safe to run twice, even at the same time: rows are upserted on the HUAWEI CLOUD customer id
    (pending rows are bound through xaccount_id), so a second run changes nothing but `synced_at`.
    Retries on CloudUnavailable with exponential backoff and jitter, at most 5 times; pages already
    written stay written and the retry continues from the run's saved cursor (`SyncRun.next_offset`).
    A run already in progress elsewhere makes this one return at once.
    """
    try:
        return asdict(services.customers_sync())
    except services.SyncAlreadyRunning:
        return {"skipped": 1}


@shared_task(
    autoretry_for=(CloudUnavailable,),
    dont_autoretry_for=(CloudMisconfigured,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=8,
)
def customer_binding_finish(customer_pk: int) -> None:
    """Bind a customer left PENDING at sign-up to its HUAWEI CLOUD account.

    Safe to run twice: it calls create again with the customer's own xaccount_id, which HUAWEI CLOUD
    answers with the existing account's ids (CBC.99000050), and a bound row is left alone. Retries on
    CloudUnavailable with exponential backoff and jitter, at most 8 times; the sweep queues it again later.
    """
    from customers import signup
    from customers.models import Customer

    customer = Customer.objects.filter(pk=customer_pk).first()
    if customer is not None:
        signup.customer_binding_finish(customer=customer)


@shared_task
def customers_binding_sweep() -> int:
    """Queue `customer_binding_finish` for customers still pending after a few minutes (beat: every 5 minutes).

    Safe to run twice: a second finish of the same customer changes nothing.
    """
    from customers import signup

    return signup.customers_binding_sweep()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def customer_welcome_email_send(customer_pk: int) -> None:
    """The welcome email after sign-up. Retries on mail server errors (OSError), at most 5 times."""
    from customers import signup
    from customers.models import Customer

    customer = Customer.objects.filter(pk=customer_pk).first()
    if customer is not None:
        signup.customer_welcome_email_send(customer=customer)


@shared_task(
    autoretry_for=(CloudUnavailable,),
    dont_autoretry_for=(CloudMisconfigured,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def realname_reviews_check() -> dict[str, int]:
    """Poll HUAWEI CLOUD for the result of real-name applications under review (beat: every 5 minutes).

    Only applications whose `next_check_at` is due are asked about, each claimed with a conditional
    UPDATE, so two runs at once never ask twice; the delay between checks of one application doubles.
    """
    from customers import realname

    return asdict(realname.realname_reviews_check())


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def realname_result_email_send(application_pk: int) -> None:
    """Email the review result, once (claimed with a conditional UPDATE). Retries on mail server errors."""
    from customers import realname
    from customers.models import RealNameApplication

    application = RealNameApplication.objects.filter(pk=application_pk).first()
    if application is not None:
        realname.realname_result_email_send(application=application)


# --- budgets ------------------------------------------------------------------------------------------


@shared_task(
    autoretry_for=(CloudUnavailable,),
    dont_autoretry_for=(CloudMisconfigured,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def budgets_refresh() -> dict[str, int]:
    """Mirror every customer's budget, 100 customers per HUAWEI CLOUD call, then check budget alerts
    (beat: every 30 minutes).

    Safe to run twice: it overwrites the mirror with HUAWEI CLOUD's values, and an alert is recorded
    once per customer, threshold and month. Retries on CloudUnavailable with exponential backoff and
    jitter, at most 5 times; the retry continues from the run's saved cursor. A run already in
    progress elsewhere makes this one return at once.
    """
    from customers import budgets
    from customers.services import SyncAlreadyRunning

    try:
        run = budgets.budgets_refresh()
    except SyncAlreadyRunning:
        return {"skipped": 1}
    return {"seen": run.seen, "updated": run.updated}


@shared_task
def budget_alerts_check() -> int:
    """Record and email budget alerts for thresholds crossed this month. Safe to run twice (unique per month)."""
    from customers import budgets

    return budgets.budget_alerts_check()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def budget_alert_email_send(alert_pk: int) -> None:
    """Email the customer and Operations about one budget alert, once (claimed with a conditional UPDATE).
    Retries on mail server errors (OSError), at most 5 times."""
    from customers import budgets
    from customers.models import BudgetAlert

    alert = BudgetAlert.objects.select_related("customer").filter(pk=alert_pk).first()
    if alert is not None:
        budgets.budget_alert_email_send(alert=alert)
