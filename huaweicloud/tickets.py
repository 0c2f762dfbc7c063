"""Service tickets (OSM, reference 7).

Tickets belong to whoever's credentials sign the call: pass `customer` to act on that customer's
tickets (their token), or None for the partner's own. Every call says `X-Site: 1` (the international
site; OSM's default is China), `X-Language` from the active Django language and `X-Time-Zone: GMT+0`
so that times without an offset are UTC.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from typing import Any, Literal, TypeVar

import requests
from django.utils import translation
from huaweicloudsdkcore.http.formdata import FormFile
from huaweicloudsdkosm.v2 import model as m

from huaweicloud import identity
from huaweicloud.calls import call
from huaweicloud.clients import osm_client
from huaweicloud.errors import LOCAL_TOO_LARGE, CloudRejected
from huaweicloud.types import CustomerRef, MalformedValue, Page, format_datetime, parse_datetime, parse_int, parse_str

R = TypeVar("R")

INTERNATIONAL_SITE = 1
TIME_ZONE = "GMT+0"
# Fixed by Huawei for tickets created through the API (reference 7).
SOURCE_ID = "83aeb0f2834c4df49826c781d32a963e"
# Ticket status: 0 pending acceptance, 1 processing, 2 pending confirmation, 3 completed,
# 4 cancelled, 12 invalid, 17 pending feedback (the list filter also knows 5 paused).
STATUS_PENDING_ACCEPTANCE = 0
STATUS_PROCESSING = 1
STATUS_PENDING_CONFIRMATION = 2
STATUS_COMPLETED = 3
STATUS_CANCELLED = 4
# A problem type with case_type "5" (fault) needs a region.
CASE_TYPE_FAULT = "5"
ACTIONS = ("press", "delete", "close", "cancel")
MAX_LIMIT = 100
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # not documented; the console's limit for one file
# Engineers' files come under the same 10 MB limit; the cap leaves room and bounds what one download holds.
MAX_DOWNLOAD_BYTES = 2 * MAX_ATTACHMENT_BYTES
DOWNLOAD_CHUNK_BYTES = 64 * 1024
# error_code values of a 200 answer that mean success.
SUCCESS_CODES = ("0", "CBC.0000")

Action = Literal["press", "delete", "close", "cancel"]


@dataclass(frozen=True, slots=True)
class ProductCategory:
    id: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class TicketCategory:
    """A ticket sub-type with its product categories."""

    id: str
    name: str
    product_categories: tuple[ProductCategory, ...]


@dataclass(frozen=True, slots=True)
class ProblemType:
    id: str  # business_type_id
    name: str
    case_type: str  # "0" consultation, "5" fault (needs a region)

    @property
    def needs_region(self) -> bool:
        return self.case_type == CASE_TYPE_FAULT


@dataclass(frozen=True, slots=True)
class Severity:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class TicketTemplate:
    id: str
    name: str
    content: str


@dataclass(frozen=True, slots=True)
class ProblemTypeOptions:
    problem_type: ProblemType
    severities: tuple[Severity, ...]
    templates: tuple[TicketTemplate, ...]


@dataclass(frozen=True, slots=True)
class ProductCategoryOptions:
    category_id: str  # incident_sub_type_id
    product_category: ProductCategory
    problem_types: tuple[ProblemTypeOptions, ...]


@dataclass(frozen=True, slots=True)
class Attachment:
    accessory_id: str
    name: str


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    """An attachment's file as HUAWEI CLOUD sent it."""

    accessory_id: str
    name: str  # from Content-Disposition; "" when none was given
    content_type: str  # without parameters, lower case; "" when none was given
    content: bytes


@dataclass(frozen=True, slots=True)
class TicketMessage:
    type: int | None  # 0 customer, 1 Huawei engineer
    replier: str
    replier_name: str
    content: str
    created_at: datetime | None
    is_first_message: bool
    attachments: tuple[Attachment, ...]


