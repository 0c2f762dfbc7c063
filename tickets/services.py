"""Every write on tickets: the catalogue refresh, opening a ticket, messages, actions, sync and emails."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mimetypes
import re
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from huaweicloud import tickets as cloud
from huaweicloud.errors import CloudRejected, CloudUnavailable
from huaweicloud.types import CustomerRef
from partner_portal import audit
from tickets.models import (
    FINISHED_STATUSES,
    Status,
    Ticket,
    TicketAttachment,
    TicketCatalogue,
    TicketDiscovery,
    TicketEvent,
    TicketMessage,
    TicketReadMarker,
)

logger = logging.getLogger(__name__)

CATALOGUE_LANGUAGES = ("en", "zh-hans")
CATALOGUE_REFRESH_QUEUED = "tickets:catalogue-refresh-queued"
CATALOGUE_RETRY_AFTER = timedelta(minutes=10)
# A create call that started longer ago than this was cut short (killed worker, closed browser).
ATTEMPT_TIMEOUT = timedelta(minutes=2)
# The periodic sync (every 5 minutes, settings.CELERY_BEAT_SCHEDULE) does not ask again about a ticket
# it tried this recently: an overlapping run and the task's retries skip it.
SYNC_FRESH = timedelta(minutes=2)
# OSM "not found / not yours" (sandbox/README): the ticket is gone (deleted).
TICKET_GONE = "OSM.01010002"

# What HUAWEI CLOUD allows in each state (the sandbox's rules, sandbox/README "update_cases").
ACTION_STATUSES: dict[str, tuple[int, ...]] = {
    "press": (Status.PENDING_ACCEPTANCE, Status.PROCESSING),
    "cancel": (Status.PENDING_ACCEPTANCE, Status.PROCESSING),
    "close": (Status.PROCESSING, Status.PENDING_CONFIRMATION),
    "delete": (Status.COMPLETED, Status.CANCELLED, Status.INVALID),
}
ACTION_LABELS = {
    "press": _("Urge"),
    "close": _("Close"),
    "cancel": _("Cancel"),
    "delete": _("Delete"),
}
ACTION_REFUSALS = {
    "press": _("A ticket can be urged only while it is pending acceptance or being processed."),
    "cancel": _("A ticket can be cancelled only while it is pending acceptance or being processed."),
    "close": _("A ticket can be closed only while it is being processed or waiting for your confirmation."),
    "delete": _("Only a completed, cancelled or invalid ticket can be deleted."),
}
# OSM's refusals of messages and actions (sandbox/README "Error codes"), in words.
CLOUD_REFUSALS = {
    "OSM.01010004": _("This ticket was urged a short while ago. Please wait a while before urging it again."),
    "OSM.0003": _(
        "HUAWEI CLOUD does not allow this in the ticket's current state. The page now shows its latest state."
    ),
}
ATTACHMENT_UNAVAILABLE = _(
    "The file %(name)s could not be fetched from HUAWEI CLOUD right now. Please try again in a minute."
)
ATTACHMENT_REFUSED = _("HUAWEI CLOUD did not give us the file %(name)s. %(reason)s")
GENERIC_CONTENT_TYPE = "application/octet-stream"
MESSAGE_REFUSAL = _("This ticket is finished: HUAWEI CLOUD takes no more messages on it. Please open a new ticket.")


class TicketRefused(Exception):
    """A plain-words reason to show the user; nothing was changed by us."""

    def __init__(self, message) -> None:
        self.message = message
        super().__init__(str(message))


class TicketInProgress(TicketRefused):
    pass


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes
    content_type: str


def customer_ref(ticket_or_customer) -> CustomerRef | None:
    customer = getattr(ticket_or_customer, "customer", ticket_or_customer)
    if customer is None:
        return None
    return CustomerRef(customer_id=customer.customer_id, account_name=customer.account_name)


# --- catalogue -------------------------------------------------------------------------------------


def catalogue_refresh() -> int:
    """Fetch the form's catalogue in every language with the partner's credentials and store it;
    returns how many languages were stored. An empty answer never replaces a catalogue: without
    products the form could open no ticket at all."""
    stored = 0
    for language in CATALOGUE_LANGUAGES:
        with translation.override(language):
            options = cloud.ticket_catalogue(customer=None)
        if not options:
            logger.warning(
                "tickets: HUAWEI CLOUD gave an empty ticket catalogue in %s; the stored one is kept", language
            )
            continue
        data = [
            {
                "category_id": option.category_id,
                "id": option.product_category.id,
                "name": option.product_category.name,
                "problem_types": [
                    {
                        **asdict(problem.problem_type),
                        "severities": [asdict(severity) for severity in problem.severities],
                        "templates": [asdict(template) for template in problem.templates],
                    }
                    for problem in option.problem_types
                ],
            }
            for option in options
        ]
        TicketCatalogue.objects.update_or_create(
            language=language, defaults={"data": data, "refreshed_at": timezone.now()}
        )
        stored += 1
    return stored


def catalogue_refresh_soon() -> bool:
    """Queue a refresh when the form finds no catalogue (a new installation, or the daily refresh has
    never succeeded), at most once per CATALOGUE_RETRY_AFTER: a page view must not flood the workers."""
    if not cache.add(CATALOGUE_REFRESH_QUEUED, True, timeout=int(CATALOGUE_RETRY_AFTER.total_seconds())):
        return False
    from tickets import tasks

    transaction.on_commit(tasks.ticket_catalogue_refresh.delay)
    return True


# --- opening a ticket ------------------------------------------------------------------------------


def _reference(ticket: Ticket) -> str:
    # Sent inside the description so that the ticket can be found by it after an unclear outcome.
    return f"ref-{ticket.idempotency_key.hex}"


def _cloud_description(ticket: Ticket) -> str:
    return f"{ticket.subject}\n\n{ticket.description}\n\n[{_reference(ticket)}]"


# OSM takes a description of at most 2000 characters (sandbox/README "create_cases"); ours carries the
# subject, the description and the reference, so the form's two fields share what is left.
CLOUD_DESCRIPTION_MAX_LENGTH = 2000
SUBJECT_MAX_LENGTH = Ticket._meta.get_field("subject").max_length
DESCRIPTION_MAX_LENGTH = (
    CLOUD_DESCRIPTION_MAX_LENGTH
    - SUBJECT_MAX_LENGTH
    - len(_cloud_description(Ticket(subject="", description="", idempotency_key=uuid.UUID(int=0))))
)


def _store_upload(*, ticket: Ticket, customer: CustomerRef | None, upload: Upload) -> TicketAttachment:
    accessory_id = cloud.ticket_attachment_upload(
        customer=customer, filename=upload.name, content=upload.content, content_type=upload.content_type
    )
    storage_name = _save_private(upload.name, upload.content)
    return TicketAttachment.objects.create(
        ticket=ticket,
        accessory_id=accessory_id,
        name=upload.name[:255],
        content_type=upload.content_type[:100],
        size=len(upload.content),
        storage_name=storage_name,
    )


def _save_private(name: str, content: bytes) -> str:
    """Keep a copy of a ticket's file in private storage; returns its storage name."""
    try:
        safe = get_valid_filename(name)[-100:]  # the end keeps the extension
    except SuspiciousFileOperation:
        safe = "attachment"
    return default_storage.save(f"tickets/{uuid.uuid4().hex}/{safe}", ContentFile(content))


