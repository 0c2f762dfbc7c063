"""Bills (reference 5.13-5.15): the partner bill, monthly sums and resource records through the official
SDK, and a generated month that reconciles to the cent with its bill file."""

from __future__ import annotations

import csv
import io
import tarfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests
from huaweicloudsdkbssintl.v2 import (
    FilterFactor,
    FilterV2,
    GroupBy,
    ListCostsReq,
    ListCostsRequest,
    ListCustomerselfResourceRecordDetailsRequest,
    ListCustomerselfResourceRecordsRequest,
    ListPostpaidBillSumRequest,
    ListSubCustomersRequest,
    QueryResRecordsDetailReq,
    QuerySubCustomerListReq,
    ShowCustomerMonthlySumRequest,
    TimeCondition,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from sandbox.bills import generator
from tests.sandbox.test_bills_obs import BUCKET, s3_client
from tests.sandbox_server import DEMO_CUSTOMER

DEMO_CYCLE = generator.latest_closed_cycle(datetime.now(UTC))
PAST_CYCLE = generator.shift_cycle(DEMO_CYCLE, -2)


def generate(sandbox, **body) -> dict:
    response = requests.post(f"{sandbox.url}/_sandbox/bills/generate", json=body, timeout=120)
    assert response.status_code == 201, response.text
    return response.json()


def partner_bill(bss, cycle):
    return bss.list_postpaid_bill_sum(ListPostpaidBillSumRequest(bill_cycle=cycle))


def monthly_sum(bss, cycle, customer_id, **kwargs):
    return bss.show_customer_monthly_sum(
        ShowCustomerMonthlySumRequest(
            bill_cycle=cycle, method="sub_customer", sub_customer_id=customer_id, limit=1000, **kwargs
        )
    )


def customer_bss(sandbox, account_name=DEMO_CUSTOMER["account_name"]):
    """The SDK client acting as the customer (IAM token from the core sandbox)."""
    return sandbox.customer_client(account_name)


def read_parts(body: bytes) -> list[tuple[str, list[dict]]]:
    parts = []
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        for member in archive.getmembers():
            text = archive.extractfile(member).read().decode("utf-8")
            parts.append((member.name, list(csv.DictReader(io.StringIO(text)))))
    return parts


def expect_error(call, status, code):
    with pytest.raises(ClientRequestException) as exc_info:
        call()
    assert (exc_info.value.status_code, exc_info.value.error_code) == (status, code)
    return exc_info.value


# --- list_postpaid_bill_sum -----------------------------------------------------------------------


def test_partner_bill_of_the_demo_world(bss):
    bill = partner_bill(bss, DEMO_CYCLE)

    assert bill.bill_cycle == DEMO_CYCLE
    assert bill.currency == "USD"
    assert bill.consume_amount > 0
    assert bill.refunds < 0
    assert bill.adjustments != 0
    assert bill.tax_amount == 0
    assert bill.initial_amount_due == bill.consume_amount + bill.refunds + bill.adjustments


def test_current_cycle_is_not_out_yet(bss):
    current = generator.cycle_of(datetime.now(UTC))

    error = expect_error(lambda: partner_bill(bss, current), 400, "CBC.99008001")
    assert "not been generated yet" in error.error_msg


def test_generated_future_cycle_stays_closed_until_the_5th(bss, sandbox):
    future = generator.shift_cycle(DEMO_CYCLE, 3)
    generate(sandbox, cycle=future, lines=50)

    expect_error(lambda: partner_bill(bss, future), 400, "CBC.99008001")


@pytest.mark.parametrize("cycle", ["2024-13", "202405", "May-2024"])
def test_invalid_cycle_is_cbc_0100(bss, cycle):
    expect_error(lambda: partner_bill(bss, cycle), 400, "CBC.0100")


def test_closed_cycle_without_consumption_is_a_bill_of_zeros(bss):
    bill = partner_bill(bss, "2021-01")

    assert (bill.consume_amount, bill.initial_amount_due, bill.currency) == (0, 0, "USD")


# --- show_customer_monthly_sum (partner view) -----------------------------------------------------


def test_monthly_sum_of_a_customer_for_the_partner(bss):
    response = monthly_sum(bss, DEMO_CYCLE, DEMO_CUSTOMER["customer_id"])

    assert response.total_count == len(response.bill_sums) > 0
    assert response.currency == "USD" and response.measure_id == 1
    first = response.bill_sums[0]
    assert first.customer_id == DEMO_CUSTOMER["customer_id"]
    assert first.account_name == DEMO_CUSTOMER["account_name"]
    assert first.service_type_code.startswith("hws.service.type.")
    assert first.charging_mode in {1, 3, 10, 11}
    assert first.bill_type in {1, 2, 3}
    for item in response.bill_sums:
        assert item.consume_amount == item.official_amount - item.official_discount_amount - item.truncated_amount
        assert item.consume_amount == item.cash_amount + item.credit_amount + item.coupon_amount
    assert response.consume_amount == sum(item.consume_amount for item in response.bill_sums)
    assert response.consume_amount == response.cash_amount + response.credit_amount + response.coupon_amount


def test_monthly_sum_filters_and_pages(bss):
    everything = monthly_sum(bss, DEMO_CYCLE, DEMO_CUSTOMER["customer_id"])
    service = everything.bill_sums[0].service_type_code

    filtered = monthly_sum(bss, DEMO_CYCLE, DEMO_CUSTOMER["customer_id"], service_type_code=service)
    page = bss.show_customer_monthly_sum(
        ShowCustomerMonthlySumRequest(
            bill_cycle=DEMO_CYCLE,
            method="sub_customer",
            sub_customer_id=DEMO_CUSTOMER["customer_id"],
            offset=1,
            limit=2,
        )
    )

    assert {item.service_type_code for item in filtered.bill_sums} == {service}
    assert filtered.consume_amount == sum(item.consume_amount for item in filtered.bill_sums)
    assert page.total_count == everything.total_count
    assert [item.to_dict() for item in page.bill_sums] == [item.to_dict() for item in everything.bill_sums[1:3]]


def test_monthly_sum_of_someone_elses_customer_is_cbc_99000035(bss):
    expect_error(lambda: monthly_sum(bss, DEMO_CYCLE, "ffffffffffffffffffffffffffffffff"), 400, "CBC.99000035")


def test_monthly_sum_limit_over_1000_is_cbc_0100(bss):
    expect_error(
        lambda: bss.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle=DEMO_CYCLE, limit=1001)),
        400,
        "CBC.0100",
    )


