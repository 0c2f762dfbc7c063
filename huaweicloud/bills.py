"""Bills (reference 5.13-5.15): the partner's monthly bill, a customer's monthly sums and resource
fee records, and the monthly bill file HUAWEI CLOUD uploads to the partner's OBS bucket.

Bill cycles are `YYYY-MM` in Beijing time (UTC+8); a month's bills exist from the 5th of the next
month. The bill file is streamed in chunks (`bill_file_chunks`): it can be large, and is never read
into memory whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from huaweicloudsdkbssintl.v2 import model as m

from huaweicloud import identity
from huaweicloud.calls import call
from huaweicloud.clients import bss_client
from huaweicloud.errors import LOCAL_CONNECTION, LOCAL_TIMEOUT, CloudMisconfigured, CloudRejected, CloudUnavailable
from huaweicloud.types import CustomerRef, MalformedValue, Page, parse_decimal, parse_int, parse_str

_CYCLE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_ZERO = Decimal("0")
MAX_LIMIT = 1000
# statistic_type of resource fee records: 1 per cycle, 2 per day, 3 each record (default).
BY_CYCLE, BY_DAY, DETAIL = 1, 2, 3
# charge_mode: 1 yearly/monthly, 3 pay-per-use, 10 reserved instance, 11 savings plan.
CHARGE_MODES = frozenset({1, 3, 10, 11})
BILL_FILE_KEY = "customerBill/customerBill_{yyyymm}.tar.gz"
CHUNK_SIZE = 1024 * 1024
OBS_OPERATION = "obs_get_object"


@dataclass(frozen=True, slots=True)
class PartnerBillSummary:
    bill_cycle: str
    initial_amount_due: Decimal  # consumption + refunds + adjustments, before tax
    consume_amount: Decimal
    refunds: Decimal
    adjustments: Decimal
    tax_amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class BillSum:
    """One line of a customer's monthly sums: per service / resource type, charging mode and bill type."""

    bill_cycle: str
    customer_id: str
    service_type_code: str
    service_type_name: str
    resource_type_code: str
    resource_type_name: str
    charging_mode: int | None  # 1 yearly/monthly, 3 pay-per-use, 10, 11
    bill_type: int | None  # 1 consumption, 2 refund, 3 adjustment
    official_amount: Decimal
    official_discount_amount: Decimal
    truncated_amount: Decimal
    consume_amount: Decimal  # official - discount - truncated
    cash_amount: Decimal
    credit_amount: Decimal
    coupon_amount: Decimal


@dataclass(frozen=True, slots=True)
class CustomerMonthlySum:
    count: int  # all bill sums, over every page
    sums: tuple[BillSum, ...]
    consume_amount: Decimal
    cash_amount: Decimal
    credit_amount: Decimal
    coupon_amount: Decimal
    debt_amount: Decimal
    writeoff_amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class ResourceFeeRecord:
    bill_date: str  # YYYY-MM-DD, Beijing time (per day and detail records)
    bill_type: int | None  # 1 new purchase, 2 renewal, 3 change, 4 refund, 5 usage, 8 auto-renewal ...
    customer_id: str
    region: str
    cloud_service_type: str
    cloud_service_type_name: str
    resource_type: str
    resource_type_name: str
    resource_id: str
    resource_name: str
    product_spec_desc: str
    charge_mode: str
    usage_type: str
    usage: Decimal | None
    usage_measure_id: int | None
    unit_price: Decimal | None
    official_amount: Decimal
    discount_amount: Decimal
    amount: Decimal
    cash_amount: Decimal
    credit_amount: Decimal
    coupon_amount: Decimal
    order_id: str


def _money(value: Any) -> Decimal:
    return parse_decimal(value) or _ZERO


def _check_cycle(cycle: str) -> None:
    if not isinstance(cycle, str) or not _CYCLE.match(cycle):
        raise ValueError(f"a bill cycle is written YYYY-MM, not {cycle!r}")


def _check_page(offset: int, limit: int) -> None:
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"offset must be >= 0 and limit between 1 and {MAX_LIMIT}")


def partner_bill_summary(*, cycle: str) -> PartnerBillSummary:
    """The partner's bill of `cycle` (last month from the 5th on; earlier months any time)."""
    _check_cycle(cycle)

    def parse(response: m.ListPostpaidBillSumResponse) -> PartnerBillSummary:
        return PartnerBillSummary(
            bill_cycle=parse_str(response.bill_cycle) or cycle,
            initial_amount_due=_money(response.initial_amount_due),
            consume_amount=_money(response.consume_amount),
            refunds=_money(response.refunds),
            adjustments=_money(response.adjustments),
            tax_amount=_money(response.tax_amount),
            currency=parse_str(response.currency) or "USD",
        )

    request = m.ListPostpaidBillSumRequest(bill_cycle=cycle)
    return call("list_postpaid_bill_sum", bss_client().list_postpaid_bill_sum, request, parse=parse)