def _find_created(ticket: Ticket, customer: CustomerRef | None) -> str | None:
    """After an unclear create: the ticket HUAWEI CLOUD made from this claim, found by its reference."""
    page = cloud.tickets_list(customer=customer, search=[_reference(ticket)], limit=10)
    for item in page.items:
        if _reference(ticket) in item.simple_description:
            return item.incident_id
    return None


def ticket_open(
    *,
    customer,
    created_by,
    idempotency_key: uuid.UUID,
    subject: str,
    description: str,
    category_id: str,
    product_category_id: str,
    product_category_name: str = "",
    business_type_id: str,
    business_type_name: str = "",
    severity_id: str = "",
    severity_name: str = "",
    region_id: str = "",
    contact_email: str = "",
    contact_mobile: str = "",
    uploads: Sequence[Upload] = (),
    request=None,
) -> Ticket:
    """Open a ticket at HUAWEI CLOUD, once per idempotency key.

    The row is claimed (unique key) before the cloud call; a repeated submit gets the same ticket, a
    submit while the first is still calling is refused, and after an unclear outcome the ticket is
    looked up by its reference before create is called again. Files uploaded by a failed attempt
    are kept on the row and reused by the retry.
    """
    fields = {
        "customer": customer,
        "created_by": created_by,
        "subject": subject,
        "description": description,
        "category_id": category_id,
        "product_category_id": product_category_id,
        "product_category_name": product_category_name,
        "business_type_id": business_type_id,
        "business_type_name": business_type_name,
        "severity_id": severity_id,
        "severity_name": severity_name,
        "region_id": region_id,
        "contact_email": contact_email,
        "contact_mobile": contact_mobile,
    }
    try:
        ticket, _created = Ticket.objects.get_or_create(idempotency_key=idempotency_key, defaults=fields)
    except IntegrityError:
        ticket = Ticket.objects.get(idempotency_key=idempotency_key)
    if ticket.customer_id != (customer.pk if customer else None):
        raise TicketRefused(_("This form was already used. Please reload the page and try again."))
    if ticket.creation == Ticket.Creation.CREATED:
        return ticket
    now = timezone.now()
    # The claim: only one request at a time calls HUAWEI CLOUD for this key (a double submit waits).
    claimed = (
        Ticket.objects.filter(pk=ticket.pk, creation=Ticket.Creation.PENDING)
        .exclude(attempt_started_at__gt=now - ATTEMPT_TIMEOUT)
        .update(attempt_started_at=now, **{k: v for k, v in fields.items() if k not in ("customer", "created_by")})
    )
    if not claimed:
        ticket.refresh_from_db()
        if ticket.creation == Ticket.Creation.CREATED:
            return ticket
        raise TicketInProgress(_("Your ticket is being created. Please wait a moment and reload the page."))
    ticket.refresh_from_db()
    ref = customer_ref(customer)
    try:
        incident_id = _find_created(ticket, ref) if ticket.outcome_unclear else None
        if incident_id is None:
            for upload in uploads:
                _store_upload(ticket=ticket, customer=ref, upload=upload)
            incident_id = cloud.ticket_create(
                customer=ref,
                category_id=ticket.category_id,
                product_category_id=ticket.product_category_id,
                business_type_id=ticket.business_type_id,
                simple_description=_cloud_description(ticket),
                region_id=ticket.region_id or None,
                severity_id=ticket.severity_id or None,
                remind_mail=ticket.contact_email or None,
                remind_mobile=ticket.contact_mobile or None,
                attachment_ids=list(ticket.attachments.values_list("accessory_id", flat=True)),
            )
    except CloudRejected as exc:
        Ticket.objects.filter(pk=ticket.pk).update(attempt_started_at=None)
        raise TicketRefused(exc.user_message) from exc
    except CloudUnavailable as exc:
        Ticket.objects.filter(pk=ticket.pk).update(attempt_started_at=None)
        if exc.maybe_applied:
            Ticket.objects.filter(pk=ticket.pk).update(outcome_unclear=True)
        raise TicketRefused(exc.user_message) from exc
    claim = Ticket.objects.filter(pk=ticket.pk, creation=Ticket.Creation.PENDING)
    if not _creation_confirm(claim, ticket=ticket, incident_id=incident_id, actor=created_by, request=request):
        ticket.refresh_from_db()  # tickets_discover found it in HUAWEI CLOUD and confirmed it meanwhile
    _sync_quietly(ticket)
    return ticket