def test_monthly_sum_sub_customer_without_id_is_cbc_0100(bss):
    expect_error(
        lambda: bss.show_customer_monthly_sum(
            ShowCustomerMonthlySumRequest(bill_cycle=DEMO_CYCLE, method="sub_customer")
        ),
        400,
        "CBC.0100",
    )


# --- customer operations (C) ----------------------------------------------------------------------


def all_fee_records(client, cycle, **kwargs):
    records, offset = [], 0
    while True:
        response = client.list_customerself_resource_records(
            ListCustomerselfResourceRecordsRequest(cycle=cycle, offset=offset, limit=1000, **kwargs)
        )
        records += response.fee_records
        offset += 1000
        if offset >= response.total_count:
            return response.total_count, records


def test_customer_monthly_sum_matches_the_partner_view(sandbox, bss):
    client = customer_bss(sandbox)

    own = client.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle=DEMO_CYCLE, limit=1000))

    partner_view = monthly_sum(bss, DEMO_CYCLE, DEMO_CUSTOMER["customer_id"])
    assert own.consume_amount == partner_view.consume_amount
    assert [i.to_dict() for i in own.bill_sums] == [i.to_dict() for i in partner_view.bill_sums]


@pytest.mark.parametrize("statistic_type", [1, 2, 3])
def test_resource_records_add_up_to_the_monthly_sum(sandbox, bss, statistic_type):
    client = customer_bss(sandbox)
    expected = monthly_sum(bss, DEMO_CYCLE, DEMO_CUSTOMER["customer_id"]).consume_amount

    total, records = all_fee_records(client, DEMO_CYCLE, statistic_type=statistic_type)

    assert total == len(records) > 0
    assert sum(record.amount for record in records) == expected
    record = records[0]
    assert record.customer_id == DEMO_CUSTOMER["customer_id"]
    assert record.cloud_service_type.startswith("hws.service.type.")
    assert record.resource_id and record.region and record.charge_mode in {"1", "3", "10", "11"}
    assert record.amount == record.cash_amount + record.credit_amount + record.coupon_amount
    if statistic_type == 3:
        assert record.id and record.bill_date.startswith(DEMO_CYCLE) and record.trade_id


