"""Writes on service tickets: uploads, creation, messages, the owner's actions and the engineer's side.

Status rules (reference 7 and 15; Huawei's exact rules are not published, these model the console):
* press (urge): only while pending acceptance (0) or processing (1), at most once per URGE_INTERVAL;
* cancel: only in 0 or 1 -> cancelled (4);
* close: only in processing (1) or pending confirmation (2) -> completed (3);
* delete: only when finished (3 completed, 4 cancelled, 12 invalid) -> gone from every query;
* a customer message on a finished ticket is refused; on pending confirmation (2) or pending
  feedback (17) it puts the ticket back to processing (1).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum

from sandbox import clock
from sandbox.errors import ApiError
from sandbox.models import Customer, Partner
from sandbox.tickets import fixtures
from sandbox.tickets.models import Accessory, Ticket, TicketMessage, TicketOperationLog

# Error codes (sandbox/README.md, "Tickets (OSM)").
CODE_INVALID_PARAMETER = "OSM.01010001"  # Huawei: "Param validation fail."
CODE_NO_PERMISSION = "OSM.01010002"  # Huawei: "No operation permission." (also: no such ticket for this account)
CODE_URGED_TOO_OFTEN = "OSM.01010004"  # Huawei: "You have asked for the order, please ask for it later."
CODE_DAILY_UPLOAD_LIMIT = "OSM.01010005"  # Huawei: "Upload accessory size exceeded limit today."
CODE_SEVERITY_UNKNOWN = "OSM.01010006"  # Huawei: "Severity Id not exists."
CODE_FORBIDDEN = "OSM.0003"  # Huawei: 403 "Forbidden" (illegal operation): an action the status does not allow

URGE_INTERVAL = timedelta(hours=1)
FINISHED = {Ticket.Status.COMPLETED, Ticket.Status.CANCELLED, Ticket.Status.INVALID}
ENGINEER_ID = "hwcloud_support"
ENGINEER_NAME = "HUAWEI CLOUD Support"


def invalid(message: str) -> ApiError:
    return ApiError(400, CODE_INVALID_PARAMETER, f"Param validation fail: {message}")


@dataclass(frozen=True)
class Owner:
    """The account a call acts as: the partner itself (customer None) or one of its customers."""

    partner: Partner
    customer: Customer | None = None

    @property
    def domain_id(self) -> str:
        return self.customer.customer_id if self.customer else self.partner.domain_id

    @property
    def domain_name(self) -> str:
        return self.customer.domain_name if self.customer else self.partner.domain_name

    def tickets(self) -> QuerySet[Ticket]:
        """The owner's tickets that still exist (deleted ones are gone from every query)."""
        rows = Ticket.objects.filter(partner=self.partner, deleted_at__isnull=True)
        return rows.filter(customer=self.customer) if self.customer else rows.filter(customer__isnull=True)

    def accessories(self) -> QuerySet[Accessory]:
        rows = Accessory.objects.filter(partner=self.partner)
        return rows.filter(customer=self.customer) if self.customer else rows.filter(customer__isnull=True)

    def ticket(self, incident_id: str) -> Ticket:
        """The owner's ticket; another account's (or an unknown, or a deleted) one is refused alike."""
        ticket = self.tickets().select_related("partner", "customer").filter(incident_id=incident_id).first()
        if ticket is None:
            raise ApiError(
                400, CODE_NO_PERMISSION, f"No operation permission: no service ticket {incident_id} for this account."
            )
        return ticket

    def accessory(self, accessory_id: str) -> Accessory:
        accessory = self.accessories().filter(accessory_id=accessory_id).first()
        if accessory is None:
            raise ApiError(
                400, CODE_NO_PERMISSION, f"No operation permission: no attachment {accessory_id} for this account."
            )
        return accessory


def owner_of(ticket: Ticket) -> Owner:
    return Owner(partner=ticket.partner, customer=ticket.customer)


