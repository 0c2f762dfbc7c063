"""The open bill cycle (issue #3: pay-per-use resources accrue usage; bills add up): the current month's
records through the official SDK as the customer, so far; more as the clock moves; real purchases at once;
and at the close a bill file holding exactly every line seen before, reconciled to the cent."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from huaweicloudsdkbssintl.v2 import (
    ListCustomerOrdersRequest,
    ListCustomerselfResourceRecordDetailsRequest,
    QueryResRecordsDetailReq,
    ShowCustomerMonthlySumRequest,
)

from sandbox.bills import generator
from tests.sandbox import test_bills as bills
from tests.sandbox import test_commerce_life as life
from tests.sandbox import test_customer_life_sdk as customer_life
from tests.sandbox.test_bills_obs import BUCKET, s3_client
from tests.sandbox_server import DEMO_CUSTOMER

DEMO = DEMO_CUSTOMER["account_name"]
DEMO_ID = DEMO_CUSTOMER["customer_id"]
# demo-customer's pay-per-use resources running since 12 days before the reset (sandbox/commerce/world.py).
ECS_BATCH = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c01"
RUNNING = {ECS_BATCH, "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c02", "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c03"}


def clock_now(sandbox) -> datetime:
    return datetime.strptime(sandbox.clock()["now"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def on_day(sandbox, day: int) -> datetime:
    """Move the clock on to at least the `day`th of this month (UTC+8), so that days have gone by."""
    now = clock_now(sandbox)
    local = now.astimezone(generator.BEIJING)
    if local.day < day:
        target = local.replace(day=day, hour=9, minute=0, second=0, microsecond=0)
        sandbox.advance_clock(seconds=(target - local).total_seconds())
    return clock_now(sandbox)


def records(sandbox, cycle, account_name=DEMO, **query) -> dict[str, object]:
    """Every detail record (one per bill line) of the customer's cycle, by line id."""
    total, found = bills.all_fee_records(sandbox.customer_client(account_name), cycle, **query)
    assert total == len(found)
    by_id = {record.id: record for record in found}
    assert len(by_id) == total  # line ids are unique
    return by_id


def own_sum(sandbox, cycle):
    return sandbox.customer_client(DEMO).show_customer_monthly_sum(
        ShowCustomerMonthlySumRequest(bill_cycle=cycle, limit=1000)
    )


def bought_and_paid(sandbox, **fields) -> dict:
    order = life.purchase(sandbox, **fields)
    life.pay(sandbox.customer_client(DEMO), order["order_id"])
    return order


def test_the_open_cycle_has_lines_for_the_days_gone_by_and_none_after(sandbox):
    reset_at = clock_now(sandbox)
    now = on_day(sandbox, 4)
    cycle, today = generator.cycle_of(now), generator.bill_day(now)

    found = records(sandbox, cycle)

    assert found
    assert {record.bill_date for record in found.values()} <= {f"{cycle}-{day:02d}" for day in range(1, 32)}
    assert max(record.bill_date for record in found.values()) < today  # nothing of today or later yet
    # The pay-per-use resources: a usage line for every day they ran this month, up to yesterday.
    usage = [r for r in found.values() if r.resource_id in RUNNING]
    assert {(r.bill_type, r.charge_mode, r.usage_measure_id) for r in usage} <= {(5, "3", 4), (5, "3", 10)}
    started = generator.bill_day(reset_at - timedelta(days=12))  # a part of that day
    full_days = [d for d in (f"{cycle}-{day:02d}" for day in range(1, 32)) if started < d < today]
    assert full_days
    for resource_id in RUNNING:
        dates = sorted(r.bill_date for r in usage if r.resource_id == resource_id)
        assert [d for d in dates if d > started] == full_days
        assert dates[0] >= started
    # c7.large.2.linux in Hong Kong: 34.80 a month / 720 h x 1.4 = 0.0677 an hour, 10 % partner discount.
    full_day = next(r for r in usage if r.resource_id == ECS_BATCH and r.bill_date in full_days)
    assert (full_day.usage, full_day.unit_price, full_day.official_amount) == (24, Decimal("0.0677"), Decimal("1.62"))
    assert (full_day.discount_amount, full_day.amount) == (Decimal("0.16"), Decimal("1.46"))
    assert full_day.amount == full_day.cash_amount + full_day.credit_amount + full_day.coupon_amount
    # Generated lines too (the share decided when the cycle opened), never those of future days.
    assert len(found) > len(usage)


