"""Shared helpers of the order tests: customers bound to the sandbox's demo accounts, console purchases."""

from __future__ import annotations

import requests

from tests.factories import CustomerFactory
from tests.sandbox_server import DEMO_CUSTOMER


def demo_customer(**fields):
    """Our Customer row bound to the sandbox's demo-customer account."""
    return CustomerFactory(
        account_name=DEMO_CUSTOMER["account_name"],
        xaccount_id=DEMO_CUSTOMER["xaccount_id"],
        customer_id=DEMO_CUSTOMER["customer_id"],
        **fields,
    )


def sandbox_customer(sandbox, account_name: str):
    return CustomerFactory(account_name=account_name, customer_id=sandbox.customer_id(account_name))


def purchase(sandbox, customer_id: str, **fields) -> dict:
    """What the console does after "Buy Now": a pending-payment order."""
    body = {
        "customer_id": customer_id,
        "service": "ecs",
        "region": "ap-southeast-1",
        "spec": "s6.large.2.linux",
        "size": 40,
        "period_type": 2,
        "period_num": 1,
        "quantity": 1,
        **fields,
    }
    answer = requests.post(f"{sandbox.url}/_sandbox/console/purchase", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def cloud_order(sandbox, order_id: str) -> dict:
    return requests.get(f"{sandbox.url}/_sandbox/orders/{order_id}", timeout=10).json()
