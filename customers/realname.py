"""Real-name authentication: applying through HUAWEI CLOUD, following the review, telling the customer.

Certificate numbers reach HUAWEI CLOUD in the request and nowhere else: rows keep the last four
characters and an HMAC (keyed with SECRET_KEY) for equality; nothing here logs them. Photos are
saved to the private default storage under random names, and those storage names are the object
keys sent as `verified_file_url`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from customers.models import Customer, RealNameApplication, RealNameFile
from huaweicloud import realname as cloud
from huaweicloud.errors import CloudRejected, CloudUnavailable

logger = logging.getLogger(__name__)

MAX_FILE_SIZE = 10 * 1024 * 1024
# What HUAWEI CLOUD accepts (reference 4): Pillow's format name or PDF -> (content type, extension).
ACCEPTED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "BMP": ("image/bmp", "bmp"),
    "PDF": ("application/pdf", "pdf"),
}
ACCEPTED_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "bmp", "pdf"}
STORAGE_PREFIX = "kyc"
# The review poll asks again after 5 minutes, then 10, 20, ... at most every 6 hours.
FIRST_CHECK_DELAY = timedelta(minutes=5)
MAX_CHECK_DELAY = timedelta(hours=6)
# An application HUAWEI CLOUD has no record of after this many checks was lost (a timed-out submit).
UNKNOWN_AFTER_CHECKS = 3


# --- numbers and files ---------------------------------------------------------------------------


def number_mask(number: str) -> str:
    """`E12345678` -> `*****5678`: enough to recognise, not enough to use."""
    number = "".join(number.split())
    return "*" * max(len(number) - 4, 4) + number[-4:] if len(number) > 4 else "*" * len(number)


def number_hash(number: str) -> str:
    """Keyed hash for equality (the same certificate twice) without storing the number."""
    normalised = "".join(number.split()).upper()
    return hmac.new(settings.SECRET_KEY.encode(), f"realname:{normalised}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class CheckedFile:
    upload: UploadedFile
    content_type: str
    extension: str


def file_check(upload: UploadedFile) -> CheckedFile:
    """Type jpg/png/gif/bmp/pdf, at most 10 MB, and an image must really be one (Pillow `verify()`)."""
    from PIL import Image, UnidentifiedImageError

    if upload.size > MAX_FILE_SIZE:
        raise ValidationError(_("This file is larger than 10 MB. Please upload a smaller photo or scan."), code="size")
    if upload.size == 0:
        raise ValidationError(_("This file is empty."), code="empty")
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    not_accepted = ValidationError(
        _("Please upload a JPG, PNG, GIF, BMP or PDF file. This file is not one of them."), code="type"
    )
    if extension not in ACCEPTED_EXTENSIONS:
        raise not_accepted
    upload.seek(0)
    if extension == "pdf":
        if upload.read(5) != b"%PDF-":
            raise not_accepted
        upload.seek(0)
        return CheckedFile(upload, *ACCEPTED_FORMATS["PDF"])
    try:
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise not_accepted from exc
    finally:
        upload.seek(0)
    if image_format not in ACCEPTED_FORMATS or image_format == "PDF":
        raise not_accepted
    return CheckedFile(upload, *ACCEPTED_FORMATS[image_format])


def _files_store(files: Sequence[tuple[str, CheckedFile]]) -> list[tuple[str, CheckedFile, str]]:
    stored = []
    try:
        for role, checked in files:
            # Random names: nothing about the customer or the document in the key.
            name = default_storage.save(f"{STORAGE_PREFIX}/{secrets.token_hex(16)}.{checked.extension}", checked.upload)
            stored.append((role, checked, name))
    except Exception:
        _files_delete(name for _role, _checked, name in stored)
        raise
    return stored


def _files_delete(names) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("real-name: could not delete stored file %s", name)


# --- applying ------------------------------------------------------------------------------------


class RealNameRefused(Exception):
    """Shown to the customer: the application was not sent, or HUAWEI CLOUD refused it."""

    def __init__(self, message: Promise | str):
        self.message = message
        super().__init__(str(message))


def realname_can_apply(*, customer: Customer, method: str) -> Promise | None:
    """Why this customer cannot apply by `method` now, or None."""
    if customer.binding != Customer.Binding.BOUND or not customer.customer_id:
        return _("Your HUAWEI CLOUD account is still being set up. Please try again in a few minutes.")
    if customer.real_name_status == Customer.RealNameStatus.UNDER_REVIEW:
        return _("Your application is under review. You can apply again once HUAWEI CLOUD has decided.")
    approved = customer.real_name_status == Customer.RealNameStatus.APPROVED
    is_individual = approved and customer.customer_type == Customer.CustomerType.INDIVIDUAL
    # A change to enterprise leaves the customer an approved individual while it is reviewed (4.4).
    if is_individual and customer.realname_applications.filter(status=RealNameApplication.Status.UNDER_REVIEW).exists():
        return CHANGE_UNDER_REVIEW
    if method == RealNameApplication.Method.ENTERPRISE_CHANGE:
        return None if is_individual else CHANGE_ONLY_FOR_INDIVIDUALS
    if method == RealNameApplication.Method.BANK_CARD and not settings.REALNAME_BANK_CARD_ENABLED:
        return BANK_CARD_UNAVAILABLE
    if approved:
        return _("Your account is already authenticated.")
    return None


CHANGE_ONLY_FOR_INDIVIDUALS = _(
    "Only an account authenticated as an individual can change to an enterprise. "
    "Please apply for enterprise authentication instead."
)
CHANGE_UNDER_REVIEW = _(
    "Your change to enterprise authentication is under review. Until HUAWEI CLOUD decides, "
    "your account stays authenticated as an individual."
)
BANK_CARD_UNAVAILABLE = _(
    "HUAWEI CLOUD International does not offer authentication by bank card. "
    "Please authenticate with an identity document instead."
)


# The methods HUAWEI CLOUD International takes through its API.
CLOUD_METHODS = frozenset(
    {
        RealNameApplication.Method.INDIVIDUAL,
        RealNameApplication.Method.ENTERPRISE,
        RealNameApplication.Method.ENTERPRISE_CHANGE,
    }
)

# HUAWEI CLOUD's business codes for real-name applications (sandbox/README.md "Error codes").
CODE_ALREADY_APPLIED = "CBC.99007188"  # approved already, or an application under review
CODE_FILE_FORMAT = "CBC.99000100"
CODE_NOT_AN_INDIVIDUAL = "CBC.99007300"
CODE_NOT_OUR_CUSTOMER = "CBC.99000035"

REFUSAL_MESSAGES = {
    CODE_ALREADY_APPLIED: _(
        "HUAWEI CLOUD already has an application for this account under review, or has already "
        "authenticated it, so it did not take this one. Nothing was saved. This page shows the result "
        "once HUAWEI CLOUD has decided; if it does not within a day, please contact us."
    ),
    CODE_FILE_FORMAT: _("HUAWEI CLOUD accepts only JPG, BMP, PNG, GIF or PDF files. Please upload the photos again."),
    CODE_NOT_AN_INDIVIDUAL: CHANGE_ONLY_FOR_INDIVIDUALS,
    CODE_NOT_OUR_CUSTOMER: _(
        "We cannot send applications for this HUAWEI CLOUD account. Please contact us and we will sort it out."
    ),
}


def _refusal_message(exc: CloudRejected) -> Promise | str:
    return REFUSAL_MESSAGES.get(exc.error_code or "", exc.user_message)


@sensitive_variables("verified_number", "legal_id_number")
def realname_apply(
    *,
    customer: Customer,
    method: str,
    name: str,
    verified_number: str,
    files: Sequence[tuple[str, CheckedFile]],
    verified_type: int | None = None,
    certificate_type: int | None = None,
    legal_name: str = "",
    legal_id_number: str = "",
    reg_country: str = "",
    reg_address: str = "",
) -> RealNameApplication:
    """Send a real-name application to HUAWEI CLOUD and record it as under review.

    `files`: (RealNameFile.Role, checked upload) in HUAWEI CLOUD's order. Raises RealNameRefused
    when it cannot be sent or HUAWEI CLOUD refuses it (then nothing is kept, files included).
    """
    problem = realname_can_apply(customer=customer, method=method)
    if problem is not None:
        raise RealNameRefused(problem)
    if method not in CLOUD_METHODS:
        # Bank card: the international SDK has no way to send it (reference 4.2).
        raise RealNameRefused(BANK_CARD_UNAVAILABLE)
    stored = _files_store(files)
    keys = [name_ for _role, _checked, name_ in stored]
    try:
        if method == RealNameApplication.Method.INDIVIDUAL:
            submitted = cloud.create_personal_realname_auth(
                customer_id=customer.customer_id,
                verified_type=verified_type,
                name=name,
                verified_number=verified_number,
                file_keys=keys,
            )
        else:
            submitted = cloud.create_enterprise_realname_authentication(
                customer_id=customer.customer_id,
                certificate_type=certificate_type,
                corp_name=name,
                verified_number=verified_number,
                reg_country=reg_country,
                reg_address=reg_address,
                file_keys=keys,
                legal_name=legal_name or None,
                legal_id_number=legal_id_number or None,
                change_from_individual=method == RealNameApplication.Method.ENTERPRISE_CHANGE,
            )
    except CloudRejected as exc:
        _files_delete(keys)
        raise RealNameRefused(_refusal_message(exc)) from exc
    except CloudUnavailable as exc:
        if not exc.maybe_applied:
            _files_delete(keys)
            raise RealNameRefused(exc.user_message) from exc
        # HUAWEI CLOUD may have it: keep it as under review and let the poll find out.
        logger.warning("real-name: answer lost for customer %s; the review poll will settle it", customer.pk)
        submitted = cloud.RealNameSubmitted(needs_review=True)

    now = timezone.now()
    with transaction.atomic():
        application = RealNameApplication.objects.create(
            customer=customer,
            method=method,
            verified_type=verified_type,
            certificate_type=certificate_type,
            name=name,
            number_masked=number_mask(verified_number),
            number_hash=number_hash(verified_number),
            legal_name=legal_name,
            legal_id_masked=number_mask(legal_id_number) if legal_id_number else "",
            reg_country=reg_country,
            reg_address=reg_address,
            submitted_at=now,
            # Checked by the next run of the poll.
            next_check_at=now,
        )
        RealNameFile.objects.bulk_create(
            RealNameFile(
                application=application,
                role=role,
                position=position,
                storage_name=storage_name,
                content_type=checked.content_type,
                size=checked.upload.size,
            )
            for position, (role, checked, storage_name) in enumerate(stored)
        )
        if method != RealNameApplication.Method.ENTERPRISE_CHANGE:
            # A change keeps the individual authentication until HUAWEI CLOUD decides (as its verified_status does).
            Customer.objects.filter(pk=customer.pk).update(
                real_name_status=Customer.RealNameStatus.UNDER_REVIEW, updated_at=now
            )
            customer.real_name_status = Customer.RealNameStatus.UNDER_REVIEW
    logger.info("real-name: customer %s applied (%s), application %s", customer.pk, method, application.pk)
    if not submitted.needs_review:
        # Decided without a person: ask for the result at once rather than at the next poll.
        with contextlib.suppress(CloudUnavailable):  # the poll asks again
            realname_review_check(application=application)
    return application


# --- following the review ------------------------------------------------------------------------


def _next_delay(check_count: int) -> timedelta:
    return min(FIRST_CHECK_DELAY * (2 ** min(check_count, 10)), MAX_CHECK_DELAY)


@dataclass(frozen=True, slots=True)
class ReviewsChecked:
    checked: int = 0
    decided: int = 0
    failed: int = 0


def realname_reviews_check(*, limit: int = 200) -> ReviewsChecked:
    """Ask HUAWEI CLOUD about every application under review whose next check is due.

    Each application is claimed with a conditional UPDATE that moves its `next_check_at` on (the
    delay doubles with each check), so two runs at the same time never ask twice, and an answer
    that does not come (CloudUnavailable) waits for the next turn instead of failing the run.
    """
    now = timezone.now()
    due = list(
        RealNameApplication.objects.filter(
            status=RealNameApplication.Status.UNDER_REVIEW, next_check_at__lte=now
        ).values_list("pk", "check_count", "next_check_at")[:limit]
    )
    checked = decided = failed = 0
    for pk, check_count, next_check_at in due:
        claimed = RealNameApplication.objects.filter(
            pk=pk, status=RealNameApplication.Status.UNDER_REVIEW, next_check_at=next_check_at
        ).update(next_check_at=now + _next_delay(check_count), check_count=F("check_count") + 1)
        if not claimed:
            continue
        application = RealNameApplication.objects.select_related("customer").get(pk=pk)
        try:
            if realname_review_check(application=application):
                decided += 1
        except CloudUnavailable:
            failed += 1
            continue
        checked += 1
    result = ReviewsChecked(checked=checked, decided=decided, failed=failed)
    if due:
        logger.info("real-name review poll: %s", result)
    return result


def realname_review_check(*, application: RealNameApplication) -> bool:
    """Ask HUAWEI CLOUD for the review result of this application now; True when it was decided.

    Raises CloudUnavailable (the caller retries later); a CloudRejected answer is logged and left.
    """
    if application.status != RealNameApplication.Status.UNDER_REVIEW:
        return False
    try:
        review = cloud.show_realname_authentication_review_result(customer_id=application.customer.customer_id)
    except CloudRejected as exc:
        logger.warning("real-name: review result of application %s refused: %s", application.pk, exc)
        return False
    return realname_review_record(application=application, result=review.result, opinion=review.opinion)


def realname_review_record(*, application: RealNameApplication, result: int | None, opinion: str = "") -> bool:
    """Record HUAWEI CLOUD's decision on the application and its customer; email it once. Safe to run twice."""
    now = timezone.now()
    with transaction.atomic():
        # Locked so two checks of the same application cannot both record (and email) a decision.
        row = RealNameApplication.objects.select_for_update().select_related("customer").get(pk=application.pk)
        row.checked_at = now
        if row.status != RealNameApplication.Status.UNDER_REVIEW:
            return False
        if result is None and row.check_count >= UNKNOWN_AFTER_CHECKS:
            # HUAWEI CLOUD never got it (the submit's answer was lost before it arrived).
            result, opinion = cloud.REVIEW_REJECTED, str(LOST_OPINION)
        if result not in (cloud.REVIEW_APPROVED, cloud.REVIEW_REJECTED):
            row.save(update_fields=["checked_at"])
            return False
        customer = row.customer
        if result == cloud.REVIEW_APPROVED:
            row.status = RealNameApplication.Status.APPROVED
            customer.real_name_status = Customer.RealNameStatus.APPROVED
            customer.customer_type = (
                Customer.CustomerType.INDIVIDUAL
                if row.method == RealNameApplication.Method.INDIVIDUAL
                else Customer.CustomerType.ENTERPRISE
            )
            customer.real_name = row.name[:200]
            fields = ["real_name_status", "customer_type", "real_name", "updated_at"]
        else:
            row.status = RealNameApplication.Status.REJECTED
            row.opinion = opinion
            if row.method == RealNameApplication.Method.ENTERPRISE_CHANGE:
                # A refused change leaves the individual authentication as it was.
                fields = []
            else:
                customer.real_name_status = Customer.RealNameStatus.REJECTED
                fields = ["real_name_status", "updated_at"]
        row.decided_at = now
        row.next_check_at = None
        row.save(update_fields=["status", "opinion", "decided_at", "next_check_at", "checked_at"])
        if fields:
            customer.save(update_fields=fields)
        from customers import tasks

        transaction.on_commit(lambda: tasks.realname_result_email_send.delay(row.pk))
    logger.info("real-name: application %s %s", row.pk, row.status)
    return True


