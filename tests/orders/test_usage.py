"""Usage page and CSV: totals equal the sandbox's resource records to the cent."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from huaweicloudsdkbssintl.v2 import model as m

from tests.orders import test_resources_support as support

pytestmark = pytest.mark.django_db
demo = support.demo  # the fixture


def _closed_cycle(sandbox) -> str:
    year, month = (int(part) for part in sandbox.clock()["now"][:7].split("-"))
    year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _sandbox_records(sandbox, cycle: str, statistic_type: int) -> list:
    client = sandbox.customer_client("demo-customer")
    records, offset = [], 0
    while True:
        answer = client.list_customerself_resource_records(
            m.ListCustomerselfResourceRecordsRequest(
                cycle=cycle, statistic_type=statistic_type, include_zero_record=False, offset=offset, limit=1000
            )
        )
        records += answer.fee_records or []
        offset += len(answer.fee_records or [])
        if not answer.fee_records or offset >= answer.total_count:
            return records


@pytest.mark.parametrize("by", ["cycle", "day"])
def test_usage_totals_equal_the_sandbox_records_to_the_cent(client, demo, sandbox, by):
    cycle = _closed_cycle(sandbox)
    records = _sandbox_records(sandbox, cycle, 1 if by == "cycle" else 2)
    expected = sum((Decimal(str(r.amount)) for r in records), Decimal("0"))
    per_service: dict[str, Decimal] = {}
    for r in records:
        per_service[r.cloud_service_type] = per_service.get(r.cloud_service_type, Decimal("0")) + Decimal(str(r.amount))
    client.force_login(demo.user)

    response = client.get(reverse("usage"), {"month": cycle, "by": by})

    assert response.status_code == 200
    usage = response.context["usage"]
    assert expected > 0
    assert usage.total == expected
    assert usage.total == usage.monthly_sum  # and HUAWEI CLOUD's monthly sum agrees
    assert {s.code: s.amount for s in usage.services} == per_service
    assert sum(usage.daily_total, Decimal("0")) == expected  # the chart shows the same money
    assert f"{expected:.2f} USD" in response.content.decode()
    assert len(usage.records) == len(records)
    chart = response.context["chart_data"]
    assert len(chart["labels"]) in (28, 29, 30, 31)


def test_usage_csv_streams_every_record(client, demo, sandbox):
    cycle = _closed_cycle(sandbox)
    records = _sandbox_records(sandbox, cycle, 2)
    client.force_login(demo.user)

    response = client.get(reverse("usage_csv"), {"month": cycle, "by": "day"})

    assert response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="usage-{cycle}-day.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == len(records)
    assert sum(Decimal(row["amount"]) for row in rows) == sum(Decimal(str(r.amount)) for r in records)


def test_usage_csv_when_huawei_cloud_is_down_goes_back_to_the_page_with_the_reason(client, demo, sandbox):
    cycle = _closed_cycle(sandbox)
    client.force_login(demo.user)
    sandbox.add_fault("list_customerself_resource_records", "error", status=500, count=1)

    response = client.get(reverse("usage_csv"), {"month": cycle, "by": "day"})

    assert response.status_code == 302  # not a 200 whose file breaks off after the header
    assert response["Location"].startswith(reverse("usage") + f"?month={cycle}")
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error" and "HUAWEI CLOUD" in str(message)
    assert str(message) in client.get(response["Location"]).content.decode()
    assert client.get(reverse("usage_csv"), {"month": cycle, "by": "day"}).status_code == 200  # once it answers


def test_usage_when_huawei_cloud_is_down_says_so(client, demo, sandbox):
    sandbox.add_fault("list_customerself_resource_records", "error", status=500)
    client.force_login(demo.user)

    response = client.get(reverse("usage"))

    assert response.status_code == 200
    assert response.context["error"]


def test_usage_needs_a_customer(client):
    assert client.get(reverse("usage")).status_code == 302  # to sign in