def test_resource_records_filters(sandbox):
    client = customer_bss(sandbox)
    _, detail = all_fee_records(client, DEMO_CYCLE)
    resource_id = detail[0].resource_id

    _, one_resource = all_fee_records(client, DEMO_CYCLE, resource_id=resource_id)
    _, pay_per_use = all_fee_records(client, DEMO_CYCLE, charge_mode="3")
    _, first_days = all_fee_records(
        client, DEMO_CYCLE, bill_date_begin=f"{DEMO_CYCLE}-01", bill_date_end=f"{DEMO_CYCLE}-03"
    )

    assert one_resource and {r.resource_id for r in one_resource} == {resource_id}
    assert pay_per_use and {r.charge_mode for r in pay_per_use} == {"3"}
    assert first_days and max(r.bill_date for r in first_days) <= f"{DEMO_CYCLE}-03"


def test_resource_records_invalid_statistic_type_is_cbc_0100(sandbox):
    client = customer_bss(sandbox)

    expect_error(
        lambda: client.list_customerself_resource_records(
            ListCustomerselfResourceRecordsRequest(cycle=DEMO_CYCLE, statistic_type=4)
        ),
        400,
        "CBC.0100",
    )


def test_resource_record_details_add_up_to_the_monthly_sum(sandbox, bss):
    client = customer_bss(sandbox)
    expected = monthly_sum(bss, DEMO_CYCLE, DEMO_CUSTOMER["customer_id"]).consume_amount

    response = client.list_customerself_resource_record_details(
        ListCustomerselfResourceRecordDetailsRequest(body=QueryResRecordsDetailReq(cycle=DEMO_CYCLE, limit=1000))
    )

    assert response.total_count == len(response.monthly_records) > 0
    assert sum(r.consume_amount for r in response.monthly_records) == expected
    record = response.monthly_records[0]
    assert record.cycle == DEMO_CYCLE and record.resource_type_code.startswith("hws.resource.type.")
    assert record.res_instance_id and record.charge_mode in {1, 3, 10, 11}


def test_resource_record_details_without_cycle_is_cbc_0100(sandbox):
    client = customer_bss(sandbox)

    expect_error(
        lambda: client.list_customerself_resource_record_details(
            ListCustomerselfResourceRecordDetailsRequest(body=QueryResRecordsDetailReq(limit=10))
        ),
        400,
        "CBC.0100",
    )


def test_partner_credentials_are_refused_for_the_customers_own_records(bss):
    # list_customerself_resource_records is a customer (C) operation (reference section 2).
    with pytest.raises(ClientRequestException) as raised:
        bss.list_customerself_resource_records(ListCustomerselfResourceRecordsRequest(cycle=DEMO_CYCLE))

    assert (raised.value.status_code, raised.value.error_code) == (403, "CBC.0151")


# --- list_costs (cost analysis, from the same lines) ----------------------------------------------


def costs(client, begin=DEMO_CYCLE, end=DEMO_CYCLE, *, measure=2, groupby=(), filters=(), **body):
    request = ListCostsReq(
        time_condition=TimeCondition(time_measure_id=measure, begin_time=begin, end_time=end),
        groupby=[GroupBy(type="dimension", key=key) for key in groupby],
        filters=[
            FilterV2(operator=operator, filter_factor=FilterFactor(key=key, value=values))
            for key, operator, values in filters
        ],
        **{"limit": 1000, **body},
    )
    return client.list_costs(ListCostsRequest(body=request))


def test_costs_by_service_type_add_up_to_the_monthly_sums(sandbox, bss):
    client = customer_bss(sandbox)
    sums = monthly_sum(bss, DEMO_CYCLE, DEMO_CUSTOMER["customer_id"])
    by_service = Counter()
    for row in sums.bill_sums:
        by_service[row.service_type_code] += row.consume_amount

    response = costs(client, groupby=["CLOUD_SERVICE_TYPE"])

    assert (response.currency, response.total_count) == ("USD", len(by_service))
    grouped = {group.dimensions[0].value: Decimal(group.amount_by_costs) for group in response.cost_data}
    assert grouped == dict(by_service)
    amounts = [Decimal(group.amount_by_costs) for group in response.cost_data]
    assert amounts == sorted(amounts, reverse=True)  # biggest cost first
    first = response.cost_data[0]
    assert [(c.time_dimension_value, c.time_measure_id) for c in first.costs] == [(DEMO_CYCLE, 2)]
    assert Decimal(first.official_amount_by_costs) >= Decimal(first.amount_by_costs)


