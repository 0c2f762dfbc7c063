"""The heartbeat task, in-process and through a real Celery worker process.

The real-worker test starts `celery -A partner_portal worker` against the configured broker (the
embedded filesystem broker by default, Redis when CELERY_BROKER_URL is set) and the test database,
sends the task with eager mode off and waits for the row the worker writes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import override_settings

from partner_portal.celery import app as celery_app
from partner_portal.models import WorkerHeartbeat
from partner_portal.tasks import heartbeat

ROOT = Path(__file__).resolve().parent.parent
WORKER_WAIT_SECONDS = 30


@pytest.mark.django_db
def test_heartbeat_twice_keeps_one_row_and_counts():
    heartbeat.delay()
    first = WorkerHeartbeat.objects.get(name="worker")

    heartbeat.delay()

    row = WorkerHeartbeat.objects.get(name="worker")
    assert WorkerHeartbeat.objects.count() == 1
    assert row.count == 2
    assert row.beaten_at >= first.beaten_at
    assert row.hostname


def database_url_of_test_database() -> str:
    """The test database (not the development one) as a DATABASE_URL for another process."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        assert "memory" not in name, "the worker needs a file test database (settings: TEST NAME)"
        return f"sqlite:///{name}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"
    raise AssertionError(f"no DATABASE_URL for {db['ENGINE']}")


@pytest.fixture
def celery_worker_process(tmp_path):
    """A real worker on its own queue, so a `make run` worker sharing the broker never takes our task."""
    queue = f"test-heartbeat-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONUNBUFFERED": "1",
    }
    argv = [sys.executable, "-m", "celery", "-A", "partner_portal", "worker", "--pool", "solo", "-Q", queue]
    argv += ["-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc, queue, log_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.mark.django_db(transaction=True)
def test_real_worker_process_runs_heartbeat(celery_worker_process):
    proc, queue, log_path = celery_worker_process

    eager_before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # the app keeps its own copy of the setting
    try:
        with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
            # heartbeat.delay(), on this worker's queue.
            heartbeat.apply_async(queue=queue)
    finally:
        celery_app.conf.task_always_eager = eager_before

    # Two beats: the one the worker sends itself when ready, and ours.
    deadline = time.monotonic() + WORKER_WAIT_SECONDS
    while not WorkerHeartbeat.objects.filter(name="worker", count=2).exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            what = f"worker exited with code {proc.returncode}" if proc.poll() is not None else "timed out"
            pytest.fail(f"no heartbeat row ({what}); worker log:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.25)

    row = WorkerHeartbeat.objects.get(name="worker")
    assert row.hostname == f"{queue}@{os.uname().nodename}"