def _creation_confirm(claim, *, ticket: Ticket, incident_id: str, actor=None, request=None, at=None) -> bool:
    """Record that HUAWEI CLOUD made `incident_id` from this row, if the `claim` (a queryset of the row
    with the conditions the caller holds) still matches; returns whether it did."""
    at = at or timezone.now()
    with transaction.atomic():
        confirmed = claim.update(
            incident_id=incident_id,
            creation=Ticket.Creation.CREATED,
            status=Status.PENDING_ACCEPTANCE,
            attempt_started_at=None,
            outcome_unclear=False,
            created_at=at,
            last_activity_at=at,
        )
        if not confirmed:
            return False
        ticket.refresh_from_db()
        TicketEvent.objects.create(
            ticket=ticket, status=ticket.status, source=TicketEvent.Source.CREATED, actor=actor, at=at
        )
        audit.record(action="ticket.open", actor=actor, request=request, obj=ticket, after={"incident_id": incident_id})
    return True


def _sync_quietly(ticket: Ticket) -> None:
    # The page shows the new state at once; if HUAWEI CLOUD does not answer, the periodic sync will.
    try:
        ticket_sync(ticket=ticket, notify=False)
    except (CloudUnavailable, CloudRejected):
        logger.info("tickets: immediate sync of %s failed; the periodic sync will catch up", ticket.pk)


# --- messages and actions --------------------------------------------------------------------------


