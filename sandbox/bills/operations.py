"""Bill operations (reference 5.13-5.15): the partner's monthly bill, a customer's monthly sums and its
resource records. All answer from the same lines (services.customer_lines), so they reconcile with the
bill file; while a cycle is open they answer its lines so far."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sandbox import clock
from sandbox import validation as v
from sandbox.bills import generator, services
from sandbox.bills.generator import BEIJING, BillLine
from sandbox.bills.models import BillSum
from sandbox.errors import ApiError, invalid_parameter
from sandbox.models import Customer
from sandbox.registry import Call, operation

# Business error codes (see README "Bills").
CODE_BILL_NOT_READY = "CBC.99008001"  # sandbox choice: Huawei's code for "bill not generated yet" is not published
CODE_NOT_YOUR_CUSTOMER = "CBC.99000035"  # as for budgets: not the partner's (reseller) customer
CODE_ACCESS_DENIED = "CBC.0151"  # Huawei: access denied (a customer calling a partner API)

LIMIT_MAX = 1000  # sandbox choice; Huawei's maximum for the bill lists is not published
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _query(call: Call) -> dict[str, str]:
    return {name: values[-1] for name, values in call.query.items()}


def _cycle(data: dict, name: str) -> str:
    value = v.string(data, name, required=True, max_length=7)
    try:
        generator.parse_cycle(value)
    except ValueError:
        raise invalid_parameter(f"{name} must be a bill cycle written YYYY-MM, such as 2024-05") from None
    return value


def _int_param(data: dict, name: str, *, default: int | None, minimum: int, maximum: int) -> int | None:
    """An integer from the query string (text) or a JSON body (number)."""
    value = data.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, str):
        if not re.fullmatch(r"-?\d{1,12}", value):
            raise invalid_parameter(f"{name} must be an integer")
        value = int(value)
    elif isinstance(value, bool) or not isinstance(value, int):
        raise invalid_parameter(f"{name} must be an integer")
    if not minimum <= value <= maximum:
        raise invalid_parameter(f"{name} must be between {minimum} and {maximum}")
    return value


def _bool_param(data: dict, name: str) -> bool | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if value in {"true", "false"}:
        return value == "true"
    raise invalid_parameter(f"{name} must be true or false")


def _date_param(data: dict, name: str, cycle: str) -> str | None:
    value = v.string(data, name)
    if value is None:
        return None
    if not DATE.match(value) or value[:7] != cycle:
        raise invalid_parameter(f"{name} must be a date YYYY-MM-DD in the cycle {cycle}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise invalid_parameter(f"{name} must be a date YYYY-MM-DD in the cycle {cycle}") from None
    return value


def _paging(data: dict) -> tuple[int, int]:
    offset = _int_param(data, "offset", default=0, minimum=0, maximum=2_000_000_000)
    limit = _int_param(data, "limit", default=10, minimum=1, maximum=LIMIT_MAX)
    return offset, limit


def _money(value: int | Decimal) -> float:
    """Cents (or a 2-decimal Decimal) as the JSON number HUAWEI CLOUD sends; the SDK reads it back as
    Decimal, and a float's shortest repr keeps the two decimals exact."""
    if isinstance(value, int):
        value = generator.cents(value)
    return float(value)


def _scaled(value: int, places: int) -> float:
    return float(Decimal(value).scaleb(-places))


# --- whose bill -----------------------------------------------------------------------------------


def _method(data: dict) -> tuple[str, str | None]:
    method = v.string(data, "method", choices=["oneself", "sub_customer", "all"]) or "all"
    sub_customer_id = v.string(data, "sub_customer_id", max_length=64)
    if method == "sub_customer" and not sub_customer_id:
        raise invalid_parameter("sub_customer_id is required when method is sub_customer")
    return method, sub_customer_id


