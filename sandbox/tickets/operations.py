"""OSM operations (reference 7): the ticket catalogue, attachments, tickets, messages and actions.

Every call acts as the authenticated account (callers "P|C"): with the partner's AK/SK or token the
partner's own tickets, with a customer's identity (IAM token, temporary AK/SK) that customer's.
Every call must say `X-Site: 1` (international); `X-Language` `zh-cn` (Huawei's default) or `en-us`
picks the language of the names. Times are UTC, `yyyy-MM-ddTHH:mm:ssZ`.

Routing takes the first registered pattern that matches, so fixed paths (`/cases/count`,
`/accessorys/limits`) are registered before the `{case_id}` / `{accessory_id}` ones.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from datetime import UTC, datetime
from urllib.parse import quote

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpResponse

from sandbox import clock
from sandbox.errors import ApiError
from sandbox.registry import Call, operation
from sandbox.tickets import fixtures, services
from sandbox.tickets.fixtures import EN, ZH, text
from sandbox.tickets.models import Accessory, Ticket, TicketMessage
from sandbox.tickets.services import Owner, invalid

RATE = 10  # OSM's rate limits are not published (reference 7); sandbox choice
TIME = "%Y-%m-%dT%H:%M:%SZ"
LIST_STATUSES = {0, 1, 2, 3, 4, 5, 12, 17}
MAX_OFFSET = 65535
MAX_LIMIT = 100
DESCRIPTION_MAX = 2000
MESSAGE_MAX = 2000
REMIND_TIME = re.compile(r"^(0|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ACCESSORY_URL_SECONDS = 300
CODE_WRONG_SITE = "CBC.0156"


def osm(name: str, *, method: str, path: str):
    return operation(name, method=method, path=path, rate_limit=RATE, service="osm", callers="P|C")


# --- request helpers -------------------------------------------------------------------------------


def _context(call: Call, *, site_header: bool = True) -> tuple[Owner, str]:
    """(the account the call acts as, "en" or "zh"); refuses the China site.

    `site_header` False: the SDK's request has no X-Site (show_download_accessory_url), so absent is fine.
    """
    site = (call.request.headers.get("X-Site") or "").strip()
    if not site and not site_header:
        site = "1"
    if site in ("", "0"):
        raise ApiError(
            403,
            CODE_WRONG_SITE,
            "Access denied. The customer does not belong to the website you are now at "
            "(this is an international-site account: send X-Site: 1).",
        )
    if site != "1":
        raise invalid(f"X-Site must be 0 (China site) or 1 (international site), not {site!r}")
    language = (call.request.headers.get("X-Language") or "zh-cn").strip().lower().replace("_", "-")
    principal = call.principal
    owner = Owner(partner=principal.partner, customer=getattr(principal, "customer", None))
    return owner, ZH if language.startswith("zh") else EN


def _query(call: Call, name: str) -> str | None:
    values = call.query.get(name)
    if not values or values[-1] == "":
        return None
    return values[-1]


def _query_int(call: Call, name: str, *, default=None, minimum=None, maximum=None) -> int | None:
    raw = _query(call, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"{name} must be an integer, not {raw!r}") from None
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        raise invalid(f"{name} must be between {minimum} and {maximum}")
    return value


def _page(call: Call, *, default_limit: int = 10) -> tuple[int, int]:
    offset = _query_int(call, "offset", default=0, minimum=0, maximum=MAX_OFFSET)
    limit = _query_int(call, "limit", default=default_limit, minimum=0, maximum=MAX_LIMIT)
    return offset, limit


def _body(call: Call) -> dict:
    if call.body is None:
        return {}
    if not isinstance(call.body, dict):
        raise invalid("the request body must be a JSON object")
    return call.body


def _string(data: dict, name: str, *, required=False, max_length: int | None = None) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise invalid(f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string")
    if max_length is not None and len(value) > max_length:
        raise invalid(f"{name} must have at most {max_length} characters")
    return value


def _string_list(data: dict, name: str) -> list[str]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise invalid(f"{name} must be a list of ids")
    return value


def _ts(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime(TIME) if value else None


def _parse_time(name: str, raw: str) -> datetime:
    for pattern in (TIME, "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    if raw.isdigit():  # milliseconds since the epoch
        return datetime.fromtimestamp(int(raw) / 1000, tz=UTC)
    raise invalid(f"{name} must be a UTC time like 2024-05-06T08:05:01Z")


# --- catalogue -------------------------------------------------------------------------------------


def _product_category_dict(category: fixtures.ProductCategory, language: str) -> dict:
    return {
        "incident_product_category_id": category.id,
        "incident_product_category_name": text(category.name, language),
        "incident_product_category_desc": text(category.desc, language),
        "incident_product_category_acronym": category.acronym,
        "can_use_support_plan": category.can_use_support_plan,
    }


@osm("list_case_categories", method="GET", path="/v2/servicerequest/config/categories")
def list_case_categories(call: Call) -> dict:
    _owner, language = _context(call)
    items = [
        {
            "incident_sub_type_id": sub_type.id,
            "incident_sub_type_name": text(sub_type.name, language),
            "incident_product_category_list": [
                _product_category_dict(category, language) for category in sub_type.product_categories
            ],
        }
        for sub_type in fixtures.SUB_TYPES
    ]
    return {"total_count": len(items), "incident_sub_type_list": items}


@osm("list_product_categories", method="GET", path="/v2/servicerequest/config/product-categories")
def list_product_categories(call: Call) -> dict:
    _owner, language = _context(call)
    name = (_query(call, "product_category_name") or "").lower()
    items = [
        _product_category_dict(category, language)
        for _sub_type, category in fixtures.PRODUCT_CATEGORIES.values()
        if not name or name in text(category.name, language).lower() or name in category.acronym.lower()
    ]
    return {"total_count": len(items), "incident_product_category_list": items}


def _product_category(call: Call, *, required: bool) -> fixtures.ProductCategory | None:
    category_id = _query(call, "product_category_id")
    if category_id is None:
        if required:
            raise invalid("product_category_id is required")
        return None
    if category_id not in fixtures.PRODUCT_CATEGORIES:
        raise invalid(f"product_category_id {category_id!r} does not exist")
    return fixtures.PRODUCT_CATEGORIES[category_id][1]


def _problem_type(call: Call, *, required: bool) -> fixtures.ProblemType | None:
    business_type_id = _query(call, "business_type_id")
    if business_type_id is None:
        if required:
            raise invalid("business_type_id is required")
        return None
    if business_type_id not in fixtures.PROBLEM_TYPES:
        raise invalid(f"business_type_id {business_type_id!r} does not exist")
    return fixtures.PROBLEM_TYPES[business_type_id][1]


@osm("list_problem_types", method="GET", path="/v2/servicerequest/config/problems")
def list_problem_types(call: Call) -> dict:
    _owner, language = _context(call)
    category = _product_category(call, required=True)
    items = [
        {
            "business_type_id": problem.id,
            "business_type_name": text(problem.name, language),
            "case_type": problem.case_type,
            "can_use_support_plan": category.can_use_support_plan,
        }
        for problem in category.problem_types
    ]
    return {"total_count": len(items), "incident_business_type_list": items}


@osm("list_severities", method="GET", path="/v2/servicerequest/config/severities")
def list_severities(call: Call) -> dict:
    _owner, language = _context(call)
    category = _product_category(call, required=True)
    problem = _problem_type(call, required=False)
    if problem is not None:
        if fixtures.PROBLEM_TYPES[problem.id][0].id != category.id:
            raise invalid(f"business_type_id {problem.id} is not a problem type of product category {category.id}")
        severity_ids = problem.severity_ids
    else:
        severity_ids = tuple(sorted({s for p in category.problem_types for s in p.severity_ids}))
    items = [
        {
            "severity_id": severity_id,
            "severity_name": text(fixtures.SEVERITIES[severity_id], language),
            "language": "zh-cn" if language == ZH else "en-us",
        }
        for severity_id in severity_ids
    ]
    # `show` False: the console hides the severity field (billing and account questions have none).
    return {"show": bool(items), "severity_list": items}


@osm("list_case_templates", method="GET", path="/v2/servicerequest/config/templates")
def list_case_templates(call: Call) -> dict:
    _owner, language = _context(call)
    problem = _problem_type(call, required=True)
    items = [
        {
            "incident_template_id": template["id"],
            "incident_template_name": text(template["name"], language),
            "incident_template_content": text(template["content"], language),
        }
        for template in problem.templates
    ]
    return {"total_count": len(items), "incident_template_list": items}


@osm("list_regions", method="GET", path="/v2/servicerequest/config/regions")
def list_regions(call: Call) -> dict:
    _owner, language = _context(call)
    items = [
        {"type": 1, "region_id": region_id, "region_name": text(name, language), "is_sensitive": 0}
        for region_id, name in fixtures.REGIONS
    ]
    return {"total_count": len(items), "data_center_list": items}


@osm("list_customers_regions", method="GET", path="/v2/servicerequest/customers/regions")
def list_customers_regions(call: Call) -> dict:
    _owner, language = _context(call)
    items = [{"region_id": region_id, "region_name": text(name, language)} for region_id, name in fixtures.REGIONS]
    return {"count": len(items), "region_infos": items}


@osm("list_area_codes", method="GET", path="/v2/servicerequest/config/area-codes")
def list_area_codes(call: Call) -> dict:
    _owner, language = _context(call)
    return {
        "area_code_list": [
            {"id": id, "area_code": code, "area_name": text(name, language)} for id, code, name in fixtures.AREA_CODES
        ]
    }


@osm("list_satisfaction_dimensions", method="GET", path="/v2/servicerequest/config/satisfaction-dimensions")
def list_satisfaction_dimensions(call: Call) -> dict:
    _owner, language = _context(call)
    items = [
        {
            "satisfaction_id": satisfaction_id,
            "satisfaction_name": text(name, language),
            "satisfaction_desc": text(desc, language),
            "value": fixtures.SATISFACTION_MAX,
            "per_value": 1,
            "sat_category_id": fixtures.SATISFACTION_CATEGORY_ID,
        }
        for satisfaction_id, name, desc in fixtures.SATISFACTION_DIMENSIONS
    ]
    return {"total_count": len(items), "satisfaction_dimension_list": items}


@osm("list_case_limits", method="GET", path="/v2/servicerequest/config/limits")
def list_case_limits(call: Call) -> dict:
    _context(call)
    return {"config": {"create_case_ccemail_max_count": fixtures.CC_EMAIL_MAX_COUNT}}


@osm("list_case_quotas", method="GET", path="/v2/servicerequest/quotas")
def list_case_quotas(call: Call) -> dict:
    owner, _language = _context(call)
    _product_category(call, required=False)
    _problem_type(call, required=False)
    start_of_month = clock.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    # Deleted tickets still count: the quota is about tickets opened this month.
    used = Ticket.objects.filter(partner=owner.partner, customer=owner.customer, created_at__gte=start_of_month)
    total = fixtures.MONTHLY_TICKET_QUOTA
    return {"total": total, "un_used": max(0, total - used.count())}


def _label_dict(label_id: int, name: dict, color: str, language: str) -> dict:
    return {"label_id": label_id, "name": text(name, language), "color": color}


@osm("list_labels", method="GET", path="/v2/servicerequest/labels")
def list_labels(call: Call) -> dict:
    _owner, language = _context(call)
    offset, limit = _page(call)
    name = (_query(call, "name") or "").lower()
    label_id = _query_int(call, "label_id")
    items = [
        _label_dict(id, label_name, color, language)
        for id, label_name, color in fixtures.LABELS
        if (label_id is None or id == label_id) and (not name or name in text(label_name, language).lower())
    ]
    return {"total_count": len(items), "label_list": items[offset : offset + limit]}


@osm("list_has_verified_contacts", method="GET", path="/v2/servicerequest/verifycodes/has-verified")
def list_has_verified_contacts(call: Call) -> dict:
    """The account's registered contacts count as verified (contact_way 0 mobile, 1 email: sandbox choice)."""
    owner, _language = _context(call)
    offset, limit = _page(call)
    contact_way = _query_int(call, "contact_way", minimum=0, maximum=1)
    contacts = []
    if owner.customer is not None:
        if owner.customer.telephone:
            contacts.append(
                {
                    "contact_way": 0,
                    "contact_value": owner.customer.telephone,
                    "area_code": owner.customer.country_code.removeprefix("00"),
                    "verified_id": hashlib.sha256(f"m:{owner.customer.mobile}".encode()).hexdigest()[:32],
                }
            )
        if owner.customer.email:
            contacts.append(
                {
                    "contact_way": 1,
                    "contact_value": owner.customer.email,
                    "area_code": "",
                    "verified_id": hashlib.sha256(f"e:{owner.customer.email}".encode()).hexdigest()[:32],
                }
            )
    value = _query(call, "contact_value")
    contacts = [
        c
        for c in contacts
        if (contact_way is None or c["contact_way"] == contact_way) and (value is None or c["contact_value"] == value)
    ]
    return {"count": len(contacts), "contact_list": contacts[offset : offset + limit]}