def ticket_message_add(
    *,
    ticket: Ticket,
    user,
    idempotency_key: uuid.UUID,
    content: str,
    confidential: bool = False,
    uploads: Sequence[Upload] = (),
    request=None,
) -> TicketMessage:
    """Add a message to a ticket, once per idempotency key (a double submit posts it once)."""
    if ticket.is_finished:
        raise TicketRefused(MESSAGE_REFUSAL)
    try:
        with transaction.atomic():
            message = TicketMessage.objects.create(
                ticket=ticket, idempotency_key=idempotency_key, content=content, confidential=confidential, sent_by=user
            )
    except IntegrityError:
        return TicketMessage.objects.get(idempotency_key=idempotency_key)
    ref = customer_ref(ticket)
    attachments: list[TicketAttachment] = []
    try:
        for upload in uploads:
            attachments.append(_store_upload(ticket=ticket, customer=ref, upload=upload))
        cloud.ticket_message_add(
            customer=ref,
            incident_id=ticket.incident_id,
            content=content,
            attachment_ids=[attachment.accessory_id for attachment in attachments],
        )
    except (CloudRejected, CloudUnavailable) as exc:
        if not (isinstance(exc, CloudUnavailable) and exc.maybe_applied):
            # Nothing was posted: the form keeps the text and the files for a retry, which uploads
            # them again; these copies would only be loose files on the ticket.
            for attachment in attachments:
                default_storage.delete(attachment.storage_name)
                attachment.delete()
            message.delete()
        if isinstance(exc, CloudRejected):
            _sync_quietly(ticket)  # e.g. finished meanwhile: the page then shows why
        raise TicketRefused(_refusal(exc)) from exc
    TicketAttachment.objects.filter(pk__in=[a.pk for a in attachments]).update(message=message)
    Ticket.objects.filter(pk=ticket.pk).update(last_activity_at=timezone.now())
    audit.record(action="ticket.message", actor=user, request=request, obj=ticket, after={"confidential": confidential})
    _sync_quietly(ticket)
    return message


def _refusal(exc: CloudRejected | CloudUnavailable):
    if isinstance(exc, CloudRejected):
        return CLOUD_REFUSALS.get(exc.error_code or "", exc.user_message)
    return exc.user_message


def ticket_action(*, ticket: Ticket, user, action: str, reason: str = "", request=None) -> None:
    """Urge, close, cancel or delete, only in the states HUAWEI CLOUD allows (else TicketRefused)."""
    if action not in ACTION_STATUSES:
        raise TicketRefused(_("Unknown action."))
    if ticket.status not in ACTION_STATUSES[action]:
        raise TicketRefused(ACTION_REFUSALS[action])
    try:
        cloud.ticket_action(
            customer=customer_ref(ticket), incident_id=ticket.incident_id, action=action, description=reason or None
        )
    except (CloudRejected, CloudUnavailable) as exc:
        audit.record(
            action=f"ticket.{action}",
            actor=user,
            request=request,
            obj=ticket,
            outcome=audit.Outcome.REFUSED if isinstance(exc, CloudRejected) else audit.Outcome.FAILED,
            message=str(exc),
        )
        if isinstance(exc, CloudRejected):
            _sync_quietly(ticket)  # the state may have changed on HUAWEI CLOUD's side: offer what it allows now
        raise TicketRefused(_refusal(exc)) from exc
    new_status = {"close": Status.COMPLETED, "cancel": Status.CANCELLED}.get(action)
    now = timezone.now()
    with transaction.atomic():
        if action == "delete":
            Ticket.objects.filter(pk=ticket.pk).update(deleted_at=now)
        TicketEvent.objects.create(
            ticket=ticket,
            status=new_status if new_status is not None else ticket.status,
            previous_status=ticket.status,
            source=TicketEvent.Source.ACTION,
            action=action,
            actor=user,
            at=now,
            notified_at=now,  # the customer's own action: no email
        )
        if new_status is not None:
            Ticket.objects.filter(pk=ticket.pk).update(status=new_status, last_activity_at=now)
        audit.record(action=f"ticket.{action}", actor=user, request=request, obj=ticket, reason=reason)
    ticket.refresh_from_db()


# --- attachments -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentContent:
    name: str
    content_type: str
    file: File  # open for binary reading; the caller closes it (FileResponse does)


def _content_type(attachment: TicketAttachment, sent: str = "") -> str:
    if attachment.content_type:
        return attachment.content_type
    if sent and sent != GENERIC_CONTENT_TYPE:
        return sent[:100]
    return mimetypes.guess_type(attachment.name)[0] or GENERIC_CONTENT_TYPE


