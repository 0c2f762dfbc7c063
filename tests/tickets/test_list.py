"""/tickets/: a customer's tickets with state, last update and unread replies; the query count is pinned."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory
from tickets.models import Status, Ticket, TicketReadMarker

pytestmark = pytest.mark.django_db


def make_tickets(customer, count):
    Ticket.objects.bulk_create(
        Ticket(
            customer=customer,
            incident_id=f"CS2026112{customer.pk:02d}{n:06d}",
            creation=Ticket.Creation.CREATED,
            status=Status.PROCESSING,
            subject=f"Problem {n}",
            description="...",
            category_id="1",
            product_category_id="15",
            product_category_name="ECS",
            business_type_id="1501",
            reply_count=n % 3,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [10, 200])
def test_list_query_count_does_not_grow_with_tickets(client, django_assert_max_num_queries, count):
    customer = CustomerFactory()
    make_tickets(customer, count)
    client.force_login(customer.user)

    # session, user, customer (navigation and page), count, one page of tickets with unread replies
    # annotated by a subquery: the same for 10 and 200 tickets.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("tickets"))

    assert response.status_code == 200
    assert len(response.context["tickets"]) == min(count, 20)


def test_unread_replies_count_until_the_ticket_is_opened(client):
    customer = CustomerFactory()
    make_tickets(customer, 1)
    ticket = Ticket.objects.get()
    Ticket.objects.filter(pk=ticket.pk).update(reply_count=2)
    client.force_login(customer.user)

    assert client.get(reverse("tickets")).context["tickets"][0].unread == 2
    client.get(reverse("ticket_detail", args=[ticket.pk]))

    assert TicketReadMarker.objects.get(user=customer.user, ticket=ticket).seen_reply_count == 2
    assert client.get(reverse("tickets")).context["tickets"][0].unread == 0


def test_deleted_and_unfinished_creations_are_not_listed(client):
    customer = CustomerFactory()
    make_tickets(customer, 2)
    Ticket.objects.filter(subject="Problem 0").update(deleted_at="2026-01-01T00:00:00Z")
    Ticket.objects.create(
        customer=customer,
        subject="Half made",
        description="...",
        category_id="1",
        product_category_id="15",
        business_type_id="1501",
    )
    client.force_login(customer.user)

    subjects = [t.subject for t in client.get(reverse("tickets")).context["tickets"]]

    assert subjects == ["Problem 1"]
