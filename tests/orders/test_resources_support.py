"""Shared set-up of the resource tests: the sandbox's demo customer, bound here and signed in."""

from __future__ import annotations

import pytest

from customers.models import Customer
from tests.factories import CustomerFactory
from tests.sandbox_server import DEMO_CUSTOMER

# Demo world resources (sandbox/README.md "Commerce").
ECS = "3f1a2b4c-5d6e-4f70-8a91-b2c3d4e5f601"  # s6.large.2 + 40 GB SAS disk, expires in 5 days
GPSSD_DISK = "7c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e402"  # yearly, expires in 200 days
EIP = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b03"  # auto-renewal on, ~42 days


@pytest.fixture
def demo(sandbox) -> Customer:
    """The demo customer, bound to the sandbox's account (resources are synced by each test)."""
    return CustomerFactory(
        account_name=DEMO_CUSTOMER["account_name"],
        xaccount_id=DEMO_CUSTOMER["xaccount_id"],
        customer_id=DEMO_CUSTOMER["customer_id"],
        email=DEMO_CUSTOMER["email"],
    )
