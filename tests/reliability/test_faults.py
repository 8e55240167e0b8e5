"""Parley when things go wrong: a worker killed under load, a database that
is gone or locked, a fixture file broken half-way, a backup taken while
edits are being written. Each test runs the real thing (gunicorn with the
production settings, manage.py in its own process) on a database of its own.
"""

import http.client
import json
import os
import signal
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from .server import (
    STAFF_PASSWORD,
    STAFF_USERNAME,
    Browser,
    Outcome,
    Visit,
    manage,
    page_visits,
    percentile,
    production_env,
    read,
    request,
    sqlite_url,
)

pytestmark = pytest.mark.slow

# The site's own pages and fragments: what a reader gets while things go wrong.
READ_PAGES = page_visits(kinds=("html",))


def assert_unavailable_page(response, what: str) -> None:
    """The site's own "briefly unavailable" page with a Retry-After, and
    nothing of the error that caused it."""
    assert response.status == 503, f"{what}: {response.status} {response.text[:500]}"
    assert response.headers["Retry-After"] == "30", what
    assert "Parley is briefly unavailable" in response.text, what
    for leak in ("Traceback", "OperationalError", "psycopg", "sqlite", "locked", 'File "'):
        assert leak not in response.text, f"{what}: the page shows {leak!r}"


# --- A worker killed under load ---------------------------------------------------------------------------

KILL_READERS = 16
KILL_DURATION = 10.0
KILL_AT = 4.0
# How long after the SIGKILL a request may still fail: the worker dies and
# the kernel resets its connections within milliseconds; one second is ample.
KILL_GRACE = 1.0


def test_a_killed_worker_fails_only_its_requests_in_flight_and_is_replaced(database, start_server, summary):
    server = start_server(sqlite_url(database), workers=3)
    victim = server.worker_pids()[0]
    outcomes: list[Outcome] = []
    started = time.monotonic()
    deadline = started + KILL_DURATION
    readers = [
        threading.Thread(target=read, args=(server.port, READ_PAGES, index, deadline, outcomes))
        for index in range(KILL_READERS)
    ]
    for thread in readers:
        thread.start()
    time.sleep(KILL_AT)
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    for thread in readers:
        thread.join(timeout=KILL_DURATION + 60)
    assert not any(thread.is_alive() for thread in readers), "a client thread did not finish"

    # The master replaces the worker: three workers again, the victim not among them.
    respawn_deadline = time.monotonic() + 15
    while time.monotonic() < respawn_deadline and (victim in (workers := server.worker_pids()) or len(workers) != 3):
        time.sleep(0.1)
    assert victim not in workers
    assert len(workers) == 3, f"workers after the kill: {workers}\n{server.log()}"

    failures = [o for o in outcomes if o.problem]
    in_flight = [o for o in outcomes if o.start <= killed_at <= o.end]
    after = [o for o in outcomes if o.start > killed_at + KILL_GRACE]
    with summary():
        print(
            f"\nworker kill: {len(outcomes)} requests from {KILL_READERS} clients in {KILL_DURATION:.0f} s, "
            f"{len(in_flight)} in flight at the SIGKILL, {len(failures)} failed "
            f"({', '.join(sorted({o.problem.split('(')[0] for o in failures})) or 'none'}); "
            f"{len(after)} requests after the kill, all answered; "
            f"p99 after the kill {percentile([o.seconds * 1000 for o in after], 99):.0f} ms"
        )
    # Only requests the dead worker had taken can fail, and only by losing
    # their connection: never a 5xx, never a wrong page, never later on.
    # "Taken" can be most of the clients: a gthread worker accepts connections
    # (up to worker_connections, 1000) faster than its two threads serve
    # them, so one worker often holds most of the queue; hence the bound is
    # the number of clients, not the worker's two threads.
    assert all(o.connection_error for o in failures), [o.problem for o in failures]
    assert all(o.start <= killed_at + KILL_GRACE and o.end >= killed_at for o in failures)
    assert len(failures) <= KILL_READERS
    assert len(after) >= 10
    assert [o.problem for o in after if o.problem] == []
    assert request(server.port, "/healthz").status == 200


RECYCLE_AFTER = 10