def test_the_partner_bill_of_the_open_cycle_is_not_out_yet(sandbox, bss):
    cycle = generator.cycle_of(on_day(sandbox, 3))

    bills.expect_error(lambda: bills.partner_bill(bss, cycle), 400, "CBC.99008001")


def test_moving_the_clock_adds_days_and_keeps_what_was_shown(sandbox):
    now = on_day(sandbox, 2)
    cycle, today = generator.cycle_of(now), generator.bill_day(now)
    before = records(sandbox, cycle)

    sandbox.advance_clock(days=2)

    after = records(sandbox, cycle)
    later = generator.bill_day(clock_now(sandbox))
    assert set(before) < set(after)
    assert all(after[line_id].to_dict() == record.to_dict() for line_id, record in before.items())
    new_days = {after[line_id].bill_date for line_id in set(after) - set(before)}
    assert new_days and min(new_days) >= today and max(new_days) < later


def test_paying_a_console_purchase_adds_its_new_purchase_line_at_once(sandbox):
    now = on_day(sandbox, 2)
    cycle = generator.cycle_of(now)
    sum_before = own_sum(sandbox, cycle).consume_amount

    order = bought_and_paid(sandbox, region="ap-southeast-3", spec="c7.xlarge.2.linux", size=60, period_num=2)

    lines = records(sandbox, cycle, trade_id=order["order_id"])
    paid = bills.customer_bss(sandbox).list_customer_orders(ListCustomerOrdersRequest(order_id=order["order_id"]))
    (info,) = paid.order_infos
    assert info.status == 5
    resources = {r.resource_id: r for r in life.resources(sandbox.customer_client(DEMO), order_id=order["order_id"])}
    assert len(lines) == 2  # the ECS and its system disk
    assert {(r.bill_type, r.charge_mode, r.region, r.order_id) for r in lines.values()} == {
        (1, "1", "ap-southeast-3", order["order_id"])
    }
    assert {r.resource_id for r in lines.values()} == set(resources)
    assert {r.cloud_service_type for r in lines.values()} == {"hws.service.type.ec2", "hws.service.type.ebs"}
    assert {r.bill_date for r in lines.values()} == {generator.bill_day(now)}  # today's, shown at once
    assert sum(r.amount for r in lines.values()) == Decimal(str(info.amount_after_discount))
    assert sum(r.official_amount for r in lines.values()) == Decimal(str(info.official_amount))
    assert own_sum(sandbox, cycle).consume_amount == sum_before + Decimal(str(info.amount_after_discount))


def test_renewals_and_unsubscriptions_are_lines_of_the_cycle(sandbox):
    cycle = generator.cycle_of(on_day(sandbox, 2))
    demo = sandbox.customer_client(DEMO)

    (renewal_id,) = life.renew(demo, [life.RESOURCE_FAR_EXPIRY], auto_pay=1).order_ids
    (refund_id,) = life.unsubscribe(demo, [life.RESOURCE_NEAR_EXPIRY]).order_ids

    renewal = records(sandbox, cycle, trade_id=renewal_id)
    refund = records(sandbox, cycle, trade_id=refund_id)
    assert {(r.bill_type, r.charge_mode, r.resource_id) for r in renewal.values()} == {
        (2, "1", life.RESOURCE_FAR_EXPIRY)
    }
    assert sum(r.amount for r in renewal.values()) == Decimal(
        str(life.details(demo, renewal_id).order_info.amount_after_discount)
    )
    assert {r.bill_type for r in refund.values()} == {4}
    assert life.RESOURCE_NEAR_EXPIRY in {r.resource_id for r in refund.values()}
    assert all(r.amount < 0 for r in refund.values())
    assert sum(r.amount for r in refund.values()) == Decimal(
        str(life.details(demo, refund_id).order_info.amount_after_discount)
    )


