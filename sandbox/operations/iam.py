"""IAM (reference 9.3): tokens, a customer's token through assume_role, projects, temporary AK/SK.

Served by the same sandbox (the platform's `HUAWEICLOUD_IAM_ENDPOINT` points here). IAM does not sit
behind APIG's AK/SK signature: these handlers authenticate the caller themselves (password in the
body, or `X-Auth-Token`), and their errors have IAM's Keystone shape
`{"error": {"code": 401, "message": ..., "title": "Unauthorized"}}` (sandbox.errors.IamError).

Who may assume whose role: the partner's token may take the role `agency_name` = the partner's
`xaccount_type` in the account `domain_name` of one of its own reseller-associated customers; any
other account, agency or caller -> 403.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.http import HttpRequest, JsonResponse

from sandbox import services
from sandbox.auth import principal_for_token, request_headers, token_row
from sandbox.errors import IamError
from sandbox.models import Customer, IamToken, Partner
from sandbox.registry import Call, operation

# Regions (= project names) an account has a project in.
REGIONS = (
    "ap-southeast-1",  # CN-Hong Kong
    "ap-southeast-2",  # AP-Bangkok
    "ap-southeast-3",  # AP-Singapore
    "ap-southeast-4",  # AP-Jakarta
    "ap-southeast-5",  # AP-Manila
    "af-south-1",  # AF-Johannesburg
    "af-north-1",  # AF-Cairo
    "la-south-2",  # LA-Santiago
    "la-north-2",  # LA-Mexico City2
    "sa-brazil-1",  # LA-Sao Paulo1
    "me-east-1",  # ME-Riyadh
    "tr-west-1",  # TR-Istanbul
    "eu-west-101",  # EU-Dublin
)
IAM_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"
TEMPORARY_MIN_SECONDS = 900
TEMPORARY_MAX_SECONDS = 86400
WRONG_LOGIN = "The username or password is wrong."
NEEDS_AUTHENTICATION = "The request you have made requires authentication."


def _iam_time(value: datetime) -> str:
    return value.strftime(IAM_TIME)


def _methods(request: HttpRequest) -> list:
    try:
        body = json.loads(request.body or b"{}")
        methods = body["auth"]["identity"]["methods"]
    except (ValueError, KeyError, TypeError):
        return []
    return methods if isinstance(methods, list) else []


def _is_assume_role(request: HttpRequest) -> bool:
    return "assume_role" in _methods(request)


def _object(data, *path: str) -> dict:
    """`data[path[0]][path[1]]...` that must be a JSON object, else 400."""
    for name in path:
        data = data.get(name) if isinstance(data, dict) else None
        if not isinstance(data, dict):
            raise IamError(400, f"Invalid input for field '{'.'.join(path)}': an object is required.")
    return data


def _text(data: dict, name: str, *, where: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise IamError(400, f"Invalid input for field '{where}.{name}': a non-empty string is required.")
    return value


def _caller_token(call: Call) -> IamToken:
    """The valid token in X-Auth-Token (401 if there is none)."""
    token = request_headers(call.request).get("x-auth-token", "")
    if not token or principal_for_token(token) is None:
        raise IamError(401, NEEDS_AUTHENTICATION)
    return token_row(token)


# --- scopes and the token body -----------------------------------------------------------------


def _scope(data: dict, *, domain_id: str, domain_name: str) -> str:
    """The region of a project scope, or "" for a domain scope (also when no scope is given)."""
    scope = data.get("scope")
    if scope is None:
        return ""
    if not isinstance(scope, dict):
        raise IamError(400, "Invalid input for field 'auth.scope': an object is required.")
    if "project" in scope:
        project = _object(scope, "project")
        if project.get("name"):
            if project["name"] not in REGIONS:
                raise IamError(400, f"Project {project['name']} could not be found.")
            return project["name"]
        wanted = project.get("id")
        for region in REGIONS:
            if wanted == services.project_id_for(domain_id=domain_id, region=region):
                return region
        raise IamError(400, f"Project {wanted} could not be found.")
    if "domain" in scope:
        domain = _object(scope, "domain")
        if domain.get("name") not in (None, domain_name) or domain.get("id") not in (None, domain_id):
            raise IamError(401, "The scope domain is not the domain of the authenticated user.")
        return ""
    raise IamError(400, "Invalid input for field 'auth.scope': give a project or a domain.")


def _project(*, domain_id: str, domain_name: str, region: str) -> dict:
    return {
        "id": services.project_id_for(domain_id=domain_id, region=region),
        "name": region,
        "domain": {"id": domain_id, "name": domain_name},
    }


def _token_answer(value: str, row: IamToken, *, user: dict, extra: dict | None = None) -> JsonResponse:
    account_id, account_name = (
        (row.customer.customer_id, row.customer.domain_name)
        if row.customer is not None
        else (row.partner.domain_id, row.partner.domain_name)
    )
    token = {
        "expires_at": _iam_time(row.expires_at),
        "issued_at": _iam_time(row.issued_at),
        "methods": row.methods,
        "user": user,
        "roles": [{"id": "0", "name": "te_admin"}, {"id": "0", "name": "op_gated_sandbox"}],
        "catalog": [],
        **(extra or {}),
    }
    if row.project_name:
        token["project"] = _project(domain_id=account_id, domain_name=account_name, region=row.project_name)
    else:
        token["domain"] = {"id": account_id, "name": account_name}
    response = JsonResponse({"token": token}, status=201)
    response["X-Subject-Token"] = value
    return response


def _partner_user(partner: Partner) -> dict:
    return {
        "id": services.project_id_for(domain_id=partner.domain_id, region=f"user:{partner.iam_user}"),
        "name": partner.iam_user,
        "domain": {"id": partner.domain_id, "name": partner.domain_name},
        "password_expires_at": "",
    }


# --- the token of the partner's IAM user --------------------------------------------------------


def _password_token(call: Call) -> JsonResponse:
    body = call.body if isinstance(call.body, dict) else {}
    auth = _object(body, "auth")
    identity = _object(auth, "identity")
    if identity.get("methods") != ["password"]:
        raise IamError(400, "Invalid input for field 'auth.identity.methods': use password or assume_role.")
    user = _object(identity, "password", "user")
    name = _text(user, "name", where="auth.identity.password.user")
    password = _text(user, "password", where="auth.identity.password.user")
    domain = _object(user, "domain")
    partner = None
    if domain.get("name"):
        partner = Partner.objects.filter(domain_name=domain["name"]).first()
    elif domain.get("id"):
        partner = Partner.objects.filter(domain_id=domain["id"]).first()
    if partner is None or name != partner.iam_user or password != partner.iam_password:
        raise IamError(401, WRONG_LOGIN)
    region = _scope(auth, domain_id=partner.domain_id, domain_name=partner.domain_name)
    value, row = services.iam_token_issue(partner=partner, customer=None, methods=["password"], project_name=region)
    return _token_answer(value, row, user=_partner_user(partner))


# --- a customer's token or temporary keys: assume_role ------------------------------------------


def _assumed_customer(caller: IamToken, assume_role: dict) -> Customer:
    """The customer whose agency the partner's token may take, else 403."""
    if caller.customer is not None:
        raise IamError(403, "You are not authorized to perform the requested action: only the partner can assume_role.")
    domain_name = assume_role.get("domain_name")
    domain_id = assume_role.get("domain_id")
    if not (isinstance(domain_name, str) and domain_name) and not (isinstance(domain_id, str) and domain_id):
        raise IamError(400, "Invalid input for field 'assume_role': domain_name or domain_id is required.")
    agency_name = _text(assume_role, "agency_name", where="auth.identity.assume_role")
    customers = Customer.objects.select_related("partner")
    customer = (
        customers.filter(domain_name=domain_name).first()
        if domain_name
        else customers.filter(customer_id=domain_id).first()
    )
    if (
        customer is None
        or customer.partner_id != caller.partner_id
        or customer.association_type != "3"
        or agency_name != customer.xaccount_type
    ):
        raise IamError(
            403,
            f"You are not authorized to perform the requested action: no agency {agency_name} "
            f"in account {domain_name or domain_id} trusts this account.",
        )
    return customer