def _log(ticket: Ticket, operate_type: int, *, by_owner: bool, name: str = "", desc: str = "") -> None:
    TicketOperationLog.objects.create(
        ticket=ticket,
        operate_type=operate_type,
        operator_type=0 if by_owner else 1,
        operator_id=ticket.owner_domain_id if by_owner else ENGINEER_ID,
        operator_name=ticket.owner_domain_name if by_owner else (name or ENGINEER_NAME),
        operate_desc=desc,
        created_at=clock.now(),
    )


# --- attachments -------------------------------------------------------------------------------------

_MAGIC = {
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "gif": (b"GIF87a", b"GIF89a"),
    "bmp": (b"BM",),
    "pdf": (b"%PDF-",),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
}


def accessory_problem(file_name: str, content: bytes) -> str | None:
    """Why a file cannot be attached (type by extension and content, size), or None."""
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in fixtures.ACCESSORY_FILE_TYPES:
        return f"file type must be one of {', '.join(fixtures.ACCESSORY_FILE_TYPES)}, not {file_name!r}"
    if not content:
        return "the file is empty"
    if len(content) > fixtures.ACCESSORY_MAX_BYTES:
        return f"a file has at most {fixtures.ACCESSORY_MAX_BYTES // (1024 * 1024)} MB"
    magic = _MAGIC.get(extension)
    if magic and not content.startswith(magic):
        return f"the content of {file_name!r} is not a {extension} file"
    if magic is None and b"\x00" in content[:8192]:
        return f"{file_name!r} is not a text file"
    return None


def accessory_upload(*, owner: Owner, file_name: str, content: bytes, content_type: str, form_data: str) -> Accessory:
    problem = accessory_problem(file_name, content)
    if problem:
        raise invalid(problem)
    now = clock.now()
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        uploaded_today = owner.accessories().filter(created_at__gte=start_of_day).aggregate(total=Sum("size"))["total"]
        if (uploaded_today or 0) + len(content) > fixtures.ACCESSORY_DAILY_BYTES:
            raise ApiError(400, CODE_DAILY_UPLOAD_LIMIT, "Upload accessory size exceeded limit today.")
        return Accessory.objects.create(
            partner=owner.partner,
            customer=owner.customer,
            accessory_id=uuid.uuid4().hex,
            file_name=file_name[:255],
            content_type=content_type[:100],
            size=len(content),
            content=content,
            form_data=form_data[:500],
            created_at=now,
        )


def accessory_delete(*, owner: Owner, accessory_id: str) -> None:
    accessory = owner.accessory(accessory_id)
    if accessory.messages.exists():
        raise ApiError(403, CODE_FORBIDDEN, "Forbidden: the attachment belongs to a ticket message.")
    accessory.delete()


def _accessories(owner: Owner, accessory_ids: list[str]) -> list[Accessory]:
    if len(accessory_ids) > fixtures.ACCESSORY_MAX_COUNT:
        raise invalid(f"accessory_ids holds at most {fixtures.ACCESSORY_MAX_COUNT} ids")
    return [owner.accessory(accessory_id) for accessory_id in dict.fromkeys(accessory_ids)]


# --- tickets -----------------------------------------------------------------------------------------


def _next_incident_id() -> str:
    prefix = f"CS{clock.now():%Y%m%d}"
    last = (
        Ticket.objects.filter(incident_id__startswith=prefix, incident_id__regex=r"^CS\d{14}$")
        .order_by("-incident_id")
        .values_list("incident_id", flat=True)
        .first()
    )
    number = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{number:06d}"


def ticket_create(*, owner: Owner, fields: dict, accessory_ids: list[str], status: int = 0) -> Ticket:
    """Open a ticket whose first message is the description (with the attachments)."""
    accessories = _accessories(owner, accessory_ids)
    now = clock.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                ticket = Ticket.objects.create(
                    partner=owner.partner,
                    customer=owner.customer,
                    incident_id=_next_incident_id(),
                    status=status,
                    created_at=now,
                    **fields,
                )
                break
        except IntegrityError:  # two tickets at the same moment took the same number: take the next one
            continue
    else:
        raise ApiError(500, "OSM.0004", "Internal Server Error")
    message = TicketMessage.objects.create(
        ticket=ticket,
        type=TicketMessage.Type.CUSTOMER,
        replier_type=TicketMessage.Type.CUSTOMER,
        replier=owner.domain_id,
        replier_name=owner.domain_name,
        content=ticket.simple_description,
        is_first_message=True,
        created_at=now,
    )
    message.accessories.set(accessories)
    _log(ticket, TicketOperationLog.OperateType.CREATE, by_owner=True)
    return ticket


