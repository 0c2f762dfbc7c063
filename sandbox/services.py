"""Writes the simulated cloud performs (operations and control API call these)."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from sandbox import clock, hooks, runtime
from sandbox.errors import ApiError
from sandbox.models import Customer, Fault, OutboxMessage, Partner, RequestLogEntry, VerificationCode
from sandbox.world import DEMO_CUSTOMERS, DEMO_PARTNER

# Business error codes the sandbox answers (see README "Error codes").
CODE_ALREADY_CREATED = "CBC.99000050"  # documented: the xaccount_id already has an account; body carries the ids
CODE_NAME_OR_EMAIL_TAKEN = "CBC.99000051"  # sandbox choice (Huawei's code not published)
CODE_VERIFICATION_CODE_INVALID = "CBC.99000027"  # Huawei: "verification code expired"; also used for wrong/used codes
CODE_TOO_MANY_VERIFICATION_CODES = "CBC.99000082"  # Huawei: "the customer has sent too many verification codes"

VERIFICATION_CODE_INTERVAL = timedelta(seconds=60)


# --- worlds ---------------------------------------------------------------------------------------


def world_load(*, world: str = "demo") -> None:
    """Fill an empty database: the demo partner always, its customers only for the "demo" world."""
    partner, _ = Partner.objects.update_or_create(domain_id=DEMO_PARTNER["domain_id"], defaults=DEMO_PARTNER)
    for data in DEMO_CUSTOMERS if world == "demo" else []:
        values = {**data, "xaccount_type": partner.xaccount_type}
        values.setdefault("visible_after", values["associated_on"])
        values.setdefault("created_at", values["associated_on"])
        Customer.objects.create(partner=partner, **values)
    for loader in hooks.world_loaders:
        loader(partner=partner, world=world)


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
    now = timezone.now()
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
    now = timezone.now()
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
    now = timezone.now()
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
