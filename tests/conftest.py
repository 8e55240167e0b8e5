import fcntl
import io
import os
import shutil
import socket
import uuid
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings

from .builders import make_source
from .reliability.server import manage, production_env, sqlite_url
from .seed import load_seed

# Hypothesis: in CI (and `make test`), the same 1,000 examples a fuzz test on
# every run, so that a failure there fails again anywhere; in the fast tier
# (`make test-fast`), a few random ones. Neither writes an example database
# into the working tree.
hypothesis_settings.register_profile("ci", max_examples=1000, derandomize=True, database=None)
# CI's second pass, on PostgreSQL (.ci/run): fewer of the same fixed examples.
hypothesis_settings.register_profile("ci-again", max_examples=300, derandomize=True, database=None)
hypothesis_settings.register_profile("fast", max_examples=20, database=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The server that the tests of the move to PostgreSQL, and of its backups,
# make databases of their own on, whatever DATABASE_URL says.
POSTGRES = os.environ.get("PARLEY_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Pages and downloads rendered afresh for every request, so that a test
    sees what the view does; the tests of the cache itself
    (tests/test_caching.py) put a real one back."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.READER_DOWNLOADS_BYTES = 0


@pytest.fixture
def summary(request):
    """`with summary(): print(...)`: what a test measured, printed in a block
    of its own at the end of the run. pytest shows no output of a passing
    test, nor any of a parallel worker's (pytest-xdist); the report that
    carries the test's outcome to the main process carries these too."""

    @contextmanager
    def printed():
        with io.StringIO() as out:
            with redirect_stdout(out):
                yield
            request.node.user_properties.append(("figures", out.getvalue().strip()))

    return printed


def pytest_terminal_summary(terminalreporter):
    measured = [
        (report.nodeid, value)
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
        if name == "figures"
    ]
    if measured:
        terminalreporter.section("figures")
        for nodeid, value in sorted(measured):
            terminalreporter.write_line(f"{nodeid}:\n{value}\n")


@pytest.fixture
def seeded(db):
    """The database as a new site has it: the fixtures loaded."""
    load_seed()


@pytest.fixture
def source(db):
    return make_source()


def _missing(reason: str) -> None:
    """Skip a test that needs what this machine lacks, saying what; in CI,
    where everything must run, fail it instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: nothing may be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL server's URL, without a database name."""
    try:
        psycopg.connect(f"{POSTGRES}/postgres", connect_timeout=5).close()
    except psycopg.OperationalError as error:
        _missing(f"needs the PostgreSQL server at {POSTGRES} (set PARLEY_TEST_POSTGRES): {str(error).strip()}")
    for tool in ("pg_dump", "pg_restore"):
        if not shutil.which(tool):
            _missing(f"needs PostgreSQL's {tool} on PATH")
    return POSTGRES


@pytest.fixture(scope="session")
def redis_server() -> str:
    """The Redis server's URL, for the shared page cache."""
    url = os.environ.get("PARLEY_TEST_REDIS", "redis://127.0.0.1:6379/15")
    host, _, port = url.removeprefix("redis://").split("/")[0].partition(":")
    try:
        socket.create_connection((host, int(port or 6379)), timeout=3).close()
    except OSError as error:
        _missing(f"needs the Redis server at {url} (set PARLEY_TEST_REDIS): {error}")
    return url


@pytest.fixture
def postgres_databases(postgres_server):
    """Make new, empty PostgreSQL databases (named after the given prefix and
    a random suffix) and drop them after the test."""
    made: list[str] = []
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as admin:

        def make(prefix: str = "parley_test") -> str:
            name = f"{prefix}_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            made.append(name)
            return f"{postgres_server}/{name}"

        yield make
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> Path:
    """The static files as `make deploy` collects them for production
    (hashed names, gzip and brotli copies), once a test run: whitenoise's
    manifest storage fails every page that names a file missing from the
    manifest. Into a folder of the run's own (DJANGO_STATIC_ROOT) rather than
    the repository's staticfiles/, so that no other run of the tests or
    `make deploy` can be rewriting the files while a server reads them."""
    # With parallel workers (pytest-xdist) the run's temporary folder is one
    # above each worker's: the first worker there collects, under a lock the
    # others wait on, and leaves a mark that the files are complete.
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    root = shared / "static"
    with open(shared / "static.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "static.collected").exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            env = production_env(sqlite_url(shared / "unused.sqlite3"), DJANGO_STATIC_ROOT=str(root))
            manage(env, "collectstatic", "--no-input", "-v0", timeout=300)
            (shared / "static.collected").touch()
    return root
