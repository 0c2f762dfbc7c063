"""Sign-up: live identity checks, email verification codes, and creating the customer with its cloud account.

The local user, the `Customer` row and the HUAWEI CLOUD account are tied by our own `xaccount_id`,
made before the cloud call. If HUAWEI CLOUD refuses, nothing is left locally. If its answer is lost
(a timeout after the request was sent) or our side fails after it accepted, the row stays PENDING and
`customer_binding_finish` repeats the create call with the same `xaccount_id`: HUAWEI CLOUD answers
CBC.99000050 with the existing ids, so there is never a second cloud account.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from huaweicloud import bss
from huaweicloud.errors import CloudRejected, CloudUnavailable, redact

logger = logging.getLogger(__name__)

# --- rules ---------------------------------------------------------------------------------------

# HUAWEI CLOUD's account-name rule (reference 3.1).
ACCOUNT_NAME = re.compile(r"^[a-zA-Z-][a-zA-Z0-9_-]{4,31}$")
MOBILE = re.compile(r"^00\d{1,4}-\d{4,15}$")
ACCOUNT_NAME_RULE = _(
    "5 to 32 characters: letters, digits, underscores and hyphens, starting with a letter or a hyphen; "
    "not only digits, and not starting with op_ or shadow_."
)
EMAIL_RULE = _("An email address such as name@example.com, at most 64 characters.")
MOBILE_RULE = _("The country code starting with 00 (such as 0065), then the number in digits only.")

# How long an answer of check_user_identity is reused, so typing does not become a call per key.
IDENTITY_CACHE_SECONDS = 60
# Verification codes per address and per client IP: (window in seconds, most codes in it).
CODE_LIMITS = ((60, 1), (60 * 60, 5), (24 * 60 * 60, 10))
CODE_VALID_MINUTES = 10
# Wrong codes tried against one address before a new code is needed.
CODE_MAX_WRONG = 5

# HUAWEI CLOUD's business codes for sign-up (sandbox/README.md "Error codes").
CODE_WRONG_VERIFICATION_CODE = "CBC.99000027"
CODE_NAME_OR_EMAIL_TAKEN = "CBC.99000051"
CODE_TOO_MANY_CODES = "CBC.99000082"

SEARCH_TYPES = {"account_name": "name", "email": "email", "mobile": "mobile"}


def account_name_problem(value: str) -> Promise | None:
    if not ACCOUNT_NAME.match(value) or value.lower().startswith(("op_", "shadow_")) or value.strip("-_").isdigit():
        return ACCOUNT_NAME_RULE
    return None


def email_problem(value: str) -> Promise | None:
    try:
        validate_email(value)
    except ValidationError:
        return EMAIL_RULE
    return EMAIL_RULE if len(value) > 64 else None


def mobile_problem(value: str) -> Promise | None:
    return None if MOBILE.match(value) else MOBILE_RULE


_PROBLEMS = {"account_name": account_name_problem, "email": email_problem, "mobile": mobile_problem}


def _digest(value: str) -> str:
    # Cache keys never hold an email address or a phone number in clear.
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


# --- live identity check -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdentityAnswer:
    # "available", "taken", "invalid" (does not follow the rule) or "unknown" (HUAWEI CLOUD did not answer)
    state: str
    message: Promise | str


def signup_identity_check(*, field: str, value: str) -> IdentityAnswer:
    """Is this account name, email or mobile (`00XX-digits`) free at HUAWEI CLOUD? Answers are cached briefly."""
    if field not in SEARCH_TYPES:
        raise ValueError(f"field must be one of {sorted(SEARCH_TYPES)}")
    value = value.strip()
    problem = _PROBLEMS[field](value)
    if problem is not None:
        return IdentityAnswer("invalid", problem)
    key = f"signup:identity:{field}:{_digest(value)}"
    available = cache.get(key)
    if available is None:
        try:
            available = bss.check_user_identity(search_type=SEARCH_TYPES[field], search_value=value).available
        except CloudRejected:
            # HUAWEI CLOUD found the format wrong where our rule did not (CBC.0100).
            return IdentityAnswer(
                "invalid", {"account_name": ACCOUNT_NAME_RULE, "email": EMAIL_RULE}.get(field, MOBILE_RULE)
            )
        except CloudUnavailable:
            return IdentityAnswer(
                "unknown", _("We could not check this just now; we will check it again when you sign up.")
            )
        cache.set(key, available, IDENTITY_CACHE_SECONDS)
    if available:
        return IdentityAnswer("available", _TAKEN_OR_FREE[field][0])
    return IdentityAnswer("taken", _TAKEN_OR_FREE[field][1])


_TAKEN_OR_FREE = {
    "account_name": (_("This account name is available."), _("This account name is taken. Please choose another one.")),
    "email": (
        _("This email address can be used."),
        _("This email address already has a HUAWEI CLOUD account. Sign in, or use another address."),
    ),
    "mobile": (
        _("This mobile number can be used."),
        _("This mobile number cannot register more accounts. Please use another number."),
    ),
}


# --- verification codes --------------------------------------------------------------------------


class SignupRefused(Exception):
    """Something the customer can fix; `field` names the form field it belongs to (None: the whole form)."""

    def __init__(self, message: Promise | str, *, field: str | None = None, retry_after: int | None = None):
        self.message = message
        self.field = field
        self.retry_after = retry_after
        super().__init__(str(message))


@dataclass(frozen=True, slots=True)
class CodeSent:
    retry_after: int  # seconds before another code may be asked for
    valid_minutes: int


def _code_history_keys(*, email: str, client_ip: str | None) -> list[str]:
    keys = [f"signup:codes:email:{_digest(email)}"]
    if client_ip:
        keys.append(f"signup:codes:ip:{_digest(client_ip)}")
    return keys


def _code_wait(history: list[float], now: float) -> int:
    """Seconds until one more code is allowed by every window, 0 if allowed now."""
    wait = 0.0
    for window, limit in CODE_LIMITS:
        recent = sorted(t for t in history if t > now - window)
        if len(recent) >= limit:
            wait = max(wait, recent[-limit] + window - now)
    return int(wait + 0.999)


def signup_code_wait(*, email: str, client_ip: str | None) -> int:
    """Seconds before another code may be sent to `email` from `client_ip` (0: now)."""
    now = time.time()
    return max(_code_wait(cache.get(key, []), now) for key in _code_history_keys(email=email, client_ip=client_ip))


def signup_code_send(*, email: str, client_ip: str | None, language: str) -> CodeSent:
    """Email a HUAWEI CLOUD verification code, at most 1 a minute, 5 an hour and 10 a day per address and per IP.

    Raises SignupRefused (field "email") with a message the customer understands.
    """
    email = email.strip()
    problem = email_problem(email)
    if problem is not None:
        raise SignupRefused(problem, field="email")
    wait = signup_code_wait(email=email, client_ip=client_ip)
    if wait:
        raise SignupRefused(_wait_message(wait), field="email", retry_after=wait)
    answer = signup_identity_check(field="email", value=email)
    if answer.state == "taken":
        raise SignupRefused(answer.message, field="email")
    try:
        bss.send_verification_code(
            email=email,
            lang="zh-cn" if language.lower().startswith("zh") else "en-us",
            timeout_minutes=CODE_VALID_MINUTES,
        )
    except CloudRejected as exc:
        if exc.error_code == CODE_TOO_MANY_CODES:
            raise SignupRefused(_wait_message(60), field="email", retry_after=60) from exc
        raise SignupRefused(exc.user_message, field="email") from exc
    except CloudUnavailable as exc:
        raise SignupRefused(exc.user_message, field="email") from exc
    now = time.time()
    for key in _code_history_keys(email=email, client_ip=client_ip):
        history = [t for t in cache.get(key, []) if t > now - CODE_LIMITS[-1][0]]
        cache.set(key, [*history, now], CODE_LIMITS[-1][0])
    # A new code gives a new set of tries.
    cache.delete(_wrong_key(email))
    return CodeSent(retry_after=signup_code_wait(email=email, client_ip=client_ip), valid_minutes=CODE_VALID_MINUTES)


def _wait_message(seconds: int) -> str:
    if seconds <= 90:
        return _("A code was sent a moment ago. You can ask for a new one in %(seconds)d seconds.") % {
            "seconds": seconds
        }
    return _(
        "Too many codes were asked for this address or from this network. Please try again in %(minutes)d minutes."
    ) % {"minutes": (seconds + 59) // 60}


def _wrong_key(email: str) -> str:
    return f"signup:wrong-code:{_digest(email)}"


# --- creating the customer -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignupResult:
    customer: Customer
    # True when the cloud account is still being set up by a worker (binding PENDING).
    pending: bool


def signup_customer_create(
    *,
    account_name: str,
    email: str,
    password: str,
    verification_code: str,
    mobile: str = "",
    language: str = "en",
    is_close_market_ms: bool = False,
) -> SignupResult:
    """Create the local user and customer, then the HUAWEI CLOUD account, bound by a new `xaccount_id`.

    Raises SignupRefused (nothing created locally) when HUAWEI CLOUD refuses or cannot be reached
    before it got the request. Returns `pending=True` when the binding is left to a worker.
    """
    email = email.strip()
    if cache.get(_wrong_key(email), 0) >= CODE_MAX_WRONG:
        raise SignupRefused(
            _("This code was entered wrongly too many times. Please send a new code and use that one."),
            field="verification_code",
        )
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=account_name).exists():
        raise SignupRefused(_TAKEN_OR_FREE["account_name"][1], field="account_name")
    try:
        with transaction.atomic():
            user = user_model(username=account_name, email=email)
            user.set_password(password)
            user.save()
            customer = Customer.objects.create(
                user=user,
                account_name=account_name,
                email=email,
                mobile=mobile,
                domain_area=settings.HUAWEICLOUD["DOMAIN_AREA"],
                binding=Customer.Binding.PENDING,
                language=language,
                signup_verification_code=verification_code,
            )
    except IntegrityError as exc:
        # Someone took the same name between our check and the insert.
        raise SignupRefused(_TAKEN_OR_FREE["account_name"][1], field="account_name") from exc

    try:
        created = bss.create_sub_customer(
            xaccount_id=customer.xaccount_id,
            domain_name=account_name,
            email=email,
            verification_code=verification_code,
            domain_area=customer.domain_area,
            is_close_market_ms=is_close_market_ms,
        )
    except CloudRejected as exc:
        _signup_undo(customer)
        raise _refusal(exc, email=email) from exc
    except CloudUnavailable as exc:
        if not exc.maybe_applied:
            # The request never reached HUAWEI CLOUD: nothing was created there either.
            _signup_undo(customer)
            raise SignupRefused(exc.user_message) from exc
        _binding_left_to_worker(customer, reason=str(exc))
        return SignupResult(customer=customer, pending=True)

    try:
        customer = customer_bind(customer=customer, customer_id=created.customer_id)
    except Exception as exc:  # our side failed after HUAWEI CLOUD accepted: the worker binds it
        logger.exception("sign-up: binding customer %s to %s failed", customer.pk, created.customer_id)
        _binding_left_to_worker(customer, reason=f"{type(exc).__name__}")
        return SignupResult(customer=customer, pending=True)
    _welcome_email_enqueue(customer)
    return SignupResult(customer=customer, pending=False)


def _signup_undo(customer: Customer) -> None:
    with transaction.atomic():
        user_id = customer.user_id
        Customer.objects.filter(pk=customer.pk).delete()
        get_user_model().objects.filter(pk=user_id).delete()


def _refusal(exc: CloudRejected, *, email: str) -> SignupRefused:
    message = (exc.error_msg or "").lower()
    if exc.error_code == CODE_WRONG_VERIFICATION_CODE:
        wrong = cache.get(_wrong_key(email), 0) + 1
        cache.set(_wrong_key(email), wrong, CODE_VALID_MINUTES * 60 * 6)
        if wrong >= CODE_MAX_WRONG:
            return SignupRefused(
                _("This code was entered wrongly too many times. Please send a new code and use that one."),
                field="verification_code",
            )
        if "expired" in message:
            text = _("This code has expired. Please send a new code.")
        elif "used" in message:
            text = _("This code has already been used. Please send a new code.")
        else:
            text = _("This code is not right. Check the latest email from HUAWEI CLOUD and type the 6 digits again.")
        return SignupRefused(text, field="verification_code")
    if exc.error_code == CODE_NAME_OR_EMAIL_TAKEN:
        if "email" in message:
            return SignupRefused(_TAKEN_OR_FREE["email"][1], field="email")
        return SignupRefused(_TAKEN_OR_FREE["account_name"][1], field="account_name")
    if exc.error_code == "CBC.0100":
        if "domain_name" in message:
            return SignupRefused(ACCOUNT_NAME_RULE, field="account_name")
        if "email" in message:
            return SignupRefused(EMAIL_RULE, field="email")
    return SignupRefused(exc.user_message)


def customer_bind(*, customer: Customer, customer_id: str) -> Customer:
    """Record the HUAWEI CLOUD account id on a pending customer. Safe to run twice."""
    with transaction.atomic():
        # Locked so customers_sync, binding the same row through xaccount_id, waits for us.
        row = Customer.objects.select_for_update().get(pk=customer.pk)
        if row.binding == Customer.Binding.BOUND and row.customer_id == customer_id:
            return row
        if row.customer_id and row.customer_id != customer_id:
            raise ValueError(f"customer {row.pk} is bound to {row.customer_id}, HUAWEI CLOUD says {customer_id}")
        row.customer_id = customer_id
        row.binding = Customer.Binding.BOUND
        row.signup_verification_code = ""
        row.binding_error = ""
        row.save(update_fields=["customer_id", "binding", "signup_verification_code", "binding_error", "updated_at"])
    return row


def _binding_left_to_worker(customer: Customer, *, reason: str) -> None:
    Customer.objects.filter(pk=customer.pk, binding=Customer.Binding.PENDING).update(
        binding_error=redact(reason, limit=300)
    )
    from customers import tasks

    _enqueue(tasks.customer_binding_finish, customer.pk)
    _welcome_email_enqueue(customer)


def _welcome_email_enqueue(customer: Customer) -> None:
    from customers import tasks

    _enqueue(tasks.customer_welcome_email_send, customer.pk)


def _enqueue(task, *args) -> None:
    def send() -> None:
        try:
            task.delay(*args)
        except Exception:
            # Neither a broker outage nor (with eager tasks) the task's own failure may fail the
            # sign-up: the customer is signed in, and the periodic sweep finishes a pending binding.
            logger.exception("sign-up: %s%s failed to queue or run", task.name, args)

    transaction.on_commit(send)


def customer_binding_finish(*, customer: Customer) -> Customer:
    """Finish a pending binding: call create again with the same `xaccount_id` and bind to the ids it gives.

    HUAWEI CLOUD answers CBC.99000050 with the existing account's ids when the first call went
    through, and creates the account when it did not. Safe to run twice; a bound row is left alone.
    Raises CloudUnavailable for the caller (a Celery task) to retry.
    """
    customer.refresh_from_db()
    if customer.binding == Customer.Binding.BOUND:
        return customer
    Customer.objects.filter(pk=customer.pk).update(binding_attempts=customer.binding_attempts + 1)
    try:
        created = bss.create_sub_customer(
            xaccount_id=customer.xaccount_id,
            domain_name=customer.account_name,
            email=customer.email or None,
            verification_code=customer.signup_verification_code or None,
            domain_area=customer.domain_area or settings.HUAWEICLOUD["DOMAIN_AREA"],
        )
    except CloudRejected as exc:
        # Staff must look at it (the admin lists binding errors); retrying would not help.
        logger.error("sign-up: HUAWEI CLOUD refused to finish customer %s: %s", customer.pk, exc)
        Customer.objects.filter(pk=customer.pk).update(binding_error=redact(str(exc), limit=300))
        raise
    return customer_bind(customer=customer, customer_id=created.customer_id)


def customers_binding_sweep(*, older_than: timedelta = timedelta(minutes=2), max_attempts: int = 10) -> int:
    """Queue the binding of customers left pending (a crash between the cloud's answer and ours). Returns how many."""
    from customers import tasks

    pending = Customer.objects.filter(
        binding=Customer.Binding.PENDING,
        customer_id__isnull=True,
        user__isnull=False,
        created_at__lt=timezone.now() - older_than,
        binding_attempts__lt=max_attempts,
    ).values_list("pk", flat=True)
    count = 0
    for pk in pending:
        tasks.customer_binding_finish.delay(pk)
        count += 1
    return count


def customer_welcome_email_send(*, customer: Customer) -> None:
    """The welcome email, in the language the customer signed up in."""
    if not customer.email:
        return
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        context = {"customer": customer, "partner_name": settings.PARTNER_NAME, "site_url": settings.SITE_URL}
        subject = " ".join(render_to_string("emails/welcome_subject.txt", context).split())
        body = render_to_string("emails/welcome.txt", context)
    send_mail(subject, body, None, [customer.email])
