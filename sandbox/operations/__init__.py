"""Simulated operations, one module per area; importing a module registers its operations.

Add an area by writing `sandbox/operations/<area>.py` with `@operation(...)` handlers and importing it here.
"""

from sandbox.operations import budgets, customers, iam, partners, realname  # noqa: F401