def test_an_auto_renewal_is_a_line_of_the_cycle_it_is_charged_in(sandbox):
    eip = life.resource(sandbox.customer_client(DEMO), life.RESOURCE_AUTO_RENEW)
    expiry = life.at(eip.expire_time)

    sandbox.advance_clock(seconds=(expiry - clock_now(sandbox)).total_seconds() + 3600)

    renewals = bills.customer_bss(sandbox).list_customer_orders(ListCustomerOrdersRequest(order_type="2", limit=100))
    (order,) = [o for o in renewals.order_infos if o.source_type == 8]
    cycle = generator.cycle_of(life.at(order.payment_time))
    lines = records(sandbox, cycle, trade_id=order.order_id)
    assert {(r.bill_type, r.charge_mode) for r in lines.values()} == {(8, "1")}
    assert {r.resource_id for r in lines.values()} >= {life.RESOURCE_AUTO_RENEW}
    assert sum(r.amount for r in lines.values()) == Decimal(str(order.amount_after_discount))


def test_the_monthly_sum_of_the_open_cycle_is_the_sum_of_the_records_so_far(sandbox, bss):
    cycle = generator.cycle_of(on_day(sandbox, 3))
    bought_and_paid(sandbox, service="evs", spec="SSD", size=100)
    found = records(sandbox, cycle)

    own = own_sum(sandbox, cycle)
    partner_view = bills.monthly_sum(bss, cycle, DEMO_ID)
    response = bills.costs(sandbox.customer_client(DEMO), cycle, cycle)
    record_details = sandbox.customer_client(DEMO).list_customerself_resource_record_details(
        ListCustomerselfResourceRecordDetailsRequest(body=QueryResRecordsDetailReq(cycle=cycle, limit=1000))
    )

    expected = sum(record.amount for record in found.values())
    assert own.consume_amount == expected > 0
    assert own.consume_amount == own.cash_amount + own.credit_amount + own.coupon_amount
    assert own.consume_amount == sum(item.consume_amount for item in own.bill_sums)
    assert [item.to_dict() for item in own.bill_sums] == [item.to_dict() for item in partner_view.bill_sums]
    by_mode = Counter()
    for record in found.values():
        by_mode[int(record.charge_mode)] += record.amount
    sums_by_mode = Counter()
    for item in own.bill_sums:
        sums_by_mode[item.charging_mode] += item.consume_amount
    assert sums_by_mode == by_mode
    (total,) = response.cost_data
    assert Decimal(total.amount_by_costs) == expected
    assert sum(r.consume_amount for r in record_details.monthly_records) == expected


