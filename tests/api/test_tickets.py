"""Tickets through the API, against the sandbox: the page's form checks the catalogue, the services do the rest."""

from __future__ import annotations

import pytest

from tests.api.conftest import error_of
from tests.factories import CustomerFactory, StaffUserFactory
from tests.orders.helpers import demo_customer
from tests.sandbox_tickets_helpers import CUSTOMER_TICKETS
from tickets import selectors, services, tasks
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(sandbox):
    services.catalogue_refresh()
    return demo_customer()


def ticket_body() -> dict:
    product = selectors.catalogue()[0]
    problem = product["problem_types"][0]
    severities = problem.get("severities", [])
    return {
        "subject": "Cannot log in",
        "product": product["id"],
        "problem_type": problem["id"],
        "severity": severities[0]["id"] if severities else "",
        "region": "ap-southeast-1" if problem.get("case_type") == "5" else "",
        "description": "SSH times out.",
    }


def test_open_a_ticket_once_per_key_then_list_read_message_and_act(api_as, customer):
    api = api_as(customer.user)
    body = ticket_body()

    first = api.post("/api/v1/tickets/", body, headers={"Idempotency-Key": "t-1"})
    again = api.post("/api/v1/tickets/", body, headers={"Idempotency-Key": "t-1"})
    conflict = api.post("/api/v1/tickets/", {**body, "subject": "Other"}, headers={"Idempotency-Key": "t-1"})

    assert first.status_code == 201, first.json()
    assert again.json() == first.json() and Ticket.objects.count() == 1
    assert conflict.status_code == 422
    pk = first.json()["id"]
    assert [row["id"] for row in api.get("/api/v1/tickets/").json()["results"]] == [pk]
    assert api.get(f"/api/v1/tickets/{pk}/").json()["incident_id"]
    message = api.post(f"/api/v1/tickets/{pk}/messages/", {"content": "Still failing."})
    assert message.status_code == 201, message.json()
    assert "Still failing." in [m["content"] for m in api.get(f"/api/v1/tickets/{pk}/messages/").json()["results"]]
    assert api.post(f"/api/v1/tickets/{pk}/actions/", {"action": "press"}).status_code == 200
    refused = api.post(f"/api/v1/tickets/{pk}/actions/", {"action": "delete"})
    assert refused.status_code == 409


def test_a_ticket_outside_the_catalogue_is_a_field_error(api_as, customer):
    response = api_as(customer.user).post("/api/v1/tickets/", {**ticket_body(), "product": "nope"})

    assert response.status_code == 400
    assert "product" in error_of(response)["fields"]


def test_another_customers_ticket_is_404(api_as, customer):
    created = api_as(customer.user).post("/api/v1/tickets/", ticket_body()).json()
    other = api_as(CustomerFactory().user)

    assert other.get(f"/api/v1/tickets/{created['id']}/").status_code == 404
    assert other.post(f"/api/v1/tickets/{created['id']}/actions/", {"action": "press"}).status_code == 404


def test_staff_without_tickets_permission_are_refused(api_as, customer):
    assert api_as(StaffUserFactory(group="Finance")).get("/api/v1/tickets/").status_code == 403
    assert api_as(StaffUserFactory(group="Support")).get("/api/v1/tickets/").status_code == 200


def test_tickets_found_in_huawei_cloud_are_listed_and_another_customers_are_a_404(api_as, sandbox):
    customer, other = demo_customer(), CustomerFactory()
    tasks.tickets_discover_customer(customer.pk)
    ticket = Ticket.objects.get(incident_id=CUSTOMER_TICKETS["processing"])

    rows = api_as(customer.user).get("/api/v1/tickets/").json()["results"]
    detail = api_as(customer.user).get(f"/api/v1/tickets/{ticket.pk}/").json()
    messages = api_as(customer.user).get(f"/api/v1/tickets/{ticket.pk}/messages/").json()["results"]

    assert {row["incident_id"] for row in rows} == set(CUSTOMER_TICKETS.values())
    assert {row["creation"] for row in rows} == {"imported"}
    assert detail["subject"] and detail["status"] == 1
    assert [m["author"] for m in messages] == [0, 1]
    assert api_as(other.user).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404
    assert api_as(other.user).get(f"/api/v1/tickets/{ticket.pk}/messages/").status_code == 404