@operation(
    "keystone_create_agency_token",
    method="POST",
    path="/v3/auth/tokens",
    rate_limit=50,
    service="iam",
    when=_is_assume_role,
)
def keystone_create_agency_token(call: Call) -> JsonResponse:
    caller = _caller_token(call)
    body = call.body if isinstance(call.body, dict) else {}
    auth = _object(body, "auth")
    identity = _object(auth, "identity")
    if identity.get("methods") != ["assume_role"]:
        raise IamError(400, "Invalid input for field 'auth.identity.methods': use password or assume_role.")
    customer = _assumed_customer(caller, _object(identity, "assume_role"))
    region = _scope(auth, domain_id=customer.customer_id, domain_name=customer.domain_name)
    value, row = services.iam_token_issue(
        partner=customer.partner, customer=customer, methods=["assume_role"], project_name=region
    )
    user = {
        "id": services.project_id_for(domain_id=customer.customer_id, region=f"agency:{customer.xaccount_type}"),
        "name": f"{customer.domain_name}/{customer.xaccount_type}",
        "domain": {"id": customer.customer_id, "name": customer.domain_name},
    }
    assumed_by = {"assumed_by": {"user": _partner_user(customer.partner)}}
    return _token_answer(value, row, user=user, extra=assumed_by)