def attachment_content(*, attachment: TicketAttachment) -> AttachmentContent:
    """An attachment's file: our private copy, else fetched from HUAWEI CLOUD with the ticket owner's
    identity and kept, so the next download does not call HUAWEI CLOUD (a copy gone missing is fetched
    again). Two first downloads at once may both fetch; the one whose conditional UPDATE records its
    copy wins and the other removes its own. Raises TicketRefused with plain words when HUAWEI CLOUD
    does not give the file."""
    if attachment.storage_name:
        try:
            stored = default_storage.open(attachment.storage_name, "rb")
        except OSError:
            logger.warning("tickets: the copy of attachment %s is missing; fetching it again", attachment.pk)
        else:
            return AttachmentContent(name=attachment.name, content_type=_content_type(attachment), file=stored)
    try:
        downloaded = cloud.ticket_attachment_download(
            customer=customer_ref(attachment.ticket), accessory_id=attachment.accessory_id
        )
    except CloudUnavailable as exc:
        raise TicketRefused(ATTACHMENT_UNAVAILABLE % {"name": attachment.name}) from exc
    except CloudRejected as exc:
        raise TicketRefused(ATTACHMENT_REFUSED % {"name": attachment.name, "reason": exc.user_message}) from exc
    content_type = _content_type(attachment, downloaded.content_type)
    storage_name = _save_private(attachment.name, downloaded.content)
    recorded = TicketAttachment.objects.filter(pk=attachment.pk, storage_name=attachment.storage_name).update(
        storage_name=storage_name, content_type=content_type, size=len(downloaded.content)
    )
    if not recorded:
        default_storage.delete(storage_name)  # another download recorded its copy first
    return AttachmentContent(name=attachment.name, content_type=content_type, file=ContentFile(downloaded.content))


# --- sync --------------------------------------------------------------------------------------------


def _message_key(message) -> str:
    """HUAWEI CLOUD's message id, or (when the gateway does not give one) a stable digest of the message."""
    message_id = getattr(message, "message_id", "") or ""
    if message_id:
        return message_id
    created = message.created_at.isoformat() if message.created_at else ""
    raw = f"{message.type}|{message.replier}|{created}|{message.content}"
    return "h-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def _same_text(a: str, b: str) -> bool:
    return a.split() == b.split()


def ticket_sync(*, ticket: Ticket, notify: bool = True) -> bool:
    """Bring one ticket's messages and state from HUAWEI CLOUD. Safe to run twice: messages are upserted
    on their id and a state change is recorded by the one conditional UPDATE that moves the status.
    Returns whether anything new came in."""
    try:
        detail = cloud.ticket_detail(customer=customer_ref(ticket), incident_id=ticket.incident_id)
    except CloudRejected as exc:
        if exc.error_code == TICKET_GONE:
            Ticket.objects.filter(pk=ticket.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())
            return False
        raise
    return _detail_apply(ticket=ticket, detail=detail, notify=notify)


def _detail_apply(*, ticket: Ticket, detail: cloud.TicketDetail, notify: bool = True, history: bool = False) -> bool:
    """Write what HUAWEI CLOUD holds on a ticket (ticket_sync). `history`: the ticket was just found
    in HUAWEI CLOUD (tickets_discover): its messages and state are recorded as already told, so no
    email ever goes out for them, and finding it is no activity of its own."""
    now = timezone.now()
    new_anything = False
    with transaction.atomic():
        existing = set(
            TicketMessage.objects.filter(ticket=ticket, message_id__isnull=False).values_list("message_id", flat=True)
        )
        latest = ticket.last_activity_at
        for item in detail.messages:
            key = _message_key(item)
            if key in existing:
                continue
            author = item.type if item.type in TicketMessage.Author.values else TicketMessage.Author.ENGINEER
            created_at = item.created_at or now
            message = None
            if author == TicketMessage.Author.CUSTOMER:
                # A message we sent comes back: adopt our row (it holds the confidential flag). Compared
                # without whitespace: HUAWEI CLOUD may give back other line ends than the browser sent.
                sent = TicketMessage.objects.select_for_update().filter(
                    ticket=ticket, message_id__isnull=True, author=TicketMessage.Author.CUSTOMER
                )
                message = next((m for m in sent.order_by("pk") if _same_text(m.content, item.content)), None)
            if message is not None:
                message.message_id = key
                message.created_at = created_at
                message.is_first_message = item.is_first_message
                message.save(update_fields=["message_id", "created_at", "is_first_message"])
            else:
                message, created = TicketMessage.objects.get_or_create(
                    ticket=ticket,
                    message_id=key,
                    defaults={
                        "author": author,
                        "replier_name": item.replier_name[:200],
                        "content": item.content,
                        "is_first_message": item.is_first_message,
                        "created_at": created_at,
                        # Our own messages are never emailed to us, nor what was said before we found the ticket.
                        "notified_at": now if author == TicketMessage.Author.CUSTOMER or history else None,
                    },
                )
                if not created:
                    continue
                if message.from_cloud:
                    Ticket.objects.filter(pk=ticket.pk).update(reply_count=F("reply_count") + 1)
                    new_anything = True
            for accessory in item.attachments:
                if not accessory.accessory_id:
                    continue
                attachment, created = TicketAttachment.objects.get_or_create(
                    accessory_id=accessory.accessory_id,
                    defaults={
                        "ticket": ticket,
                        "message": message,
                        "name": accessory.name[:255] or accessory.accessory_id,
                    },
                )
                if not created and attachment.ticket_id == ticket.pk and attachment.message_id is None:
                    TicketAttachment.objects.filter(pk=attachment.pk).update(message=message)
            latest = max(latest, created_at)
        if detail.status is not None and detail.status != ticket.status:
            moved = Ticket.objects.filter(pk=ticket.pk, status=ticket.status).update(status=detail.status)
            if moved:
                TicketEvent.objects.create(
                    ticket=ticket,
                    status=detail.status,
                    previous_status=ticket.status,
                    source=TicketEvent.Source.IMPORTED if history else TicketEvent.Source.SYNC,
                    at=now,
                    notified_at=now if history else None,
                )
                if not history:
                    latest = max(latest, now)
                new_anything = True
        Ticket.objects.filter(pk=ticket.pk).update(synced_at=now, last_activity_at=latest)
        if new_anything and notify and ticket.customer_id:
            from tickets import tasks

            transaction.on_commit(lambda: tasks.ticket_notification_send.delay(ticket.pk))
    ticket.refresh_from_db()
    return new_anything


