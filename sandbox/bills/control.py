"""Control API of the bills area (local mode only, unsigned JSON), beside sandbox/control.py.

* `POST /_sandbox/bills/generate {"cycle": "2026-10", "customers": 0, "lines": 5000, "seed": 42, "part_rows": 100000}`
  generates (or replaces) the demo partner's bill of that cycle and answers what was made.
* `POST /_sandbox/bills/open {"cycle": "2026-12", "customers": 0, "lines": 5000, "seed": 202612}` opens a cycle
  that has begun and is not closed again, with other shares (a big current month for a load test).
* `GET /_sandbox/bills` lists the generated cycles, and the open ones whose lines accrue.
"""

from __future__ import annotations

from django.http import JsonResponse

from sandbox import clock
from sandbox.bills import generator, obs, services
from sandbox.bills.models import BillCycle
from sandbox.control import BadInput, _json, control
from sandbox.models import Partner
from sandbox.world import DEMO_PARTNER


def _integer(data: dict, name: str, *, default: int, minimum: int, maximum: int) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise BadInput(f"{name} must be an integer from {minimum} to {maximum}")
    return value


def bill_state(bill: BillCycle) -> dict:
    return {
        "cycle": bill.cycle,
        "seed": bill.seed,
        "lines": bill.line_count,
        "customers": bill.bill_customers.count(),
        "part_rows": bill.part_rows,
        "parts": bill.part_count,
        "bucket": services.bucket_name(bill.partner),
        "key": bill.object_key,
        "size": bill.object_size,
        "etag": f'"{bill.object_md5}"',
        "consume_amount": str(bill.consume_amount),
        "refunds": str(bill.refunds),
        "adjustments": str(bill.adjustments),
        "tax_amount": str(bill.tax_amount),
        "initial_amount_due": str(bill.initial_amount_due),
        "currency": bill.currency,
        "available_from": generator.closes_at(bill.cycle).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generated_at": bill.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def open_cycle_state(bill: BillCycle) -> dict:
    """An open cycle: its shares are decided, its lines accrue, its file and totals come at the close."""
    shares = bill.bill_customers.select_related("customer")
    return {
        "cycle": bill.cycle,
        "seed": bill.seed,
        "customers": shares.count(),
        "generated_lines": sum(share.line_count for share in shares),
        "largest_shares": [
            {"customer_id": share.customer.customer_id, "account_name": share.account_name, "lines": share.line_count}
            for share in shares.order_by("-line_count", "ordinal")[:5]
        ],
        "available_from": generator.closes_at(bill.cycle).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _partner(data: dict) -> Partner:
    domain_id = data.get("partner_domain_id") or DEMO_PARTNER["domain_id"]
    partner = Partner.objects.filter(domain_id=domain_id).first()
    if partner is None:
        raise BadInput(f"no partner {domain_id}")
    return partner


@control("POST")
def generate(request):
    data = _json(request)
    unknown = set(data) - {"cycle", "customers", "lines", "seed", "part_rows", "partner_domain_id"}
    if unknown:
        raise BadInput(f"unknown field(s): {', '.join(sorted(unknown))}")
    cycle = data.get("cycle")
    try:
        generator.parse_cycle(cycle if isinstance(cycle, str) else "")
    except ValueError:
        raise BadInput("cycle is required, written YYYY-MM") from None
    result = services.bill_generate(
        partner=_partner(data),
        cycle=cycle,
        customers=_integer(data, "customers", default=0, minimum=0, maximum=services.MAX_SYNTHETIC_CUSTOMERS),
        lines=_integer(data, "lines", default=services.DEMO_LINES, minimum=0, maximum=services.MAX_LINES),
        seed=_integer(data, "seed", default=42, minimum=0, maximum=2**62),
        part_rows=_integer(data, "part_rows", default=generator.PART_ROWS, minimum=1, maximum=10_000_000),
    )
    bill = result.bill_cycle
    obs.remember_etag(services.bucket_path(bill.partner) / bill.object_key, bill.object_md5)
    return JsonResponse({**bill_state(bill), "seconds": round(result.seconds, 3)}, status=201)


@control("POST")
def open_cycle(request):
    data = _json(request)
    unknown = set(data) - {"cycle", "customers", "lines", "seed", "partner_domain_id"}
    if unknown:
        raise BadInput(f"unknown field(s): {', '.join(sorted(unknown))}")
    cycle = data.get("cycle") or generator.cycle_of(clock.now())
    try:
        generator.parse_cycle(cycle if isinstance(cycle, str) else "")
    except ValueError:
        raise BadInput("cycle must be written YYYY-MM") from None
    try:
        bill = services.cycle_reopen(
            partner=_partner(data),
            cycle=cycle,
            customers=_integer(data, "customers", default=0, minimum=0, maximum=services.MAX_SYNTHETIC_CUSTOMERS),
            lines=_integer(data, "lines", default=services.DEMO_LINES, minimum=0, maximum=services.MAX_LINES),
            seed=_integer(data, "seed", default=services.demo_seed(cycle), minimum=0, maximum=2**62),
        )
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    return JsonResponse(open_cycle_state(bill), status=201)


@control("GET")
def bills(request):
    cycles = BillCycle.objects.select_related("partner")
    return JsonResponse(
        {
            "bills": [bill_state(bill) for bill in cycles.filter(generated_at__isnull=False)],
            "open_cycles": [open_cycle_state(bill) for bill in cycles.filter(generated_at__isnull=True)],
        }
    )
