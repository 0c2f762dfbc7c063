"""Bills: partner summary, customer monthly sums and fee records, the OBS bill file in chunks."""

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from botocore.exceptions import ClientError
from huaweicloudsdkbssintl.v2 import model as m

from huaweicloud import bills
from huaweicloud.errors import CloudMisconfigured, CloudRejected, CloudUnavailable
from huaweicloud.types import CustomerRef
from tests.huaweicloud import gateway_fakes
from tests.huaweicloud.gateway_fakes import ALICE, rejected

fakes = gateway_fakes.fakes
fresh_tokens = gateway_fakes.fresh_tokens


def test_partner_bill_summary(fakes):
    fakes.partner_bss.list_postpaid_bill_sum.return_value = m.ListPostpaidBillSumResponse(
        bill_cycle="2024-05",
        initial_amount_due=Decimal("1234.56"),
        consume_amount=1300.0,
        refunds=-65.44,
        adjustments=0,
        tax_amount=Decimal("0"),
        currency="USD",
    )

    summary = bills.partner_bill_summary(cycle="2024-05")

    assert fakes.partner_bss.list_postpaid_bill_sum.call_args.args[0].bill_cycle == "2024-05"
    assert summary.initial_amount_due == Decimal("1234.56")
    assert summary.refunds == Decimal("-65.44")
    assert summary.adjustments == Decimal("0")


@pytest.mark.parametrize("cycle", ["2024-5", "2024-13", "202405", "", "2024-05-01"])
def test_bill_cycle_is_checked(fakes, cycle):
    with pytest.raises(ValueError):
        bills.partner_bill_summary(cycle=cycle)


def test_bill_not_ready_is_rejected(fakes):
    fakes.partner_bss.list_postpaid_bill_sum.side_effect = rejected(code="CBC.99008001", message="not generated yet")
    with pytest.raises(CloudRejected):
        bills.partner_bill_summary(cycle="2024-05")


def test_customer_monthly_sum_as_the_customer_or_the_partner(fakes):
    answer = m.ShowCustomerMonthlySumResponse(
        total_count=1,
        consume_amount=Decimal("10.50"),
        cash_amount=Decimal("10.50"),
        currency="USD",
        bill_sums=[
            m.BillSumRecordInfoV2(
                bill_cycle="2024-05",
                customer_id=ALICE.customer_id,
                charging_mode=1,
                bill_type=1,
                official_amount=Decimal("12.00"),
                official_discount_amount=Decimal("1.50"),
                consume_amount=Decimal("10.50"),
            )
        ],
    )
    fakes.customer(ALICE).show_customer_monthly_sum.return_value = answer
    fakes.partner_bss.show_customer_monthly_sum.return_value = answer

    mine = bills.customer_monthly_sum(customer=ALICE, cycle="2024-05")
    theirs = bills.customer_monthly_sum(customer=ALICE, cycle="2024-05", as_partner=True)

    assert mine == theirs
    assert mine.consume_amount == Decimal("10.50")
    assert mine.sums[0].official_discount_amount == Decimal("1.50")
    assert mine.debt_amount == Decimal("0")
    assert fakes.customer(ALICE).show_customer_monthly_sum.call_args.args[0].method == "oneself"
    partner_request = fakes.partner_bss.show_customer_monthly_sum.call_args.args[0]
    assert (partner_request.method, partner_request.sub_customer_id) == ("sub_customer", ALICE.customer_id)


def test_customer_resource_records(fakes):
    client = fakes.customer(ALICE)
    client.list_customerself_resource_records.return_value = m.ListCustomerselfResourceRecordsResponse(
        total_count=3,
        fee_records=[
            m.ResFeeRecordV2(
                bill_date="2024-05-03",
                bill_type=5,
                resource_id="vm-1",
                usage=Decimal("24"),
                unit_price=Decimal("0.0560"),
                official_amount=Decimal("1.34"),
                amount=Decimal("1.21"),
                charge_mode="3",
            )
        ],
        currency="USD",
    )

    page = bills.customer_resource_records(
        customer=ALICE,
        cycle="2024-05",
        statistic_type=bills.BY_DAY,
        charge_mode=3,
        bill_date_from=date(2024, 5, 1),
        bill_date_to=date(2024, 5, 31),
    )

    request = client.list_customerself_resource_records.call_args.args[0]
    assert (request.cycle, request.statistic_type, request.charge_mode) == ("2024-05", 2, "3")
    assert (request.bill_date_begin, request.bill_date_end) == ("2024-05-01", "2024-05-31")
    assert page.count == 3
    assert page.items[0].unit_price == Decimal("0.0560")
    with pytest.raises(ValueError):
        bills.customer_resource_records(customer=ALICE, cycle="2024-05", bill_date_from=date(2024, 5, 1))
    with pytest.raises(ValueError):
        bills.customer_resource_records(customer=ALICE, cycle="2024-05", statistic_type=4)


# --- the bill file --------------------------------------------------------------------------------------


class Body:
    def __init__(self, chunks):
        self.chunks, self.closed, self.asked = chunks, False, []

    def iter_chunks(self, size):
        self.asked.append(size)
        yield from self.chunks

    def close(self):
        self.closed = True