def tickets_to_sync():
    return Ticket.objects.mirrored().exclude(status__in=FINISHED_STATUSES)


def tickets_sync() -> dict[str, int]:
    """Sync every open ticket, the least recently tried first.

    Each ticket is claimed by a conditional UPDATE of `sync_attempted_at`, so a run that overlaps
    another (or its own retry) skips the tickets tried within SYNC_FRESH. A ticket HUAWEI CLOUD
    refuses (CloudRejected) is skipped; CloudUnavailable stops the run and is raised, for the task's
    retry with backoff: the tickets done so far are not asked again by that retry, and the ticket that
    failed goes to the back of the next run, so one broken ticket never holds up the others.
    """
    counts = {"synced": 0, "changed": 0, "failed": 0, "skipped": 0}
    candidates = tickets_to_sync().order_by(F("sync_attempted_at").asc(nulls_first=True), "pk")
    for ticket in candidates.select_related("customer").iterator():
        now = timezone.now()
        claimed = (
            Ticket.objects.filter(pk=ticket.pk, sync_attempted_at=ticket.sync_attempted_at)
            .exclude(sync_attempted_at__gt=now - SYNC_FRESH)
            .update(sync_attempted_at=now)
        )
        if not claimed:
            counts["skipped"] += 1
            continue
        try:
            changed = ticket_sync(ticket=ticket)
        except CloudRejected as exc:
            logger.warning("tickets: HUAWEI CLOUD refused the sync of %s: %s", ticket.incident_id, exc)
            counts["failed"] += 1
            continue
        except CloudUnavailable:
            logger.warning("tickets: sync stopped at %s, HUAWEI CLOUD is not answering: %s", ticket.incident_id, counts)
            raise
        counts["synced"] += 1
        counts["changed"] += int(changed)
    return counts


# --- discovery: tickets raised outside our site -----------------------------------------------------

DISCOVERY_PAGE_SIZE = cloud.MAX_LIMIT
# Each run also asks again for the tickets created this long before the last complete run began: for
# clocks that differ a little and for a ticket HUAWEI CLOUD lists a while after creating it.
DISCOVERY_OVERLAP = timedelta(hours=1)
# A claim without progress for this long belonged to a worker that died: another run may take over.
DISCOVERY_STALE_AFTER = timedelta(minutes=10)
# The reference _cloud_description puts into every ticket opened on our site.
REFERENCE = re.compile(r"\[ref-([0-9a-f]{32})\]")


class TicketDiscoveryBusy(Exception):
    """Another worker is discovering this owner's tickets right now."""


def _discovery_claim(customer) -> TicketDiscovery:
    # Made by a worker starting at the same moment: fine, it is the same row.
    with contextlib.suppress(IntegrityError), transaction.atomic():
        TicketDiscovery.objects.get_or_create(customer=customer)
    state = TicketDiscovery.objects.get(customer=customer)
    now = timezone.now()
    # The conditional UPDATE lets one of two runs starting together walk the list; the other stops.
    claimed = (
        TicketDiscovery.objects.filter(pk=state.pk)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - DISCOVERY_STALE_AFTER))
        .update(claimed_at=now)
    )
    if not claimed:
        raise TicketDiscoveryBusy(f"tickets of {state} are being discovered")
    return state