def _customer_records_owner(call: Call, data: dict) -> Customer | None:
    """Whose lines a customer-bill call reads: the calling customer's own. Enterprise sub-accounts are
    not simulated (method=sub_customer finds nothing), and a partner has no consumption of its own."""
    method, _ = _method(data)
    customer = call.principal.customer
    if customer is None or method == "sub_customer":
        return None
    return customer


def _lines(customer: Customer | None, cycle: str) -> Iterable[BillLine]:
    return services.customer_lines(customer=customer, cycle=cycle) if customer is not None else ()


# --- list_postpaid_bill_sum -----------------------------------------------------------------------


@operation("list_postpaid_bill_sum", method="GET", path="/v2/bills/partner-bills/postpaid-bill-summary", rate_limit=10)
def list_postpaid_bill_sum(call: Call) -> dict:
    if call.principal.customer is not None:
        raise ApiError(403, CODE_ACCESS_DENIED, "Access denied: the partner bill is only for partners.")
    cycle = _cycle(_query(call), "bill_cycle")
    ready_at = generator.closes_at(cycle)
    if clock.now() < ready_at:
        raise ApiError(
            400,
            CODE_BILL_NOT_READY,
            f"The bill of cycle {cycle} has not been generated yet; it is available from "
            f"{ready_at.astimezone(BEIJING):%Y-%m-%d %H:%M} Beijing time.",
        )
    bill = services.cycle_bill(partner=call.partner, cycle=cycle, now=clock.now())
    if bill is None:
        # A month without consumption: a bill of zeros.
        amounts = dict.fromkeys(("initial_amount_due", "consume_amount", "refunds", "adjustments", "tax_amount"), 0)
    else:
        amounts = {
            "initial_amount_due": _money(bill.initial_amount_due),
            "consume_amount": _money(bill.consume_amount),
            "refunds": _money(bill.refunds),
            "adjustments": _money(bill.adjustments),
            "tax_amount": _money(bill.tax_amount),
        }
    return {"bill_cycle": cycle, **amounts, "currency": "USD"}


# --- show_customer_monthly_sum --------------------------------------------------------------------

SUM_AMOUNTS = ("consume_amount", "cash_amount", "credit_amount", "coupon_amount")


@operation(
    "show_customer_monthly_sum", method="GET", path="/v2/bills/customer-bills/monthly-sum", rate_limit=10, callers="P|C"
)
def show_customer_monthly_sum(call: Call) -> dict:
    data = _query(call)
    cycle = _cycle(data, "bill_cycle")
    service_type_code = v.string(data, "service_type_code", max_length=64)
    offset, limit = _paging(data)
    method, sub_customer_id = _method(data)
    customer = call.principal.customer
    if customer is not None:
        owner = None if method == "sub_customer" else customer
    elif method == "sub_customer":
        # The partner asking about one of its customers.
        owner = Customer.objects.filter(partner=call.partner, customer_id=sub_customer_id, association_type="3").first()
        if owner is None:
            raise ApiError(
                400, CODE_NOT_YOUR_CUSTOMER, f"The customer {sub_customer_id} is not a sub-customer of this partner."
            )
    else:
        owner = None  # the partner account itself consumes nothing in the sandbox

    sums = services.customer_sums(customer=owner, cycle=cycle) if owner is not None else []
    if service_type_code:
        sums = [row for row in sums if row.service_type_code == service_type_code]
    return {
        "total_count": len(sums),
        "bill_sums": [_bill_sum(row, cycle) for row in sums[offset : offset + limit]],
        **{name: _money(sum((getattr(row, name) for row in sums), Decimal("0"))) for name in SUM_AMOUNTS},
        "debt_amount": 0,
        "writeoff_amount": 0,
        "flexipurchase_coupon_amount": 0,
        "stored_value_card_amount": 0,
        "measure_id": 1,
        "currency": "USD",
    }


