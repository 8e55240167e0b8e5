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
# The browser contexts a test opened, and what their pages met, for its report.
SEEN = pytest.StashKey[list]()
CONTEXTS = pytest.StashKey[list]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test, whether or not its module says so."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failing browser test reports what each of its pages showed and every
    answer that was not a success: a wait that timed out on a shared, loaded CI
    machine says little by itself (an error page? the sign-in form?)."""
    report = yield
    if report.when == "call" and report.failed and CONTEXTS in item.stash:
        seen = item.stash[SEEN] + list(showing(item.stash[CONTEXTS]))
        report.sections.append(("what the browser saw", "\n".join(seen)))
    return report


def showing(contexts: list[BrowserContext]) -> Iterator[str]:
    for context in contexts:
        for page in context.pages:
            try:
                text = page.locator("body").inner_text(timeout=2_000)
                yield f"page at {page.url}, titled {page.title()!r}, shows:\n{text[:1_500]}"
            except Exception as error:  # the report must not fail for want of a page
                yield f"page at {page.url}: could not be read ({error})"


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
def new_context(browser: Browser, site: str, request: pytest.FixtureRequest) -> Iterator:
    """Make browser contexts on the live site; all are closed after the test."""
    contexts: list[BrowserContext] = request.node.stash.setdefault(CONTEXTS, [])
    seen: list[str] = request.node.stash.setdefault(SEEN, [])

    def make(**options) -> BrowserContext:
        context = browser.new_context(base_url=site, **options)
        context.set_default_timeout(10_000)
        context.on("response", lambda r: r.status >= 400 and seen.append(f"{r.status} for {r.request.method} {r.url}"))
        context.on("requestfailed", lambda r: seen.append(f"failed: {r.method} {r.url} ({r.failure})"))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()