def customer_monthly_sum(
    *,
    customer: CustomerRef,
    cycle: str,
    service_type_code: str | None = None,
    offset: int = 0,
    limit: int = 100,
    as_partner: bool = False,
) -> CustomerMonthlySum:
    """The customer's spending in `cycle`, by service and resource type. As the customer, or with
    `as_partner` as the partner (`method=sub_customer`)."""
    _check_cycle(cycle)
    _check_page(offset, limit)
    request = m.ShowCustomerMonthlySumRequest(
        bill_cycle=cycle, service_type_code=service_type_code or None, offset=offset, limit=limit
    )

    def parse(response: m.ShowCustomerMonthlySumResponse) -> CustomerMonthlySum:
        return CustomerMonthlySum(
            count=parse_int(response.total_count) or 0,
            sums=tuple(_bill_sum(row, cycle) for row in response.bill_sums or ()),
            consume_amount=_money(response.consume_amount),
            cash_amount=_money(response.cash_amount),
            credit_amount=_money(response.credit_amount),
            coupon_amount=_money(response.coupon_amount),
            debt_amount=_money(response.debt_amount),
            writeoff_amount=_money(response.writeoff_amount),
            currency=parse_str(response.currency) or "USD",
        )

    if as_partner:
        request.method = "sub_customer"
        request.sub_customer_id = customer.customer_id
        return call("show_customer_monthly_sum", bss_client().show_customer_monthly_sum, request, parse=parse)
    request.method = "oneself"
    return identity.call_as_customer("show_customer_monthly_sum", customer, request, parse=parse, repeatable=True)


def _bill_sum(row: Any, cycle: str) -> BillSum:
    return BillSum(
        bill_cycle=parse_str(row.bill_cycle) or cycle,
        customer_id=parse_str(row.customer_id),
        service_type_code=parse_str(row.service_type_code),
        service_type_name=parse_str(row.service_type_name),
        resource_type_code=parse_str(row.resource_type_code),
        resource_type_name=parse_str(row.resource_type_name),
        charging_mode=parse_int(row.charging_mode),
        bill_type=parse_int(row.bill_type),
        official_amount=_money(row.official_amount),
        official_discount_amount=_money(row.official_discount_amount),
        truncated_amount=_money(row.truncated_amount),
        consume_amount=_money(row.consume_amount),
        cash_amount=_money(row.cash_amount),
        credit_amount=_money(row.credit_amount),
        coupon_amount=_money(row.coupon_amount),
    )


def customer_resource_records(
    *,
    customer: CustomerRef,
    cycle: str,
    statistic_type: int = DETAIL,
    cloud_service_type: str | None = None,
    region: str | None = None,
    charge_mode: int | None = None,
    bill_type: int | None = None,
    resource_id: str | None = None,
    bill_date_from: date | None = None,
    bill_date_to: date | None = None,
    include_zero_records: bool = False,
    offset: int = 0,
    limit: int = 100,
    language: str = "en_US",
) -> Page[ResourceFeeRecord]:
    """The customer's fee records of `cycle` per resource, as the customer (usage, unit price,
    amounts). `bill_date_from`/`_to` (Beijing dates inside the cycle) only together."""
    _check_cycle(cycle)
    _check_page(offset, limit)
    if statistic_type not in (BY_CYCLE, BY_DAY, DETAIL):
        raise ValueError("statistic_type is 1 (cycle), 2 (day) or 3 (detail)")
    if charge_mode is not None and charge_mode not in CHARGE_MODES:
        raise ValueError(f"charge_mode is one of {sorted(CHARGE_MODES)}")
    if (bill_date_from is None) != (bill_date_to is None):
        raise ValueError("give both bill_date_from and bill_date_to, or neither")
    request = m.ListCustomerselfResourceRecordsRequest(
        x_language=language,
        cycle=cycle,
        statistic_type=statistic_type,
        cloud_service_type=cloud_service_type or None,
        region=region or None,
        charge_mode=str(charge_mode) if charge_mode is not None else None,
        bill_type=bill_type,
        resource_id=resource_id or None,
        bill_date_begin=bill_date_from.isoformat() if bill_date_from else None,
        bill_date_end=bill_date_to.isoformat() if bill_date_to else None,
        include_zero_record=include_zero_records,
        offset=offset,
        limit=limit,
    )

    def parse(response: m.ListCustomerselfResourceRecordsResponse) -> Page[ResourceFeeRecord]:
        count = parse_int(response.total_count)
        if count is None:
            raise MalformedValue("total_count is missing")
        return Page(count=count, items=tuple(_fee_record(r) for r in response.fee_records or ()))

    return identity.call_as_customer(
        "list_customerself_resource_records", customer, request, parse=parse, repeatable=True
    )


