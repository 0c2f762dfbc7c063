"""API test helpers: a JSON client that sends an API token."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from api import services
from tests.billing.helpers import make_drafts
from tests.factories import StaffUserFactory


class ApiClient:
    """Django's test client, speaking JSON with `Authorization: Bearer <token>` (or none)."""

    def __init__(self, token: str | None = None, **client_kwargs):
        self.token = token
        self.client = Client(**client_kwargs)

    def _headers(self, headers):
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def get(self, path, params=None, headers=None):
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def post(self, path, body=None, headers=None):
        return self.client.post(path, body or {}, content_type="application/json", headers=self._headers(headers))

    def put(self, path, body=None, headers=None):
        return self.client.put(path, body or {}, content_type="application/json", headers=self._headers(headers))

    def patch(self, path, body=None, headers=None):
        return self.client.patch(path, body or {}, content_type="application/json", headers=self._headers(headers))

    def delete(self, path, headers=None):
        return self.client.delete(path, headers=self._headers(headers))


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Throttle counts live in the cache; token ids come again after a rolled-back test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as():
    """api_as(user) -> an ApiClient with a fresh token of that user."""

    def make(user) -> ApiClient:
        _row, text = services.token_create(user=user, name="test")
        return ApiClient(text)

    return make


@pytest.fixture
def finance(api_as):
    """An ApiClient of a Finance staff member."""
    return api_as(StaffUserFactory(group="Finance"))


@pytest.fixture
def drafts():
    """The cycle tests.billing.helpers.CYCLE loaded, rated +10 % and drafted (two customers)."""
    return make_drafts()


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields", "huaweicloud_code"}, body
    return body["error"]