@pytest.fixture
def obs(settings, monkeypatch):
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "OBS_ENDPOINT": "http://127.0.0.1:9/obs", "BILL_BUCKET": "b"}
    client = mock.Mock()
    monkeypatch.setattr(bills, "_obs_client", lambda: client)
    return client


def test_bill_file_streams_in_chunks(obs):
    body = Body([b"abc", b"def"])
    obs.get_object.return_value = {"Body": body}

    chunks = bills.bill_file_chunks(cycle="2024-05", chunk_size=3)

    assert b"".join(chunks) == b"abcdef"
    obs.get_object.assert_called_once_with(Bucket="b", Key="customerBill/customerBill_202405.tar.gz")
    assert body.asked == [3] and body.closed


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("NoSuchKey", 404, CloudRejected),
        ("SignatureDoesNotMatch", 403, CloudMisconfigured),
        ("InternalError", 500, CloudUnavailable),
    ],
)
def test_bill_file_errors(obs, code, status, error):
    obs.get_object.side_effect = ClientError(
        {"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "r"}},
        "GetObject",
    )
    with pytest.raises(error) as raised:
        bills.bill_file_chunks(cycle="2024-05")
    assert raised.value.error_code == code


def test_bill_file_needs_a_bucket(settings):
    settings.HUAWEICLOUD = {k: v for k, v in settings.HUAWEICLOUD.items() if k != "BILL_BUCKET"}
    with pytest.raises(CloudMisconfigured):
        bills.bill_file_chunks(cycle="2024-05")


# --- against the sandbox ----------------------------------------------------------------------------------


def latest_bill(sandbox) -> dict:
    listed = sandbox.http.get(f"{sandbox.url}/_sandbox/bills", timeout=10)
    listed.raise_for_status()
    return max(listed.json()["bills"], key=lambda bill: bill["cycle"])


def test_partner_bill_summary_reconciles_with_customer_sums(sandbox):
    bill = latest_bill(sandbox)

    summary = bills.partner_bill_summary(cycle=bill["cycle"])
    demo = bills.customer_monthly_sum(
        customer=CustomerRef(sandbox.demo_customer["customer_id"], sandbox.demo_customer["account_name"]),
        cycle=bill["cycle"],
        as_partner=True,
    )

    assert summary.bill_cycle == bill["cycle"]
    assert summary.initial_amount_due == Decimal(str(bill["initial_amount_due"]))
    assert summary.initial_amount_due == summary.consume_amount + summary.refunds + summary.adjustments
    assert Decimal("0") < demo.consume_amount <= summary.consume_amount
    assert all(row.customer_id == sandbox.demo_customer["customer_id"] for row in demo.sums)


def test_partner_bill_of_an_open_cycle_is_rejected(sandbox):
    with pytest.raises(CloudRejected) as raised:
        bills.partner_bill_summary(cycle="2099-01")
    assert raised.value.error_code == "CBC.99008001"


def test_bill_file_streams_from_the_sandbox_obs(sandbox, settings):
    settings.HUAWEICLOUD = {
        **settings.HUAWEICLOUD,
        "OBS_ENDPOINT": f"{sandbox.url}/obs",
        "BILL_BUCKET": f"{sandbox.partner['domain_name']}-bills",
    }
    bill = latest_bill(sandbox)

    chunks = list(bills.bill_file_chunks(cycle=bill["cycle"], chunk_size=4096))

    assert sum(len(chunk) for chunk in chunks) == bill["size"]
    assert max(len(chunk) for chunk in chunks) <= 4096
    assert chunks[0][:2] == b"\x1f\x8b"  # gzip
    with pytest.raises(CloudRejected) as raised:
        bills.bill_file_chunks(cycle="2001-01")
    assert raised.value.error_code == "NoSuchKey"


def test_customer_sees_the_same_monthly_sum_as_the_partner(sandbox):
    cycle = latest_bill(sandbox)["cycle"]
    demo = CustomerRef(sandbox.demo_customer["customer_id"], sandbox.demo_customer["account_name"])

    mine = bills.customer_monthly_sum(customer=demo, cycle=cycle)
    partners_view = bills.customer_monthly_sum(customer=demo, cycle=cycle, as_partner=True)

    assert mine == partners_view
    assert mine.consume_amount == sum((row.consume_amount for row in mine.sums), Decimal("0"))


def test_customer_resource_records_add_up_to_the_monthly_sum(sandbox):
    cycle = latest_bill(sandbox)["cycle"]
    demo = CustomerRef(sandbox.demo_customer["customer_id"], sandbox.demo_customer["account_name"])

    records = bills.customer_resource_records(customer=demo, cycle=cycle, statistic_type=bills.BY_CYCLE, limit=1000)
    monthly = bills.customer_monthly_sum(customer=demo, cycle=cycle)

    assert records.count == len(records.items) > 0
    assert sum((r.amount for r in records.items), Decimal("0")) == monthly.consume_amount
    assert {r.customer_id for r in records.items} == {demo.customer_id}
