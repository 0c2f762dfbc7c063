"""Writes the simulated cloud performs (operations and control API call these)."""

from __future__ import annotations

import hashlib
import logging
import secrets
import string
import threading
import uuid
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction

from sandbox import clock, hooks, runtime
from sandbox.auth import secret_hash
from sandbox.errors import ApiError
from sandbox.models import (
    BudgetRecord,
    Coupon,
    Customer,
    Fault,
    IamToken,
    OutboxMessage,
    Partner,
    RealnameApplication,
    RequestLogEntry,
    TemporaryCredential,
    VerificationCode,
)
from sandbox.world import (
    DEMO_BUDGET_RECORDS,
    DEMO_COUPON_OWNER,
    DEMO_COUPONS,
    DEMO_CUSTOMERS,
    DEMO_PARTNER,
    DEMO_REALNAME_APPLICATIONS,
)

# Business error codes the sandbox answers (see README "Error codes").
CODE_ALREADY_CREATED = "CBC.99000050"  # documented: the xaccount_id already has an account; body carries the ids
CODE_NAME_OR_EMAIL_TAKEN = "CBC.99000051"  # sandbox choice (Huawei's code not published)
CODE_VERIFICATION_CODE_INVALID = "CBC.99000027"  # Huawei: "verification code expired"; also used for wrong/used codes
CODE_TOO_MANY_VERIFICATION_CODES = "CBC.99000082"  # Huawei: "the customer has sent too many verification codes"

VERIFICATION_CODE_INTERVAL = timedelta(seconds=60)

logger = logging.getLogger(__name__)


# --- worlds ---------------------------------------------------------------------------------------


def world_load(*, world: str = "demo") -> None:
    """Fill an empty database: the demo partner always, its customers only for the "demo" world."""
    partner, _ = Partner.objects.update_or_create(domain_id=DEMO_PARTNER["domain_id"], defaults=DEMO_PARTNER)
    for data in DEMO_CUSTOMERS if world == "demo" else []:
        values = {**data, "xaccount_type": partner.xaccount_type}
        values.setdefault("visible_after", values["associated_on"])
        values.setdefault("created_at", values["associated_on"])
        Customer.objects.create(partner=partner, **values)
    if world == "demo":
        _demo_extras(partner)
    for loader in hooks.world_loaders:
        loader(partner=partner, world=world)


def _demo_extras(partner: Partner) -> None:
    """Real-name history, budget records and coupons of the demo customers (sandbox/world.py)."""
    customers = {c.domain_name: c for c in partner.customers.all()}
    applied = set()
    for data in DEMO_REALNAME_APPLICATIONS:
        values = dict(data)
        customer = customers[values.pop("account_name")]
        applied.add(customer.domain_name)
        RealnameApplication.objects.create(customer=customer, **values)
    for customer in customers.values():
        if customer.domain_name in applied or customer.verified_status != Customer.VerifiedStatus.AUTHENTICATED:
            continue
        RealnameApplication.objects.create(
            customer=customer,
            kind=RealnameApplication.Kind.ENTERPRISE
            if customer.customer_type == 1
            else RealnameApplication.Kind.INDIVIDUAL,
            identify_type=1 if customer.customer_type == 1 else 0,
            certificate_type=0 if customer.customer_type == 1 else None,
            verified_type=None if customer.customer_type == 1 else 3,
            name=customer.customer,
            verified_number=customer.customer_id[:12].upper(),
            file_keys=[f"realname/{customer.domain_name}/certificate.pdf"],
            reg_country=customer.domain_area,
            status=RealnameApplication.Status.APPROVED,
            is_review=1,
            submitted_at=customer.associated_on + timedelta(hours=1),
            decided_at=customer.associated_on + timedelta(days=1),
        )
    for account_name, amount, budget_type, when in DEMO_BUDGET_RECORDS:
        BudgetRecord.objects.create(
            customer=customers[account_name],
            budget_amount=amount,
            budget_type=budget_type,
            operation_type="SETTING",
            operator=partner.iam_user,
            operation_time=when,
        )
    now = clock.now()
    for data in DEMO_COUPONS:
        values = dict(data)
        valid_days, expire_days = values.pop("valid_days"), values.pop("expire_days")
        Coupon.objects.create(
            partner=partner,
            customer=customers[DEMO_COUPON_OWNER],
            valid_time=now + timedelta(days=valid_days),
            expire_time=now + timedelta(days=expire_days),
            created_at=now + timedelta(days=valid_days),
            source_id=partner.domain_id,
            **values,
        )


