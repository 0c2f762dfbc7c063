"""Customer budgets, budget history and freezing (reference 5.2) as plain functions.

Every function makes one HUAWEI CLOUD call with the partner's credentials and returns frozen
dataclasses; errors are `huaweicloud.errors` classes. Money is Decimal in USD with two decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from huaweicloudsdkbssintl.v2 import model as m

from huaweicloud.calls import call
from huaweicloud.clients import bss_client
from huaweicloud.types import MalformedValue, Page, parse_datetime, parse_decimal, parse_int, parse_str

BudgetType = Literal["MONTHLY", "PACKAGE"]
FreezeType = Literal["ACCOUNT", "ACCOUNT_AND_RESOURCE"]
# Largest amount HUAWEI CLOUD takes (reference 5.2), and the batch size of the list and freeze calls.
BUDGET_MAX = Decimal("99999999999999.99")
BATCH_MAX = 100
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Budget:
    """A customer's budget: `amount` is what the partner set, `used` what the customer spent (delayed)."""

    customer_id: str
    amount: Decimal
    used: Decimal
    budget_type: str  # MONTHLY or PACKAGE
    currency: str = "USD"


@dataclass(frozen=True, slots=True)
class BudgetRecord:
    """One entry of HUAWEI CLOUD's budget history (`list_sub_customer_budget_records`)."""

    amount: Decimal | None
    operation_type: str  # SETTING or DELETE
    operated_at: datetime | None
    operator: str
    budget_type: str
    partner_account_name: str


@dataclass(frozen=True, slots=True)
class CustomerFailure:
    customer_id: str
    error_code: str
    error_msg: str


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """Answer of freeze/unfreeze: HUAWEI CLOUD refuses some customers and accepts the rest (200 either way)."""

    requested: tuple[str, ...]
    failures: tuple[CustomerFailure, ...]

    @property
    def succeeded(self) -> tuple[str, ...]:
        failed = {failure.customer_id for failure in self.failures}
        return tuple(customer_id for customer_id in self.requested if customer_id not in failed)


def _amount(value: object, name: str) -> Decimal:
    amount = parse_decimal(value)
    if amount is None:
        raise MalformedValue(f"{name} is missing")
    return amount


def _check_amount(amount: Decimal) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError("budget amount must be a finite Decimal")
    if amount < 0 or amount > BUDGET_MAX or amount != amount.quantize(CENT):
        raise ValueError("budget amount must be between 0 and 99999999999999.99 with at most two decimals")


def _check_ids(customer_ids: Sequence[str]) -> list[str]:
    ids = list(dict.fromkeys(customer_ids))
    if not 1 <= len(ids) <= BATCH_MAX or not all(ids):
        raise ValueError(f"give between 1 and {BATCH_MAX} customer ids")
    return ids


def show_sub_customer_budget(*, customer_id: str) -> Budget:
    """One customer's budget and what it used. CloudRejected CBC.99000035: not our reseller customer."""
    request = m.ShowSubCustomerBudgetRequest(customer_id=customer_id)

    def parse(response: m.ShowSubCustomerBudgetResponse) -> Budget:
        return Budget(
            customer_id=customer_id,
            amount=_amount(response.budget_amount, "budget_amount"),
            used=parse_decimal(response.used_amount) or Decimal("0"),
            budget_type=parse_str(response.budget_type) or "MONTHLY",
            currency=parse_str(response.currency) or "USD",
        )

    return call("show_sub_customer_budget", bss_client().show_sub_customer_budget, request, parse=parse)


def list_sub_customer_budget(*, customer_ids: Sequence[str]) -> tuple[Budget, ...]:
    """Budgets of up to 100 customers in one call; customers that are not ours are left out silently."""
    ids = _check_ids(customer_ids)
    request = m.ListSubCustomerBudgetRequest(body=m.ListSubCustomerBudgetReq(customer_ids=ids))

    def parse(response: m.ListSubCustomerBudgetResponse) -> tuple[Budget, ...]:
        currency = parse_str(response.currency) or "USD"
        return tuple(
            Budget(
                customer_id=parse_str(info.customer_id),
                amount=_amount(info.budget_amount, "budget_amount"),
                used=parse_decimal(info.used_amount) or Decimal("0"),
                budget_type=parse_str(info.budget_type) or "MONTHLY",
                currency=currency,
            )
            for info in response.budget_infos or ()
            if info.customer_id
        )

    return call("list_sub_customer_budget", bss_client().list_sub_customer_budget, request, parse=parse)


