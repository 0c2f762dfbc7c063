"""Customer budgets (reference 5.2)."""

from __future__ import annotations

from decimal import Decimal

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

    customer.budget_amount = amount
    customer.budget_type = budget_type
    fields = ["budget_amount", "budget_type"]
    if frozen_operate_type is not None:
        customer.frozen_operate_type = frozen_operate_type
        fields.append("frozen_operate_type")
    if cancel_partner_frozen == "1":
        customer.is_frozen = 0
        fields.append("is_frozen")
    customer.save(update_fields=fields)
    return None