def _locked(ticket: Ticket) -> Ticket:
    # Re-read under a row lock: two actions at once (close and urge, a reply and a cancel) must not
    # both pass the status check made on a stale copy.
    return Ticket.objects.select_for_update().select_related("partner", "customer").get(pk=ticket.pk)


def message_add(*, owner: Owner, ticket: Ticket, content: str, accessory_ids: list[str]) -> TicketMessage:
    accessories = _accessories(owner, accessory_ids)
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.status in FINISHED:
            raise ApiError(
                403,
                CODE_FORBIDDEN,
                f"Forbidden: the service ticket is {ticket.get_status_display()}; it takes no messages.",
            )
        now = clock.now()
        message = TicketMessage.objects.create(
            ticket=ticket,
            type=TicketMessage.Type.CUSTOMER,
            replier_type=TicketMessage.Type.CUSTOMER,
            replier=owner.domain_id,
            replier_name=owner.domain_name,
            content=content,
            created_at=now,
        )
        message.accessories.set(accessories)
        if ticket.status in (Ticket.Status.PENDING_CONFIRMATION, Ticket.Status.PENDING_FEEDBACK):
            ticket.status = Ticket.Status.PROCESSING
            ticket.save(update_fields=["status"])
        _log(ticket, TicketOperationLog.OperateType.MESSAGE, by_owner=True)
    return message


ACTIONS = ("press", "delete", "close", "cancel")
_ALLOWED = {
    "press": {Ticket.Status.PENDING_ACCEPTANCE, Ticket.Status.PROCESSING},
    "cancel": {Ticket.Status.PENDING_ACCEPTANCE, Ticket.Status.PROCESSING},
    "close": {Ticket.Status.PROCESSING, Ticket.Status.PENDING_CONFIRMATION},
    "delete": FINISHED,
}
_VERB = {"press": "urged", "cancel": "cancelled", "close": "closed", "delete": "deleted"}


def ticket_act(
    *, ticket: Ticket, action: str, operate_desc: str = "", judgement: str = "", satisfaction: list | None = None
) -> Ticket:
    """The owner's press / cancel / close / delete (update_cases)."""
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.status not in _ALLOWED[action]:
            allowed = ", ".join(f"{int(s)} ({s.label})" for s in sorted(_ALLOWED[action]))
            raise ApiError(
                403,
                CODE_FORBIDDEN,
                f"Forbidden: a service ticket in status {ticket.status} ({ticket.get_status_display()}) cannot be "
                f"{_VERB[action]}; only in status {allowed}.",
            )
        now = clock.now()
        if action == "press":
            if ticket.last_pressed_at and now - ticket.last_pressed_at < URGE_INTERVAL:
                raise ApiError(400, CODE_URGED_TOO_OFTEN, "You have asked for the order, please ask for it later.")
            ticket.last_pressed_at = now
            ticket.save(update_fields=["last_pressed_at"])
            _log(ticket, TicketOperationLog.OperateType.PRESS, by_owner=True, desc=operate_desc)
        elif action == "cancel":
            ticket.status = Ticket.Status.CANCELLED
            ticket.resolved_at = now
            ticket.save(update_fields=["status", "resolved_at"])
            _log(ticket, TicketOperationLog.OperateType.CANCEL, by_owner=True, desc=operate_desc)
        elif action == "close":
            ticket.status = Ticket.Status.COMPLETED
            ticket.confirmed_at = now
            ticket.resolved_at = ticket.resolved_at or now
            ticket.judgement = judgement
            ticket.satisfaction = satisfaction or []
            ticket.save(update_fields=["status", "confirmed_at", "resolved_at", "judgement", "satisfaction"])
            _log(ticket, TicketOperationLog.OperateType.CLOSE, by_owner=True, desc=operate_desc)
        else:
            ticket.deleted_at = now
            ticket.save(update_fields=["deleted_at"])
            _log(ticket, TicketOperationLog.OperateType.DELETE, by_owner=True, desc=operate_desc)
    return ticket


