"""Extension points for the sandbox's areas (commerce, tickets, bills) kept in their own apps.

An area registers in its AppConfig.ready():
* `world_loaders`: called with the demo partner after the core demo world is loaded (`world` is
  "demo" or "empty"), to add its own demo data. Reset wipes an area's rows through the cascade from
  Partner/Customer, so an area's models must hang off one of them (on_delete=CASCADE).
* `clock_listeners`: called with (before, after) aware datetimes after /_sandbox/clock moves the
  sandbox's clock forward, to expire resources, auto-renew, close bill cycles. They run in the order
  of INSTALLED_APPS (bills last: closing a cycle reads what the other areas did at that moment).
* `bill_line_sources`: called as `source(partner=, cycle=, until=, customer=None)`; yield the bill lines
  (`sandbox.bills.generator.BillLine`) of the partner's customers (or of `customer` alone) in `cycle`
  that HUAWEI CLOUD knows of at the moment `until` (orders paid, finished days of usage). The same
  line must come back the same for any later `until`: the bills area shows them while the cycle is
  open and writes them into its bill at the close.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

world_loaders: list[Callable[..., None]] = []
clock_listeners: list[Callable[[datetime, datetime], None]] = []
bill_line_sources: list[Callable[..., Iterable]] = []


def on_world_load(fn: Callable[..., None]) -> Callable[..., None]:
    if fn not in world_loaders:
        world_loaders.append(fn)
    return fn


def on_clock_advance(fn: Callable[[datetime, datetime], None]) -> Callable[[datetime, datetime], None]:
    if fn not in clock_listeners:
        clock_listeners.append(fn)
    return fn


def on_bill_lines(fn: Callable[..., Iterable]) -> Callable[..., Iterable]:
    if fn not in bill_line_sources:
        bill_line_sources.append(fn)
    return fn
