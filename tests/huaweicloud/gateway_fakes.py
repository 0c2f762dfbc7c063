"""Fakes for the gateway's unit tests: autospecced SDK clients standing in for the real ones."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from huaweicloudsdkbssintl.v2 import BssintlClient
from huaweicloudsdkcore.exceptions import exceptions as sdk
from huaweicloudsdkosm.v2 import OsmClient

from huaweicloud.types import CustomerRef

ALICE = CustomerRef(customer_id="a" * 32, account_name="alice-co")
BOB = CustomerRef(customer_id="b" * 32, account_name="bob-co")


def rejected(
    status: int = 400, code: str = "CBC.0100", message: str = "Invalid parameter."
) -> sdk.ClientRequestException:
    return sdk.ClientRequestException(status, sdk.SdkError("req-1", code, message))


def server_error(status: int = 500, code: str = "CBC.0999") -> sdk.ServerResponseException:
    return sdk.ServerResponseException(status, sdk.SdkError("req-2", code, "Other error."))


class Fakes:
    """`partner_bss` / `partner_osm`: the partner's clients; `customer_clients[customer_id]`: each customer's."""

    def __init__(self) -> None:
        self.partner_bss = mock.create_autospec(BssintlClient, instance=True)
        self.partner_osm = mock.create_autospec(OsmClient, instance=True)
        self.customer_clients: dict[tuple[str, str], mock.Mock] = {}

    def customer(self, customer: CustomerRef, service: str = "bss") -> mock.Mock:
        key = (service, customer.customer_id)
        if key not in self.customer_clients:
            spec = OsmClient if service == "osm" else BssintlClient
            self.customer_clients[key] = mock.create_autospec(spec, instance=True)
        return self.customer_clients[key]


@pytest.fixture
def fakes(monkeypatch):
    """Replace every way the gateway gets an SDK client (partner and per customer) with autospecced fakes."""
    from huaweicloud import bills, identity, orders, ratings, resources, tickets

    cache.clear()
    f = Fakes()
    for module in (bills, orders, ratings, resources):
        monkeypatch.setattr(module, "bss_client", lambda: f.partner_bss)
    monkeypatch.setattr(tickets, "osm_client", lambda: f.partner_osm)
    monkeypatch.setattr(identity, "customer_bss_client", lambda customer, region="ap-southeast-1": f.customer(customer))
    monkeypatch.setattr(
        identity, "customer_osm_client", lambda customer, region="ap-southeast-1": f.customer(customer, "osm")
    )
    monkeypatch.setattr(
        identity,
        "customer_project_id",
        lambda *, customer_id, account_name, region: f"project-of-{account_name}-{region}",
    )
    monkeypatch.setattr(identity, "partner_project_id", lambda *, region: f"partner-project-{region}")
    yield f
    cache.clear()


@pytest.fixture(autouse=True)
def fresh_tokens():
    """Every sandbox test starts from a reset world whose old tokens are gone: forget cached ones."""
    from huaweicloud import clients

    cache.clear()
    clients.reset_clients()
    yield
    cache.clear()
    clients.reset_clients()