@dataclass(frozen=True, slots=True)
class Ticket:
    incident_id: str
    status: int | None
    customer_id: str
    business_type_name: str
    incident_type_name: str
    product_category_name: str
    simple_description: str
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class TicketDetail:
    incident_id: str
    status: int | None
    customer_id: str
    business_type_name: str
    incident_type_name: str
    simple_description: str
    severity_name: str
    source_name: str
    judgement: str
    business_ownership: int | None  # 0 HUAWEI CLOUD, 1 partner, 2 ISV
    created_at: datetime | None
    messages: tuple[TicketMessage, ...]


def _language() -> str:
    language = translation.get_language() or "en"
    return "zh-cn" if language.lower().startswith("zh") else "en-us"


def _headers() -> dict[str, Any]:
    return {"x_site": INTERNATIONAL_SITE, "x_language": _language(), "x_time_zone": TIME_ZONE}


def _call(
    operation: str, request: Any, customer: CustomerRef | None, parse: Callable[[Any], R], *, read: bool = True
) -> R:
    if customer is not None:
        return identity.call_as_customer(operation, customer, request, parse=parse, service="osm", repeatable=read)
    return call(operation, getattr(osm_client(), operation), request, parse=parse)


def _required(value: Any, name: str) -> Any:
    if value is None or value == "":
        raise MalformedValue(f"{name} is missing")
    return value


# --- catalogue -----------------------------------------------------------------------------------------


def ticket_categories(*, customer: CustomerRef | None = None) -> tuple[TicketCategory, ...]:
    def parse(response: m.ListCaseCategoriesResponse) -> tuple[TicketCategory, ...]:
        return tuple(
            TicketCategory(
                id=parse_str(_required(c.incident_sub_type_id, "incident_sub_type_id")),
                name=parse_str(c.incident_sub_type_name),
                product_categories=tuple(
                    ProductCategory(
                        id=parse_str(_required(p.incident_product_category_id, "incident_product_category_id")),
                        name=parse_str(p.incident_product_category_name),
                        description=parse_str(p.incident_product_category_desc),
                    )
                    for p in c.incident_product_category_list or ()
                ),
            )
            for c in response.incident_sub_type_list or ()
        )

    return _call("list_case_categories", m.ListCaseCategoriesRequest(**_headers()), customer, parse)


def ticket_problem_types(*, product_category_id: str, customer: CustomerRef | None = None) -> tuple[ProblemType, ...]:
    def parse(response: m.ListProblemTypesResponse) -> tuple[ProblemType, ...]:
        return tuple(
            ProblemType(
                id=parse_str(_required(t.business_type_id, "business_type_id")),
                name=parse_str(t.business_type_name),
                case_type=parse_str(t.case_type),
            )
            for t in response.incident_business_type_list or ()
        )

    request = m.ListProblemTypesRequest(product_category_id=product_category_id, **_headers())
    return _call("list_problem_types", request, customer, parse)


def ticket_severities(
    *, product_category_id: str, business_type_id: str, customer: CustomerRef | None = None
) -> tuple[Severity, ...]:
    def parse(response: m.ListSeveritiesResponse) -> tuple[Severity, ...]:
        return tuple(
            Severity(id=parse_str(_required(s.severity_id, "severity_id")), name=parse_str(s.severity_name))
            for s in response.severity_list or ()
        )

    request = m.ListSeveritiesRequest(
        product_category_id=product_category_id, business_type_id=business_type_id, **_headers()
    )
    return _call("list_severities", request, customer, parse)


def ticket_templates(*, business_type_id: str, customer: CustomerRef | None = None) -> tuple[TicketTemplate, ...]:
    def parse(response: m.ListCaseTemplatesResponse) -> tuple[TicketTemplate, ...]:
        return tuple(
            TicketTemplate(
                id=parse_str(_required(t.incident_template_id, "incident_template_id")),
                name=parse_str(t.incident_template_name),
                content=parse_str(t.incident_template_content),
            )
            for t in response.incident_template_list or ()
        )

    request = m.ListCaseTemplatesRequest(business_type_id=business_type_id, **_headers())
    return _call("list_case_templates", request, customer, parse)