LOST_OPINION = _("HUAWEI CLOUD has no record of this application. Please submit it again.")


def realname_result_email_send(*, application: RealNameApplication) -> bool:
    """Email the customer the decision on their application, once: the first caller claims it."""
    claimed = RealNameApplication.objects.filter(
        pk=application.pk,
        result_emailed_at__isnull=True,
        status__in=[RealNameApplication.Status.APPROVED, RealNameApplication.Status.REJECTED],
    ).update(result_emailed_at=timezone.now())
    if not claimed:
        return False
    application = RealNameApplication.objects.select_related("customer").get(pk=application.pk)
    customer = application.customer
    if not customer.email:
        return False
    try:
        with translation.override(customer.language or settings.LANGUAGE_CODE):
            context = {
                "application": application,
                "customer": customer,
                "partner_name": settings.PARTNER_NAME,
                "site_url": settings.SITE_URL,
            }
            subject = " ".join(render_to_string("emails/realname_result_subject.txt", context).split())
            body = render_to_string("emails/realname_result.txt", context)
        send_mail(subject, body, None, [customer.email])
    except Exception:
        # Not sent: give the claim back so the task's retry sends it.
        RealNameApplication.objects.filter(pk=application.pk).update(result_emailed_at=None)
        raise
    return True


def realname_file_for(*, user, pk: int) -> RealNameFile | None:
    """The file if `user` owns it or is staff allowed to see real-name applications; else None (a 404)."""
    try:
        file = RealNameFile.objects.select_related("application__customer").get(pk=pk)
    except RealNameFile.DoesNotExist:
        return None
    if file.application.customer.user_id == user.pk and user.is_active:
        return file
    if user.is_active and user.is_staff and user.has_perm("customers.view_realnameapplication"):
        return file
    return None
