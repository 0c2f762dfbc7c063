"""The platform's ticket gateway (`huaweicloud.tickets`) against the sandbox: both sides agree on the wire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from huaweicloud import clients, tickets
from huaweicloud.errors import LOCAL_MALFORMED, LOCAL_TIMEOUT, LOCAL_TOO_LARGE, CloudRejected, CloudUnavailable
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


# --- attachments from HUAWEI CLOUD's side ------------------------------------------------------------------

REPORT = b"%PDF-1.4\n% engineer's analysis\n1 0 obj << >> endobj\n%%EOF\n"


def engineer_attaches(sandbox, incident_id: str, name: str = "analysis.pdf", content: bytes = REPORT) -> str:
    """An engineer answers with a file (control API); returns the new attachment's accessory_id."""
    state = ticket_reply(sandbox, incident_id, "Our analysis is attached.", files={name: (content, "application/pdf")})
    return state["messages"][-1]["accessory_ids"][0]


def test_customer_downloads_an_engineers_attachment_with_its_own_identity(sandbox, demo_customer):
    accessory_id = engineer_attaches(sandbox, CUSTOMER_TICKETS["processing"], name="分析 report.pdf")
    detail = tickets.ticket_detail(customer=demo_customer, incident_id=CUSTOMER_TICKETS["processing"])
    assert detail.messages[-1].attachments == (tickets.Attachment(accessory_id, "分析 report.pdf"),)
    sandbox.clear_requests()

    file = tickets.ticket_attachment_download(customer=demo_customer, accessory_id=accessory_id)

    assert file == tickets.AttachmentFile(
        accessory_id=accessory_id, name="分析 report.pdf", content_type="application/pdf", content=REPORT
    )
    assert [r["status"] for r in sandbox.requests("download_accessories")] == [200]
    # The file belongs to the customer: the partner's identity does not reach it.
    with pytest.raises(CloudRejected) as raised:
        tickets.ticket_attachment_download(accessory_id=accessory_id)
    assert raised.value.error_code == "OSM.01010002"


def test_partner_downloads_an_engineers_attachment_on_its_own_ticket(sandbox):
    accessory_id = engineer_attaches(sandbox, PARTNER_TICKETS["processing"])

    assert tickets.ticket_attachment_download(accessory_id=accessory_id).content == REPORT


def test_a_failing_download_is_cloud_unavailable(sandbox, demo_customer):
    accessory_id = engineer_attaches(sandbox, CUSTOMER_TICKETS["processing"])
    sandbox.add_fault("download_accessories", "error", status=500, error_code="OSM.0004", count=1)
    sandbox.add_fault("download_accessories", "malformed", status=502, count=1)

    for _attempt in range(2):
        with pytest.raises(CloudUnavailable):
            tickets.ticket_attachment_download(customer=demo_customer, accessory_id=accessory_id)
    assert tickets.ticket_attachment_download(customer=demo_customer, accessory_id=accessory_id).content == REPORT


def test_a_json_answer_instead_of_a_file_is_not_taken_for_the_file(sandbox, demo_customer):
    accessory_id = engineer_attaches(sandbox, CUSTOMER_TICKETS["processing"])
    refusal = '{"error_code": "OSM.01010002", "error_msg": "No operation permission."}'
    sandbox.add_fault("download_accessories", "malformed", status=200, body=refusal, count=1)
    sandbox.add_fault("download_accessories", "malformed", status=200, count=1)  # truncated JSON

    with pytest.raises(CloudRejected) as rejected:
        tickets.ticket_attachment_download(customer=demo_customer, accessory_id=accessory_id)
    with pytest.raises(CloudUnavailable) as broken:
        tickets.ticket_attachment_download(customer=demo_customer, accessory_id=accessory_id)

    assert (rejected.value.status_code, rejected.value.error_code) == (200, "OSM.01010002")
    assert broken.value.error_code == LOCAL_MALFORMED


def test_a_slow_download_times_out(sandbox, demo_customer, settings):
    accessory_id = engineer_attaches(sandbox, CUSTOMER_TICKETS["processing"])
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "READ_TIMEOUT": 1}
    sandbox.add_fault("download_accessories", "delay", delay=2, count=1)

    with pytest.raises(CloudUnavailable) as raised:
        tickets.ticket_attachment_download(customer=demo_customer, accessory_id=accessory_id)

    assert raised.value.error_code == LOCAL_TIMEOUT


def test_a_file_over_the_cap_is_refused_without_being_kept(sandbox, demo_customer, monkeypatch):
    accessory_id = engineer_attaches(sandbox, CUSTOMER_TICKETS["processing"])
    monkeypatch.setattr(tickets, "MAX_DOWNLOAD_BYTES", len(REPORT) - 1)

    with pytest.raises(CloudRejected) as raised:
        tickets.ticket_attachment_download(customer=demo_customer, accessory_id=accessory_id)

    assert raised.value.error_code == LOCAL_TOO_LARGE
    assert "too large" in str(raised.value.user_message)