def test_workers_recycled_by_max_requests_under_load_drop_no_request(database, start_server, summary):
    # The config recycles a worker after ~2000 requests; here after 10 to 12,
    # so that it happens several times within a few seconds of load. A recycled
    # gthread worker stops accepting and finishes what it has taken.
    server = start_server(
        sqlite_url(database), GUNICORN_CMD_ARGS=f"--max-requests {RECYCLE_AFTER} --max-requests-jitter 2"
    )
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + 8
    readers = [
        threading.Thread(target=read, args=(server.port, READ_PAGES, index, deadline, outcomes))
        for index in range(KILL_READERS)
    ]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in readers), "a client thread did not finish"

    # gunicorn logs "Booting worker with pid: N" for each worker it starts, the first three included.
    recycled = server.log_path.read_text().count("Booting worker with pid") - 3
    with summary():
        print(
            f"\nmax_requests recycling: {len(outcomes)} requests, {recycled} workers recycled, "
            f"{sum(1 for o in outcomes if o.problem)} failed"
        )
    assert recycled >= 2, f"only {recycled} workers recycled:\n{server.log()}"
    assert [o.problem for o in outcomes if o.problem] == []


# --- The database gone or locked --------------------------------------------------------------------------


def test_a_database_that_cannot_be_reached_gets_the_503_page_and_healthz_says_so(start_server):
    # Nothing listens on port 1 of loopback: every connection is refused at once.
    server = start_server("postgres://postgres@127.0.0.1:1/parley_h4_gone", workers=1, ready_status=503)
    for visit in READ_PAGES:
        assert_unavailable_page(request(server.port, visit.path, headers=visit.headers), visit.path)
    # Signing in reads and writes the database; it fails the same way.
    browser = Browser(server.port)
    assert_unavailable_page(browser.log_in(), "admin login")
    health = request(server.port, "/healthz")
    assert (health.status, health.text) == (503, "database unavailable\n")


# SQLite in WAL mode, as the settings make it: a writer never blocks readers,
# so a lock held by another process (a migration, an operator's sqlite3
# session, a long import) must leave every page readable, while a request
# that writes waits the busy timeout (DJANGO_SQLITE_TIMEOUT, 20 s by default;
# shorter here, since how long is the setting's business, not the test's)
# and then gets the 503 page, not a 500.
BUSY_TIMEOUT = 4


def test_while_another_process_holds_the_write_lock_pages_read_and_a_write_gets_503(database, start_server, summary):
    server = start_server(sqlite_url(database), workers=2, DJANGO_SQLITE_TIMEOUT=str(BUSY_TIMEOUT))
    browser = Browser(server.port)
    login = browser.form("/admin/login/", "login-form")  # the CSRF cookie and token, before the lock
    credentials = [("csrfmiddlewaretoken", dict(login)["csrfmiddlewaretoken"])]
    credentials += [("username", STAFF_USERNAME), ("password", STAFF_PASSWORD), ("next", "/admin/")]

    lock = sqlite3.connect(database, isolation_level=None, timeout=1)
    written: dict = {}
    try:
        lock.execute("BEGIN EXCLUSIVE")
        # A change the lock holder has not committed: no reader may see it.
        lock.execute("UPDATE talks_party SET description = 'UNCOMMITTED' WHERE slug = 'syrian-opposition'")

        def sign_in():
            try:
                written["response"] = browser.post("/admin/login/", credentials, timeout=60)
            except (OSError, http.client.HTTPException) as error:
                written["error"] = error

        writer = threading.Thread(target=sign_in)
        write_started = time.monotonic()
        writer.start()
        reads: list[Outcome] = []
        # Reads while the write waits: bounded by the writer's own timeout.
        while writer.is_alive() and time.monotonic() < write_started + 60:
            read(server.port, [*READ_PAGES, Visit("/healthz", body="ok")], 0, time.monotonic() + 1, reads)
        writer.join(timeout=60)
        waited = time.monotonic() - write_started
        party_page = request(server.port, "/parties/syrian-opposition/").text
    finally:
        lock.execute("ROLLBACK")
        lock.close()

    assert "response" in written, f"the write got no answer: {written.get('error')!r}"
    with summary():
        print(
            f"\nwrite lock held: {len(reads)} reads answered during it "
            f"(p50 {percentile([o.seconds * 1000 for o in reads], 50):.0f} ms), "
            f"the write answered {written['response'].status} after {waited:.1f} s"
        )
    assert [f"{o.visit.path}: {o.problem}" for o in reads if o.problem] == []
    assert len(reads) >= 10
    assert "UNCOMMITTED" not in party_page
    assert_unavailable_page(written["response"], "a write while the database is locked")
    # It waited for the lock (the busy timeout) rather than failing at once.
    assert waited >= BUSY_TIMEOUT - 1

    # Once the lock is gone, the same write goes through.
    assert browser.log_in().status == 302
    assert request(server.port, "/healthz").status == 200


