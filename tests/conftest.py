"""Shared fixtures. Test settings come from the environment set here, before Django starts."""

import os

os.environ.setdefault("PARTNER_PORTAL_TESTING", "1")

pytest_plugins = ["tests.sandbox_server"]
