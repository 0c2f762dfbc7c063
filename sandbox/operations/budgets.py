"""Customer budgets (reference 5.2): read, set, batch read, history. Spending: `services.budget_charge`."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from sandbox import services
from sandbox import validation as v
from sandbox.errors import ApiError, invalid_parameter
from sandbox.models import Customer
from sandbox.registry import Call, operation

BUDGET_MAX = Decimal("99999999999999.99")


def _own_customer(call: Call, customer_id: str) -> Customer:
    customer = Customer.objects.filter(partner=call.partner, customer_id=customer_id, association_type="3").first()
    if customer is None:
        raise ApiError(400, "CBC.99000035", f"The customer {customer_id} is not a sub-customer of this partner.")
    return customer


def _no_indirect_partner(value: str | None) -> None:
    if value:
        raise ApiError(400, "CBC.99000037", "You have no permission on the reseller given in indirect_partner_id.")


@operation("show_sub_customer_budget", method="GET", path="/v2/partners/sub-customers/budget", rate_limit=10)
def show_sub_customer_budget(call: Call) -> dict:
    query = {name: values[-1] for name, values in call.query.items()}
    customer_id = v.string(query, "customer_id", required=True, max_length=64)
    _no_indirect_partner(v.string(query, "indirect_partner_id"))
    customer = _own_customer(call, customer_id)
    return {
        # JSON numbers with two decimals; the SDK turns them into Decimal.
        "budget_amount": float(customer.budget_amount),
        "used_amount": float(customer.used_amount),
        "measure_id": 1,
        "currency": "USD",
        "budget_type": customer.budget_type,
    }


@operation("update_sub_customer_budget", method="POST", path="/v2/partners/sub-customers/budget", rate_limit=10)
def update_sub_customer_budget(call: Call) -> None:
    data = v.body_object(call.body)
    customer_id = v.string(data, "customer_id", required=True, max_length=64)
    amount = data.get("budget_amount")
    if amount is None:
        raise invalid_parameter("budget_amount is required")
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
        raise invalid_parameter("budget_amount must be a number")
    amount = Decimal(amount)
    if amount < 0 or amount > BUDGET_MAX or amount != amount.quantize(Decimal("0.01")):
        raise invalid_parameter("budget_amount must be between 0 and 99999999999999.99 with at most 2 decimals")
    budget_type = v.string(data, "budget_type", choices=["MONTHLY", "PACKAGE"]) or "MONTHLY"
    cancel_partner_frozen = v.string(data, "cancel_partner_frozen", choices=["0", "1"]) or "0"
    frozen_operate_type = v.integer(data, "frozen_operate_type", minimum=0, maximum=1)
    _no_indirect_partner(v.string(data, "indirect_partner_id"))
    customer = _own_customer(call, customer_id)
    services.budget_set(
        customer=customer,
        amount=amount,
        budget_type=budget_type,
        frozen_operate_type=frozen_operate_type,
        cancel_partner_frozen=cancel_partner_frozen == "1",
        operator=call.partner.iam_user,
    )
    return None


@operation("list_sub_customer_budget", method="POST", path="/v2/partners/sub-customers/budget/query", rate_limit=10)
def list_sub_customer_budget(call: Call) -> dict:
    data = v.body_object(call.body)
    customer_ids = data.get("customer_ids")
    if not isinstance(customer_ids, list) or not customer_ids:
        raise invalid_parameter("customer_ids is required: a list of 1 to 100 customer ids")
    if len(customer_ids) > 100 or not all(isinstance(i, str) and 0 < len(i) <= 64 for i in customer_ids):
        raise invalid_parameter("customer_ids holds 1 to 100 customer ids of at most 64 characters")
    _no_indirect_partner(v.string(data, "indirect_partner_id"))
    # Ids that are not this partner's reseller customers are left out silently (reference 5.2).
    found = {
        c.customer_id: c
        for c in Customer.objects.filter(partner=call.partner, association_type="3", customer_id__in=customer_ids)
    }
    infos = []
    for customer_id in dict.fromkeys(customer_ids):
        if customer := found.get(customer_id):
            infos.append(
                {
                    "customer_id": customer.customer_id,
                    "budget_amount": float(customer.budget_amount),
                    "used_amount": float(customer.used_amount),
                    "budget_type": customer.budget_type,
                }
            )
    return {"measure_id": 1, "currency": "USD", "budget_infos": infos}


@operation(
    "list_sub_customer_budget_records", method="GET", path="/v2/partners/sub-customers/budget/records", rate_limit=10
)
def list_sub_customer_budget_records(call: Call) -> dict:
    query = {name: values[-1] for name, values in call.query.items()}
    customer_id = v.string(query, "customer_id", required=True, max_length=64)
    operation_type = v.string(query, "operation_type", choices=["SETTING", "DELETE"])
    budget_type = v.string(query, "budget_type", choices=["MONTHLY", "PACKAGE"])
    offset = v.query_integer(query, "offset", minimum=0) or 0
    limit = v.query_integer(query, "limit", minimum=1, maximum=100) or 10
    _no_indirect_partner(v.string(query, "indirect_partner_id"))
    customer = _own_customer(call, customer_id)
    records = customer.budget_records.all()
    if operation_type:
        records = records.filter(operation_type=operation_type)
    if budget_type:
        records = records.filter(budget_type=budget_type)
    partner = call.partner
    return {
        "total_count": records.count(),
        "measure_id": 1,
        "currency": "USD",
        "record_list": [
            {
                "budget_amount": float(r.budget_amount),
                "operation_type": r.operation_type,
                "operation_time": r.operation_time.astimezone(UTC).strftime(v.UTC_FORMAT),
                "operator": r.operator,
                "budget_type": r.budget_type,
                "partner_corp_name": partner.corp_name,
                "partner_account_name": partner.domain_name,
            }
            for r in records[offset : offset + limit]
        ],
    }
