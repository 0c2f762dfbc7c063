"""Control API of the tickets area: HUAWEI CLOUD's support engineers, and a look at every ticket.

* `POST /_sandbox/tickets/<incident_id>/reply` `{"content", "status"?, "replier_name"?, "attachments"?}`:
  an engineer's message (type 1); `status` 1, 2, 3 or 17 moves the ticket too (without it a ticket
  pending acceptance becomes processing); `attachments` `[{"file_name", "content_base64",
  "content_type"?}]` are checked like uploads and belong to the ticket's owner.
* `POST /_sandbox/tickets/<incident_id>/status` `{"status"}`: any ticket status.
* `GET /_sandbox/tickets?owner=<customer_id|partner>&status=`: tickets with messages, deleted ones too.
* `GET /_sandbox/tickets/<incident_id>`: one ticket's full state.
* `GET /_sandbox/tickets/accessories/<accessory_id>?expires=&token=`: the file behind an attachment URL
  (`show_download_accessory_url`); needs the link's token, answers in strict mode too.
"""

from __future__ import annotations

import base64

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.control import ISO, BadInput, _json, control
from sandbox.models import Customer
from sandbox.tickets import fixtures, services
from sandbox.tickets.models import Accessory, Ticket
from sandbox.tickets.operations import _file_response, accessory_token_valid

STATUSES = {choice.value for choice in Ticket.Status}


def _time(value) -> str | None:
    return value.strftime(ISO) if value else None


def ticket_state(ticket: Ticket) -> dict:
    return {
        "incident_id": ticket.incident_id,
        "owner": ticket.customer.customer_id if ticket.customer_id else "partner",
        "owner_domain_name": ticket.owner_domain_name,
        "status": ticket.status,
        "status_name": ticket.get_status_display(),
        "deleted": ticket.deleted_at is not None,
        "incident_sub_type_id": ticket.incident_sub_type_id,
        "product_category_id": ticket.product_category_id,
        "business_type_id": ticket.business_type_id,
        "severity_id": ticket.severity_id,
        "region_id": ticket.region_id,
        "simple_description": ticket.simple_description,
        "judgement": ticket.judgement,
        "satisfaction": ticket.satisfaction,
        "created_at": _time(ticket.created_at),
        "accepted_at": _time(ticket.accepted_at),
        "confirmed_at": _time(ticket.confirmed_at),
        "resolved_at": _time(ticket.resolved_at),
        "last_pressed_at": _time(ticket.last_pressed_at),
        "deleted_at": _time(ticket.deleted_at),
        "messages": [
            {
                "type": message.type,
                "replier": message.replier,
                "replier_name": message.replier_name,
                "content": message.content,
                "is_first_message": message.is_first_message,
                "accessory_ids": [a.accessory_id for a in message.accessories.all()],
                "created_at": _time(message.created_at),
            }
            for message in ticket.messages.all()
        ],
        "operations": [
            {
                "operate_type": log.operate_type,
                "name": log.get_operate_type_display(),
                "operator_name": log.operator_name,
                "operate_desc": log.operate_desc,
                "created_at": _time(log.created_at),
            }
            for log in ticket.operation_logs.all()
        ],
    }


def _ticket(incident_id: str) -> Ticket | None:
    return Ticket.objects.select_related("partner", "customer").filter(incident_id=incident_id).first()


def _not_found(incident_id: str) -> JsonResponse:
    return JsonResponse({"error": f"no ticket {incident_id}"}, status=404)


def _status(data: dict, allowed: set[int]) -> int | None:
    status = data.get("status")
    if status is None:
        return None
    if isinstance(status, bool) or not isinstance(status, int) or status not in allowed:
        raise BadInput(f"status must be one of {', '.join(map(str, sorted(allowed)))}")
    return status


