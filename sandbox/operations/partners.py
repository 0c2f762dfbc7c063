"""Partner extras (reference 2, 5.2, 5.5): freeze/unfreeze customers, coupons, account balances,
indirect partners."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox import services
from sandbox import validation as v
from sandbox.auth import customer_of
from sandbox.errors import ApiError, invalid_parameter
from sandbox.models import Coupon, Customer
from sandbox.registry import Call, operation

CODE_NOT_YOUR_CUSTOMER = "CBC.99000035"  # Huawei: not the partner's sub-customer
CODE_ALREADY_FROZEN = "CBC.99000041"  # sandbox choice: freezing a frozen account
CODE_NOT_FROZEN = "CBC.99000042"  # sandbox choice: unfreezing an account that is not frozen
FREEZE_TYPES = ["ACCOUNT", "ACCOUNT_AND_RESOURCE"]


def _no_indirect_partner(value) -> None:
    if value:
        raise ApiError(400, "CBC.99000037", "You have no permission on the reseller given in indirect_partner_id.")


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime(v.UTC_FORMAT)


def _freeze_request(call: Call, type_field: str) -> tuple[list[str], dict[str, Customer]]:
    data = v.body_object(call.body)
    customer_ids = data.get("customer_ids")
    if not isinstance(customer_ids, list) or not customer_ids:
        raise invalid_parameter("customer_ids is required: a list of 1 to 100 customer ids")
    if len(customer_ids) > 100 or not all(isinstance(i, str) and 0 < len(i) <= 64 for i in customer_ids):
        raise invalid_parameter("customer_ids holds 1 to 100 customer ids of at most 64 characters")
    v.string(data, "reason", required=True, max_length=512)
    v.string(data, type_field, choices=FREEZE_TYPES)
    _no_indirect_partner(v.string(data, "indirect_partner_id"))
    own = Customer.objects.filter(partner=call.partner, association_type="3", customer_id__in=customer_ids)
    return list(dict.fromkeys(customer_ids)), {c.customer_id: c for c in own}


def _answer(error_details: list[dict]) -> dict:
    # Huawei answers error_details only when some ids failed.
    return {"error_details": error_details} if error_details else {}


@operation("freeze_sub_customers", method="POST", path="/v2/partners/sub-customers/freeze", rate_limit=10)
def freeze_sub_customers(call: Call) -> dict:
    customer_ids, own = _freeze_request(call, "freeze_type")
    errors = []
    for customer_id in customer_ids:
        customer = own.get(customer_id)
        if customer is None:
            errors.append(
                {
                    "id": customer_id,
                    "error_code": CODE_NOT_YOUR_CUSTOMER,
                    "error_msg": "Not a sub-customer of this partner.",
                }
            )
        elif not services.customer_freeze(customer=customer):
            errors.append(
                {"id": customer_id, "error_code": CODE_ALREADY_FROZEN, "error_msg": "The account is already frozen."}
            )
    return _answer(errors)


@operation("unfreeze_sub_customers", method="POST", path="/v2/partners/sub-customers/unfreeze", rate_limit=10)
def unfreeze_sub_customers(call: Call) -> dict:
    customer_ids, own = _freeze_request(call, "unfreeze_type")
    errors = []
    for customer_id in customer_ids:
        customer = own.get(customer_id)
        if customer is None:
            errors.append(
                {
                    "id": customer_id,
                    "error_code": CODE_NOT_YOUR_CUSTOMER,
                    "error_msg": "Not a sub-customer of this partner.",
                }
            )
        elif not services.customer_unfreeze(customer=customer):
            errors.append({"id": customer_id, "error_code": CODE_NOT_FROZEN, "error_msg": "The account is not frozen."})
    return _answer(errors)


def coupon_info(coupon: Coupon) -> dict:
    """One `user_coupons[]` entry (IQueryUserCouponsResultV2)."""
    return {
        "coupon_id": coupon.coupon_id,
        "coupon_code": coupon.coupon_code,
        "status": coupon.status,
        "customer_id": coupon.customer.customer_id if coupon.customer else coupon.partner.domain_id,
        "coupon_type": coupon.coupon_type,
        "measure_id": 1,
        "face_value": float(coupon.face_value),
        "balance": float(coupon.balance),
        "valid_time": _utc(coupon.valid_time),
        "expire_time": _utc(coupon.expire_time),
        "active_time": _utc(coupon.valid_time),
        "create_time": _utc(coupon.created_at),
        "order_id": coupon.order_id,
        "promotion_plan_id": coupon.promotion_plan_id,
        "plan_name": coupon.plan_name,
        "plan_desc": coupon.plan_desc,
        "media_type": 1,
        "fetch_method": 3,
        "use_limits": coupon.use_limits,
        "coupon_version": 2,
        "currency": "USD",
        "is_frozen": "0",
        "source_id": coupon.source_id,
    }


@operation(
    "list_sub_customer_coupons", method="GET", path="/v2/promotions/benefits/coupons", rate_limit=10, callers="P|C"
)
def list_sub_customer_coupons(call: Call) -> dict:
    """Each caller sees its own coupons: a customer (token) its own, the partner the partner's."""
    query = {name: values[-1] for name, values in call.query.items()}
    coupon_type = v.query_integer(query, "coupon_type", minimum=1, maximum=4)
    status = v.query_integer(query, "status", minimum=1, maximum=5)
    offset = v.query_integer(query, "offset", minimum=0) or 0
    limit = v.query_integer(query, "limit", minimum=1, maximum=100) or 10
    begin = v.utc_time(query, "active_start_time")
    end = v.utc_time(query, "active_end_time")
    coupons = Coupon.objects.select_related("customer", "partner").filter(partner=call.partner)
    if call.principal.customer is not None:
        coupons = coupons.filter(customer=call.principal.customer)
    else:
        coupons = coupons.filter(customer__isnull=True)
    for field in ("coupon_id", "order_id", "promotion_plan_id", "source_id"):
        if value := v.string(query, field, max_length=64):
            coupons = coupons.filter(**{field: value})
    if coupon_type is not None:
        coupons = coupons.filter(coupon_type=coupon_type)
    if status is not None:
        coupons = coupons.filter(status=status)
    if begin:
        coupons = coupons.filter(valid_time__gte=begin)
    if end:
        coupons = coupons.filter(valid_time__lte=end)
    return {"count": coupons.count(), "user_coupons": [coupon_info(c) for c in coupons[offset : offset + limit]]}


