"""GET /healthz: database, worker heartbeat and HUAWEI CLOUD reachability, without secrets."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from partner_portal import health
from partner_portal.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def cloud_up():
    with mock.patch.object(health, "cloud_reachable", autospec=True, return_value=True) as patched:
        yield patched


@pytest.fixture
def with_worker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False


def beat(ago: timedelta) -> None:
    WorkerHeartbeat.objects.create(name="worker", beaten_at=timezone.now() - ago, hostname="w1@host", count=3)


def test_eager_tasks_need_no_worker(client, settings, cloud_up):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["worker"] == {"last_seen": None, "ok": True, "eager": True}
    assert body["huaweicloud"]["reachable"] is True
    cloud_up.assert_called_once_with(settings.HUAWEICLOUD["BSS_ENDPOINT"])


def test_recent_heartbeat_is_healthy(client, with_worker, cloud_up):
    beat(timedelta(seconds=50))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["worker"]["ok"] is True
    assert response.json()["worker"]["last_seen"]


@pytest.mark.parametrize("ago", [None, timedelta(minutes=4)], ids=["never", "stale"])
def test_missing_or_stale_heartbeat_is_503(client, with_worker, cloud_up, ago):
    if ago:
        beat(ago)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["worker"]["ok"] is False


def test_unreachable_cloud_is_reported_but_not_503(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with mock.patch.object(health, "cloud_reachable", autospec=True, return_value=False):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["huaweicloud"]["reachable"] is False


def test_database_down_is_503(client, settings, cloud_up):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with mock.patch.object(health, "database_ok", autospec=True, return_value=False):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_no_secret_in_the_answer(client, settings, cloud_up):
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "BSS_ENDPOINT": "https://user:pw@bss.example.com:8443/v2"}

    text = client.get("/healthz").content.decode()

    assert settings.HUAWEICLOUD["SK"] not in text
    assert settings.HUAWEICLOUD["AK"] not in text
    assert "pw" not in text
    assert "https://bss.example.com:8443" in text


def test_post_is_refused(client):
    assert client.post("/healthz").status_code == 405


def test_cloud_reachable_counts_any_http_answer(live_server):
    assert health.cloud_reachable(live_server.url + "/no-such-page") is True
    assert health.cloud_reachable("http://127.0.0.1:9") is False