def world_reset(*, world: str = "demo") -> None:
    """Back to a known world: customers, codes, outbox, faults and the request log are wiped."""
    with transaction.atomic():
        for model in (RequestLogEntry, Fault, OutboxMessage, VerificationCode, Customer, Partner):
            model.objects.all().delete()
        clock.reset()
        world_load(world=world)
    runtime.reset()


def world_is_empty() -> bool:
    return not Partner.objects.exists()


# --- verification codes ---------------------------------------------------------------------------


def verification_code_send(*, email: str, timeout_minutes: int, lang: str) -> VerificationCode:
    """Put a 6-digit code for `email` into the outbox; at most one a minute per address."""
    now = clock.now()
    with transaction.atomic():
        latest = (
            VerificationCode.objects.select_for_update().filter(email__iexact=email).order_by("-created_at").first()
        )
        if latest is not None and now - latest.created_at < VERIFICATION_CODE_INTERVAL:
            wait = int((VERIFICATION_CODE_INTERVAL - (now - latest.created_at)).total_seconds()) + 1
            raise ApiError(
                400,
                CODE_TOO_MANY_VERIFICATION_CODES,
                f"Verification codes are sent too often to this email address. Try again in {wait} seconds.",
            )
        code = f"{secrets.randbelow(1_000_000):06d}"
        verification = VerificationCode.objects.create(
            email=email, code=code, created_at=now, expires_at=now + timedelta(minutes=timeout_minutes)
        )
        if lang == "zh-cn":
            subject = "华为云验证码"
            body = f"您的验证码是 {code},{timeout_minutes} 分钟内有效。"
        else:
            subject = "HUAWEI CLOUD verification code"
            body = f"Your verification code is {code}. It is valid for {timeout_minutes} minutes."
        OutboxMessage.objects.create(
            kind="verification_code", to=email, subject=subject, body=body, code=code, created_at=now
        )
    return verification


def _verification_code_use(*, email: str, code: str) -> None:
    now = clock.now()
    candidate = VerificationCode.objects.filter(email__iexact=email, code=code).order_by("-created_at").first()
    if candidate is None:
        raise ApiError(400, CODE_VERIFICATION_CODE_INVALID, "The verification code is incorrect.")
    if candidate.used_at is not None:
        raise ApiError(400, CODE_VERIFICATION_CODE_INVALID, "The verification code has already been used.")
    if candidate.expires_at <= now:
        raise ApiError(400, CODE_VERIFICATION_CODE_INVALID, "The verification code has expired.")
    # Conditional UPDATE: of two requests racing with one code, only one gets it.
    if not VerificationCode.objects.filter(pk=candidate.pk, used_at__isnull=True).update(used_at=now):
        raise ApiError(400, CODE_VERIFICATION_CODE_INVALID, "The verification code has already been used.")


# --- customers ------------------------------------------------------------------------------------


def _already_created(customer: Customer) -> ApiError:
    return ApiError(
        400,
        CODE_ALREADY_CREATED,
        f"An account has already been created for xaccount_id {customer.xaccount_id}.",
        domain_id=customer.customer_id,
        domain_name=customer.domain_name,
    )