def test_daily_costs_cover_the_cycle_and_add_up(sandbox, bss):
    client = customer_bss(sandbox)
    expected = monthly_sum(bss, DEMO_CYCLE, DEMO_CUSTOMER["customer_id"])
    # The cycle's days only: the next one is open and has lines of its own so far.
    first_day, last_day = f"{DEMO_CYCLE}-01", generator.bill_day(generator.ends_at(DEMO_CYCLE) - timedelta(days=1))

    (everything,) = costs(client, first_day, last_day, measure=1).cost_data
    (paid,) = costs(client, first_day, last_day, measure=1, amount_type="NET_AMOUNT").cost_data

    days = [c.time_dimension_value for c in everything.costs]
    assert days == sorted(days) and all(day.startswith(DEMO_CYCLE) for day in days)
    assert everything.dimensions == []
    assert sum(Decimal(c.amount) for c in everything.costs) == Decimal(everything.amount_by_costs)
    assert Decimal(everything.amount_by_costs) == expected.consume_amount
    assert Decimal(paid.amount_by_costs) == expected.cash_amount + expected.credit_amount


def test_cost_filters_keep_or_leave_out(sandbox):
    client = customer_bss(sandbox)
    services = costs(client, groupby=["CLOUD_SERVICE_TYPE"]).cost_data
    biggest = services[0].dimensions[0].value

    (only,) = costs(client, filters=[("CLOUD_SERVICE_TYPE", 0, [biggest])]).cost_data
    (others,) = costs(client, filters=[("CLOUD_SERVICE_TYPE", 1, [biggest])]).cost_data
    by_mode = costs(client, groupby=["CLOUD_SERVICE_TYPE", "CHARGING_MODE"], offset=1, limit=2)

    assert only.amount_by_costs == services[0].amount_by_costs
    total = sum(Decimal(s.amount_by_costs) for s in services)
    assert Decimal(others.amount_by_costs) == total - Decimal(only.amount_by_costs)
    assert by_mode.total_count >= len(services) and len(by_mode.cost_data) == 2
    assert [d.key for d in by_mode.cost_data[0].dimensions] == ["CLOUD_SERVICE_TYPE", "CHARGING_MODE"]


def test_costs_of_a_month_without_a_bill_are_empty(sandbox):
    response = costs(customer_bss(sandbox), "2021-01", "2021-03")

    assert (response.total_count, response.cost_data) == (0, [])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"begin": generator.shift_cycle(DEMO_CYCLE, 1)},  # begins after it ends
        {"begin": "2024-5", "end": "2024-06"},
        {"measure": 1},  # days are written YYYY-MM-DD
        {"groupby": ["AZ_CODE"]},
        {"groupby": ["REGION_CODE", "CHARGING_MODE", "BILL_TYPE"]},
        {"filters": [("RESOURCE_ID", 2, ["x"])]},
        {"amount_type": "GROSS"},
    ],
)
def test_invalid_cost_queries_are_cbc_0100(sandbox, kwargs):
    expect_error(lambda: costs(customer_bss(sandbox), **kwargs), 400, "CBC.0100")


def test_costs_are_the_customers_own(bss):
    expect_error(lambda: costs(bss), 403, "CBC.0151")


# --- a generated month reconciles -----------------------------------------------------------------


