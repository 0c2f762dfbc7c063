"""Customer registration and customer queries (reference sections 3 and 5.1)."""

from __future__ import annotations

from django.db.models import Q

from sandbox import clock, services
from sandbox import validation as v
from sandbox.errors import ApiError, invalid_parameter
from sandbox.models import Customer
from sandbox.registry import Call, operation

# How many accounts may register with one mobile number (Huawei's number is not published).
MOBILE_ACCOUNT_LIMIT = 5
LIST_LIMIT_MAX = 100
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _no_indirect_partner(data: dict) -> None:
    if v.string(data, "indirect_partner_id"):
        # The demo partner is a plain reseller, not a distributor with tier-2 resellers.
        raise ApiError(400, "CBC.99000037", "You have no permission on the reseller given in indirect_partner_id.")


@operation("check_user_identity", method="POST", path="/v2/partners/sub-customers/users/check-identity", rate_limit=5)
def check_user_identity(call: Call) -> dict:
    data = v.body_object(call.body)
    search_type = v.string(data, "search_type", required=True, choices=["email", "mobile", "name"])
    value = v.string(data, "search_value", required=True, max_length=64)
    if search_type == "name":
        problem = v.account_name_problem(value)
        if problem:
            raise invalid_parameter(f"search_value: {problem}")
        taken = Customer.objects.filter(domain_name__iexact=value).exists()
        return {"check_result": "used_by_user" if taken else "available"}
    if search_type == "email":
        problem = v.email_problem(value)
        if problem:
            raise invalid_parameter(f"search_value: {problem}")
        taken = Customer.objects.filter(email__iexact=value).exists()
        return {"check_result": "used_by_user" if taken else "available"}
    problem = v.mobile_problem(value)
    if problem:
        raise invalid_parameter(f"search_value: {problem}")
    country_code, telephone = value.split("-", 1)
    used = Customer.objects.filter(country_code=country_code, telephone=telephone).count()
    remaining = max(0, MOBILE_ACCOUNT_LIMIT - used)
    return {"check_result": "available" if remaining else "used_by_user", "mobile_remain_available_num": remaining}


@operation("send_verification_message_code", method="POST", path="/v2/bases/verificationcode/send", rate_limit=10)
def send_verification_message_code(call: Call) -> None:
    data = v.body_object(call.body)
    receiver_type = v.integer(data, "receiver_type", required=True)
    if receiver_type != 2:
        raise invalid_parameter("receiver_type must be 2 (email verification code)")
    email = v.string(data, "email", required=True)
    problem = v.email_problem(email)
    if problem:
        raise invalid_parameter(f"email: {problem}")
    timeout = v.integer(data, "timeout", minimum=1)
    if timeout is None:
        timeout = 10
    elif timeout > 60:
        timeout = 5  # Huawei's documented rule: values above 60 are forced to 5 minutes
    lang = v.string(data, "lang", choices=["zh-cn", "en-us"]) or "en-us"
    services.verification_code_send(email=email, timeout_minutes=timeout, lang=lang)
    return None


@operation("create_sub_customer", method="POST", path="/v2/partners/sub-customers", rate_limit=10)
def create_sub_customer(call: Call) -> dict:
    data = v.body_object(call.body)
    domain_area = v.string(data, "domain_area", required=True)
    if not v.COUNTRY.match(domain_area):
        raise invalid_parameter("domain_area must be an ISO 3166 alpha-2 country code such as SG")
    xaccount_id = v.string(data, "xaccount_id", required=True, max_length=64)
    xaccount_type = v.string(data, "xaccount_type", required=True, max_length=64)
    if xaccount_type != call.partner.xaccount_type:
        raise invalid_parameter(
            f"xaccount_type {xaccount_type!r} is not the platform identifier assigned to this partner"
        )
    domain_name = v.string(data, "domain_name")
    if domain_name is not None:
        problem = v.account_name_problem(domain_name)
        if problem:
            raise invalid_parameter(f"domain_name: {problem}")
    email = v.string(data, "email")
    verification_code = v.string(data, "verification_code")
    if email is not None:
        problem = v.email_problem(email)
        if problem:
            raise invalid_parameter(f"email: {problem}")
        if verification_code is None:
            raise invalid_parameter("verification_code is required when email is given")
    password = v.string(data, "password")
    if password is not None:
        problem = v.password_problem(password, account_name=domain_name, email=email)
        if problem:
            raise invalid_parameter(problem)
    is_close_market_ms = v.string(data, "is_close_market_ms", choices=["true", "false"]) or "false"
    v.boolean(data, "include_association_result")
    _no_indirect_partner(data)

    customer = services.customer_create(
        partner=call.partner,
        xaccount_id=xaccount_id,
        xaccount_type=xaccount_type,
        domain_area=domain_area,
        domain_name=domain_name,
        email=email,
        verification_code=verification_code,
        has_password=password is not None,
        is_close_market_ms=is_close_market_ms == "true",
    )
    return {"domain_id": customer.customer_id, "domain_name": customer.domain_name}


def customer_info(customer: Customer) -> dict:
    """One `customer_infos[]` entry of list_sub_customers (CustomerInformation in the SDK)."""
    return {
        "customer_id": customer.customer_id,
        "account_name": customer.domain_name,
        "customer": customer.customer,
        "associated_on": customer.associated_on.strftime(UTC_FORMAT),
        "association_type": customer.association_type,
        "label": customer.label,
        "telephone": customer.telephone,
        "country_code": customer.country_code,
        "verified_status": customer.verified_status,
        "customer_type": customer.customer_type,
        "is_frozen": customer.is_frozen,
        "account_managers": [{"account_name": m.get("account_name", "")} for m in customer.account_managers],
        "xaccount_id": customer.xaccount_id,
        "xaccount_type": customer.xaccount_type,
        "customer_level": customer.customer_level,
        "email": customer.email,
    }


@operation("list_sub_customers", method="POST", path="/v2/partners/sub-customers/query", rate_limit=10)
def list_sub_customers(call: Call) -> dict:
    data = v.body_object(call.body, required=False)
    offset = v.integer(data, "offset", minimum=0, maximum=40_000_000) or 0
    limit = v.integer(data, "limit", minimum=1, maximum=LIST_LIMIT_MAX)
    limit = 10 if limit is None else limit
    _no_indirect_partner(data)

    customers = Customer.objects.filter(partner=call.partner, visible_after__lte=clock.now())
    if account_name := v.string(data, "account_name", max_length=64):
        customers = customers.filter(domain_name__icontains=account_name)
    if name := v.string(data, "customer", max_length=200):
        customers = customers.filter(customer__icontains=name)
    if label := v.string(data, "label", max_length=200):
        customers = customers.filter(label__icontains=label)
    if association_type := v.string(data, "association_type", choices=["1", "3"]):
        customers = customers.filter(association_type=association_type)
    if begin := v.utc_time(data, "associated_on_begin"):
        customers = customers.filter(associated_on__gte=begin)
    if end := v.utc_time(data, "associated_on_end"):
        customers = customers.filter(associated_on__lte=end)
    if customer_id := v.string(data, "customer_id", max_length=64):
        customers = customers.filter(Q(customer_id=customer_id))
    customers = customers.order_by("-associated_on", "id")
    return {
        "count": customers.count(),
        "customer_infos": [customer_info(c) for c in customers[offset : offset + limit]],
    }
