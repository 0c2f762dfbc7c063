"""The bills area in the demo world: a closed, generated bill, and bills that close as the clock moves."""

from __future__ import annotations

from sandbox import clock, hooks
from sandbox.bills import generator, services


@hooks.on_world_load
def load_demo_bill(*, partner, world: str, **_) -> None:
    """An empty bucket, and for the demo world the latest closed cycle's bill (the 12 demo customers,
    5,000 lines), so the platform finds a partner bill, monthly sums and a bill file at once."""
    services.bucket_clear(partner=partner)
    if world != "demo":
        return
    cycle = generator.latest_closed_cycle(clock.now())
    services.bill_generate(partner=partner, cycle=cycle, lines=services.DEMO_LINES, seed=services.demo_seed(cycle))


@hooks.on_clock_advance
def close_bill_cycles(before, after) -> None:
    services.cycles_close(before=before, after=after)