@control("GET")
def tickets(request):
    rows = Ticket.objects.select_related("partner", "customer").prefetch_related(
        "messages__accessories", "operation_logs"
    )
    owner = request.GET.get("owner")
    if owner == "partner":
        rows = rows.filter(customer__isnull=True)
    elif owner:
        if not Customer.objects.filter(customer_id=owner).exists():
            raise BadInput("owner must be partner or the customer_id of an existing customer")
        rows = rows.filter(customer__customer_id=owner)
    status = request.GET.get("status")
    if status:
        if not status.lstrip("-").isdigit() or int(status) not in STATUSES:
            raise BadInput(f"status must be one of {', '.join(map(str, sorted(STATUSES)))}")
        rows = rows.filter(status=int(status))
    return JsonResponse({"tickets": [ticket_state(ticket) for ticket in rows]})


@control("GET")
def ticket_detail(request, incident_id: str):
    ticket = _ticket(incident_id)
    if ticket is None:
        return _not_found(incident_id)
    return JsonResponse(ticket_state(ticket))


@control("POST")
def ticket_reply(request, incident_id: str):
    data = _json(request)
    content = data.get("content")
    if not isinstance(content, str) or not content.strip():
        raise BadInput("content is required (a string)")
    status = _status(data, {int(s) for s in services.ENGINEER_STATUSES})
    replier_name = data.get("replier_name") or ""
    if not isinstance(replier_name, str) or len(replier_name) > 128:
        raise BadInput("replier_name must be a string of at most 128 characters")
    files = _files(data.get("attachments"))
    ticket = _ticket(incident_id)
    if ticket is None or ticket.deleted_at is not None:
        return _not_found(incident_id)
    services.ticket_reply(ticket=ticket, content=content, status=status, replier_name=replier_name, files=files)
    return JsonResponse(ticket_state(_ticket(incident_id)), status=201)


def _files(items) -> list[services.EngineerFile]:
    """`attachments`: `[{"file_name", "content_base64", "content_type"?}]`, checked like an upload."""
    if items is None:
        return []
    if not isinstance(items, list) or len(items) > fixtures.ACCESSORY_MAX_COUNT:
        raise BadInput(f"attachments must be a list of at most {fixtures.ACCESSORY_MAX_COUNT} objects")
    files = []
    for item in items:
        if not isinstance(item, dict):
            raise BadInput("each attachment is an object with file_name and content_base64")
        file_name, encoded = item.get("file_name"), item.get("content_base64")
        content_type = item.get("content_type") or ""
        if not isinstance(file_name, str) or not isinstance(encoded, str) or not isinstance(content_type, str):
            raise BadInput("each attachment needs file_name and content_base64 (strings), content_type optional")
        try:
            content = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise BadInput(f"content_base64 of {file_name!r} is not base64") from None
        problem = services.accessory_problem(file_name, content)
        if problem:
            raise BadInput(problem)
        files.append(services.EngineerFile(file_name=file_name, content=content, content_type=content_type))
    return files


@control("POST")
def ticket_status(request, incident_id: str):
    status = _status(_json(request), STATUSES)
    if status is None:
        raise BadInput("status is required")
    ticket = _ticket(incident_id)
    if ticket is None or ticket.deleted_at is not None:
        return _not_found(incident_id)
    services.ticket_set_status(ticket=ticket, status=status)
    return JsonResponse(ticket_state(_ticket(incident_id)))


@csrf_exempt
def accessory_file(request, accessory_id: str) -> HttpResponse:
    """The target of an attachment URL: valid for a few minutes, without signing (like presigned OBS)."""
    if request.method != "GET":
        return JsonResponse({"error": "use GET"}, status=405)
    expires, token = request.GET.get("expires", ""), request.GET.get("token", "")
    accessory = Accessory.objects.filter(accessory_id=accessory_id).first()
    if accessory is None or not accessory_token_valid(accessory_id, expires, token):
        return JsonResponse({"error": "the link is invalid or has expired"}, status=403)
    return _file_response(accessory)
