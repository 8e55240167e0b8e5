"""Fixtures for the browser tests: one Debian chromium for the whole run, a fresh
context (cookies, storage, history) per test, and the seed data on a live server.

Nothing here downloads anything: the browser is Debian's package, not a
Playwright build, and axe-core comes from node_modules (npm ci, run by make).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from ..seed import load_seed

# Playwright's sync API drives the browser from an asyncio event loop that runs
# in this thread, so Django sees every ORM call made here (loading the seed data,
# flushing the database between tests) as coming from an async context and
# refuses it. Those calls do not run concurrently with the loop: the loop only
# serves Playwright while a Playwright call is in progress, so they are safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
SKIP_HINT = "or skip the browser tests with: make test PYTEST_ARGS='-m \"not browser\"'"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test, whether or not its module says so."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Fail, never skip: a CI run without chromium must not pass by running nothing.
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM}. Install it with: "
            f"apt-get update && apt-get install -y chromium (.ci/run does this), {SKIP_HINT}",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}. Run: npm ci (make test does), {SKIP_HINT}", pytrace=False)
    return AXE


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started once the test database exists.

    Started before it, the server sees the settings' own SQLite file instead of
    the in-memory test database, so it does not share the test's connection:
    each of its request threads opens one of its own, which is never closed
    (closing an in-memory database is a no-op) and ends as a ResourceWarning.
    """
    return live_server


@pytest.fixture
def site(live_server, transactional_db) -> str:
    """The live server's address, with the seed data loaded.

    A live server needs the data committed (its threads have their own
    connections), so this is the transactional counterpart of tests/conftest.py's
    `seeded`: the database is flushed after each test and filled again for the
    next.
    """
    load_seed()
    return live_server.url


@pytest.fixture
def new_context(browser: Browser, site: str) -> Iterator:
    """Make browser contexts on the live site; all are closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        context = browser.new_context(base_url=site, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()