# --- A fixture load that fails half-way -------------------------------------------------------------------

GOOD = [
    {
        "model": "talks.party",
        "pk": 9001,
        "fields": {"name": "Reliability Test Party", "slug": "reliability-test-party", "kind": "political_body"},
    },
    {
        "model": "talks.alias",
        "pk": 9001,
        "fields": {"content_type": ["talks", "party"], "object_id": 9001, "name": "RTP", "kind": "abbreviation"},
    },
]
BROKEN = [
    {"model": "talks.topic", "pk": 9002, "fields": {"name": "Reliability", "slug": "reliability"}},
    {
        "model": "talks.citation",
        "pk": 9003,
        "fields": {
            "content_type": ["talks", "party"],
            "object_id": 9001,
            "source": 1,
            "excerpt": "A sentence the seed article never contains.",
        },
    },
]


def contents(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, in a fixed order."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        # Ordered by every column: the search index's FTS5 tables include
        # some WITHOUT ROWID, which have no rowid to order by.
        found = {}
        for table in tables:
            columns = len(db.execute(f'SELECT * FROM "{table}" LIMIT 0').description)
            order = ", ".join(str(n) for n in range(1, columns + 1))
            found[table] = db.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()
        return found


def test_a_fixture_load_that_fails_half_way_leaves_the_database_as_it_was(database, tmp_path):
    good, broken = tmp_path / "good.json", tmp_path / "broken.json"
    good.write_text(json.dumps(GOOD))
    broken.write_text(json.dumps(BROKEN))
    env = production_env(sqlite_url(database))
    before = contents(database)

    result = manage(env, "load_fixtures", str(good), str(broken), check=False)

    assert result.returncode != 0
    assert "Nothing was loaded." in result.stderr
    assert f"{broken}, record 2 (talks.citation pk=9003): excerpt: This excerpt does not occur" in result.stderr
    assert "Traceback" not in result.stderr
    after = contents(database)
    assert sum(map(len, after.values())) > 200  # the seed data, not an empty file
    assert after == before
    # Nor was good.json marked as loaded: on its own it now loads in full.
    assert "Added 2 records from 1 file(s)." in manage(env, "load_fixtures", str(good)).stdout


# --- Backups taken while edits are written ----------------------------------------------------------------

BACKUPS = 3
# Enough for a few backups in a row; the writer also stops when they are done.
WRITE_LIMIT = 30.0


class Writer(threading.Thread):
    """Commits edits one transaction at a time, each adding alias number n
    to a party and setting its description to "backup edit n" together, and
    records when each commit returned. A backup of one moment therefore
    holds aliases 1..k with no gap and the description of edit k."""

    def __init__(self, connect, placeholder: str):
        super().__init__()
        self.connect, self.p = connect, placeholder
        self.committed: list[tuple[int, float]] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        p = self.p
        deadline = time.monotonic() + WRITE_LIMIT
        try:
            with closing(self.connect()) as db:
                party_type = db.execute(
                    "SELECT id FROM django_content_type WHERE app_label = 'talks' AND model = 'party'"
                ).fetchone()[0]
                party = db.execute("SELECT id FROM talks_party WHERE slug = 'syrian-opposition'").fetchone()[0]
                number = 0
                while not self.stop.is_set() and time.monotonic() < deadline:
                    number += 1
                    db.execute(
                        "INSERT INTO talks_alias (content_type_id, object_id, name, kind, language, folded, "
                        "start_precision, end_precision) "
                        f"VALUES ({p}, {p}, {p}, 'variant', '', {p}, 'day', 'day')",
                        [party_type, party, f"backup alias {number}", f"backup alias {number}"],
                    )
                    db.execute(
                        f"UPDATE talks_party SET description = {p} WHERE id = {p}", [f"backup edit {number}", party]
                    )
                    db.commit()
                    self.committed.append((number, time.monotonic()))
                    time.sleep(0.002)
        except BaseException as error:  # reported by the test, which would otherwise see only missing rows
            self.error = error

    def last_before(self, moment: float) -> int:
        return max((number for number, at in self.committed if at <= moment), default=0)


def take_backups(writer: Writer, env: dict, directory: Path, suffix: str) -> list[dict]:
    """manage.py backup, several times in a row while the writer writes."""
    writer.start()
    try:
        while len(writer.committed) < 20 and writer.is_alive():
            time.sleep(0.01)
        backups = []
        for index in range(BACKUPS):
            output = directory / f"backup-{index}.{suffix}"
            started = time.monotonic()
            manage(env, "backup", "--output", str(output))
            finished = time.monotonic()
            backups.append({"path": output, "started": started, "finished": finished})
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, repr(writer.error)
    return backups


def check_restored(rows: list[tuple[str]], description: str, writer: Writer, backup: dict) -> int:
    """The restored edits are one moment's: aliases 1..k without a gap, the
    description of edit k, and k at least every edit committed before the
    backup command started (and none committed after it finished)."""
    numbers = sorted(int(name.rsplit(" ", 1)[1]) for (name,) in rows)
    k = numbers[-1] if numbers else 0
    assert numbers == list(range(1, k + 1))
    assert description == f"backup edit {k}"
    assert writer.last_before(backup["started"]) <= k <= writer.last_before(backup["finished"])
    return k


RESTORED_ALIASES = "SELECT name FROM talks_alias WHERE name LIKE 'backup alias %'"
RESTORED_DESCRIPTION = "SELECT description FROM talks_party WHERE slug = 'syrian-opposition'"


def test_sqlite_backups_taken_during_writes_restore_sound_with_every_earlier_edit(database, tmp_path, summary):
    def connect():
        db = sqlite3.connect(database, timeout=30)
        db.execute("PRAGMA synchronous = NORMAL")  # as the site's own connections commit
        return db

    writer = Writer(connect, "?")
    backups = take_backups(writer, production_env(sqlite_url(database)), tmp_path, "sqlite3")

    figures = []
    for index, backup in enumerate(backups):
        restored = tmp_path / f"restored-{index}.sqlite3"
        manage(production_env(sqlite_url(restored)), "restore", str(backup["path"]), "--no-input")
        with closing(sqlite3.connect(f"file:{restored}?mode=ro", uri=True)) as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
            k = check_restored(
                db.execute(RESTORED_ALIASES).fetchall(), db.execute(RESTORED_DESCRIPTION).fetchone()[0], writer, backup
            )
        figures.append(
            f"{backup['path'].stat().st_size // 1024} KB in {backup['finished'] - backup['started']:.1f} s "
            f"(edit {k} of {writer.last_before(backup['finished'])})"
        )
    with summary():
        print(f"\nsqlite backups during {len(writer.committed)} commits: {'; '.join(figures)}")


# --- The same on PostgreSQL -------------------------------------------------------------------------------


def test_postgres_backups_taken_during_writes_restore_with_every_earlier_edit(postgres_databases, tmp_path, summary):
    live = postgres_databases("parley_faults_backup")
    env = production_env(live)
    manage(env, "migrate", "--no-input")
    manage(env, "load_fixtures")

    writer = Writer(lambda: psycopg.connect(live), "%s")
    backups = take_backups(writer, env, tmp_path, "dump")

    figures = []
    for backup in backups:
        restored = postgres_databases("parley_faults_restore")
        restored_env = production_env(restored)
        manage(restored_env, "restore", str(backup["path"]), "--no-input")
        with closing(psycopg.connect(restored)) as db:
            k = check_restored(
                db.execute(RESTORED_ALIASES).fetchall(), db.execute(RESTORED_DESCRIPTION).fetchone()[0], writer, backup
            )
        figures.append(
            f"{backup['path'].stat().st_size // 1024} KB in {backup['finished'] - backup['started']:.1f} s "
            f"(edit {k} of {writer.last_before(backup['finished'])})"
        )
    # The restored database is a whole Parley: its schema is complete and it serves.
    manage(restored_env, "migrate", "--check")
    with summary():
        print(f"\npostgres backups during {len(writer.committed)} commits: {'; '.join(figures)}")