def list_sub_customer_budget_records(*, customer_id: str, offset: int = 0, limit: int = 20) -> Page[BudgetRecord]:
    """HUAWEI CLOUD's history of a customer's budget, newest first."""
    if offset < 0 or not 1 <= limit <= 100:
        raise ValueError("offset must be >= 0 and limit between 1 and 100")
    request = m.ListSubCustomerBudgetRecordsRequest(customer_id=customer_id, offset=offset, limit=limit)

    def parse(response: m.ListSubCustomerBudgetRecordsResponse) -> Page[BudgetRecord]:
        records = tuple(
            BudgetRecord(
                amount=parse_decimal(record.budget_amount),
                operation_type=parse_str(record.operation_type),
                operated_at=parse_datetime(record.operation_time),
                operator=parse_str(record.operator),
                budget_type=parse_str(record.budget_type),
                partner_account_name=parse_str(record.partner_account_name),
            )
            for record in response.record_list or ()
        )
        return Page(count=parse_int(response.total_count) or len(records), items=records)

    return call("list_sub_customer_budget_records", bss_client().list_sub_customer_budget_records, request, parse=parse)


def update_sub_customer_budget(
    *,
    customer_id: str,
    amount: Decimal,
    budget_type: BudgetType = "MONTHLY",
    freeze_at_limit: bool | None = None,
    cancel_partner_frozen: bool = False,
) -> None:
    """Set the customer's budget to `amount`. `freeze_at_limit`: None leaves HUAWEI CLOUD's setting unchanged."""
    _check_amount(amount)
    if budget_type not in ("MONTHLY", "PACKAGE"):
        raise ValueError(f"budget_type must be MONTHLY or PACKAGE, not {budget_type!r}")
    request = m.UpdateSubCustomerBudgetRequest(
        body=m.ModSubCustomerBudgetReq(
            customer_id=customer_id,
            budget_amount=amount,
            cancel_partner_frozen="1" if cancel_partner_frozen else "0",
            budget_type=budget_type,
            # 1: HUAWEI CLOUD freezes the customer when the budget is used up; 0: only a manual freeze.
            frozen_operate_type=None if freeze_at_limit is None else int(freeze_at_limit),
        )
    )
    call("update_sub_customer_budget", bss_client().update_sub_customer_budget, request, parse=lambda response: None)


def _batch_outcome(ids: list[str]):
    def parse(response) -> BatchOutcome:
        failures = tuple(
            CustomerFailure(
                customer_id=parse_str(detail.id),
                error_code=parse_str(detail.error_code),
                error_msg=parse_str(detail.error_msg),
            )
            for detail in response.error_details or ()
        )
        return BatchOutcome(requested=tuple(ids), failures=failures)

    return parse


def freeze_sub_customers(
    *, customer_ids: Sequence[str], reason: str, freeze_type: FreezeType = "ACCOUNT"
) -> BatchOutcome:
    """Freeze up to 100 customers. HUAWEI CLOUD answers 200 and lists the ones it refused."""
    ids = _check_ids(customer_ids)
    request = m.FreezeSubCustomersRequest(
        body=m.FreezeSubCustomersReq(customer_ids=ids, reason=reason, freeze_type=freeze_type)
    )
    return call("freeze_sub_customers", bss_client().freeze_sub_customers, request, parse=_batch_outcome(ids))


def unfreeze_sub_customers(
    *, customer_ids: Sequence[str], reason: str, unfreeze_type: FreezeType = "ACCOUNT"
) -> BatchOutcome:
    """Unfreeze up to 100 customers. HUAWEI CLOUD answers 200 and lists the ones it refused."""
    ids = _check_ids(customer_ids)
    request = m.UnfreezeSubCustomersRequest(
        body=m.UnfreezeSubCustomersReq(customer_ids=ids, reason=reason, unfreeze_type=unfreeze_type)
    )
    return call("unfreeze_sub_customers", bss_client().unfreeze_sub_customers, request, parse=_batch_outcome(ids))