def _subject(description: str, incident_id: str) -> str:
    """A ticket found in HUAWEI CLOUD has no subject of ours: the first line of its description."""
    line = next((line.strip() for line in description.splitlines() if line.strip()), "") or incident_id
    return line if len(line) <= SUBJECT_MAX_LENGTH else line[: SUBJECT_MAX_LENGTH - 1].rstrip() + "…"


def tickets_discover(*, customer=None, page_size: int = DISCOVERY_PAGE_SIZE) -> dict[str, int]:
    """Mirror the tickets of a customer (None: the partner's own) raised outside our site: in the
    HUAWEI CLOUD console, or by the partner's staff in Partner Center.

    Pages `list_cases` with the owner's identity, newest first, from the saved cursor
    (`TicketDiscovery.covered_until` less DISCOVERY_OVERLAP). A ticket not known yet is written in one
    transaction with its messages and state, as already told: no email goes out for its history, and
    later replies are emailed by the periodic sync as on any ticket. Known tickets are left to that
    sync. Safe to run twice, even at once: the owner is claimed before the list is asked for
    (TicketDiscoveryBusy when another run has it) and rows are upserted on the HUAWEI CLOUD ticket
    number. CloudUnavailable is raised for the task's retry, the cursor unchanged; CloudRejected (the
    owner refused as a whole) is logged and the run ends. The cursor moves only when the run saw and
    mirrored every ticket HUAWEI CLOUD counted.
    """
    state = _discovery_claim(customer)
    started = timezone.now()
    since = state.covered_until - DISCOVERY_OVERLAP if state.covered_until else None
    ref = customer_ref(customer)
    counts = {"listed": 0, "found": 0, "adopted": 0, "known": 0, "in_progress": 0, "failed": 0, "refused": 0}
    seen: set[str] = set()
    offset = total = 0
    try:
        while True:
            page = cloud.tickets_list(customer=ref, created_from=since, offset=offset, limit=page_size)
            total = page.count
            ids = [item.incident_id for item in page.items]
            known = set(Ticket.objects.filter(incident_id__in=ids).values_list("incident_id", flat=True))
            for item in page.items:
                seen.add(item.incident_id)
                counts["known" if item.incident_id in known else _ticket_import(customer, ref, item)] += 1
            offset += len(page.items)
            TicketDiscovery.objects.filter(pk=state.pk).update(claimed_at=timezone.now())
            if not page.items or offset >= page.count:
                break
    except CloudRejected as exc:
        logger.warning("tickets: HUAWEI CLOUD refused the ticket list of %s: %s", state, exc)
        TicketDiscovery.objects.filter(pk=state.pk).update(claimed_at=None, error=str(exc)[:2000])
        return {**counts, "refused": 1}
    except Exception as exc:
        TicketDiscovery.objects.filter(pk=state.pk).update(claimed_at=None, error=str(exc)[:2000])
        raise
    counts["listed"] = len(seen)
    # Offset paging over a list that changed meanwhile can skip a ticket, and a refused one or one whose
    # creation is still being confirmed is not mirrored yet: the next run asks for the same window again.
    complete = len(seen) >= total and not counts["failed"] and not counts["in_progress"]
    TicketDiscovery.objects.filter(pk=state.pk).update(
        claimed_at=None,
        finished_at=timezone.now(),
        found=counts["found"] + counts["adopted"],
        error="",
        **({"covered_until": started} if complete else {}),
    )
    return counts