def customer_create(
    *,
    partner: Partner,
    xaccount_id: str,
    xaccount_type: str,
    domain_area: str,
    domain_name: str | None,
    email: str | None,
    verification_code: str | None,
    has_password: bool,
    is_close_market_ms: bool,
) -> Customer:
    """Create and associate (reseller model) a customer; the checks run in the order a retry needs:
    a repeated xaccount_id answers CBC.99000050 before its (already used) code is looked at."""
    now = clock.now()
    with transaction.atomic():
        existing = Customer.objects.filter(partner=partner, xaccount_id=xaccount_id).first()
        if existing is not None:
            raise _already_created(existing)
        if domain_name and Customer.objects.filter(domain_name__iexact=domain_name).exists():
            raise ApiError(400, CODE_NAME_OR_EMAIL_TAKEN, f"The account name {domain_name} is already in use.")
        if email and Customer.objects.filter(email__iexact=email).exists():
            raise ApiError(400, CODE_NAME_OR_EMAIL_TAKEN, f"The email address {email} is already in use.")
        if email:
            _verification_code_use(email=email, code=verification_code or "")
        customer_id = uuid.uuid4().hex
        try:
            with transaction.atomic():
                customer = Customer.objects.create(
                    partner=partner,
                    customer_id=customer_id,
                    domain_name=domain_name or f"hw{uuid.uuid4().hex[:30]}",
                    xaccount_id=xaccount_id,
                    xaccount_type=xaccount_type,
                    domain_area=domain_area,
                    email=email or "",
                    has_password=has_password,
                    is_close_market_ms=is_close_market_ms,
                    verified_status=Customer.VerifiedStatus.NOT_AUTHENTICATED,
                    customer_type=-1,
                    association_type="3",
                    associated_on=now,
                    visible_after=now + timedelta(seconds=runtime.config().visibility_delay),
                    created_at=now,
                )
        except IntegrityError:
            # A concurrent request with the same xaccount_id or name won the race.
            existing = Customer.objects.filter(partner=partner, xaccount_id=xaccount_id).first()
            if existing is not None:
                raise _already_created(existing) from None
            raise ApiError(
                400, CODE_NAME_OR_EMAIL_TAKEN, f"The account name {domain_name} is already in use."
            ) from None
    return customer


# --- IAM: tokens and temporary AK/SK --------------------------------------------------------------

TOKEN_LIFETIME = timedelta(hours=24)  # IAM's documented token validity


def project_id_for(*, domain_id: str, region: str) -> str:
    """The IAM project id of an account (partner domain id or customer id) in `region`: 32 hex, stable."""
    return hashlib.md5(f"{domain_id}|{region}".encode(), usedforsecurity=False).hexdigest()


def iam_token_issue(
    *, partner: Partner, customer: Customer | None, methods: list[str], project_name: str = ""
) -> tuple[str, IamToken]:
    """A new token (the value goes back once, in X-Subject-Token; only its hash is stored)."""
    value = "MII" + secrets.token_urlsafe(96)
    now = clock.now()
    row = IamToken.objects.create(
        token_hash=secret_hash(value),
        partner=partner,
        customer=customer,
        methods=methods,
        project_name=project_name,
        issued_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    return value, row


def temporary_credentials_issue(
    *, partner: Partner, customer: Customer | None, duration_seconds: int
) -> tuple[TemporaryCredential, str]:
    """New temporary AK/SK; returns the row and the security token (stored as its hash only)."""
    alphabet = string.ascii_uppercase + string.digits
    access_key = "".join(secrets.choice(alphabet) for _ in range(20))
    secret_key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40))
    security_token = "gQpjbi1" + secrets.token_urlsafe(180)
    now = clock.now()
    row = TemporaryCredential.objects.create(
        access_key=access_key,
        secret_key=secret_key,
        security_token_hash=secret_hash(security_token),
        partner=partner,
        customer=customer,
        issued_at=now,
        expires_at=now + timedelta(seconds=duration_seconds),
    )
    return row, security_token


# --- budgets --------------------------------------------------------------------------------------

CODE_BUDGET_INSUFFICIENT = "CBC.99003109"  # sandbox choice: budget insufficient (Huawei's code is not published)
CODE_ACCOUNT_FROZEN = "CBC.99003110"  # sandbox choice: the account is frozen, no purchases

_deferred = threading.local()