def _fee_record(r: Any) -> ResourceFeeRecord:
    return ResourceFeeRecord(
        bill_date=parse_str(r.bill_date),
        bill_type=parse_int(r.bill_type),
        customer_id=parse_str(r.customer_id),
        region=parse_str(r.region),
        cloud_service_type=parse_str(r.cloud_service_type),
        cloud_service_type_name=parse_str(r.cloud_service_type_name),
        resource_type=parse_str(r.resource_type),
        resource_type_name=parse_str(r.resource_type_name),
        resource_id=parse_str(r.resource_id),
        resource_name=parse_str(r.resource_name),
        product_spec_desc=parse_str(r.product_spec_desc),
        charge_mode=parse_str(r.charge_mode),
        usage_type=parse_str(r.usage_type),
        usage=parse_decimal(r.usage),
        usage_measure_id=parse_int(r.usage_measure_id),
        unit_price=parse_decimal(r.unit_price),
        official_amount=_money(r.official_amount),
        discount_amount=_money(r.discount_amount),
        amount=_money(r.amount),
        cash_amount=_money(r.cash_amount),
        credit_amount=_money(r.credit_amount),
        coupon_amount=_money(r.coupon_amount),
        order_id=parse_str(r.order_id),
    )


# --- the bill file in OBS ---------------------------------------------------------------------------


def bill_file_key(cycle: str) -> str:
    _check_cycle(cycle)
    return BILL_FILE_KEY.format(yyyymm=cycle.replace("-", ""))


def _obs_client() -> Any:
    import boto3
    from botocore.config import Config

    config = settings.HUAWEICLOUD
    endpoint = config.get("OBS_ENDPOINT")
    if not endpoint:
        raise CloudMisconfigured(operation=OBS_OPERATION, error_msg="HUAWEICLOUD['OBS_ENDPOINT'] is not set")
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=config["AK"],
        aws_secret_access_key=config["SK"],
        region_name=config.get("OBS_REGION", "ap-southeast-1"),
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=config["CONNECT_TIMEOUT"],
            read_timeout=config["READ_TIMEOUT"],
            retries={"max_attempts": 1, "mode": "standard"},
        ),
    )


def bill_file_chunks(*, cycle: str, bucket: str | None = None, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The bill file of `cycle` (`customerBill_YYYYMM.tar.gz`) from the partner's OBS bucket, in
    chunks, as the partner (S3 API, AK/SK). Raises before the first chunk when the file is not there
    (CloudRejected NoSuchKey: not delivered yet) or OBS fails; a failure mid-stream raises
    CloudUnavailable from the iterator."""
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = bucket or settings.HUAWEICLOUD.get("BILL_BUCKET")
    if not bucket:
        raise CloudMisconfigured(operation=OBS_OPERATION, error_msg="HUAWEICLOUD['BILL_BUCKET'] is not set")
    key = bill_file_key(cycle)
    try:
        answer = _obs_client().get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        raise _obs_error(exc) from exc
    except BotoCoreError as exc:
        raise CloudUnavailable(operation=OBS_OPERATION, error_code=LOCAL_CONNECTION, error_msg=str(exc)) from exc
    return _stream(answer["Body"], chunk_size)


def _stream(body: Any, chunk_size: int) -> Iterator[bytes]:
    from botocore.exceptions import BotoCoreError

    try:
        yield from body.iter_chunks(chunk_size)
    except BotoCoreError as exc:
        raise CloudUnavailable(operation=OBS_OPERATION, error_code=LOCAL_TIMEOUT, error_msg=str(exc)) from exc
    finally:
        body.close()


def _obs_error(exc: Any) -> CloudUnavailable | CloudRejected:
    error = exc.response.get("Error", {})
    meta = exc.response.get("ResponseMetadata", {})
    kwargs = {
        "operation": OBS_OPERATION,
        "status_code": meta.get("HTTPStatusCode"),
        "error_code": error.get("Code"),
        "error_msg": error.get("Message") or "",
        "request_id": meta.get("RequestId"),
    }
    if error.get("Code") in {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "RequestTimeTooSkewed"}:
        return CloudMisconfigured(**kwargs)
    if (kwargs["status_code"] or 500) >= 500:
        return CloudUnavailable(**kwargs)
    return CloudRejected(**kwargs)