def test_the_closed_bill_holds_every_line_seen_while_open_and_reconciles(sandbox, bss):
    cycle = generator.cycle_of(on_day(sandbox, 3))
    order = bought_and_paid(sandbox, service="eip", spec="5_bgp", size=10)
    seen = records(sandbox, cycle)
    assert any(record.trade_id == order["order_id"] for record in seen.values())

    sandbox.advance_clock(seconds=(generator.closes_at(cycle) - clock_now(sandbox)).total_seconds() + 3600)

    bill = bills.partner_bill(bss, cycle)
    body = s3_client(sandbox.url).get_object(Bucket=BUCKET, Key=generator.object_key(cycle))["Body"].read()
    rows = [row for _, part in bills.read_parts(body) for row in part]
    mine = {row["Line ID"]: row for row in rows if row["Customer ID"] == DEMO_ID}
    assert set(seen) <= set(mine)  # every line shown while open is in the bill ...
    for line_id, record in seen.items():  # ... unchanged
        row = mine[line_id]
        assert (row["Bill Date"], int(row["Bill Type"]), row["Billing Mode"]) == (
            record.bill_date,
            record.bill_type,
            record.charge_mode,
        )
        assert (row["Resource ID"], row["Trade ID"], Decimal(row["Consume Amount"])) == (
            record.resource_id,
            record.trade_id,
            record.amount,
        )
    assert len(mine) > len(seen)  # and the rest of the month
    # The closed cycle's records are the file's lines.
    closed = records(sandbox, cycle)
    assert {line_id: r.amount for line_id, r in closed.items()} == {
        line_id: Decimal(row["Consume Amount"]) for line_id, row in mine.items()
    }
    # Reconciliation to the cent: file = partner bill = the customers' monthly sums.
    by_kind, by_customer = Counter(), Counter()
    for row in rows:
        amount = Decimal(row["Consume Amount"])
        by_kind[generator.bill_type_kind(int(row["Bill Type"]))] += amount
        by_customer[row["Customer ID"]] += amount
    assert (bill.consume_amount, bill.refunds, bill.adjustments) == (by_kind[1], by_kind[2], by_kind[3])
    assert bill.initial_amount_due == sum(by_kind.values())
    sandbox.config(throttling=False)
    monthly = {customer_id: bills.monthly_sum(bss, cycle, customer_id).consume_amount for customer_id in by_customer}
    assert monthly == dict(by_customer)
    assert sum(monthly.values()) == bill.initial_amount_due


def test_a_customer_registered_this_month_has_only_its_own_lines(sandbox, bss):
    cycle = generator.cycle_of(on_day(sandbox, 2))
    customer_id = customer_life.register_customer(bss, sandbox)
    customer_life.set_budget(bss, customer_id, Decimal("300.00"))
    assert records(sandbox, cycle, customer_life.NAME) == {}  # no share of generated lines: it joined this month

    order = life.purchase(sandbox, customer_id=customer_id, service="evs", region="ap-southeast-2", spec="SAS", size=50)
    life.pay(sandbox.customer_client(customer_life.NAME), order["order_id"])

    found = records(sandbox, cycle, customer_life.NAME)
    assert {(r.trade_id, r.bill_type, r.customer_id) for r in found.values()} == {(order["order_id"], 1, customer_id)}
    assert sum(r.amount for r in found.values()) == Decimal(str(order["amount_after_discount"]))


def test_the_open_cycle_can_be_opened_again_with_other_shares(sandbox):
    cycle = generator.cycle_of(clock_now(sandbox))

    response = sandbox.http.post(
        f"{sandbox.url}/_sandbox/bills/open", json={"lines": 1_200, "customers": 2}, timeout=30
    )

    assert response.status_code == 201, response.text
    opened = response.json()
    assert (opened["cycle"], opened["generated_lines"], opened["customers"]) == (cycle, 1_200, 14)
    assert sum(share["lines"] for share in opened["largest_shares"]) <= 1_200
    listed = sandbox.http.get(f"{sandbox.url}/_sandbox/bills", timeout=10).json()
    assert opened in listed["open_cycles"]
    assert cycle not in {bill["cycle"] for bill in listed["bills"]}


def test_only_an_open_cycle_can_be_opened_again(sandbox):
    closed = generator.latest_closed_cycle(clock_now(sandbox))
    later = generator.shift_cycle(generator.cycle_of(clock_now(sandbox)), 1)

    for body in ({"cycle": closed}, {"cycle": later}, {"cycle": "2026/12"}, {"lines": -1}, {"days": 3}):
        response = sandbox.http.post(f"{sandbox.url}/_sandbox/bills/open", json=body, timeout=10)
        assert response.status_code == 400, body
        assert response.json()["error"]