def _defer(fn) -> None:
    """Run `fn` after the request (views) or clock move (control), whether the transaction it was
    decided in commits or not: a refused payment rolls back, yet the auto-freeze must stay."""
    if not transaction.get_connection().in_atomic_block:
        fn()
        return
    if not hasattr(_deferred, "calls"):
        _deferred.calls = []
    _deferred.calls.append(fn)


def deferred_run() -> None:
    calls, _deferred.calls = getattr(_deferred, "calls", []), []
    for fn in calls:
        try:
            fn()
        except Exception:  # one failure must not hide the answer of the request
            logger.exception("A deferred sandbox write failed")


def customer_freeze(*, customer: Customer) -> bool:
    """Freeze the account (is_frozen 1); False if it already was. A conditional UPDATE, so two
    concurrent freezes report one success."""
    return bool(Customer.objects.filter(pk=customer.pk, is_frozen=0).update(is_frozen=1))


def customer_unfreeze(*, customer: Customer) -> bool:
    return bool(Customer.objects.filter(pk=customer.pk, is_frozen=1).update(is_frozen=0))


def budget_charge(*, customer: Customer, amount: Decimal) -> None:
    """Spend `amount` (USD, >= 0) of the customer's budget (pay, renew, auto-renew).

    Refused with `400 CBC.99003109` when budget - used < amount (so a budget of 0 refuses every
    purchase, as Huawei's "a customer without a budget cannot buy"); if the partner chose
    `frozen_operate_type` 1 the customer is frozen too, even though the caller's transaction rolls
    back. A frozen customer is refused with `400 CBC.99003110`.
    """
    amount = Decimal(amount)
    refusal, freeze = None, False
    with transaction.atomic():
        # The row lock serialises two payments of one customer: both cannot pass the same remaining budget.
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        left = locked.budget_amount - locked.used_amount
        if locked.is_frozen:
            refusal = ApiError(400, CODE_ACCOUNT_FROZEN, "The account is frozen and cannot make purchases.")
        elif amount > left:
            freeze = locked.frozen_operate_type == 1
            refusal = ApiError(
                400,
                CODE_BUDGET_INSUFFICIENT,
                f"The budget is insufficient: {amount:.2f} USD needed, {max(left, Decimal(0)):.2f} USD left. "
                "Contact your partner.",
            )
        else:
            locked.used_amount += amount
            locked.save(update_fields=["used_amount"])
    if refusal is not None:
        if freeze:
            _defer(lambda: customer_freeze(customer=locked))
        raise refusal
    customer.used_amount = locked.used_amount


def budget_refund(*, customer: Customer, amount: Decimal) -> None:
    """Give `amount` (>= 0) back to the customer's budget (unsubscription refunds); never below 0 used."""
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        locked.used_amount = max(Decimal(0), locked.used_amount - Decimal(amount))
        locked.save(update_fields=["used_amount"])
    customer.used_amount = locked.used_amount


def budget_set(
    *,
    customer: Customer,
    amount: Decimal,
    budget_type: str,
    frozen_operate_type: int | None,
    cancel_partner_frozen: bool,
    operator: str,
) -> None:
    """update_sub_customer_budget: set the budget and record it (list_sub_customer_budget_records)."""
    with transaction.atomic():
        customer.budget_amount = amount
        customer.budget_type = budget_type
        fields = ["budget_amount", "budget_type"]
        if frozen_operate_type is not None:
            customer.frozen_operate_type = frozen_operate_type
            fields.append("frozen_operate_type")
        if cancel_partner_frozen:
            customer.is_frozen = 0
            fields.append("is_frozen")
        customer.save(update_fields=fields)
        BudgetRecord.objects.create(
            customer=customer,
            budget_amount=amount,
            operation_type="SETTING",
            budget_type=budget_type,
            operator=operator,
            operation_time=clock.now(),
        )


# --- real-name authentication ----------------------------------------------------------------------

CODE_REALNAME_EXISTS = "CBC.99007188"  # Huawei: already authenticated, or an application is under review
CODE_REALNAME_CHANGE_NOT_ALLOWED = "CBC.99007300"  # sandbox choice: only an approved individual can change
AUTO_APPROVE_MARK = "auto-approve"