def ticket_catalogue(*, customer: CustomerRef | None = None) -> tuple[ProductCategoryOptions, ...]:
    """Everything the "new ticket" form offers: per product category its problem types, each with
    severities and templates. Many calls (one per category and problem type): cache the result."""
    options = []
    for category in ticket_categories(customer=customer):
        for product_category in category.product_categories:
            problem_types = tuple(
                ProblemTypeOptions(
                    problem_type=problem_type,
                    severities=ticket_severities(
                        product_category_id=product_category.id, business_type_id=problem_type.id, customer=customer
                    ),
                    templates=ticket_templates(business_type_id=problem_type.id, customer=customer),
                )
                for problem_type in ticket_problem_types(product_category_id=product_category.id, customer=customer)
            )
            options.append(
                ProductCategoryOptions(
                    category_id=category.id, product_category=product_category, problem_types=problem_types
                )
            )
    return tuple(options)


# --- tickets -------------------------------------------------------------------------------------------


def ticket_create(
    *,
    customer: CustomerRef | None = None,
    category_id: str,
    product_category_id: str,
    business_type_id: str,
    simple_description: str,
    region_id: str | None = None,
    severity_id: str | None = None,
    project_id: str | None = None,
    remind_mail: str | None = None,
    remind_mobile: str | None = None,
    remind_time: str | None = None,
    attachment_ids: Sequence[str] = (),
) -> str:
    """Open a ticket; returns its `incident_id`. Not idempotent: after `CloudUnavailable(maybe_applied=True)`
    look for it with `tickets_list` (same description) before creating it again."""
    if not simple_description.strip():
        raise ValueError("a ticket needs a description")
    request = m.CreateCasesRequest(
        **_headers(),
        body=m.CreateOrderIncidentV2Req(
            incident_sub_type_id=category_id,
            product_category_id=product_category_id,
            business_type_id=business_type_id,
            region_id=region_id or None,
            simple_description=simple_description,
            source_id=SOURCE_ID,
            remind_mail=remind_mail or None,
            remind_mobile=remind_mobile or None,
            remind_time=remind_time or None,
            project_id=project_id or None,
            accessory_ids=list(attachment_ids) or None,
            severity_id=severity_id or None,
        ),
    )

    def parse(response: m.CreateCasesResponse) -> str:
        return parse_str(_required(response.incident_id, "incident_id"))

    return _call("create_cases", request, customer, parse, read=False)


def tickets_list(
    *,
    customer: CustomerRef | None = None,
    status: int | None = None,
    incident_id: str | None = None,
    search: Sequence[str] = (),
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    offset: int = 0,
    limit: int = 10,
) -> Page[Ticket]:
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"offset must be >= 0 and limit between 1 and {MAX_LIMIT}")
    request = m.ListCasesRequest(
        **_headers(),
        status=status,
        incident_id=incident_id or None,
        search_key=list(search) or None,
        query_start_time=format_datetime(created_from) if created_from else None,
        query_end_time=format_datetime(created_to) if created_to else None,
        offset=offset,
        limit=limit,
    )

    def parse(response: m.ListCasesResponse) -> Page[Ticket]:
        count = parse_int(response.total_count)
        if count is None:
            raise MalformedValue("total_count is missing")
        return Page(
            count=count,
            items=tuple(
                Ticket(
                    incident_id=parse_str(_required(t.incident_id, "incident_id")),
                    status=parse_int(t.status),
                    customer_id=parse_str(t.customer_id),
                    business_type_name=parse_str(t.business_type_name),
                    incident_type_name=parse_str(t.incident_type_name),
                    product_category_name=parse_str(t.product_category_name),
                    simple_description=parse_str(t.simple_description),
                    created_at=parse_datetime(t.create_time),
                )
                for t in response.incident_info_list or ()
            ),
        )

    return _call("list_cases", request, customer, parse)


