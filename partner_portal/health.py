"""GET /healthz: is the database up, is a Celery worker beating, does HUAWEI CLOUD answer.

200 when the database answers and the worker beat recently (or tasks run eagerly, so no worker is
needed); 503 otherwise. HUAWEI CLOUD (or the sandbox standing in for it) is reported but does not
change the status: the portal still serves its pages when the cloud is away. Nothing secret is shown.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from partner_portal.models import WorkerHeartbeat

# Beat sends a heartbeat every minute; allow two misses before calling the worker down.
WORKER_STALE_AFTER = timedelta(minutes=3)
CLOUD_TIMEOUT_SECONDS = 2


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any driver error means "not ok"; the page must still answer
        return False


def cloud_reachable(url: str) -> bool:
    """Any HTTP answer counts: reachability, not credentials, is what this checks."""
    try:
        requests.get(url, timeout=CLOUD_TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException:
        return False
    return True


@require_safe
@never_cache
def healthz(request):
    db_ok = database_ok()

    last_seen = None
    if db_ok:
        last_seen = WorkerHeartbeat.objects.filter(name="worker").values_list("beaten_at", flat=True).first()
    eager = bool(settings.CELERY_TASK_ALWAYS_EAGER)
    worker_ok = eager or (last_seen is not None and timezone.now() - last_seen < WORKER_STALE_AFTER)

    endpoint = settings.HUAWEICLOUD["BSS_ENDPOINT"]
    sandbox = endpoint == settings.SANDBOX_URL
    parts = urlsplit(endpoint)
    body = {
        "database": "ok" if db_ok else "error",
        "worker": {"last_seen": last_seen.isoformat() if last_seen else None, "ok": worker_ok, "eager": eager},
        "huaweicloud": {
            "sandbox": sandbox,
            # Scheme and host only: an endpoint never carries credentials here, but be sure.
            "endpoint": f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}",
            "reachable": cloud_reachable(endpoint),
        },
    }
    return JsonResponse(body, status=200 if db_ok and worker_ok else 503)


# Included by partner_portal/urls.py as path("healthz", include("partner_portal.health")).
urlpatterns = [path("", healthz, name="healthz")]
