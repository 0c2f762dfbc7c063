"""Expiry reminders: 30, 7 and 1 days before a resource expires without auto-renewal, each once,
with the sandbox's clock and ours moved together."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from orders import resources as services
from orders import tasks
from orders.models import ExpiryReminder, Resource
from tests.factories import CustomerFactory
from tests.orders import test_resources_support as support
from tests.orders.test_resources_support import ECS

pytestmark = pytest.mark.django_db
demo = support.demo  # the fixture


def _run_daily_task_twice(django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.expiry_reminders_check.delay()


def test_each_reminder_is_sent_once_even_when_the_task_runs_twice(
    demo, sandbox, mailoutbox, django_capture_on_commit_callbacks
):
    services.resources_sync(customer=demo)

    _run_daily_task_twice(django_capture_on_commit_callbacks)

    # The demo ECS expires in 5 days without auto-renewal: the 7-day reminder. The EIP renews itself;
    # the yearly disk is 200 days away.
    assert [message.to for message in mailoutbox] == [[demo.email]]
    assert "expires in 7 days" in mailoutbox[0].subject
    assert ECS in mailoutbox[0].body
    assert list(ExpiryReminder.objects.values_list("resource__resource_id", "threshold_days")) == [(ECS, 7)]

    # Four and a half days later, on both sides: the 1-day reminder, once. (The sync runs before our
    # clock moves: the sandbox checks request signatures against the real time.)
    sandbox.advance_clock(days=4, hours=12)
    services.resources_sync(customer=demo)
    with time_machine.travel(timezone.now() + timedelta(days=4, hours=12), tick=True):
        _run_daily_task_twice(django_capture_on_commit_callbacks)

    assert len(mailoutbox) == 2
    assert "expires in 1 day" in mailoutbox[1].subject
    assert sorted(ExpiryReminder.objects.values_list("threshold_days", flat=True)) == [1, 7]


def test_a_renewed_resource_gets_reminders_for_its_new_expiry_only_when_due(mailoutbox):
    customer = CustomerFactory()
    now = timezone.now()
    resource = Resource.objects.create(
        customer=customer,
        resource_id="r-1",
        resource_name="web",
        is_main_resource=True,
        status=Resource.Status.IN_USE,
        expires_at=now + timedelta(days=20),
        expire_policy=0,
    )
    assert len(services.expiry_reminders_check(now=now)) == 1  # the 30-day reminder
    Resource.objects.filter(pk=resource.pk).update(expires_at=now + timedelta(days=50))
    assert services.expiry_reminders_check(now=now) == []
    Resource.objects.filter(pk=resource.pk).update(expires_at=now + timedelta(days=25), expire_policy=3)
    assert services.expiry_reminders_check(now=now) == []  # auto-renewal on: no reminder


def test_a_failed_email_is_given_back_for_the_next_run(demo, sandbox, monkeypatch):
    services.resources_sync(customer=demo)
    (pk,) = services.expiry_reminders_check()

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(OSError):
        services.expiry_reminder_send(reminder=ExpiryReminder.objects.get(pk=pk))
    assert ExpiryReminder.objects.get(pk=pk).sent_at is None
    assert services.expiry_reminders_check() == [pk]


@pytest.mark.parametrize(("days_left", "threshold"), [(45, None), (30, 30), (8, 30), (7, 7), (2, 7), (1, 1), (0.2, 1)])
def test_reminder_threshold(days_left, threshold):
    assert services.reminder_threshold(days_left) == threshold