def _attachments(items: Any) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(accessory_id=parse_str(a.accessory_id), name=parse_str(a.file_actual_name)) for a in items or ()
    )


def _message(message: Any) -> TicketMessage:
    return TicketMessage(
        type=parse_int(message.type),
        replier=parse_str(message.replier),
        replier_name=parse_str(message.replier_name),
        content=parse_str(message.content),
        created_at=parse_datetime(message.create_time),
        is_first_message=parse_int(message.is_first_message) == 1,
        attachments=_attachments(message.accessory_list),
    )


def ticket_detail(*, customer: CustomerRef | None = None, incident_id: str) -> TicketDetail:
    def parse(response: m.ShowCaseDetailResponse) -> TicketDetail:
        info = _required(response.incident_detail_info, "incident_detail_info")
        return TicketDetail(
            incident_id=parse_str(_required(info.incident_id, "incident_id")),
            status=parse_int(info.status),
            customer_id=parse_str(info.customer_id),
            business_type_name=parse_str(info.business_type_name),
            incident_type_name=parse_str(info.incident_type_name),
            simple_description=parse_str(info.simple_description),
            severity_name=parse_str(info.severity_name),
            source_name=parse_str(info.source_name),
            judgement=parse_str(info.judgement),
            business_ownership=parse_int(info.business_ownership),
            created_at=parse_datetime(info.create_time),
            messages=tuple(_message(message) for message in info.message_list or ()),
        )

    return _call("show_case_detail", m.ShowCaseDetailRequest(case_id=incident_id, **_headers()), customer, parse)


def ticket_messages(
    *, customer: CustomerRef | None = None, incident_id: str, offset: int = 0, limit: int = 100
) -> Page[TicketMessage]:
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"offset must be >= 0 and limit between 1 and {MAX_LIMIT}")

    def parse(response: m.ListMessagesResponse) -> Page[TicketMessage]:
        items = tuple(_message(message) for message in response.message_list or ())
        return Page(count=parse_int(response.count) or len(items), items=items)

    request = m.ListMessagesRequest(case_id=incident_id, offset=offset, limit=limit, **_headers())
    return _call("list_messages", request, customer, parse)


def ticket_message_add(
    *, customer: CustomerRef | None = None, incident_id: str, content: str, attachment_ids: Sequence[str] = ()
) -> None:
    if not content.strip():
        raise ValueError("a message needs content")
    request = m.CreateMessagesRequest(
        case_id=incident_id,
        **_headers(),
        body=m.CreateMessageV2Req(
            message=m.CreateMessageDoV2(content=content, accessory_ids=list(attachment_ids) or None)
        ),
    )
    _call("create_messages", request, customer, _no_error("create_messages"), read=False)


def ticket_action(
    *,
    customer: CustomerRef | None = None,
    incident_id: str,
    action: Action,
    description: str | None = None,
) -> None:
    """`press` (urge), `delete` (a finished ticket), `close` (solved), `cancel` (no longer needed)."""
    if action not in ACTIONS:
        raise ValueError(f"action is one of {', '.join(ACTIONS)}")
    request = m.UpdateCasesRequest(
        case_id=incident_id,
        action_id=action,
        **_headers(),
        body=m.WorkOrderOperateV2Req(operate_desc=description or None),
    )
    _call("update_cases", request, customer, _no_error("update_cases"), read=False)


class _Upload(io.BytesIO):
    """What the SDK's FormFile insists on: a binary stream with a name and mode "rb"."""

    mode = "rb"

    def __init__(self, content: bytes, name: str) -> None:
        super().__init__(content)
        self.name = name


def ticket_attachment_upload(
    *, customer: CustomerRef | None = None, filename: str, content: bytes, content_type: str | None = None
) -> str:
    """Upload a file to attach to a ticket or message; returns its `accessory_id`."""
    if not content or len(content) > MAX_ATTACHMENT_BYTES:
        raise ValueError(f"an attachment has 1 to {MAX_ATTACHMENT_BYTES} bytes")
    name = filename.replace("\\", "/").rsplit("/", 1)[-1] or "attachment"
    request = m.UploadAccessoryRequest(
        **_headers(),
        body=m.UploadAccessoryRequestBody(file=FormFile(_Upload(content, name), content_type)),
    )

    def parse(response: m.UploadAccessoryResponse) -> str:
        return parse_str(_required(response.accessory_id, "accessory_id"))

    return _call("upload_accessory", request, customer, parse, read=False)


