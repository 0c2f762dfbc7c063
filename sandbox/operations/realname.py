"""Real-name authentication (reference 4): three applications and the review result, all P.

Whether an application is approved at once (`is_review` 0) or waits for a person (`is_review` 1, then
`/_sandbox/realname/<customer_id>/decision`) is the sandbox's `realname_review` setting (default
manual); a name containing "auto-approve" is approved at once either way. See `services.realname_submit`.
"""

from __future__ import annotations

import re

from sandbox import services
from sandbox import validation as v
from sandbox.errors import ApiError, invalid_parameter
from sandbox.models import Customer, RealnameApplication
from sandbox.registry import Call, operation

# verified_type of an individual certificate -> number of files, in order (4.1).
INDIVIDUAL_FILES = {3: 2, 5: 3, 6: 3, 9: 3, 10: 3}
ENTERPRISE_CERTIFICATE_TYPES = {0, 1, 2, 3, 4, 99}
# A relative OBS object key of a jpg/jpeg/bmp/png/gif/pdf (the part after /download/).
FILE_KEY = re.compile(r"^[A-Za-z0-9_\-][A-Za-z0-9_\-./]{0,1023}$")
FILE_EXTENSIONS = (".jpg", ".jpeg", ".bmp", ".png", ".gif", ".pdf")
VERIFIED_NUMBER = re.compile(r"^[A-Za-z0-9()\-]{4,64}$")
CODE_FILE_FORMAT = "CBC.99000100"  # Huawei: attachment file format incorrect


def _own_customer(call: Call, customer_id: str) -> Customer:
    customer = Customer.objects.filter(partner=call.partner, customer_id=customer_id, association_type="3").first()
    if customer is None:
        raise ApiError(400, "CBC.99000035", f"The customer {customer_id} is not a sub-customer of this partner.")
    return customer


def _xaccount_type(call: Call, data: dict) -> None:
    value = v.string(data, "xaccount_type", required=True, max_length=64)
    if value != call.partner.xaccount_type:
        raise invalid_parameter(f"xaccount_type {value!r} is not the platform identifier assigned to this partner")


def _name(data: dict, field: str) -> str:
    """A person's or company's name: not only digits, special characters or spaces."""
    value = v.string(data, field, required=True, max_length=200)
    if not any(c.isalpha() for c in value):
        raise invalid_parameter(f"{field} must not consist only of digits, special characters or spaces")
    return value.strip()


def _verified_number(data: dict) -> str:
    value = v.string(data, "verified_number", required=True, max_length=64)
    if not VERIFIED_NUMBER.match(value):
        raise invalid_parameter("verified_number must have 4 to 64 letters, digits, '-' or brackets")
    return value


def _file_keys(data: dict, *, counts: set[int], why: str) -> list[str]:
    keys = data.get("verified_file_url")
    if not isinstance(keys, list) or not keys:
        raise invalid_parameter("verified_file_url is required: a list of OBS object keys")
    if not all(isinstance(key, str) and key for key in keys):
        raise invalid_parameter("verified_file_url must hold object keys (strings)")
    if len(keys) not in counts:
        wanted = " or ".join(str(n) for n in sorted(counts))
        raise invalid_parameter(f"verified_file_url needs {wanted} files {why}, not {len(keys)}")
    for key in keys:
        if "://" in key or key.startswith("/") or ".." in key.split("/") or not FILE_KEY.match(key):
            raise invalid_parameter(
                f"verified_file_url: {key[:80]!r} is not a relative object key (the part after /download/)"
            )
        if not key.lower().endswith(FILE_EXTENSIONS):
            raise ApiError(400, CODE_FILE_FORMAT, f"The file {key[:80]} is not a jpg, jpeg, bmp, png, gif or pdf file.")
    return keys