def _ticket_import(customer, ref: CustomerRef | None, item: cloud.Ticket) -> str:
    """One ticket the list showed that we do not know by its number; returns the key of `counts` it adds to."""
    match = REFERENCE.search(item.simple_description)
    ours = Ticket.objects.filter(idempotency_key=uuid.UUID(match.group(1))).first() if match else None
    # Only the owner's own row: a reference copied into another account's ticket adopts nothing.
    if ours is not None and ours.customer_id == (customer.pk if customer else None):
        return _ticket_adopt(ours, item)
    try:
        detail = cloud.ticket_detail(customer=ref, incident_id=item.incident_id)
    except CloudRejected as exc:
        if exc.error_code == TICKET_GONE:
            return "known"  # deleted since it was listed: nothing to show
        logger.warning("tickets: HUAWEI CLOUD refused the details of %s: %s", item.incident_id, exc)
        return "failed"
    now = timezone.now()
    created_at = item.created_at or detail.created_at or now
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                customer=customer,
                incident_id=item.incident_id,
                creation=Ticket.Creation.IMPORTED,
                subject=_subject(item.simple_description, item.incident_id),
                description=item.simple_description,
                product_category_name=item.product_category_name[:200],
                business_type_name=(detail.business_type_name or item.business_type_name)[:200],
                severity_name=detail.severity_name[:200],
                status=Status.PENDING_ACCEPTANCE,  # where every HUAWEI CLOUD ticket starts
                created_at=created_at,
                last_activity_at=created_at,
                sync_attempted_at=now,  # just read: the periodic sync need not ask again at once
            )
            TicketEvent.objects.create(
                ticket=ticket, status=ticket.status, source=TicketEvent.Source.CREATED, at=created_at, notified_at=now
            )
            _detail_apply(ticket=ticket, detail=detail, notify=False, history=True)
            if customer is not None and customer.user_id:
                # What was said before we found the ticket counts as read, as it counts as told.
                TicketReadMarker.objects.create(
                    user_id=customer.user_id, ticket=ticket, seen_reply_count=ticket.reply_count
                )
    except IntegrityError:
        if Ticket.objects.filter(incident_id=item.incident_id).exists():
            return "known"  # found by a run at the same moment
        raise
    return "found"


def _ticket_adopt(ours: Ticket, item: cloud.Ticket) -> str:
    """A ticket opened on our site whose creation we never saw confirmed (no answer, a killed worker):
    it is ours, not a new one. A creation still being attempted is left to its own request."""
    claim = Ticket.objects.filter(pk=ours.pk, creation=Ticket.Creation.PENDING, incident_id__isnull=True).exclude(
        attempt_started_at__gt=timezone.now() - ATTEMPT_TIMEOUT
    )
    if _creation_confirm(claim, ticket=ours, incident_id=item.incident_id, at=item.created_at):
        return "adopted"
    ours.refresh_from_db()
    if ours.creation == Ticket.Creation.PENDING:
        return "in_progress"
    # Confirmed meanwhile, or a second HUAWEI CLOUD ticket from one form (never made a row of its own).
    return "known"


# --- notifications -----------------------------------------------------------------------------------


def ticket_notification_send(*, ticket: Ticket) -> bool:
    """Email the customer HUAWEI CLOUD's new replies and state changes, each once: rows are claimed by a
    conditional UPDATE before sending and given back if the mail server fails. Confidential messages
    are never put in the email."""
    customer = ticket.customer
    if customer is None or not customer.email:
        return False
    now = timezone.now()
    message_ids = list(
        TicketMessage.objects.filter(ticket=ticket, notified_at__isnull=True)
        .exclude(author=TicketMessage.Author.CUSTOMER)
        .values_list("pk", flat=True)
    )
    event_ids = list(
        TicketEvent.objects.filter(ticket=ticket, notified_at__isnull=True, source=TicketEvent.Source.SYNC).values_list(
            "pk", flat=True
        )
    )
    claimed_messages = list(
        TicketMessage.objects.filter(pk__in=message_ids, notified_at__isnull=True).values_list("pk", flat=True)
    )
    TicketMessage.objects.filter(pk__in=claimed_messages, notified_at__isnull=True).update(notified_at=now)
    claimed_messages = list(TicketMessage.objects.filter(pk__in=claimed_messages, notified_at=now))
    TicketEvent.objects.filter(pk__in=event_ids, notified_at__isnull=True).update(notified_at=now)
    claimed_events = list(TicketEvent.objects.filter(pk__in=event_ids, notified_at=now))
    if not claimed_messages and not claimed_events:
        return False
    try:
        with translation.override(customer.language or settings.LANGUAGE_CODE):
            context = {
                "ticket": ticket,
                "customer": customer,
                "replies": claimed_messages,
                "events": claimed_events,
                "partner_name": settings.PARTNER_NAME,
                "site_url": settings.SITE_URL,
            }
            subject = " ".join(render_to_string("emails/ticket_update_subject.txt", context).split())
            body = render_to_string("emails/ticket_update.txt", context)
        send_mail(subject, body, None, [customer.email])
    except Exception:
        TicketMessage.objects.filter(pk__in=[m.pk for m in claimed_messages]).update(notified_at=None)
        TicketEvent.objects.filter(pk__in=[e.pk for e in claimed_events]).update(notified_at=None)
        raise
    return True


def read_marker_update(*, ticket: Ticket, user) -> None:
    TicketReadMarker.objects.update_or_create(
        user=user, ticket=ticket, defaults={"seen_reply_count": ticket.reply_count, "read_at": timezone.now()}
    )
