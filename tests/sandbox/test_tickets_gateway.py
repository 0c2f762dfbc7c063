"""The platform's ticket gateway (`huaweicloud.tickets`) against the sandbox: both sides agree on the wire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from huaweicloud import clients, tickets
from huaweicloud.errors import CloudRejected
from huaweicloud.types import CustomerRef
from tests.sandbox_tickets_helpers import CUSTOMER_TICKETS, PARTNER_TICKETS, ticket_reply


@pytest.fixture(autouse=True)
def fresh_clients():
    # Every test starts from a reset sandbox whose old tokens are gone: forget cached tokens and clients.
    cache.clear()
    clients.reset_clients()
    yield
    cache.clear()
    clients.reset_clients()


@pytest.fixture
def demo_customer(sandbox) -> CustomerRef:
    return CustomerRef(sandbox.demo_customer["customer_id"], sandbox.demo_customer["account_name"])


def test_catalogue(sandbox):
    catalogue = tickets.ticket_catalogue()

    ecs = next(option for option in catalogue if option.product_category.id == "15")
    assert ecs.category_id == "1"
    login = ecs.problem_types[0]
    assert (login.problem_type.id, login.problem_type.needs_region) == ("1501", True)
    assert [s.id for s in login.severities] == ["1", "2", "3", "4"]
    assert login.templates[0].id == "T150101"


def test_partner_ticket_life(sandbox):
    attachment = tickets.ticket_attachment_upload(filename="trace.txt", content=b"traceroute to 10.0.0.5\n")
    incident_id = tickets.ticket_create(
        category_id="1",
        product_category_id="17",
        business_type_id="1701",
        region_id="ap-southeast-3",
        simple_description="Subnet 10.0.1.0/24 cannot reach 10.0.0.5",
        attachment_ids=[attachment],
    )
    ticket_reply(sandbox, incident_id, "Please send the route table.", status=17)
    tickets.ticket_message_add(incident_id=incident_id, content="Route table attached", attachment_ids=[])

    page = tickets.tickets_list(created_from=datetime.now(UTC) - timedelta(minutes=5))
    detail = tickets.ticket_detail(incident_id=incident_id)
    messages = tickets.ticket_messages(incident_id=incident_id)

    assert [t.incident_id for t in page.items] == [incident_id]
    assert (detail.status, detail.business_type_name) == (1, "Network connectivity problem")
    assert detail.created_at is not None
    assert [(m.type, m.is_first_message) for m in messages.items] == [(0, True), (1, False), (0, False)]
    assert messages.items[0].attachments[0].name == "trace.txt"

    tickets.ticket_action(incident_id=incident_id, action="close", description="solved")
    assert tickets.ticket_detail(incident_id=incident_id).status == 3


def test_refused_action_is_cloud_rejected(sandbox):
    with pytest.raises(CloudRejected) as raised:
        tickets.ticket_action(incident_id=PARTNER_TICKETS["completed"], action="press")

    assert raised.value.error_code == "OSM.0003"


def test_customer_tickets_through_the_gateway(sandbox, demo_customer):
    page = tickets.tickets_list(customer=demo_customer)

    assert sorted(t.incident_id for t in page.items) == sorted(CUSTOMER_TICKETS.values())
    with pytest.raises(CloudRejected) as raised:
        tickets.ticket_detail(customer=demo_customer, incident_id=PARTNER_TICKETS["pending"])
    assert raised.value.error_code == "OSM.01010002"