def _bill_sum(row: BillSum, cycle: str) -> dict:
    return {
        "bill_cycle": cycle,
        "customer_id": row.customer.customer_id,
        "account_name": row.customer.domain_name,
        "service_type_code": row.service_type_code,
        "service_type_name": row.service_type_name,
        "resource_type_code": row.resource_type_code,
        "resource_type_name": row.resource_type_name,
        "charging_mode": row.charging_mode,
        "bill_type": row.bill_type,
        "official_amount": _money(row.official_amount),
        "official_discount_amount": _money(row.discount_amount),
        "truncated_amount": _money(row.truncated_amount),
        "consume_amount": _money(row.consume_amount),
        "cash_amount": _money(row.cash_amount),
        "credit_amount": _money(row.credit_amount),
        "coupon_amount": _money(row.coupon_amount),
        "flexipurchase_coupon_amount": 0,
        "stored_value_card_amount": 0,
        "debt_amount": 0,
        "writeoff_amount": 0,
        "measure_id": 1,
    }


# --- resource records -----------------------------------------------------------------------------


@dataclass
class Filters:
    cloud_service_type: str | None = None
    resource_type: str | None = None
    region: str | None = None
    resource_id: str | None = None
    charge_mode: int | None = None
    bill_type: int | None = None
    trade_id: str | None = None
    date_begin: str | None = None
    date_end: str | None = None

    def keep(self, line: BillLine) -> bool:
        return (
            (self.cloud_service_type is None or line.service_type_code == self.cloud_service_type)
            and (self.resource_type is None or line.resource_type_code == self.resource_type)
            and (self.region is None or line.region == self.region)
            and (self.resource_id is None or line.resource_id == self.resource_id)
            and (self.charge_mode is None or line.charge_mode == self.charge_mode)
            and (self.bill_type is None or line.bill_type == self.bill_type)
            and (self.trade_id is None or line.trade_id == self.trade_id)
            and (self.date_begin is None or line.bill_date >= self.date_begin)
            and (self.date_end is None or line.bill_date <= self.date_end)
        )


@dataclass
class Record:
    """Lines added up by cycle (statistic_type 1), by day (2), or one line (3, detail)."""

    first: BillLine
    bill_date: str | None
    line_id: str | None
    trade_id: str | None
    usage: int = 0
    amounts: list[int] = field(default_factory=lambda: [0] * 7)

    def add(self, line: BillLine) -> None:
        self.usage += line.usage
        for index, value in enumerate(line[22:29]):
            self.amounts[index] += value
        if self.trade_id is not None and line.trade_id != self.trade_id:
            self.trade_id = None

    @property
    def consume(self) -> int:
        return self.amounts[3]


def _records(lines: Iterable[BillLine], *, filters: Filters, statistic_type: int) -> Iterator[Record]:
    kept = (line for line in lines if filters.keep(line))
    if statistic_type == 3:
        for line in kept:
            record = Record(first=line, bill_date=line.bill_date, line_id=line.line_id, trade_id=line.trade_id)
            record.add(line)
            yield record
        return
    groups: dict[tuple, Record] = {}
    for line in kept:
        day = line.bill_date if statistic_type == 2 else None
        key = (day, line.resource_id, line.bill_type, line.charge_mode)
        record = groups.get(key)
        if record is None:
            record = groups[key] = Record(first=line, bill_date=day, line_id=None, trade_id=line.trade_id)
        record.add(line)
    # Lines come in bill-date order, so first appearance is date order; by day, sort to be sure.
    records = groups.values()
    if statistic_type == 2:
        records = sorted(records, key=lambda r: r.bill_date)
    yield from records


def _page(records: Iterator[Record], *, include_zero: bool | None, offset: int, limit: int) -> tuple[int, list]:
    total, page = 0, []
    for record in records:
        if include_zero is False and record.consume == 0:
            continue
        if offset <= total < offset + limit:
            page.append(record)
        total += 1
    return total, page


