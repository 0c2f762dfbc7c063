"""Ticket test fixtures: private file storage, the demo customer of the sandbox and the form's catalogue."""

from __future__ import annotations

import pytest

from tests.factories import CustomerFactory
from tests.sandbox_server import DEMO_CUSTOMER
from tickets import services
from tickets.models import TicketCatalogue


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path / "private"


@pytest.fixture
def demo_customer(db):
    """The sandbox's demo customer, bound locally: OSM calls act as it (IAM assume_role)."""
    return CustomerFactory(
        account_name=DEMO_CUSTOMER["account_name"],
        xaccount_id=DEMO_CUSTOMER["xaccount_id"],
        customer_id=DEMO_CUSTOMER["customer_id"],
        email=DEMO_CUSTOMER["email"],
    )


_CATALOGUE: dict[str, list] = {}


@pytest.fixture
def catalogue(sandbox):
    """The sandbox's catalogue in the database; fetched once per session (it takes ~40 rate-limited calls)."""
    if not _CATALOGUE:
        services.catalogue_refresh()
        _CATALOGUE.update(TicketCatalogue.objects.values_list("language", "data"))
    else:
        for language, data in _CATALOGUE.items():
            TicketCatalogue.objects.update_or_create(language=language, defaults={"data": data})
    return sandbox
