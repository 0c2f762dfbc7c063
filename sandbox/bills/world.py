"""The bills area in the demo world: a closed, generated bill, open cycles, and bills that close as the clock moves."""

from __future__ import annotations

from sandbox import clock, hooks
from sandbox.bills import generator, services


@hooks.on_world_load
def load_demo_bill(*, partner, world: str, **_) -> None:
    """An empty bucket, and for the demo world the latest closed cycle's bill (the 12 demo customers,
    5,000 lines), so the platform finds a partner bill, monthly sums and a bill file at once. The cycles
    not closed yet open now, so their lines accrue from the shares of the customers loaded."""
    services.bucket_clear(partner=partner)
    now = clock.now()
    if world == "demo":
        cycle = generator.latest_closed_cycle(now)
        services.bill_generate(partner=partner, cycle=cycle, lines=services.DEMO_LINES, seed=services.demo_seed(cycle))
    services.cycles_open(partner=partner, now=now)


@hooks.on_clock_advance
def close_bill_cycles(before, after) -> None:
    services.cycles_close(before=before, after=after)