@operation(
    "show_customer_account_balances",
    method="GET",
    path="/v2/accounts/customer-accounts/balances",
    rate_limit=10,
    callers="C",
)
def show_customer_account_balances(call: Call) -> dict:
    """The customer's cash account (type 1) and, as its credit account (type 2), what is left of the
    budget its partner set: total `credit_amount` = the budget (sandbox model of a reseller customer)."""
    customer = customer_of(call)
    customer.refresh_from_db(fields=["cash_balance", "budget_amount", "used_amount"])
    left = max(customer.budget_amount - customer.used_amount, 0)
    return {
        "account_balances": [
            {
                "account_id": f"{customer.customer_id[:24]}CASH0001",
                "account_type": 1,
                "amount": float(customer.cash_balance),
                "currency": "USD",
                "designated_amount": 0.0,
                "measure_id": 1,
            },
            {
                "account_id": f"{customer.customer_id[:24]}CRED0002",
                "account_type": 2,
                "amount": float(left),
                "currency": "USD",
                "designated_amount": 0.0,
                "credit_amount": float(customer.budget_amount),
                "measure_id": 1,
            },
        ],
        "debt_amount": 0.0,
        "measure_id": 1,
        "currency": "USD",
    }


@operation("list_indirect_partners", method="POST", path="/v2/partners/indirect-partners/query", rate_limit=10)
def list_indirect_partners(call: Call) -> dict:
    """The demo partner is a plain reseller, not a distributor: it has no tier-2 resellers."""
    data = v.body_object(call.body, required=False)
    v.string(data, "account_name", max_length=64)
    v.utc_time(data, "associated_on_begin")
    v.utc_time(data, "associated_on_end")
    v.string(data, "indirect_partner_id", max_length=64)
    v.integer(data, "offset", minimum=0)
    v.integer(data, "limit", minimum=1, maximum=100)
    return {"count": 0, "indirect_partners": []}
