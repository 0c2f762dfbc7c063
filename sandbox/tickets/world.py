"""Demo tickets: for the partner itself and for demo-customer, one ticket in each interesting state.

Ids are fixed (DEMO_TICKETS) so tests and demos can name them; times are relative to the sandbox
clock at load.
"""

from __future__ import annotations

from datetime import timedelta

from sandbox import clock, hooks
from sandbox.models import Customer, Partner
from sandbox.tickets import fixtures, services
from sandbox.tickets.models import Accessory, Ticket, TicketMessage
from sandbox.tickets.services import Owner

DEMO_CUSTOMER_ID = "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a"

DEMO_TICKETS = {
    "partner": {
        "pending": "CS20250101000001",  # 0 pending acceptance: ECS login fault
        "processing": "CS20250101000002",  # 1 processing, with an engineer's reply: bill question
        "completed": "CS20250101000003",  # 3 completed: security group question
        "cancelled": "CS20250101000004",  # 4 cancelled: disk expansion question
    },
    "customer": {
        "pending": "CS20250101000011",  # 0 pending acceptance: EIP unreachable
        "processing": "CS20250101000012",  # 1 processing, with an engineer's reply and a log attachment
        "completed": "CS20250101000013",  # 3 completed and rated
        "cancelled": "CS20250101000014",  # 4 cancelled
    },
}

DEMO_LOG = b"""2025-01-01T03:12:44Z kernel: eth0: link down
2025-01-01T03:12:45Z NetworkManager: device eth0 state change: activated -> unavailable
2025-01-01T03:13:02Z sshd[812]: error: connect to 192.168.0.12 port 22 failed: Connection timed out
"""


def _ticket(owner: Owner, incident_id: str, *, created, accessory_ids=(), **fields) -> Ticket:
    sub_type, _category = fixtures.PRODUCT_CATEGORIES[fields["product_category_id"]]
    fields = {"incident_sub_type_id": sub_type.id, "source_id": fixtures.SOURCE_ID, **fields}
    ticket = services.ticket_create(owner=owner, fields=fields, accessory_ids=list(accessory_ids))
    ticket.incident_id = incident_id
    ticket.created_at = created
    ticket.save(update_fields=["incident_id", "created_at"])
    ticket.messages.update(created_at=created)
    ticket.operation_logs.update(created_at=created)
    return ticket


def _reply(ticket: Ticket, content: str, *, at, status=None) -> None:
    message = services.ticket_reply(ticket=ticket, content=content, status=status)
    TicketMessage.objects.filter(pk=message.pk).update(created_at=at)
    ticket.operation_logs.filter(created_at__gt=at).update(created_at=at)
    Ticket.objects.filter(pk=ticket.pk, accepted_at__isnull=False).update(accepted_at=at)


def _load_owner(owner: Owner, ids: dict[str, str], *, customer: bool) -> None:
    now = clock.now()
    accessory_ids = []
    if customer:
        accessory = Accessory.objects.create(
            partner=owner.partner,
            customer=owner.customer,
            accessory_id="a3c9e0f1b2d34e5f8a6b7c8d9e0f1a2b",
            file_name="messages.log",
            content_type="text/plain",
            size=len(DEMO_LOG),
            content=DEMO_LOG,
            created_at=now - timedelta(days=2),
        )
        accessory_ids.append(accessory.accessory_id)

    _ticket(
        owner,
        ids["pending"],
        created=now - timedelta(hours=3),
        product_category_id="18" if customer else "15",
        business_type_id="1801" if customer else "1501",
        region_id="ap-southeast-3",
        severity_id="2",
        simple_description=(
            "The EIP 119.8.32.17 bound to our web server cannot be reached from the internet since this morning."
            if customer
            else "Cannot log in to ECS web-01 (ap-southeast-3) over SSH: connection timed out since 08:00 UTC."
        ),
        remind_mail=owner.customer.email if customer else "",
    )

    processing = _ticket(
        owner,
        ids["processing"],
        created=now - timedelta(days=2),
        product_category_id="15" if customer else "81",
        business_type_id="1502" if customer else "8101",
        region_id="ap-southeast-3" if customer else "",
        simple_description=(
            "Our ECS app-02 loses network every few hours; the system log is attached."
            if customer
            else "The bill for last month shows an EVS charge for a disk we deleted on the 3rd. Please check."
        ),
        accessory_ids=accessory_ids,
    )
    _reply(
        processing,
        "Hello, we have received your ticket and are checking the details with the product team. "
        "We will update you within 24 hours.",
        at=now - timedelta(days=1, hours=20),
    )

    completed = _ticket(
        owner,
        ids["completed"],
        created=now - timedelta(days=12),
        product_category_id="17",
        business_type_id="1702",
        simple_description="How do we allow HTTPS only from our office range 203.0.113.0/24 to the web servers?",
    )
    _reply(
        completed,
        "Add an inbound rule to the web servers' security group: protocol TCP, port 443, source 203.0.113.0/24, "
        "and remove the rule that allows 0.0.0.0/0 on 443.",
        at=now - timedelta(days=11, hours=22),
        status=Ticket.Status.PENDING_CONFIRMATION,
    )
    services.ticket_act(
        ticket=completed,
        action="close",
        judgement="Clear answer, thank you." if customer else "",
        satisfaction=[{"satisfaction_id": 3, "satisfaction_value": 5}] if customer else [],
    )
    Ticket.objects.filter(pk=completed.pk).update(
        confirmed_at=now - timedelta(days=11), resolved_at=now - timedelta(days=11)
    )
    completed.operation_logs.filter(created_at__gt=now - timedelta(days=11)).update(created_at=now - timedelta(days=11))

    cancelled = _ticket(
        owner,
        ids["cancelled"],
        created=now - timedelta(days=30),
        product_category_id="16",
        business_type_id="1602",
        simple_description="Can a system disk be expanded without stopping the server?",
    )
    services.ticket_act(ticket=cancelled, action="cancel", operate_desc="Found the answer in the documentation.")
    cancelled_at = now - timedelta(days=29, hours=23)
    Ticket.objects.filter(pk=cancelled.pk).update(resolved_at=cancelled_at)
    cancelled.operation_logs.filter(created_at__gt=cancelled_at).update(created_at=cancelled_at)


@hooks.on_world_load
def load(*, partner: Partner, world: str) -> None:
    if world != "demo":
        return
    _load_owner(Owner(partner=partner), DEMO_TICKETS["partner"], customer=False)
    customer = Customer.objects.filter(partner=partner, customer_id=DEMO_CUSTOMER_ID).first()
    if customer is not None:
        _load_owner(Owner(partner=partner, customer=customer), DEMO_TICKETS["customer"], customer=True)