def test_generated_month_reconciles_to_the_cent(sandbox, bss):
    made = generate(sandbox, cycle=PAST_CYCLE, customers=3, lines=6_000, seed=7, part_rows=1_000)

    body = s3_client(sandbox.url).get_object(Bucket=BUCKET, Key=made["key"])["Body"].read()
    parts = read_parts(body)

    assert made["lines"] == 6_000 and made["parts"] == 6
    compact = PAST_CYCLE.replace("-", "")
    assert [name for name, _ in parts] == [f"customerBill_{compact}_{n:04d}.csv" for n in range(1, 7)]
    assert [len(rows) for _, rows in parts] == [1_000] * 6
    rows = [row for _, part in parts for row in part]
    assert list(rows[0]) == list(generator.CSV_HEADER)
    assert len({row["Line ID"] for row in rows}) == 6_000

    by_kind = Counter()
    by_customer = Counter()
    for row in rows:
        amount = Decimal(row["Consume Amount"])
        by_kind[generator.bill_type_kind(int(row["Bill Type"]))] += amount
        by_customer[row["Customer ID"]] += amount
        assert amount == (
            Decimal(row["Official Amount"]) - Decimal(row["Discount Amount"]) - Decimal(row["Truncated Amount"])
        )
        assert amount == Decimal(row["Cash Amount"]) + Decimal(row["Credit Amount"]) + Decimal(row["Coupon Amount"])
    # A realistic mix: several charging modes, refunds and both kinds of adjustment.
    assert {row["Billing Mode"] for row in rows} >= {"1", "3", "10"}
    assert {row["Bill Type"] for row in rows} >= {"1", "4", "5", "9", "16"}

    bill = partner_bill(bss, PAST_CYCLE)
    assert bill.consume_amount == by_kind[1] == Decimal(made["consume_amount"])
    assert bill.refunds == by_kind[2] < 0
    assert bill.adjustments == by_kind[3]
    assert bill.tax_amount == 0
    assert bill.initial_amount_due == sum(by_kind.values())

    assert len(by_customer) == 15  # the 12 demo customers and 3 synthetic ones
    sandbox.config(throttling=False)  # 15 monthly sums in a row exceed the documented 10/s
    monthly = {customer_id: monthly_sum(bss, PAST_CYCLE, customer_id).consume_amount for customer_id in by_customer}
    assert monthly == dict(by_customer)
    assert sum(monthly.values()) == bill.initial_amount_due


def test_generation_is_deterministic(sandbox):
    first = generate(sandbox, cycle=PAST_CYCLE, lines=2_000, seed=11)
    again = generate(sandbox, cycle=PAST_CYCLE, lines=2_000, seed=11)
    other = generate(sandbox, cycle=PAST_CYCLE, lines=2_000, seed=12)

    assert (again["etag"], again["initial_amount_due"]) == (first["etag"], first["initial_amount_due"])
    assert other["etag"] != first["etag"]


def test_synthetic_customers_are_the_partners_customers(sandbox, bss):
    generate(sandbox, cycle=PAST_CYCLE, customers=4, lines=100)

    response = bss.list_sub_customers(
        ListSubCustomersRequest(body=QuerySubCustomerListReq(account_name="demo-partner-c0000", limit=10))
    )

    assert response.count == 4
    assert {c.account_name for c in response.customer_infos} == {f"demo-partner-c{i:05d}" for i in range(1, 5)}


def test_parts_have_100000_rows_by_default(sandbox):
    made = generate(sandbox, cycle=PAST_CYCLE, customers=2, lines=150_000, seed=3)

    body = s3_client(sandbox.url).get_object(Bucket=BUCKET, Key=made["key"])["Body"].read()

    assert [len(rows) for _, rows in read_parts(body)] == [100_000, 50_000]


def test_generate_rejects_a_bad_cycle(sandbox):
    response = requests.post(f"{sandbox.url}/_sandbox/bills/generate", json={"cycle": "2026/10"}, timeout=10)

    assert response.status_code == 400
    assert "cycle" in response.json()["error"]


def test_moving_the_clock_past_the_5th_closes_the_cycle(sandbox, bss):
    advance = sandbox.advance_clock
    current = generator.cycle_of(datetime.now(UTC))
    expect_error(lambda: partner_bill(bss, current), 400, "CBC.99008001")

    advance(seconds=(generator.closes_at(current) - datetime.now(UTC)).total_seconds() + 3600)

    bill = partner_bill(bss, current)
    assert bill.consume_amount > 0
    assert bill.initial_amount_due == bill.consume_amount + bill.refunds + bill.adjustments
    keys = [o["Key"] for o in s3_client(sandbox.url).list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert generator.object_key(current) in keys