def _utc(day: str, *, days: int = 0, months: int = 0) -> str:
    start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=BEIJING)
    if months:
        month_index = start.year * 12 + start.month - 1 + months
        start = start.replace(year=month_index // 12, month=month_index % 12 + 1, day=min(start.day, 28))
    return (start + timedelta(days=days)).astimezone(generator.UTC).strftime(UTC_FORMAT)


def _period_type(line: BillLine) -> int:
    if line.bill_type in generator.ADJUSTMENT_TYPES:
        return 5  # one-off
    if line.charge_mode == 1:
        return 20  # month
    return 25 if line.usage_unit == "Hour" else 24  # hour / day


def _usage_type(line: BillLine) -> str:
    if line.usage_unit in {"Hour", "Month"}:
        return "duration"
    return "capacity" if line.resource_type_code == "hws.resource.type.obs" else "upflow"


def _usage_measure_id(line: BillLine) -> int | None:
    return {"Hour": 4, "GB": 10}.get(line.usage_unit)


def _times(record: Record) -> tuple[str | None, str | None, str | None]:
    """effective_time, expire_time, consume_time (UTC) of a detail line; None for added-up records."""
    line = record.first
    if record.line_id is None:
        return None, None, None
    if line.charge_mode == 1 and line.bill_type not in generator.ADJUSTMENT_TYPES:
        start = _utc(line.bill_date)
        return start, _utc(line.bill_date, months=1), start
    return _utc(line.bill_date), _utc(line.bill_date, days=1), _utc(line.bill_date, days=1)


def _sku(line: BillLine) -> str:
    product = line.resource_name.split("-", 1)[0]
    return f"{product}.{re.sub(r'[^a-z0-9.]+', '', line.product_spec.split(' | ')[0].lower())}"


def _amounts(record: Record) -> dict:
    official, discount, _truncated, consume, cash, credit, coupon = record.amounts
    return {
        "official_amount": _money(official),
        "discount_amount": _money(discount),
        "cash_amount": _money(cash),
        "credit_amount": _money(credit),
        "coupon_amount": _money(coupon),
        "flexipurchase_coupon_amount": 0,
        "stored_card_amount": 0,
        "bonus_amount": 0,
        "debt_amount": 0,
        "adjustment_amount": 0,
        "measure_id": 1,
    }


def _fee_record(record: Record) -> dict:
    """A ResFeeRecordV2 (list_customerself_resource_records)."""
    line = record.first
    effective, expire, consume_time = _times(record)
    is_order = line.charge_mode == 1 and line.bill_type in {1, 2, 4, 8}
    return {
        "bill_date": record.bill_date,
        "bill_type": line.bill_type,
        "customer_id": line.customer_id,
        "account_name": line.account_name,
        "region": line.region,
        "region_name": generator.REGIONS.get(line.region, line.region),
        "cloud_service_type": line.service_type_code,
        "cloud_service_type_name": line.service_type_name,
        "resource_type": line.resource_type_code,
        "resource_type_name": line.resource_type_name,
        "effective_time": effective,
        "expire_time": expire,
        "consume_time": consume_time,
        "trade_time": consume_time,
        "resource_id": line.resource_id,
        "resource_name": line.resource_name,
        "resource_tag": "",
        "product_id": _sku(line),
        "product_name": f"{line.service_type_name} {line.product_spec}",
        "product_spec_desc": line.product_spec,
        "sku_code": _sku(line),
        "trade_id": record.trade_id,
        "id": record.line_id,
        "enterprise_project_id": "0",
        "enterprise_project_name": "default",
        "charge_mode": str(line.charge_mode),
        "order_id": record.trade_id if is_order else None,
        "period_type": str(_period_type(line)),
        "usage_type": _usage_type(line),
        "usage": _scaled(record.usage, 2),
        "usage_measure_id": _usage_measure_id(line),
        "free_resource_usage": 0,
        "free_resource_measure_id": _usage_measure_id(line),
        "ri_usage": 0,
        "ri_usage_measure_id": _usage_measure_id(line),
        "unit_price": _scaled(line.unit_price, 4),
        "unit": line.price_unit,
        "amount": _money(record.consume),
        **_amounts(record),
        "formula": None,
        "period_num": 1 if line.charge_mode == 1 else None,
    }


def _monthly_record(record: Record) -> dict:
    """A MonthlyBillRes (list_customerself_resource_record_details)."""
    line = record.first
    effective, expire, consume_time = _times(record)
    return {
        "cycle": line.cycle,
        "bill_date": record.bill_date,
        "bill_type": line.bill_type,
        "customer_id": line.customer_id,
        "account_name": line.account_name,
        "payer_account_id": line.customer_id,
        "region": line.region,
        "region_name": generator.REGIONS.get(line.region, line.region),
        "cloud_service_type": line.service_type_code,
        "cloud_service_type_name": line.service_type_name,
        "resource_Type_code": line.resource_type_code,  # sic: the SDK's attribute map spells it so
        "resource_type_name": line.resource_type_name,
        "res_instance_id": line.resource_id,
        "resource_name": line.resource_name,
        "resource_tag": "",
        "sku_code": _sku(line),
        "product_spec_desc": line.product_spec,
        "enterprise_project_id": "0",
        "enterprise_project_name": "default",
        "charge_mode": line.charge_mode,
        "consume_amount": _money(record.consume),
        **_amounts(record),
        "period_type": _period_type(line),
        "root_resource_id": line.resource_id,
        "parent_resource_id": line.resource_id,
        "trade_id": record.trade_id,
        "id": record.line_id,
        "effective_time": effective,
        "expire_time": expire,
        "consume_time": consume_time,
        "be_id": "10",
        "period_num": 1 if line.charge_mode == 1 else None,
        "is_spot": "--" if line.charge_mode != 3 else "N",
        "promotion_type": None,
        "payment_type": None,
    }


def _charge_mode(data: dict) -> int | None:
    value = data.get("charge_mode")
    if value is None or value == "":
        return None
    if str(value) not in {"1", "3", "10", "11"}:
        raise invalid_parameter("charge_mode must be 1 (yearly/monthly), 3 (pay-per-use), 10 or 11")
    return int(value)


@operation(
    "list_customerself_resource_records",
    method="GET",
    path="/v2/bills/customer-bills/res-fee-records",
    rate_limit=10,
    callers="C",
)
def list_customerself_resource_records(call: Call) -> dict:
    data = _query(call)
    cycle = _cycle(data, "cycle")
    statistic_type = _int_param(data, "statistic_type", default=3, minimum=1, maximum=3)
    offset, limit = _paging(data)
    begin = _date_param(data, "bill_date_begin", cycle)
    end = _date_param(data, "bill_date_end", cycle)
    if (begin is None) != (end is None):
        begin = end = None  # documented: both or neither, else the cycle alone counts
    filters = Filters(
        cloud_service_type=v.string(data, "cloud_service_type", max_length=64),
        region=v.string(data, "region", max_length=64),
        resource_id=v.string(data, "resource_id", max_length=128),
        charge_mode=_charge_mode(data),
        bill_type=_int_param(data, "bill_type", default=None, minimum=1, maximum=200),
        trade_id=v.string(data, "trade_id", max_length=64),
        date_begin=begin,
        date_end=end,
    )
    include_zero = _bool_param(data, "include_zero_record")
    lines = _lines(_customer_records_owner(call, data), cycle)
    total, page = _page(
        _records(lines, filters=filters, statistic_type=statistic_type),
        include_zero=include_zero,
        offset=offset,
        limit=limit,
    )
    return {"total_count": total, "fee_records": [_fee_record(r) for r in page], "currency": "USD"}


@operation(
    "list_customerself_resource_record_details",
    method="POST",
    path="/v2/bills/customer-bills/res-records/query",
    rate_limit=10,
    callers="C",
)
def list_customerself_resource_record_details(call: Call) -> dict:
    data = v.body_object(call.body)
    cycle = _cycle(data, "cycle")
    statistic_type = _int_param(data, "statistic_type", default=1, minimum=1, maximum=3)
    offset, limit = _paging(data)
    query_type = v.string(data, "query_type", choices=["BILLCYCLE", "DAILY"]) or "BILLCYCLE"
    begin = end = None
    if query_type == "DAILY":
        if statistic_type == 1:
            raise invalid_parameter("query_type DAILY needs statistic_type 2 or 3")
        begin = _date_param(data, "bill_cycle_begin", cycle)
        end = _date_param(data, "bill_cycle_end", cycle)
        if begin is None or end is None:
            raise invalid_parameter("bill_cycle_begin and bill_cycle_end are required when query_type is DAILY")
    filters = Filters(
        cloud_service_type=v.string(data, "cloud_service_type", max_length=64),
        resource_type=v.string(data, "resource_type", max_length=64),
        region=v.string(data, "region", max_length=64),
        resource_id=v.string(data, "res_instance_id", max_length=128),
        charge_mode=_charge_mode(data),
        bill_type=_int_param(data, "bill_type", default=None, minimum=1, maximum=200),
        date_begin=begin,
        date_end=end,
    )
    include_zero = _bool_param(data, "include_zero_record")
    lines = _lines(_customer_records_owner(call, data), cycle)
    total, page = _page(
        _records(lines, filters=filters, statistic_type=statistic_type),
        include_zero=include_zero,
        offset=offset,
        limit=limit,
    )
    return {"total_count": total, "monthly_records": [_monthly_record(r) for r in page], "currency": "USD"}


# --- list_costs (cost analysis) -------------------------------------------------------------------

# What a line is worth under each GroupBy / FilterFactor dimension key the sandbox can tell apart. Lines
# have no availability zone, cost tag or cost unit here.
COST_DIMENSIONS = {
    "CLOUD_SERVICE_TYPE": lambda line: line.service_type_code,
    "RESOURCE_TYPE": lambda line: line.resource_type_code,
    "REGION_CODE": lambda line: line.region,
    "RESOURCE_ID": lambda line: line.resource_id,
    "RES_SPEC_CODE": _sku,
    "CHARGING_MODE": lambda line: str(line.charge_mode),
    "BILL_TYPE": lambda line: str(generator.bill_type_kind(line.bill_type)),
    "USAGE_TYPE": _usage_type,
    "ASSOCIATED_ACCOUNT": lambda line: line.customer_id,
    "PAYER_ACCOUNT_ID": lambda line: line.customer_id,
    "ENTERPRISE_PROJECT_ID": lambda line: "0",
    "BE_ID": lambda line: "10",
}
COST_TIME_FORMATS = {1: ("%Y-%m-%d", "YYYY-MM-DD"), 2: ("%Y-%m", "YYYY-MM")}


def _cost_period(data: dict) -> tuple[int, str, str]:
    condition = data.get("time_condition")
    if not isinstance(condition, dict):
        raise invalid_parameter("time_condition is required (time_measure_id, begin_time, end_time)")
    measure = _int_param(condition, "time_measure_id", default=1, minimum=1, maximum=2)
    pattern, written = COST_TIME_FORMATS[measure]
    bounds = []
    for name in ("begin_time", "end_time"):
        value = v.string(condition, name, required=True, max_length=10)
        try:
            if len(value) != len(written):
                raise ValueError(value)
            datetime.strptime(value, pattern)
        except ValueError:
            raise invalid_parameter(f"time_condition.{name} must be written {written}") from None
        bounds.append(value)
    if bounds[0] > bounds[1]:
        raise invalid_parameter("time_condition.begin_time must not be after end_time")
    return measure, bounds[0], bounds[1]


def _cost_key(item, index: int, name: str) -> str:
    if not isinstance(item, dict):
        raise invalid_parameter(f"{name}[{index}] must be an object")
    key = item.get("key")
    if key not in COST_DIMENSIONS:
        raise invalid_parameter(f"{name}[{index}].key must be one of {', '.join(COST_DIMENSIONS)}")
    return key


def _cost_groupby(data: dict) -> list[str]:
    groupby = data.get("groupby") or []
    if not isinstance(groupby, list) or len(groupby) > 2:
        raise invalid_parameter("groupby holds at most 2 dimensions")
    keys = []
    for index, item in enumerate(groupby):
        if isinstance(item, dict) and item.get("type", "dimension") != "dimension":
            raise invalid_parameter(f"groupby[{index}].type must be dimension (the sandbox has no cost tags or units)")
        keys.append(_cost_key(item, index, "groupby"))
    return keys


def _cost_filters(data: dict) -> list[tuple[str, bool, set[str]]]:
    """(dimension key, include?, values) per filter; operator 0 keeps only, 1 leaves out."""
    filters = data.get("filters") or []
    if not isinstance(filters, list):
        raise invalid_parameter("filters must be a list")
    result = []
    for index, item in enumerate(filters):
        if not isinstance(item, dict) or not isinstance(item.get("filter_factor"), dict):
            raise invalid_parameter(f"filters[{index}] needs a filter_factor {{key, value}}")
        operator = _int_param(item, "operator", default=0, minimum=0, maximum=1)
        factor = item["filter_factor"]
        key = _cost_key(factor, index, "filters")
        values = factor.get("value")
        if not isinstance(values, list) or not values or not all(isinstance(value, str) for value in values):
            raise invalid_parameter(f"filters[{index}].filter_factor.value must be a list of strings")
        result.append((key, operator == 0, set(values)))
    return result


@operation("list_costs", method="POST", path="/v4/costs/cost-analysed-bills/query", rate_limit=10, callers="C")
def list_costs(call: Call) -> dict:
    """The customer's cost analysis from its bill lines, by day (bill date, UTC+8) or month (cycle),
    grouped by up to two dimensions, biggest cost first. PAYMENT_AMOUNT is what the lines cost (their
    consume amount), NET_AMOUNT what was paid (cash + credit, without coupons). AMORTIZED_COST answers
    the original cost: the sandbox's yearly/monthly lines are not spread over their period."""
    data = v.body_object(call.body)
    measure, begin, end = _cost_period(data)
    groupby = _cost_groupby(data)
    filters = _cost_filters(data)
    v.string(data, "cost_type", choices=["ORIGINAL_COST", "AMORTIZED_COST"])
    net = v.string(data, "amount_type", choices=["PAYMENT_AMOUNT", "NET_AMOUNT"]) == "NET_AMOUNT"
    offset, limit = _paging(data)
    customer = call.principal.customer
    # {dimension values: {time value: [amount, official amount]}} in cents
    groups: dict[tuple, dict[str, list[int]]] = {}
    for cycle in services.customer_cycles(customer=customer, first=begin[:7], last=end[:7]):
        for line in services.customer_lines(customer=customer, cycle=cycle):
            when = line.bill_date if measure == 1 else line.cycle
            if not begin <= when <= end:
                continue
            if not all((COST_DIMENSIONS[key](line) in values) == keep for key, keep, values in filters):
                continue
            amount = line.cash_amount + line.credit_amount if net else line.consume_amount
            costs = groups.setdefault(tuple(COST_DIMENSIONS[key](line) for key in groupby), {})
            pair = costs.setdefault(when, [0, 0])
            pair[0] += amount
            pair[1] += line.official_amount
    ranked = sorted(groups.items(), key=lambda item: (-sum(p[0] for p in item[1].values()), item[0]))
    return {
        "currency": "USD",
        "total_count": len(ranked),
        "cost_data": [
            {
                "dimensions": [{"key": key, "value": value} for key, value in zip(groupby, values, strict=True)],
                "costs": [
                    {
                        "time_dimension_value": when,
                        "time_measure_id": measure,
                        "amount": generator.money_text(amount),
                        "official_amount": generator.money_text(official),
                    }
                    for when, (amount, official) in sorted(costs.items())
                ],
                "amount_by_costs": generator.money_text(sum(p[0] for p in costs.values())),
                "official_amount_by_costs": generator.money_text(sum(p[1] for p in costs.values())),
            }
            for values, costs in ranked[offset : offset + limit]
        ],
    }
