"""customers_sync mirrors HUAWEI CLOUD's customer list into Customer rows, against the sandbox."""

from datetime import UTC, datetime
from unittest import mock

import pytest

from customers import services, tasks
from customers.models import Customer
from huaweicloud import bss
from huaweicloud.errors import CloudMisconfigured, CloudUnavailable
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

DEMO_ID = "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a"


def cloud_customers():
    return bss.list_sub_customers(limit=100)


def test_sync_creates_the_sandbox_customers(sandbox):
    listed = cloud_customers()

    result = services.customers_sync()

    assert result.seen == result.created == listed.count == Customer.objects.count()
    demo = Customer.objects.get(customer_id=DEMO_ID)
    assert demo.account_name == "demo-customer"
    assert demo.xaccount_id == "pp-demo-customer"
    assert demo.email == "demo-customer@example.com"
    assert demo.mobile == "0065-81234567"
    assert demo.real_name == "Demo Customer"
    assert demo.real_name_status == Customer.RealNameStatus.APPROVED
    assert demo.customer_type == Customer.CustomerType.INDIVIDUAL
    assert demo.is_frozen is False
    assert demo.associated_on == datetime(2024, 1, 15, 2, 30, tzinfo=UTC)
    assert demo.customer_level == "V1"
    assert demo.label == "demo"
    assert demo.binding == Customer.Binding.BOUND
    assert demo.synced_at is not None


def test_second_run_changes_nothing(sandbox, django_assert_max_num_queries):
    services.customers_sync()
    before = {c.pk: (c.updated_at, *(getattr(c, f) for f in services.MIRRORED_FIELDS)) for c in Customer.objects.all()}

    # Claiming the run (savepoint, read, insert, release); one page (savepoint, read with its lock,
    # the synced_at touch, the run's cursor, release); the end (count seen, any unseen?, finish the run).
    with django_assert_max_num_queries(12):
        result = services.customers_sync()

    assert (result.created, result.updated, result.bound, result.unchanged) == (0, 0, 0, len(before))
    after = {c.pk: (c.updated_at, *(getattr(c, f) for f in services.MIRRORED_FIELDS)) for c in Customer.objects.all()}
    assert after == before


def test_changes_in_the_cloud_update_the_row(sandbox):
    services.customers_sync()
    sandbox.update_customer(DEMO_ID, verified_status="1", label="vip", is_frozen=1)

    result = services.customers_sync()

    assert (result.created, result.updated) == (0, 1)
    demo = Customer.objects.get(customer_id=DEMO_ID)
    assert (demo.real_name_status, demo.label, demo.is_frozen) == (Customer.RealNameStatus.REJECTED, "vip", True)


def test_a_pending_customer_with_the_same_xaccount_id_is_bound_not_duplicated(sandbox):
    pending = CustomerFactory(
        account_name="demo-customer",
        xaccount_id="pp-demo-customer",
        customer_id=None,
        binding=Customer.Binding.PENDING,
        real_name_status=Customer.RealNameStatus.NOT_SUBMITTED,
    )

    result = services.customers_sync()

    assert result.bound == 1
    assert Customer.objects.filter(xaccount_id="pp-demo-customer").count() == 1
    pending.refresh_from_db()
    assert pending.customer_id == DEMO_ID
    assert pending.binding == Customer.Binding.BOUND
    assert pending.real_name_status == Customer.RealNameStatus.APPROVED
    assert pending.user is not None  # the local side of the row is kept


def test_an_xaccount_id_bound_to_another_customer_is_left_alone(sandbox):
    other = CustomerFactory(xaccount_id="pp-demo-customer", customer_id="someone-else")

    result = services.customers_sync()

    assert result.conflicts == 1
    other.refresh_from_db()
    assert other.customer_id == "someone-else"
    assert not Customer.objects.filter(customer_id=DEMO_ID).exists()


def test_a_failure_part_way_keeps_written_pages_and_touches_nothing_else(sandbox):
    listed = cloud_customers()
    assert listed.count > 2
    local = CustomerFactory(account_name="local-only")
    local_before = Customer.objects.filter(pk=local.pk).values().get()
    real_list = bss.list_sub_customers
    calls = []

    def second_page_fails(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            sandbox.add_fault("list_sub_customers", "error", status=500, error_code="CBC.0999")
        return real_list(**kwargs)

    with (
        mock.patch("huaweicloud.bss.list_sub_customers", autospec=True, side_effect=second_page_fails),
        pytest.raises(CloudUnavailable),
    ):
        services.customers_sync(page_size=2)

    first_page = {c.customer_id for c in listed.items[:2]}
    assert set(Customer.objects.exclude(pk=local.pk).values_list("customer_id", flat=True)) == first_page
    for customer in Customer.objects.filter(customer_id__in=first_page):
        assert customer.binding == Customer.Binding.BOUND and customer.synced_at is not None
    assert Customer.objects.filter(pk=local.pk).values().get() == local_before

    sandbox.clear_faults()
    result = services.customers_sync(page_size=2)
    assert result.created == listed.count - 2
    assert Customer.objects.count() == listed.count + 1


def test_task_runs_the_sync(sandbox):
    counts = tasks.customers_sync.apply().get()
    assert counts["created"] == Customer.objects.count() > 0


def test_task_retries_when_the_cloud_is_unavailable():
    unavailable = CloudUnavailable(operation="list_sub_customers", error_code="CBC.0999")
    with mock.patch(
        "customers.services.customers_sync",
        autospec=True,
        side_effect=[unavailable, services.CustomersSyncResult(seen=1, created=1)],
    ) as sync:
        # throw=False: let apply() run the retry eagerly instead of raising celery's Retry.
        result = tasks.customers_sync.apply(throw=False)
    assert sync.call_count == 2
    assert result.get()["created"] == 1


def test_task_does_not_retry_a_misconfiguration():
    misconfigured = CloudMisconfigured(operation="list_sub_customers", status_code=401, error_code="APIGW.0301")
    with (
        mock.patch("customers.services.customers_sync", autospec=True, side_effect=misconfigured) as sync,
        pytest.raises(CloudMisconfigured),
    ):
        tasks.customers_sync.apply(throw=False).get()
    assert sync.call_count == 1
