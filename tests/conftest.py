"""Shared fixtures. Test settings come from the environment set here, before Django starts."""

import os

os.environ.setdefault("PARTNER_PORTAL_TESTING", "1")

# Under pytest-xdist (CI runs `-n 2`) each test process gets a Redis database of its own, one below the
# configured one per worker (13, 12, ...), so that one process's cache.clear() never empties the other's
# throttle counts, sessions or login attempts.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL", "").rsplit("/", 1)[-1].isdigit():
    _base, _db = os.environ["REDIS_URL"].rsplit("/", 1)
    os.environ["REDIS_URL"] = f"{_base}/{int(_db) - int(_worker[2:])}"

pytest_plugins = ["tests.sandbox_server"]
