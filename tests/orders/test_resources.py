"""Resources: the mirror and its sync, the list page, renewals, auto-renewal and unsubscription,
against the sandbox over real HTTP."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from huaweicloud import resources as cloud
from huaweicloud.errors import CloudUnavailable
from orders import resources as services
from orders.models import RenewalAttempt, Resource, ResourceSync, Unsubscription
from partner_portal.models import AuditEntry
from tests.factories import CustomerFactory
from tests.orders import test_resources_support as support
from tests.orders.test_resources_support import ECS, EIP, GPSSD_DISK

pytestmark = pytest.mark.django_db
demo = support.demo  # the fixture


def test_sync_mirrors_the_demo_resources_and_changes_nothing_the_second_time(demo):
    first = services.resources_sync(customer=demo)

    assert (first.seen, first.created) == (7, 7)
    (disk,) = Resource.objects.get(resource_id=ECS).attached.all()
    assert disk.resource_type_code == "hws.resource.type.volume" and not disk.is_main_resource
    assert Resource.objects.get(resource_id=EIP).auto_renew
    assert demo.on_demand_resources.count() == 4
    second = services.resources_sync(customer=demo)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 7)
    assert Resource.objects.count() == 7
    assert ResourceSync.objects.get(customer=demo).status == ResourceSync.Status.IDLE


def test_resources_mirrored_before_their_order_get_its_id_when_the_order_is_synced(demo):
    from orders import services as order_services

    services.resources_sync(customer=demo)  # first, as when both syncs start together
    assert Resource.objects.get(resource_id=ECS).order_id == ""

    order_services.orders_sync(customer=demo)

    ecs = Resource.objects.get(resource_id=ECS)
    assert ecs.order_id.startswith("CS")
    assert ecs.attached.get().order_id == ecs.order_id  # its disk came with the same order


def test_sync_resumes_from_its_cursor_after_hudawei_cloud_fails_midway(demo):
    real = cloud.subscriptions_list
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["offset"])
        if len(calls) == 2:
            raise CloudUnavailable(operation="list_pay_per_use_customer_resources", error_code="CBC.0999")
        return real(**kwargs)

    with mock.patch.object(cloud, "subscriptions_list", side_effect=flaky), pytest.raises(CloudUnavailable):
        services.resources_sync(customer=demo, page_size=3)
    state = ResourceSync.objects.get(customer=demo)
    assert (state.status, state.next_offset) == (ResourceSync.Status.FAILED, 3)
    assert Resource.objects.count() == 3

    with mock.patch.object(cloud, "subscriptions_list", side_effect=flaky):
        services.resources_sync(customer=demo, page_size=3)

    assert calls[2] == 3  # continued after the page it wrote, not from the start
    assert Resource.objects.count() == 7
    assert ResourceSync.objects.get(customer=demo).run == 1  # same pass


def test_a_resource_no_longer_listed_is_marked_after_a_complete_pass(demo):
    services.resources_sync(customer=demo)
    gone = Resource.objects.create(customer=demo, resource_id="gone-1", resource_name="old", is_main_resource=True)
    Resource.objects.filter(pk=gone.pk).update(created_at=gone.created_at.replace(year=2020))

    result = services.resources_sync(customer=demo)

    assert result.unlisted == 1
    assert not Resource.objects.get(pk=gone.pk).listed


def test_resources_page_groups_attached_resources_under_their_main_one(client, demo):
    services.resources_sync(customer=demo)
    client.force_login(demo.user)

    response = client.get(reverse("resources"))

    assert response.status_code == 200
    html = response.content.decode()
    # Soonest expiry first; the ECS's disk right under it.
    disk = Resource.objects.get(parent__resource_id=ECS)
    assert html.index(ECS) < html.index(disk.resource_id) < html.index(EIP) < html.index(GPSSD_DISK)
    assert "service=ecs&amp;action=manage" in html
    expiring = client.get(reverse("resources"), {"expiring": "on"}).content.decode()
    assert ECS in expiring and GPSSD_DISK not in expiring
    evs = client.get(reverse("resources"), {"service": "hws.service.type.ebs"}).content.decode()
    assert GPSSD_DISK in evs and EIP not in evs


def test_renew_shows_the_quote_then_renews_once_per_key(client, demo, sandbox):
    services.resources_sync(customer=demo)
    before = Resource.objects.get(resource_id=ECS).expires_at
    client.force_login(demo.user)

    page = client.get(reverse("resource_renew"), {"ids": ECS, "period": "2:1", "pay": "now"})
    assert page.status_code == 200
    quote = page.context["quote"]
    assert quote.amount == Decimal("27.75")
    assert "27.75 USD" in page.content.decode()
    key = page.context["confirm"]["idempotency_key"].value()

    data = {"ids": ECS, "period": "2:1", "pay": "now", "idempotency_key": key, "quoted_amount": "27.75"}
    response = client.post(reverse("resource_renew"), data)
    again = client.post(reverse("resource_renew"), data)

    attempt = RenewalAttempt.objects.get()
    assert response.url == again.url == reverse("resource_renewal", args=[attempt.pk])
    assert attempt.status == RenewalAttempt.Status.DONE and len(attempt.order_ids) == 1
    assert len(sandbox.requests(operation="renewal_resources")) == 1
    assert Resource.objects.get(resource_id=ECS).expires_at > before  # read back from HUAWEI CLOUD
    assert AuditEntry.objects.filter(action="resource.renew").count() == 1


def test_renewal_the_cloud_refuses_for_one_resource_reports_it_and_renews_the_other(client, demo):
    services.resources_sync(customer=demo)
    ecs, disk = Resource.objects.get(resource_id=ECS), Resource.objects.get(resource_id=GPSSD_DISK)
    # A renewal order left unpaid: HUAWEI CLOUD refuses to renew the ECS again (CBC.30050010).
    services.resources_renew(
        customer=demo, resources=[ecs], period_type=2, period_num=1, auto_pay=False, idempotency_key=uuid.uuid4()
    )
    disk_before = disk.expires_at
    client.force_login(demo.user)

    response = client.post(
        reverse("resource_renew"),
        {"ids": [ECS, GPSSD_DISK], "period": "2:1", "pay": "now", "idempotency_key": str(uuid.uuid4())},
    )

    attempt = RenewalAttempt.objects.filter(auto_pay=True).get()
    assert [f["resource_id"] for f in attempt.failures] == [ECS]
    assert Resource.objects.get(resource_id=GPSSD_DISK).expires_at > disk_before
    html = client.get(response.url).content.decode()
    assert "Refused" in html and "Accepted" in html and "CBC.30050010" in html


def test_an_unclear_renewal_is_checked_not_sent_again(client, demo, sandbox, settings):
    services.resources_sync(customer=demo)
    ecs = Resource.objects.get(resource_id=ECS)
    before = ecs.expires_at
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "READ_TIMEOUT": 1}
    sandbox.add_fault("renewal_resources", "delay", delay=2, count=1)

    attempt = services.resources_renew(
        customer=demo, resources=[ecs], period_type=2, period_num=1, auto_pay=True, idempotency_key=uuid.uuid4()
    )
    assert attempt.status == RenewalAttempt.Status.UNCLEAR
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "READ_TIMEOUT": 20}
    time.sleep(1.5)  # the sandbox finishes the delayed renewal meanwhile, as HUAWEI CLOUD would
    services.renewal_attempt_resolve(attempt=attempt)

    attempt.refresh_from_db()
    assert attempt.status == RenewalAttempt.Status.DONE
    assert Resource.objects.get(resource_id=ECS).expires_at > before
    assert len(sandbox.requests(operation="renewal_resources")) == 1


def test_auto_renewal_on_and_off(client, demo):
    services.resources_sync(customer=demo)
    client.force_login(demo.user)
    url = reverse("resource_autorenew", args=[GPSSD_DISK])

    client.post(url, {"action": "on", "period": "YEAR"})
    disk = Resource.objects.get(resource_id=GPSSD_DISK)
    assert disk.auto_renew and disk.auto_renew_period == "YEAR"
    services.resources_sync(customer=demo)
    assert Resource.objects.get(resource_id=GPSSD_DISK).auto_renew  # HUAWEI CLOUD says so too

    client.post(url, {"action": "off"})
    services.resources_sync(customer=demo)
    assert not Resource.objects.get(resource_id=GPSSD_DISK).auto_renew
    assert AuditEntry.objects.filter(action__startswith="resource.autorenew").count() == 2


def test_unsubscribe_needs_each_resource_ticked_and_shows_the_refund(client, demo):
    services.resources_sync(customer=demo)
    client.force_login(demo.user)
    page = client.get(reverse("resource_unsubscribe"), {"ids": GPSSD_DISK})
    assert page.context["estimate"].amount > 0
    assert "estimate" in page.content.decode()
    key = page.context["form"]["idempotency_key"].value()

    refused = client.post(reverse("resource_unsubscribe"), {"ids": GPSSD_DISK, "idempotency_key": key})
    assert refused.status_code == 200 and not Unsubscription.objects.exists()

    response = client.post(
        reverse("resource_unsubscribe"), {"ids": GPSSD_DISK, "idempotency_key": key, f"confirm_{GPSSD_DISK}": "on"}
    )

    unsubscription = Unsubscription.objects.get()
    assert response.url == reverse("resource_unsubscription", args=[unsubscription.pk])
    assert unsubscription.status == Unsubscription.Status.DONE
    assert unsubscription.refund_amount > 0 and unsubscription.refund_lines
    assert Resource.objects.get(resource_id=GPSSD_DISK).status == Resource.Status.CLOSED
    html = client.get(response.url).content.decode()
    assert f"{unsubscription.refund_amount} USD" in html


def test_another_customers_resources_are_not_found(client, demo):
    services.resources_sync(customer=demo)
    other = CustomerFactory()
    client.force_login(other.user)

    assert client.get(reverse("resource_autorenew", args=[ECS])).status_code == 404
    assert client.post(reverse("resource_autorenew", args=[ECS]), {"action": "off"}).status_code == 404
    assert client.get(reverse("resource_renew"), {"ids": ECS}).status_code == 404
    assert client.get(reverse("resource_unsubscribe"), {"ids": ECS}).status_code == 404
    attempt = services.resources_renew(
        customer=demo,
        resources=[Resource.objects.get(resource_id=GPSSD_DISK)],
        period_type=2,
        period_num=1,
        auto_pay=False,
        idempotency_key=uuid.uuid4(),
    )
    assert client.get(reverse("resource_renewal", args=[attempt.pk])).status_code == 404
    assert ECS not in client.get(reverse("resources")).content.decode()


def test_wrong_method_is_refused(client, demo):
    client.force_login(demo.user)
    assert client.get(reverse("resources_refresh")).status_code == 405
    assert client.post(reverse("resources")).status_code == 405


def test_resources_page_in_chinese(client, demo):
    services.resources_sync(customer=demo)
    client.force_login(demo.user)

    html = client.get(reverse("resources"), headers={"accept-language": "zh-hans"}).content.decode()

    assert "包年/包月" in html and "开通自动续费" in html and "退订" in html


def test_renewing_again_after_an_unclear_renewal_that_went_through_is_refused(demo, sandbox, settings):
    services.resources_sync(customer=demo)
    ecs = Resource.objects.get(resource_id=ECS)
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "READ_TIMEOUT": 1}
    sandbox.add_fault("renewal_resources", "delay", delay=2, count=1)
    unclear = services.resources_renew(
        customer=demo, resources=[ecs], period_type=2, period_num=1, auto_pay=True, idempotency_key=uuid.uuid4()
    )
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "READ_TIMEOUT": 20}
    time.sleep(1.5)

    with pytest.raises(services.ResourceActionRefused) as refused:
        services.resources_renew(
            customer=demo, resources=[ecs], period_type=2, period_num=1, auto_pay=True, idempotency_key=uuid.uuid4()
        )

    assert refused.value.attempt == unclear
    assert RenewalAttempt.objects.get().status == RenewalAttempt.Status.DONE
    assert len(sandbox.requests(operation="renewal_resources")) == 1


def test_unsubscription_the_cloud_refuses_for_one_resource_reports_it_and_applies_the_other(client, demo):
    services.resources_sync(customer=demo)
    ecs = Resource.objects.get(resource_id=ECS)
    # A renewal order left unpaid: HUAWEI CLOUD will not unsubscribe the ECS meanwhile.
    services.resources_renew(
        customer=demo, resources=[ecs], period_type=2, period_num=1, auto_pay=False, idempotency_key=uuid.uuid4()
    )
    client.force_login(demo.user)

    response = client.post(
        reverse("resource_unsubscribe"),
        {
            "ids": [ECS, GPSSD_DISK],
            "idempotency_key": str(uuid.uuid4()),
            f"confirm_{ECS}": "on",
            f"confirm_{GPSSD_DISK}": "on",
        },
    )

    unsubscription = Unsubscription.objects.get()
    assert unsubscription.status == Unsubscription.Status.DONE
    assert [f["resource_id"] for f in unsubscription.failures] == [ECS]
    assert Resource.objects.get(resource_id=GPSSD_DISK).status == Resource.Status.CLOSED
    assert Resource.objects.get(resource_id=ECS).status == Resource.Status.IN_USE
    html = client.get(response.url).content.decode()
    assert "Refused" in html and "Accepted" in html


def test_the_periodic_sync_covers_every_bound_customer(demo):
    from orders import tasks

    CustomerFactory(customer_id=None, binding="pending")  # not bound yet: skipped

    assert tasks.resources_sync_all.delay().get() == 1
    assert Resource.objects.filter(customer=demo).count() == 7
    tasks.resources_sync_all.delay()  # again: nothing new
    assert Resource.objects.count() == 7


def test_pay_per_use_page_shows_what_each_resource_cost_this_month(client, demo, sandbox):
    from huaweicloud import bills as cloud_bills
    from huaweicloud.types import Page
    from orders.models import OnDemandResource

    services.resources_sync(customer=demo)
    ecs = OnDemandResource.objects.get(resource_name="ecs-batch-01")
    record = mock.Mock(resource_id=ecs.resource_id, amount=Decimal("12.34"))
    other = mock.Mock(resource_id=ecs.resource_id, amount=Decimal("0.66"))
    with mock.patch.object(
        cloud_bills, "customer_resource_records", autospec=True, return_value=Page(count=2, items=(record, other))
    ) as records:
        services.on_demand_resources_sync(customer=demo)
    assert records.call_args.kwargs["charge_mode"] == 3  # pay-per-use records only
    client.force_login(demo.user)

    response = client.get(reverse("on_demand_resources"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "13.00 USD" in html and "ecs-old-test" in html
    assert OnDemandResource.objects.get(pk=ecs.pk).cost_this_month == Decimal("13.00")