class RealnameNotPending(ValueError):
    """The customer has no application waiting for a manual review (control API: 409)."""


def _realname_approved(customer: Customer, application: RealnameApplication) -> None:
    customer.verified_status = Customer.VerifiedStatus.AUTHENTICATED
    customer.customer_type = 0 if application.kind == RealnameApplication.Kind.INDIVIDUAL else 1
    customer.customer = application.name


def realname_submit(
    *,
    customer: Customer,
    kind: str,
    identify_type: int,
    name: str,
    verified_number: str,
    file_keys: list[str],
    verified_type: int | None = None,
    certificate_type: int | None = None,
    reg_country: str = "",
    reg_address: str = "",
    enterprise_person: dict | None = None,
) -> RealnameApplication:
    """Record an application; approve it at once (is_review 0) when the sandbox's `realname_review` is
    "auto" or the name contains "auto-approve", else queue it for a manual decision (is_review 1)."""
    now = clock.now()
    with transaction.atomic():
        # The row lock keeps two concurrent applications of one customer from both being accepted.
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        pending = customer.realname_applications.filter(status=RealnameApplication.Status.UNDER_REVIEW).exists()
        if pending or customer.verified_status == Customer.VerifiedStatus.UNDER_REVIEW:
            raise ApiError(400, CODE_REALNAME_EXISTS, "A real-name application of this customer is under review.")
        if kind == RealnameApplication.Kind.CHANGE:
            if customer.verified_status != Customer.VerifiedStatus.AUTHENTICATED or customer.customer_type != 0:
                raise ApiError(
                    400,
                    CODE_REALNAME_CHANGE_NOT_ALLOWED,
                    "Only a customer authenticated as an individual can change to enterprise authentication.",
                )
        elif customer.verified_status == Customer.VerifiedStatus.AUTHENTICATED:
            raise ApiError(400, CODE_REALNAME_EXISTS, "The customer has already passed real-name authentication.")
        instant = runtime.config().realname_review == "auto" or AUTO_APPROVE_MARK in name.lower()
        application = RealnameApplication.objects.create(
            customer=customer,
            kind=kind,
            identify_type=identify_type,
            verified_type=verified_type,
            certificate_type=certificate_type,
            name=name,
            verified_number=verified_number,
            file_keys=file_keys,
            reg_country=reg_country,
            reg_address=reg_address,
            enterprise_person=enterprise_person,
            status=RealnameApplication.Status.APPROVED if instant else RealnameApplication.Status.UNDER_REVIEW,
            is_review=0 if instant else 1,
            submitted_at=now,
            decided_at=now if instant else None,
        )
        if instant:
            _realname_approved(customer, application)
        elif kind != RealnameApplication.Kind.CHANGE:
            # A change keeps the individual authentication until it is decided.
            customer.verified_status = Customer.VerifiedStatus.UNDER_REVIEW
            customer.customer_type = 0 if kind == RealnameApplication.Kind.INDIVIDUAL else 1
        customer.save(update_fields=["verified_status", "customer_type", "customer"])
    return application


def realname_decide(*, customer: Customer, approve: bool, opinion: str = "") -> RealnameApplication:
    """The reviewer's decision on the customer's pending application (control API)."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        application = (
            customer.realname_applications.select_for_update()
            .filter(status=RealnameApplication.Status.UNDER_REVIEW)
            .order_by("-submitted_at", "-id")
            .first()
        )
        if application is None:
            raise RealnameNotPending(f"customer {customer.customer_id} has no real-name application under review")
        application.decided_at = clock.now()
        application.opinion = opinion
        if approve:
            application.status = RealnameApplication.Status.APPROVED
            _realname_approved(customer, application)
        else:
            application.status = RealnameApplication.Status.REJECTED
            application.opinion = opinion or "The submitted documents could not be verified."
            if application.kind != RealnameApplication.Kind.CHANGE:
                customer.verified_status = Customer.VerifiedStatus.REJECTED
        application.save(update_fields=["status", "opinion", "decided_at"])
        customer.save(update_fields=["verified_status", "customer_type", "customer"])
    return application