@operation(
    "keystone_create_user_token_by_password", method="POST", path="/v3/auth/tokens", rate_limit=50, service="iam"
)
def keystone_create_user_token_by_password(call: Call) -> JsonResponse:
    return _password_token(call)


@operation("keystone_list_auth_projects", method="GET", path="/v3/auth/projects", rate_limit=50, service="iam")
def keystone_list_auth_projects(call: Call) -> dict:
    caller = _caller_token(call)
    domain_id = caller.customer.customer_id if caller.customer is not None else caller.partner.domain_id
    base = call.request.build_absolute_uri("/v3/projects")
    projects = []
    for region in REGIONS:
        project_id = services.project_id_for(domain_id=domain_id, region=region)
        projects.append(
            {
                "id": project_id,
                "name": region,
                "domain_id": domain_id,
                "parent_id": domain_id,
                "description": "",
                "enabled": True,
                "is_domain": False,
                "links": {"self": f"{base}/{project_id}"},
            }
        )
    return {"projects": projects, "links": {"self": call.request.build_absolute_uri("/v3/auth/projects")}}


@operation(
    "create_temporary_access_key_by_agency",
    method="POST",
    path="/v3.0/OS-CREDENTIAL/securitytokens",
    rate_limit=50,
    service="iam",
)
def create_temporary_access_key(call: Call) -> tuple[int, dict]:
    """methods ["assume_role"]: a customer's temporary keys; ["token"]: keys of the token's own account."""
    caller = _caller_token(call)
    body = call.body if isinstance(call.body, dict) else {}
    identity = _object(body, "auth", "identity")
    methods = identity.get("methods")
    if methods == ["assume_role"]:
        details = _object(identity, "assume_role")
        customer = _assumed_customer(caller, details)
    elif methods == ["token"]:
        details = identity.get("token") if isinstance(identity.get("token"), dict) else {}
        customer = caller.customer
    else:
        raise IamError(400, "Invalid input for field 'auth.identity.methods': use assume_role or token.")
    duration = details.get("duration_seconds", TEMPORARY_MIN_SECONDS)
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int)
        or not TEMPORARY_MIN_SECONDS <= duration <= TEMPORARY_MAX_SECONDS
    ):
        raise IamError(400, "Invalid input for field 'duration_seconds': an integer from 900 to 86400 is required.")
    row, security_token = services.temporary_credentials_issue(
        partner=caller.partner, customer=customer, duration_seconds=duration
    )
    credential = {
        "access": row.access_key,
        "secret": row.secret_key,
        "securitytoken": security_token,
        "expires_at": _iam_time(row.expires_at),
    }
    return 201, {"credential": credential}
