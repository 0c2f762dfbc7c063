"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live_server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from partner_portal.roles import sync_staff_groups

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to be called from a
# thread with a running loop unless told it is safe, which it is here (one test at a time).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def staff_groups(transactional_db):
    """Put back the staff groups that migration 0002 made.

    live_server tests use a transactional database that pytest-django empties after each test, so
    rows made by data migrations are gone for the next one. (serialized_rollback would restore them,
    but once Playwright runs, Django hands this thread a fresh connection without the serialized copy.)
    """
    sync_staff_groups()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    directory = Path(settings.BASE_DIR) / "var" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM}, which is missing. "
            "Install it with `apt-get install -y chromium` (or `make chromium`) and run the tests again.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
