"""/tickets/queue/: every ticket for support staff, filtered by state, customer and age; the query count is pinned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory, StaffUserFactory, TicketFactory
from tickets.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(client):
    client.force_login(StaffUserFactory(group="Support"))
    return client


def listed(client, **query) -> list[str]:
    return [t.incident_id for t in client.get(reverse("tickets_queue"), query).context["tickets"]]


def test_filters_by_state_customer_and_age(support):
    now = timezone.now()
    alice, bob = CustomerFactory(account_name="alice-shop"), CustomerFactory(account_name="bob-labs")
    TicketFactory(
        customer=alice, incident_id="CS-ALICE-OLD", status=Status.PROCESSING, created_at=now - timedelta(days=9)
    )
    TicketFactory(customer=alice, incident_id="CS-ALICE-NEW", status=Status.PENDING_FEEDBACK, created_at=now)
    TicketFactory(customer=bob, incident_id="CS-BOB", status=Status.PROCESSING, created_at=now - timedelta(days=2))
    TicketFactory(customer=None, incident_id="CS-PARTNER", status=Status.PENDING_ACCEPTANCE, created_at=now)

    # Oldest first: the queue is worked from the ticket waiting longest.
    assert listed(support) == ["CS-ALICE-OLD", "CS-BOB", "CS-ALICE-NEW", "CS-PARTNER"]
    assert listed(support, status=Status.PROCESSING) == ["CS-ALICE-OLD", "CS-BOB"]
    assert listed(support, customer="ALICE") == ["CS-ALICE-OLD", "CS-ALICE-NEW"]
    assert listed(support, customer="-") == ["CS-PARTNER"]
    assert listed(support, age="1") == ["CS-ALICE-OLD", "CS-BOB"]
    assert listed(support, age="7", customer="alice", status=Status.PROCESSING) == ["CS-ALICE-OLD"]
    # Values the form does not offer are ignored, not a server error.
    assert len(listed(support, status="x", age="999")) == 4


@pytest.mark.parametrize("count", [10, 120])
def test_query_count_does_not_grow_with_tickets(support, django_assert_max_num_queries, count):
    customer = CustomerFactory()
    TicketFactory.create_batch(count, customer=customer)

    # session, user, the user's and the group's permissions, the navigation's customer lookup and its
    # Finance check, count, one page of tickets with their customers joined and unread replies
    # annotated: 8 for 10 and 120.
    with django_assert_max_num_queries(8):
        response = support.get(reverse("tickets_queue"))

    assert len(response.context["tickets"]) == min(count, 50)


def test_customers_do_not_see_the_queue(client):
    client.force_login(CustomerFactory().user)

    assert client.get(reverse("tickets_queue")).status_code == 404