def _enterprise_fields(data: dict) -> dict:
    identify_type = v.integer(data, "identify_type", required=True)
    if identify_type != 1:
        raise invalid_parameter("identify_type must be 1 (enterprise certificate)")
    certificate_type = v.integer(data, "certificate_type", required=True)
    if certificate_type not in ENTERPRISE_CERTIFICATE_TYPES:
        raise invalid_parameter("certificate_type must be one of 0, 1, 2, 3, 4, 99")
    person = data.get("enterprise_person")
    if person is not None:
        if not isinstance(person, dict):
            raise invalid_parameter("enterprise_person must be an object")
        v.string(person, "legel_name", required=True, max_length=200)
        v.string(person, "legel_id_number", required=True, max_length=64)
        v.string(person, "certifier_role", required=True, choices=["legalPerson"])
        person = {k: person[k] for k in ("legel_name", "legel_id_number", "certifier_role")}
    # The certificate (front, or front and back), then the person's ID portrait and emblem sides.
    counts = {3, 4} if person else {1, 2}
    why = (
        "(certificate front[, back], person's ID portrait side, emblem side)"
        if person
        else "(certificate front[, back])"
    )
    keys = _file_keys(data, counts=counts, why=why)
    reg_country = v.string(data, "reg_country", required=True)
    if not v.COUNTRY.match(reg_country):
        raise invalid_parameter("reg_country must be an ISO 3166 alpha-2 country code such as SG")
    return {
        "identify_type": identify_type,
        "certificate_type": certificate_type,
        "name": _name(data, "corp_name"),
        "verified_number": _verified_number(data),
        "file_keys": keys,
        "reg_country": reg_country,
        "reg_address": v.string(data, "reg_address", max_length=512) or "",
        "enterprise_person": person,
    }


@operation(
    "create_personal_realname_auth", method="POST", path="/v2/customers/realname-auths/individual", rate_limit=10
)
def create_personal_realname_auth(call: Call) -> dict:
    data = v.body_object(call.body)
    customer_id = v.string(data, "customer_id", required=True, max_length=64)
    identify_type = v.integer(data, "identify_type", required=True)
    if identify_type == 4:
        raise invalid_parameter("identify_type 4 (bank card) is not supported on the international site")
    if identify_type != 0:
        raise invalid_parameter("identify_type must be 0 (individual certificate)")
    verified_type = v.integer(data, "verified_type", required=True)
    if verified_type not in INDIVIDUAL_FILES:
        raise invalid_parameter("verified_type must be 3 (passport), 5, 6, 9 or 10")
    keys = _file_keys(data, counts={INDIVIDUAL_FILES[verified_type]}, why=f"for verified_type {verified_type}")
    name = _name(data, "name")
    verified_number = _verified_number(data)
    change_type = v.integer(data, "change_type")
    if change_type not in (None, -1):
        raise invalid_parameter("change_type must be -1 (first authentication)")
    _xaccount_type(call, data)
    customer = _own_customer(call, customer_id)
    application = services.realname_submit(
        customer=customer,
        kind=RealnameApplication.Kind.INDIVIDUAL,
        identify_type=identify_type,
        verified_type=verified_type,
        name=name,
        verified_number=verified_number,
        file_keys=keys,
    )
    return {"is_review": application.is_review}


@operation(
    "create_enterprise_realname_authentication",
    method="POST",
    path="/v2/customers/realname-auths/enterprise",
    rate_limit=10,
)
def create_enterprise_realname_authentication(call: Call) -> dict:
    data = v.body_object(call.body)
    customer_id = v.string(data, "customer_id", required=True, max_length=64)
    fields = _enterprise_fields(data)
    _xaccount_type(call, data)
    customer = _own_customer(call, customer_id)
    application = services.realname_submit(customer=customer, kind=RealnameApplication.Kind.ENTERPRISE, **fields)
    return {"is_review": application.is_review}


@operation(
    "change_enterprise_realname_authentication",
    method="PUT",
    path="/v2/customers/realname-auths/enterprise",
    rate_limit=10,
)
def change_enterprise_realname_authentication(call: Call) -> dict:
    data = v.body_object(call.body)
    customer_id = v.string(data, "customer_id", required=True, max_length=64)
    change_type = v.integer(data, "change_type", required=True)
    if change_type != 1:
        raise invalid_parameter("change_type must be 1 (individual to enterprise)")
    fields = _enterprise_fields(data)
    _xaccount_type(call, data)
    customer = _own_customer(call, customer_id)
    application = services.realname_submit(customer=customer, kind=RealnameApplication.Kind.CHANGE, **fields)
    return {"is_review": application.is_review}


@operation(
    "show_realname_authentication_review_result",
    method="GET",
    path="/v2/customers/realname-auths/result",
    rate_limit=10,
)
def show_realname_authentication_review_result(call: Call) -> dict:
    query = {name: values[-1] for name, values in call.query.items()}
    customer_id = v.string(query, "customer_id", required=True, max_length=64)
    customer = _own_customer(call, customer_id)
    latest = customer.realname_applications.order_by("-submitted_at", "-id").first()
    if latest is None:
        return {}  # nothing submitted: no review_result
    answer = {"review_result": latest.status}
    if latest.status == RealnameApplication.Status.REJECTED:
        answer["opinion"] = latest.opinion
    return answer