def ticket_attachment_download(*, customer: CustomerRef | None = None, accessory_id: str) -> AttachmentFile:
    """The file behind an attachment: one we uploaded or one HUAWEI CLOUD's engineers added.

    One signed call (`download_accessories`), so the file is fetched with the same identity, rate
    limit, timeouts and error mapping as every other call; the client's read timeout applies to each
    read of the body too. The whole file is read, at most MAX_DOWNLOAD_BYTES: a larger one is refused
    (CloudRejected LOCAL.TOO_LARGE) without being kept. A JSON answer instead of a file is OSM saying
    no inside a 200 (CloudRejected with its code) or an unreadable answer (CloudUnavailable).
    """
    if not accessory_id:
        raise ValueError("an attachment needs its accessory_id")
    request = m.DownloadAccessoriesRequest(accessory_id=accessory_id, **_headers())

    def parse(response: m.DownloadAccessoriesResponse) -> AttachmentFile:
        files: list[AttachmentFile] = []
        response.consume_download_stream(lambda raw: files.append(_read_file(raw, accessory_id)))
        return files[0]

    return _call("download_accessories", request, customer, parse)


def _read_file(raw: requests.Response, accessory_id: str) -> AttachmentFile:
    def too_large() -> CloudRejected:
        return CloudRejected(
            operation="download_accessories",
            status_code=raw.status_code,
            error_code=LOCAL_TOO_LARGE,
            error_msg=f"attachment {accessory_id} is larger than {MAX_DOWNLOAD_BYTES} bytes",
            request_id=raw.headers.get("X-Request-Id"),
        )

    try:
        length = raw.headers.get("Content-Length", "").strip()
        if length.isdigit() and int(length) > MAX_DOWNLOAD_BYTES:
            raise too_large()
        content = bytearray()
        for chunk in raw.iter_content(DOWNLOAD_CHUNK_BYTES):
            content += chunk
            if len(content) > MAX_DOWNLOAD_BYTES:
                raise too_large()
    finally:
        raw.close()
    content_type = raw.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/json":
        _refusal_in_file(raw, bytes(content))
    if not content:
        raise MalformedValue("the file is empty")  # OSM takes no empty files
    disposition = Message()
    disposition["Content-Disposition"] = raw.headers.get("Content-Disposition", "")
    name = (disposition.get_filename() or "").replace("\\", "/").rsplit("/", 1)[-1]
    return AttachmentFile(accessory_id=accessory_id, name=name, content_type=content_type, content=bytes(content))


def _refusal_in_file(raw: requests.Response, content: bytes) -> None:
    # No file type OSM takes is JSON: this is an answer, not a file.
    try:
        body = json.loads(content)
    except ValueError:
        raise MalformedValue("a broken JSON answer instead of a file") from None
    code = parse_str(body.get("error_code")) if isinstance(body, dict) else ""
    if code and code not in SUCCESS_CODES:
        raise CloudRejected(
            operation="download_accessories",
            status_code=raw.status_code,
            error_code=code,
            error_msg=parse_str(body.get("error_msg")),
            request_id=raw.headers.get("X-Request-Id"),
            details=body,
        )
    raise MalformedValue("a JSON answer instead of a file")


def _no_error(operation: str) -> Callable[[Any], None]:
    # These answers have error_code/error_msg fields: a 200 that still says no (reference 7).
    def parse(response: Any) -> None:
        code = parse_str(response.error_code)
        if code and code not in SUCCESS_CODES:
            raise CloudRejected(
                operation=operation, status_code=200, error_code=code, error_msg=parse_str(response.error_msg)
            )

    return parse