def ticket_rate(*, ticket: Ticket, judgement: str, satisfaction: list) -> Ticket:
    """The owner's rating of a completed ticket (create_scores); a later rating replaces the earlier one."""
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.status != Ticket.Status.COMPLETED:
            raise ApiError(
                403,
                CODE_FORBIDDEN,
                f"Forbidden: only a completed service ticket can be rated; this one is {ticket.get_status_display()}.",
            )
        ticket.judgement = judgement or ticket.judgement
        ticket.satisfaction = satisfaction or ticket.satisfaction
        ticket.save(update_fields=["judgement", "satisfaction"])
    return ticket


def ticket_labels_change(*, ticket: Ticket, add: list[int] = (), remove: list[int] = ()) -> Ticket:
    with transaction.atomic():
        ticket = _locked(ticket)
        labels = [label_id for label_id in ticket.label_ids if label_id not in remove]
        labels += [label_id for label_id in add if label_id not in labels]
        ticket.label_ids = labels
        ticket.save(update_fields=["label_ids"])
    return ticket


# --- HUAWEI CLOUD's side (control API, demo world) ------------------------------------------------------

ENGINEER_STATUSES = {
    Ticket.Status.PROCESSING,
    Ticket.Status.PENDING_CONFIRMATION,
    Ticket.Status.COMPLETED,
    Ticket.Status.PENDING_FEEDBACK,
}


def _set_status(ticket: Ticket, status: int, now) -> None:
    ticket.status = status
    if status != Ticket.Status.PENDING_ACCEPTANCE and ticket.accepted_at is None:
        ticket.accepted_at = now
    if status in FINISHED:
        ticket.resolved_at = ticket.resolved_at or now
    ticket.save(update_fields=["status", "accepted_at", "resolved_at"])


@dataclass(frozen=True)
class EngineerFile:
    file_name: str
    content: bytes
    content_type: str = ""


def ticket_reply(
    *,
    ticket: Ticket,
    content: str,
    status: int | None = None,
    replier_name: str = "",
    files: Sequence[EngineerFile] = (),
) -> TicketMessage:
    """An engineer's answer (message type 1), with `files` attached. Without `status` a ticket pending
    acceptance is accepted (1). The files (checked by the caller with `accessory_problem`) belong to the
    ticket's owner, who can then download them."""
    with transaction.atomic():
        ticket = _locked(ticket)
        now = clock.now()
        message = TicketMessage.objects.create(
            ticket=ticket,
            type=TicketMessage.Type.ENGINEER,
            replier_type=TicketMessage.Type.ENGINEER,
            replier=ENGINEER_ID,
            replier_name=replier_name or ENGINEER_NAME,
            content=content,
            created_at=now,
        )
        message.accessories.set(
            Accessory.objects.create(
                partner=ticket.partner,
                customer=ticket.customer,
                accessory_id=uuid.uuid4().hex,
                file_name=file.file_name[:255],
                content_type=file.content_type[:100],
                size=len(file.content),
                content=file.content,
                created_at=now,
            )
            for file in files
        )
        _log(ticket, TicketOperationLog.OperateType.REPLY, by_owner=False, name=message.replier_name)
        if status is None and ticket.status == Ticket.Status.PENDING_ACCEPTANCE:
            status = Ticket.Status.PROCESSING
        if status is not None and status != ticket.status:
            _set_status(ticket, status, now)
            _log(ticket, TicketOperationLog.OperateType.STATUS, by_owner=False, desc=f"status {status}")
    return message


def ticket_set_status(*, ticket: Ticket, status: int) -> Ticket:
    with transaction.atomic():
        ticket = _locked(ticket)
        if status != ticket.status:
            _set_status(ticket, status, clock.now())
            _log(ticket, TicketOperationLog.OperateType.STATUS, by_owner=False, desc=f"status {status}")
    return ticket