# --- attachments -----------------------------------------------------------------------------------


@osm("show_accessory_limits", method="GET", path="/v2/servicerequest/accessorys/limits")
def show_accessory_limits(call: Call) -> dict:
    _context(call)
    return {
        "accessory_limit": {
            "limit_count": str(fixtures.ACCESSORY_MAX_COUNT),
            "limit_size": str(fixtures.ACCESSORY_MAX_BYTES // (1024 * 1024)),
            "limit_file_type": ",".join(fixtures.ACCESSORY_FILE_TYPES),
        }
    }


@osm("upload_accessory", method="POST", path="/v2/servicerequest/accessorys")
def upload_accessory(call: Call) -> dict:
    owner, _language = _context(call)
    if not call.request.content_type.startswith("multipart/form-data"):
        raise invalid("upload the file as multipart/form-data in the field 'file'")
    upload = call.request.FILES.get("file")
    if upload is None:
        raise invalid("file is required (multipart field 'file')")
    if upload.size > fixtures.ACCESSORY_MAX_BYTES:
        raise invalid(f"a file has at most {fixtures.ACCESSORY_MAX_BYTES // (1024 * 1024)} MB")
    accessory = services.accessory_upload(
        owner=owner,
        file_name=upload.name or "",
        content=upload.read(),
        content_type=upload.content_type or "",
        form_data=call.request.POST.get("form_data", ""),
    )
    return {"accessory_id": accessory.accessory_id}


def _accessory_token(accessory_id: str, expires: int) -> str:
    message = f"{accessory_id}:{expires}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def accessory_token_valid(accessory_id: str, expires: str, token: str) -> bool:
    if not expires.isdigit() or int(expires) < time.time():
        return False
    return hmac.compare_digest(_accessory_token(accessory_id, int(expires)), token)


def _accessory_url(call: Call, accessory: Accessory) -> str:
    """A link that works without signing for ACCESSORY_URL_SECONDS, like a presigned OBS URL."""
    expires = int(time.time()) + ACCESSORY_URL_SECONDS
    token = _accessory_token(accessory.accessory_id, expires)
    base = call.request.build_absolute_uri("/").rstrip("/")
    return f"{base}/_sandbox/tickets/accessories/{quote(accessory.accessory_id)}?expires={expires}&token={token}"


@osm("list_accessory_access_urls", method="GET", path="/v2/servicerequest/accessorys/access-urls")
def list_accessory_access_urls(call: Call) -> dict:
    owner, _language = _context(call)
    accessory_ids = [value for value in call.query.get("accessory_ids", []) if value]
    if not accessory_ids:
        raise invalid("accessory_ids is required")
    if len(accessory_ids) > MAX_LIMIT:
        raise invalid(f"accessory_ids holds at most {MAX_LIMIT} ids")
    items = []
    for accessory_id in accessory_ids:
        accessory = owner.accessory(accessory_id)
        items.append(
            {
                "accessory_id": accessory.accessory_id,
                "accessory_name": accessory.file_name,
                "accessory_url": _accessory_url(call, accessory),
            }
        )
    return {"accessory_urls": items}


def _file_response(accessory: Accessory) -> HttpResponse:
    response = HttpResponse(bytes(accessory.content), content_type=accessory.content_type or "application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(accessory.file_name)}"
    return response


@osm("show_download_accessory_url", method="GET", path="/v2/servicerequest/accessorys/{accessory_id}/access-url")
def show_download_accessory_url(call: Call) -> dict:
    owner, _language = _context(call, site_header=False)
    accessory = owner.accessory(call.path_params["accessory_id"])
    return {"accessory_url": _accessory_url(call, accessory)}


@osm("download_images", method="GET", path="/v2/servicerequest/accessorys/{accessory_id}/image")
def download_images(call: Call) -> HttpResponse:
    owner, _language = _context(call)
    accessory = owner.accessory(call.path_params["accessory_id"])
    if accessory.file_name.rsplit(".", 1)[-1].lower() not in {"jpg", "jpeg", "png", "gif", "bmp"}:
        raise invalid(f"attachment {accessory.accessory_id} is not an image")
    return _file_response(accessory)


@osm("download_accessories", method="GET", path="/v2/servicerequest/accessorys/{accessory_id}")
def download_accessories(call: Call) -> HttpResponse:
    owner, _language = _context(call)
    return _file_response(owner.accessory(call.path_params["accessory_id"]))


@osm("delete_accessories", method="DELETE", path="/v2/servicerequest/accessorys/{accessory_id}")
def delete_accessories(call: Call) -> dict:
    owner, _language = _context(call)
    services.accessory_delete(owner=owner, accessory_id=call.path_params["accessory_id"])
    return {}


# --- tickets ---------------------------------------------------------------------------------------


def _names(ticket: Ticket, language: str) -> dict:
    sub_type, category = fixtures.PRODUCT_CATEGORIES[ticket.product_category_id]
    _category, problem = fixtures.PROBLEM_TYPES[ticket.business_type_id]
    region = fixtures.REGION_NAMES.get(ticket.region_id)
    return {
        "incident_type_name": text(sub_type.name, language),
        "product_category_name": text(category.name, language),
        "incident_service_type": category.acronym,
        "business_type_name": text(problem.name, language),
        "dc_name": text(region, language) if region else "",
    }


def _xcustomer(owner: Owner) -> dict:
    """The IAM user that creates the account's tickets: the customer's root account or the partner's API user."""
    if owner.customer is not None:
        return {"xcustomer_id": owner.customer.customer_id, "xcustomer_name": owner.customer.domain_name}
    user_id = hashlib.sha256(f"{owner.partner.domain_id}:{owner.partner.iam_user}".encode()).hexdigest()[:32]
    return {"xcustomer_id": user_id, "xcustomer_name": owner.partner.iam_user}


def ticket_summary(ticket: Ticket, language: str) -> dict:
    labels = {label_id: (name, color) for label_id, name, color in fixtures.LABELS}
    return {
        "incident_id": ticket.incident_id,
        "status": ticket.status,
        **_xcustomer(services.owner_of(ticket)),
        "customer_id": ticket.owner_domain_id,
        **_names(ticket, language),
        "simple_description": ticket.simple_description,
        "root_cause": ticket.root_cause,
        "resolution": ticket.resolution,
        "create_time": _ts(ticket.created_at),
        "confirmed_time": _ts(ticket.confirmed_at),
        "label_list": [
            _label_dict(label_id, *labels[label_id], language) for label_id in ticket.label_ids if label_id in labels
        ],
    }


def _accessory_list(message: TicketMessage) -> list[dict]:
    return [{"accessory_id": a.accessory_id, "file_actual_name": a.file_name} for a in message.accessories.all()]


def message_dict(message: TicketMessage, *, with_id: bool) -> dict:
    """`with_id`: a ticket detail's IncidentMessageV2 (message_id, no replier_type); otherwise a
    list_messages QueryMessageInfoV2 (replier_type and iam_user_type, no id)."""
    data = {
        "type": message.type,
        "replier": message.replier,
        "replier_name": message.replier_name,
        "content": message.content,
        "create_time": _ts(message.created_at),
        "is_first_message": 1 if message.is_first_message else 0,
        "accessory_list": _accessory_list(message),
    }
    if with_id:
        data["message_id"] = str(message.pk)
    else:
        data["replier_type"] = message.replier_type
        data["iam_user_type"] = 0  # 0 the root account (the sandbox has no IAM sub-users)
    return data


def _satisfaction_names(items: list[dict], language: str) -> list[dict]:
    names = {sid: name for sid, name, _desc in fixtures.SATISFACTION_DIMENSIONS}
    return [
        {
            **item,
            "satisfaction_name": text(names[item["satisfaction_id"]], language),
            "value": fixtures.SATISFACTION_MAX,
            "per_value": 1,
            "sat_category_id": fixtures.SATISFACTION_CATEGORY_ID,
            "sat_category_name": text(fixtures.SATISFACTION_CATEGORY_NAME, language),
        }
        for item in items
        if item.get("satisfaction_id") in names
    ]


def ticket_detail(ticket: Ticket, language: str) -> dict:
    severity = fixtures.SEVERITIES.get(ticket.severity_id)
    names = _names(ticket, language)
    resolve_seconds = int((ticket.resolved_at - ticket.created_at).total_seconds()) if ticket.resolved_at else None
    messages = ticket.messages.prefetch_related("accessories")
    return {
        "incident_id": ticket.incident_id,
        "status": ticket.status,
        "judgement": ticket.judgement,
        **_xcustomer(services.owner_of(ticket)),
        "customer_id": ticket.owner_domain_id,
        "business_type_name": names["business_type_name"],
        "incident_type_name": names["incident_type_name"],
        "dc_name": names["dc_name"],
        "simple_description": ticket.simple_description,
        "source_name": text(fixtures.SOURCE_NAME, language),
        "create_time": _ts(ticket.created_at),
        "message_list": [message_dict(message, with_id=True) for message in messages],
        "incident_satisfaction": _satisfaction_names(ticket.satisfaction, language),
        "severity_name": text(severity, language) if severity else "",
        "business_ownership": 0,  # 0 HUAWEI CLOUD handles it (1 partner, 2 ISV)
        "resolve_time": resolve_seconds,
        "ext_info": {
            "area_code": ticket.area_code,
            "remind_mobile": ticket.remind_mobile,
            "remind_mail": ticket.remind_mail,
            "contact_type": "1" if ticket.remind_mail else ("0" if ticket.remind_mobile else ""),
            "remind_time": ticket.remind_time,
            "cc_email": "",
            "commodity_id": "",
        },
    }


def _create_fields(data: dict) -> tuple[dict, list[str]]:
    sub_type_id = _string(data, "incident_sub_type_id", required=True, max_length=64)
    category_id = _string(data, "product_category_id", required=True, max_length=64)
    business_type_id = _string(data, "business_type_id", required=True, max_length=64)
    description = _string(data, "simple_description", required=True, max_length=DESCRIPTION_MAX)
    if not description.strip():
        raise invalid("simple_description is required")
    source_id = _string(data, "source_id", required=True, max_length=64)
    if source_id != fixtures.SOURCE_ID:
        raise invalid(f"source_id must be {fixtures.SOURCE_ID} for tickets created through the API")

    found = fixtures.PRODUCT_CATEGORIES.get(category_id)
    if found is None:
        raise invalid(f"product_category_id {category_id!r} does not exist")
    sub_type, category = found
    if sub_type.id != sub_type_id:
        raise invalid(f"product_category_id {category_id} is not in incident_sub_type_id {sub_type_id!r}")
    problem = next((p for p in category.problem_types if p.id == business_type_id), None)
    if problem is None:
        raise invalid(f"business_type_id {business_type_id!r} is not a problem type of product category {category_id}")

    region_id = _string(data, "region_id", max_length=64)
    if problem.needs_region and not region_id:
        raise invalid(f"region_id is required for the fault problem type {business_type_id} (case_type 5)")
    if region_id and region_id not in fixtures.REGION_NAMES:
        raise invalid(f"region_id {region_id!r} is not a region of the international site")

    severity_id = _string(data, "severity_id", max_length=16)
    if severity_id and severity_id not in problem.severity_ids:
        raise ApiError(
            400,
            services.CODE_SEVERITY_UNKNOWN,
            f"Severity Id not exists: {severity_id!r} for problem type {business_type_id} "
            f"(valid: {', '.join(problem.severity_ids) or 'none'}).",
        )
    if not severity_id and problem.severity_ids:
        severity_id = problem.severity_ids[-2] if problem.needs_region else problem.severity_ids[-1]

    remind_mail = _string(data, "remind_mail", max_length=254)
    if remind_mail and not EMAIL.match(remind_mail):
        raise invalid("remind_mail must be an email address")
    remind_mobile = _string(data, "remind_mobile", max_length=32)
    if remind_mobile and not remind_mobile.isdigit():
        raise invalid("remind_mobile must consist of digits (the country code goes into area_code)")
    area_code = _string(data, "area_code", max_length=8).removeprefix("+").removeprefix("00")
    if area_code and area_code not in fixtures.AREA_CODE_VALUES:
        raise invalid(f"area_code {area_code!r} is not in list_area_codes")
    remind_time = _string(data, "remind_time", max_length=16)
    if remind_time and not REMIND_TIME.match(remind_time):
        raise invalid("remind_time must be 0 (any time) or a range like 09:00-18:00")
    for name in ("extends_map", "extension_map"):
        if data.get(name) is not None and not isinstance(data[name], dict):
            raise invalid(f"{name} must be an object")
    fields = {
        "incident_sub_type_id": sub_type_id,
        "product_category_id": category_id,
        "business_type_id": business_type_id,
        "severity_id": severity_id,
        "region_id": region_id,
        "project_id": _string(data, "project_id", max_length=64),
        "simple_description": description,
        "source_id": source_id,
        "remind_mobile": remind_mobile,
        "remind_mail": remind_mail,
        "remind_time": remind_time,
        "area_code": area_code,
        "extends_map": {**(data.get("extension_map") or {}), **(data.get("extends_map") or {})},
    }
    return fields, _string_list(data, "accessory_ids")


@osm("create_cases", method="POST", path="/v2/servicerequest/cases")
def create_cases(call: Call) -> dict:
    owner, _language = _context(call)
    data = _body(call)
    if not data:
        raise invalid("the request body is missing")
    fields, accessory_ids = _create_fields(data)
    ticket = services.ticket_create(owner=owner, fields=fields, accessory_ids=accessory_ids)
    return {"incident_id": ticket.incident_id}


@osm("list_case_counts", method="GET", path="/v2/servicerequest/cases/count")
def list_case_counts(call: Call) -> dict:
    owner, _language = _context(call)
    status = _query_int(call, "status")
    if status is not None and status not in LIST_STATUSES:
        raise invalid(f"status must be one of {', '.join(map(str, sorted(LIST_STATUSES)))}")
    rows = owner.tickets()
    if status is not None:
        rows = rows.filter(status=status)
    counts = rows.values("status").annotate(count=Count("id")).order_by("status")
    return {"incident_status_counts": [{"status": row["status"], "count": row["count"]} for row in counts]}


@osm("list_cases", method="GET", path="/v2/servicerequest/cases")
def list_cases(call: Call) -> dict:
    owner, language = _context(call)
    offset, limit = _page(call)
    rows = owner.tickets().select_related("partner", "customer")
    status = _query_int(call, "status")
    if status is not None:
        if status not in LIST_STATUSES:
            raise invalid(f"status must be one of {', '.join(map(str, sorted(LIST_STATUSES)))}")
        rows = rows.filter(status=status)
    incident_status = _query(call, "incident_status")
    if incident_status:
        try:
            statuses = {int(part) for part in incident_status.split(",") if part.strip()}
        except ValueError:
            raise invalid("incident_status must be statuses separated by commas, like 0,1") from None
        rows = rows.filter(status__in=statuses)
    incident_id = _query(call, "incident_id")
    if incident_id:
        rows = rows.filter(incident_id=incident_id)
    # Every search key must match the ticket id or its description (case-insensitive).
    for key in [value for value in call.query.get("search_key", []) if value]:
        if len(key) > 256:
            raise invalid("a search_key has at most 256 characters")
        rows = rows.filter(Q(incident_id__icontains=key) | Q(simple_description__icontains=key))
    label_ids = [value for value in call.query.get("label_id_list", []) if value]
    if len(label_ids) > 5:
        raise invalid("label_id_list holds at most 5 labels")
    if label_ids:
        wanted = set()
        for value in label_ids:
            if not value.isdigit():
                raise invalid("label_id_list holds label ids (integers)")
            wanted.add(int(value))
        rows = rows.filter(pk__in=[t.pk for t in rows if wanted & set(t.label_ids)])
    start, end = _query(call, "query_start_time"), _query(call, "query_end_time")
    start_at = _parse_time("query_start_time", start) if start else None
    end_at = _parse_time("query_end_time", end) if end else None
    if start_at and end_at and start_at > end_at:
        raise invalid("query_start_time must not be after query_end_time")
    if start_at:
        rows = rows.filter(created_at__gte=start_at)
    if end_at:
        rows = rows.filter(created_at__lte=end_at)
    # All of an account's tickets are created by one user here (its root account or API user).
    creator = _xcustomer(owner)
    for name, key in (("x_customer_id", "xcustomer_id"), ("x_customer_name", "xcustomer_name")):
        value = _query(call, name)
        if value and value != creator[key]:
            rows = rows.none()
    total = rows.count()
    page = list(rows[offset : offset + limit]) if limit else []
    return {"total_count": total, "incident_info_list": [ticket_summary(ticket, language) for ticket in page]}


@osm("show_case_status", method="GET", path="/v2/servicerequest/cases/{case_id}/status")
def show_case_status(call: Call) -> dict:
    owner, _language = _context(call)
    return {"status": owner.ticket(call.path_params["case_id"]).status}


@osm("list_messages", method="GET", path="/v2/servicerequest/cases/{case_id}/messages")
def list_messages(call: Call) -> dict:
    owner, _language = _context(call)
    offset, limit = _page(call)
    ticket = owner.ticket(call.path_params["case_id"])
    messages = ticket.messages.prefetch_related("accessories")
    total = messages.count()
    page = list(messages[offset : offset + limit]) if limit else []
    return {"count": total, "message_list": [message_dict(message, with_id=False) for message in page]}


@osm("create_messages", method="POST", path="/v2/servicerequest/cases/{case_id}/message")
def create_messages(call: Call) -> dict:
    owner, _language = _context(call)
    ticket = owner.ticket(call.path_params["case_id"])
    data = _body(call)
    message = data.get("message")
    if not isinstance(message, dict):
        raise invalid("message is required (an object with content and accessory_ids)")
    content = _string(message, "content", required=True, max_length=MESSAGE_MAX)
    if not content.strip():
        raise invalid("message.content is required")
    services.message_add(
        owner=owner, ticket=ticket, content=content, accessory_ids=_string_list(message, "accessory_ids")
    )
    return {}


def _satisfaction_list(data: dict) -> list[dict]:
    value = data.get("incident_satisfaction_list")
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid("incident_satisfaction_list must be a list")
    known = {sid for sid, _name, _desc in fixtures.SATISFACTION_DIMENSIONS}
    items = []
    for item in value:
        if not isinstance(item, dict):
            raise invalid("incident_satisfaction_list holds objects")
        satisfaction_id = item.get("satisfaction_id")
        score = item.get("satisfaction_value")
        if satisfaction_id not in known:
            raise invalid(f"satisfaction_id must be one of {sorted(known)} (list_satisfaction_dimensions)")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= fixtures.SATISFACTION_MAX:
            raise invalid(f"satisfaction_value must be an integer from 1 to {fixtures.SATISFACTION_MAX}")
        items.append({"satisfaction_id": satisfaction_id, "satisfaction_value": score})
    return items


@osm("update_cases", method="POST", path="/v2/servicerequest/cases/{case_id}/action")
def update_cases(call: Call) -> dict:
    owner, _language = _context(call)
    action = _query(call, "action_id")
    if action not in services.ACTIONS:
        raise invalid(f"action_id must be one of {', '.join(services.ACTIONS)}, not {action!r}")
    ticket = owner.ticket(call.path_params["case_id"])
    data = _body(call)
    services.ticket_act(
        ticket=ticket,
        action=action,
        operate_desc=_string(data, "operate_desc", max_length=2000),
        judgement=_string(data, "judgement", max_length=2000),
        satisfaction=_satisfaction_list(data),
    )
    return {}


@osm("list_case_labels", method="GET", path="/v2/servicerequest/cases/{case_id}/labels")
def list_case_labels(call: Call) -> dict:
    owner, language = _context(call)
    ticket = owner.ticket(call.path_params["case_id"])
    labels = {label_id: (name, color) for label_id, name, color in fixtures.LABELS}
    return {
        "case_label_list": [
            _label_dict(label_id, *labels[label_id], language) for label_id in ticket.label_ids if label_id in labels
        ]
    }


def _label_ids(call: Call) -> list[int]:
    values = [value for value in call.query.get("label_ids", []) if value]
    if not values:
        raise invalid("label_ids is required")
    if not all(value.isdigit() and int(value) in fixtures.LABEL_IDS for value in values):
        raise invalid(f"label_ids must be labels of list_labels ({', '.join(map(str, sorted(fixtures.LABEL_IDS)))})")
    return [int(value) for value in values]


@osm("create_case_labels", method="POST", path="/v2/servicerequest/cases/{case_id}/labels")
def create_case_labels(call: Call) -> dict:
    owner, _language = _context(call)
    ticket = owner.ticket(call.path_params["case_id"])
    services.ticket_labels_change(ticket=ticket, add=_label_ids(call))
    return {}


@osm("delete_case_labels", method="DELETE", path="/v2/servicerequest/cases/{case_id}/labels")
def delete_case_labels(call: Call) -> dict:
    owner, _language = _context(call)
    ticket = owner.ticket(call.path_params["case_id"])
    services.ticket_labels_change(ticket=ticket, remove=_label_ids(call))
    return {}


@osm("create_scores", method="POST", path="/v2/servicerequest/cases/{case_id}/score")
def create_scores(call: Call) -> dict:
    owner, _language = _context(call)
    ticket = owner.ticket(call.path_params["case_id"])
    data = _body(call)
    services.ticket_rate(
        ticket=ticket,
        judgement=_string(data, "judgement", max_length=2000),
        satisfaction=_satisfaction_list(data),
    )
    return {}


@osm("list_case_operate_logs", method="GET", path="/v2/servicerequest/cases/{case_id}/operate-logs")
def list_case_operate_logs(call: Call) -> dict:
    owner, _language = _context(call)
    offset, limit = _page(call)
    ticket = owner.ticket(call.path_params["case_id"])
    logs = ticket.operation_logs.all()
    total = logs.count()
    page = list(logs[offset : offset + limit]) if limit else []
    return {
        "total_count": total,
        "incident_operate_log_list": [
            {
                "incident_log_id": str(log.pk),
                "incident_id": ticket.incident_id,
                "operate_type": log.operate_type,
                "operator_type": log.operator_type,
                "operator_id": log.operator_id,
                "operator_name": log.operator_name,
                "operate_desc": log.operate_desc,
                "operate_time": _ts(log.created_at),
                "timestamp_operate_time": _ts(log.created_at),
            }
            for log in page
        ],
    }


@osm("show_case_detail", method="GET", path="/v2/servicerequest/cases/{case_id}")
def show_case_detail(call: Call) -> dict:
    owner, language = _context(call)
    return {"incident_detail_info": ticket_detail(owner.ticket(call.path_params["case_id"]), language)}
