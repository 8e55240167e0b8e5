"""Parley's benchmark: the reader's pages under load, on the demo record
(talks/demo.py) at scale 100 and 1000, on SQLite and PostgreSQL, against
whitenoise's static file and Datasette's facet page. Figures, never a test:
see docs/performance.md for what it measures and what the figures say.

    python bench/bench.py                   # what `make bench` runs: everything, 3 rounds of 10 s
    python bench/bench.py --quick           # 2 s a row, one round: checks the harness
    python bench/bench.py --scale 100 --database sqlite --duration 5

Standard library only, run with the project's Python; it installs what it
needs beside it: Debian's wrk (apt-get) and Datasette in a virtual
environment of its own (bench/.venv-datasette). The demo databases it builds
are kept in bench/data/ (SQLite) and as parley_bench_s<scale> (PostgreSQL).
"""

import argparse
import datetime
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH = BASE_DIR / "bench"
DATA = BENCH / "data"
DATASETTE_VENV = BENCH / ".venv-datasette"
DOC = BASE_DIR / "docs" / "performance.md"
POSTGRES = os.environ.get("PARLEY_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
CLIENTS = (8, 32)
IN_PROCESS_SCALES = [1, 100, 1000]
# What a browser sends; whitenoise then serves the brotli copy of a static file.
ACCEPT = {"Accept-Encoding": "gzip, br"}
HTMX = {"HX-Request": "true"}

# The demo record's landmarks (talks/demo.py): talk 1 is one of the large
# talks, and party 1 sits at every large talk.
TALK = "/talks/demo-talks-1/"
PARTY = "demo-party-1"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    headers: dict = field(default_factory=dict, hash=False)


FILTERED = Page("timeline, filtered", f"/timeline/?party={PARTY}")
FRAGMENT = Page("timeline, HTMX fragment", f"/timeline/?party={PARTY}", HTMX)
PAGES = [
    Page("home", "/"),
    Page("talks", "/talks/"),
    Page("talk", TALK),
    Page("delegations", f"{TALK}delegations/"),
    Page("positions", f"{TALK}positions/"),
    Page("timeline", "/timeline/"),
    FILTERED,
    FRAGMENT,
    Page("parties", "/parties/"),
    Page("party", f"/parties/{PARTY}/"),
    Page("people", "/people/"),
    Page("search", "/search/?q=Demo+party+12"),
    # A misspelt name (found by its likeness), and words every demo text has.
    Page("search, misspelt", "/search/?q=Demo+pary+12"),
    Page("search, full text", "/search/?q=demo+text"),
    Page("timeline.json", "/timeline.json"),
]

AIMS = {
    "warm": ("static", 0.5),
    "304": ("static", 0.8),
    "cold": ("datasette", 3.0),
}
P99_AIM = 0.100
FRAGMENT_AIM = 0.25
FIRST_VISIT_AIM = 60_000


def say(message: str) -> None:
    print(message, flush=True)


# --- Setting up: wrk, Datasette, static files, the demo databases ----------------------------------------


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    say("wrk is missing: installing Debian's wrk (apt-get install -y wrk).")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)


def ensure_datasette() -> Path:
    """Datasette in a virtual environment of its own, never the project's."""
    datasette = DATASETTE_VENV / "bin" / "datasette"
    if not datasette.exists():
        say(f"Installing Datasette into {DATASETTE_VENV.relative_to(BASE_DIR)} (pip install datasette).")
        subprocess.run([sys.executable, "-m", "venv", str(DATASETTE_VENV)], check=True)
        pip = [str(DATASETTE_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "datasette"], check=True)
    return datasette


def production_env(database_url: str, static_root: Path) -> dict[str, str]:
    """The environment production runs with (as tests/reliability/server.py
    sets it up): DEBUG off, a random secret key, real host names; the
    developer's own DJANGO_*, GUNICORN_* and DATABASE_URL left out."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "GUNICORN_")) and name != "DATABASE_URL"
    }
    return env | {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on loopback; in production the proxy in front ends TLS.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_STATIC_ROOT": str(static_root),
        # Kept downloads in the run's own scratch folder, gone with it.
        "DJANGO_DOWNLOADS_DIR": str(static_root.parent / "downloads"),
        "DATABASE_URL": database_url,
    }


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


@dataclass(frozen=True)
class Database:
    kind: str
    scale: int

    @property
    def name(self) -> str:
        return f"parley_bench_s{self.scale}" if self.kind == "postgres" else f"demo-{self.scale}"

    @property
    def path(self) -> Path:
        return DATA / f"{self.name}.sqlite3"

    @property
    def url(self) -> str:
        return f"{POSTGRES}/{self.name}" if self.kind == "postgres" else f"sqlite:///{self.path}"

    def __str__(self) -> str:
        return f"{'PostgreSQL' if self.kind == 'postgres' else 'SQLite'}, scale {self.scale}"


def ensure_database(database: Database, static_root: Path, rebuild: bool) -> None:
    """The demo record of the scale, built under a temporary name and renamed
    when complete, so a database of the final name is always a whole one.
    Migrated on every run, so it keeps up with the schema."""
    if rebuild:
        drop(database)
    if not exists(database):
        say(f"Building the demo record for {database} (once; kept for later runs).")
        with staging(database) as url:
            env = production_env(url, static_root)
            manage(env, "migrate", "--no-input")
            manage(env, "make_demo_data", "--scale", str(database.scale), quiet=False)
    manage(production_env(database.url, static_root), "migrate", "--no-input")
    if database.kind == "sqlite":
        checkpoint(database.path)
    else:
        compact(database)


def compact(database: Database) -> None:
    """The PostgreSQL database as a site's would be once autovacuum has been
    by: planner statistics made, the space of rows that the build and the
    migrations replaced given back (the timeline's table was 23 MB for 4 MB
    of rows after a migration's updates, and every scan of it read them all),
    and the pages marked all-visible, which VACUUM FULL leaves unmarked: until
    then an index-only scan reads the table as well (published() over every
    talk's citations: 10.3 ms, then 2.5 ms)."""
    import psycopg

    with psycopg.connect(database.url, autocommit=True) as db:
        db.execute("VACUUM FULL ANALYZE")
        db.execute("VACUUM")


def exists(database: Database) -> bool:
    if database.kind == "sqlite":
        return database.path.exists()
    with postgres() as admin:
        return bool(admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database.name]).fetchone())


def drop(database: Database) -> None:
    if database.kind == "sqlite":
        for path in DATA.glob(f"{database.name}.sqlite3*"):
            path.unlink()
    else:
        with postgres() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


@contextmanager
def staging(database: Database):
    """A database to build into, renamed to the database's own name at the end."""
    if database.kind == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        temporary = DATA / f"{database.name}.building.sqlite3"
        for leftover in DATA.glob(f"{temporary.name}*"):
            leftover.unlink()
        yield f"sqlite:///{temporary}"
        checkpoint(temporary)
        temporary.rename(database.path)
        for leftover in DATA.glob(f"{temporary.name}-*"):
            leftover.unlink()
    else:
        temporary = f"{database.name}_building"
        with postgres() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{temporary}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{temporary}"')
        yield f"{POSTGRES}/{temporary}"
        with postgres() as admin:
            admin.execute(f'ALTER DATABASE "{temporary}" RENAME TO "{database.name}"')


@contextmanager
def postgres():
    # The project's own driver; imported here so that a SQLite-only run needs nothing of PostgreSQL.
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        yield admin


def checkpoint(path: Path) -> None:
    """Fold SQLite's write-ahead log into the file, so that Datasette and
    a copy see the whole database in the one file."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def collect_static(root: Path) -> None:
    say("Collecting the static files as production does (hashed, gzip and brotli copies).")
    manage(production_env(f"sqlite:///{root / 'unused.sqlite3'}", root), "collectstatic", "--no-input", "-v0")


# --- Servers ---------------------------------------------------------------------------------------------


class Server:
    """A server on a loopback port the kernel picks, read from its log."""

    listening: re.Pattern
    ready_path: str
    # What stops it at once, dropping whatever it was still serving.
    quick_stop: signal.Signals

    def __init__(self, command: list[str], env: dict[str, str], log: Path):
        self.command, self.env, self.log = command, env, log
        self.start()

    def start(self) -> None:
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                self.command, cwd=BASE_DIR, env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self.port = self.wait_for_port()
        self.wait_until(self.ready_path)

    def restart(self, quick: bool = False) -> None:
        self.stop(quick)
        self.start()

    def wait_for_port(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.log.name}: the server exited:\n{self.log.read_text()[-3000:]}")
            if match := self.listening.search(self.log.read_text(errors="replace")):
                return int(match.group(1))
            time.sleep(0.1)
        raise SystemExit(f"{self.log.name}: the server did not start in {timeout} s")

    def wait_until(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if fetch(self.port, path).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"{self.log.name}: {path} did not answer 200 in {timeout} s")

    def cpu_ticks(self) -> int:
        """CPU time the server and its workers have used, in clock ticks."""
        pids, total = [self.process.pid], 0
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            try:
                pids += [int(pid) for pid in (task / "children").read_text().split()]
            except OSError:
                continue
        for pid in pids:
            try:
                total += sum(int(n) for n in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13])
            except OSError:
                continue
        return total

    def wait_until_idle(self, timeout: float) -> bool:
        """Whether the server went half a second without using CPU within the timeout."""
        deadline, before, quiet = time.monotonic() + timeout, self.cpu_ticks(), 0
        while quiet < 2:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.25)
            now = self.cpu_ticks()
            quiet, before = (quiet + 1 if now - before <= 1 else 0), now
        return True

    def stop(self, quick: bool = False) -> None:
        if self.process.poll() is None:
            self.process.send_signal(self.quick_stop if quick else signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class Parley(Server):
    """gunicorn with the production settings and talks/gunicorn.py, as the
    systemd unit runs it; the worker count is gunicorn.py's own."""

    listening = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
    ready_path = "/healthz"
    # gunicorn's quick shutdown: workers exit at once, mid-request.
    quick_stop = signal.SIGQUIT

    def __init__(self, env: dict[str, str], log: Path):
        command = [sys.executable, "-m", "gunicorn", "-c", "python:talks.gunicorn", "talks.wsgi"]
        super().__init__(command, env | {"GUNICORN_BIND": "127.0.0.1:0"}, log)

    def start(self) -> None:
        super().start()
        self.wait_for_workers()

    def wait_for_workers(self, timeout: float = 30) -> None:
        """Until no worker has booted for a second: every worker gunicorn.py
        asks for is up, so that none is still importing Django when a
        measurement starts."""
        deadline, booted, since = time.monotonic() + timeout, -1, time.monotonic()
        while time.monotonic() < deadline:
            now = self.log.read_text(errors="replace").count("Booting worker")
            if now != booted:
                booted, since = now, time.monotonic()
            elif time.monotonic() - since >= 1:
                return
            time.sleep(0.1)


class Datasette(Server):
    listening = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
    ready_path = "/-/versions.json"
    # One process, no workers of its own to wait for.
    quick_stop = signal.SIGKILL

    def __init__(self, datasette: Path, database: Path, log: Path):
        super().__init__([str(datasette), "serve", str(database), "-h", "127.0.0.1", "-p", "0"], dict(os.environ), log)
        self.path = facet_page(database)


def facet_page(database: Path) -> str:
    """Datasette's page nearest the timeline's: the table that holds the
    timeline's entries, if the schema has one, faceted by kind and status;
    else the talks, faceted by status."""
    with closing(sqlite3.connect(database)) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        entries = sorted(t for t in tables if t.startswith("talks_timeline"))
        table = entries[0] if entries else "talks_talk"
        columns = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
    facets = "&".join(f"_facet={column}" for column in ("kind", "status") if column in columns)
    return f"/{database.stem}/{table}?{facets}"


# --- HTTP and wrk ----------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def wire_bytes(self) -> int:
        """The response as it crossed the wire: status line, headers and the
        body as sent (compressed, where it was)."""
        return len(str(self.headers)) + len("HTTP/1.1 200 OK\r\n") + len(self.body)


def fetch(port: int, path: str, headers: dict | None = None, timeout: float = 120) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Connection": "close", **(headers or {})})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


@dataclass
class Run:
    """One wrk run: requests a second, and the latency's median and 99th percentile in seconds."""

    rps: float
    p50: float | None
    p99: float | None
    errors: int


UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(number) * UNITS[unit]


# A different address for every request, from every wrk thread, so that no
# cached copy can answer it: what a cold cache costs. Parley's forms ignore
# a parameter they do not know.
BUST = """
local threads = 0
function setup(thread) threads = threads + 1; thread:set("id", threads) end
local n = 0
function request()
  n = n + 1
  return wrk.format(nil, "{path}{sep}bench-cold={run}-" .. id .. "-" .. n)
end
"""


def wrk(port: int, path: str, clients: int, duration: int, headers: dict, bust: bool, scratch: Path) -> Run:
    command = ["wrk", "-t", str(min(clients, os.cpu_count() or 1)), "-c", str(clients), "-d", f"{duration}s"]
    command += ["--timeout", "30s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if bust:
        script = scratch / "bust.lua"
        # A new run name each time, so that no run asks for an address an earlier one did.
        run = secrets.token_hex(4)
        lua = BUST.replace("{path}", path).replace("{sep}", "&" if "?" in path else "?")
        script.write_text(lua.replace("{run}", run))
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    errors += int(match.group(1)) if (match := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    done = int(re.search(r"(\d+) requests in", output).group(1))
    if not done:
        return Run(0.0, None, None, errors)
    return Run(rps, seconds(latency["50"]), seconds(latency["99"]), errors)


# --- The measurement -------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    mode: str  # "static", "datasette", "cold", "warm" or "304"
    runs: dict[int, list[Run]] = field(default_factory=dict)
    note: str = ""
    bytes: int | None = None
    first_request: list[float] = field(default_factory=list)

    def add(self, clients: int, run: Run) -> None:
        self.runs.setdefault(clients, []).append(run)

    def median(self, clients: int, what: str) -> float | None:
        values = [getattr(run, what) for run in self.runs.get(clients, []) if getattr(run, what) is not None]
        return statistics.median(values) if values else None

    @property
    def label(self) -> str:
        return self.name if self.mode in {"static", "datasette"} else f"{self.name} ({self.mode})"


@dataclass
class Options:
    # wrk takes whole seconds.
    duration: int
    rounds: int
    warmup: int
    quick: bool = False


class Bench:
    """Every row of one database, interleaved: each round measures the
    static file and Datasette, then each page cold (a fresh server), warm and
    revalidated, so a change in the machine's load falls on every row alike."""

    def __init__(self, database: Database, env: dict, datasette: Datasette, options: Options, scratch: Path):
        self.database, self.env, self.datasette, self.options, self.scratch = database, env, datasette, options, scratch
        self.server: Parley | None = None
        self.rows: dict[tuple[str, str], Row] = {}
        self.static_path = ""

    def row(self, name: str, mode: str) -> Row:
        return self.rows.setdefault((name, mode), Row(name, mode))

    def fresh_server(self) -> Parley:
        if self.server:
            self.server.restart(quick=True)
        else:
            self.server = Parley(self.env, self.scratch / "gunicorn.log")
        return self.server

    def measure(self, row: Row, server: Server, path: str, headers: dict, bust: bool = False) -> None:
        for clients in CLIENTS:
            run = wrk(server.port, path, clients, self.options.duration, ACCEPT | headers, bust, self.scratch)
            self.settle(server, row)
            row.add(clients, run)
            say(f"    {row.label}, {clients} clients: {rate(run.rps)} req/s, p50 {ms(run.p50)}, p99 {ms(run.p99)}")

    def settle(self, server: Server, row: Row) -> None:
        """Let the server finish the requests wrk left queued when it
        stopped counting, so they are not charged to the next row; a backlog
        too long to wait for is dropped by restarting the server."""
        if not server.wait_until_idle(timeout=2 * self.options.duration + 1):
            server.restart(quick=True)
            row.note = "the server was restarted to drop the requests left queued"

    def run(self) -> list[Row]:
        try:
            self.fresh_server()
            self.static_path = stylesheet(self.server.port)
            for round_number in range(1, self.options.rounds + 1):
                say(f"{self.database}: round {round_number} of {self.options.rounds}")
                self.measure(self.row("static CSS (whitenoise)", "static"), self.server, self.static_path, {})
                self.measure(self.row("Datasette facet page", "datasette"), self.datasette, self.datasette.path, {})
                for page in PAGES:
                    self.page(page)
        finally:
            if self.server:
                self.server.stop()
        self.row("Datasette facet page", "datasette").note = self.datasette.path
        return list(self.rows.values())

    def page(self, page: Page) -> None:
        say(f"  {page.name}")
        server = self.fresh_server()
        started = time.monotonic()
        first = fetch(server.port, page.path, ACCEPT | page.headers)
        cold = self.row(page.name, "cold")
        cold.first_request.append(time.monotonic() - started)
        cold.bytes = len(first.body)
        if first.status != 200:
            cold.note = f"status {first.status}"
            return
        # The workers warmed as a long-running server's are (templates
        # compiled, connections open, each worker's first request done), with
        # addresses the measurement never asks for again: the page cache
        # still answers none of the measured requests. Without this the
        # 8-client row, measured first, paid the workers' start-up: at scale
        # 1,000 it ran at half the 32-client row's rate. As many clients as
        # the most measured: gunicorn.py lets a worker hold 8 connections, so
        # 32 reach every worker, where 8 could leave one untouched.
        wrk(server.port, page.path, CLIENTS[-1], self.options.warmup, ACCEPT | page.headers, True, self.scratch)
        self.settle(server, cold)
        self.measure(cold, server, page.path, page.headers, bust=True)
        warmup = self.row(page.name, "warm")
        # Every worker's cache: one left out rendered the page during the
        # warm row (under load, seconds), and its p99 was that render's.
        wrk(server.port, page.path, CLIENTS[-1], self.options.warmup, ACCEPT | page.headers, False, self.scratch)
        self.settle(server, warmup)
        self.measure(warmup, server, page.path, page.headers)
        revalidated = self.row(page.name, "304")
        # From the server now answering: settling may have started a new one.
        etag = fetch(server.port, page.path, ACCEPT | page.headers).headers.get("ETag")
        if not etag:
            revalidated.note = "no ETag"
            return
        headers = page.headers | {"If-None-Match": etag}
        if (status := fetch(server.port, page.path, ACCEPT | headers).status) != 304:
            revalidated.note = f"ETag given, but If-None-Match answered {status}"
            return
        self.measure(revalidated, server, page.path, headers)


class Assets(HTMLParser):
    """What a browser fetches for a page: stylesheets, scripts, icons, images."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and {"stylesheet", "icon", "preload", "modulepreload"} & set((attrs.get("rel") or "").split()):
            self.urls.append(attrs.get("href") or "")
        elif tag in {"script", "img", "iframe", "source", "video", "audio", "embed"} and attrs.get("src"):
            self.urls.append(attrs["src"])


def assets(html: str) -> list[str]:
    parser = Assets()
    parser.feed(html)
    return [url for url in parser.urls if url]


def stylesheet(port: int) -> str:
    """The hashed address of the site's stylesheet, as the pages name it."""
    return next(url for url in assets(fetch(port, "/").body.decode()) if url.endswith(".css"))


def elsewhere(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.hostname not in {"127.0.0.1", "localhost"}


@dataclass
class FirstVisit:
    wire_bytes: int
    requests: int
    other_hosts: list[str]
    fragment_bytes: int
    page_bytes: int


def first_visit(env: dict, scratch: Path) -> FirstVisit:
    """The timeline as a new reader's browser fetches it (page, stylesheet,
    scripts, icon, compressed where they can be), and whether anything
    comes from another host; and its HTMX fragment against the full page."""
    server = Parley(env, scratch / "gunicorn-first-visit.log")
    try:
        # Counted as sent (compressed); read uncompressed for what they name.
        page = fetch(server.port, "/timeline/", ACCEPT)
        urls = assets(fetch(server.port, "/timeline/").body.decode())
        css = [fetch(server.port, url).body.decode(errors="replace") for url in urls if url.endswith(".css")]
        urls += [u for text in css for u in re.findall(r"url\(['\"]?([^'\")]+)", text) if not u.startswith("data:")]
        urls += [u for text in css for u in re.findall(r"@import\s+['\"]([^'\"]+)", text)]
        other_hosts = sorted({urlsplit(url).netloc for url in urls if elsewhere(url)})
        local = sorted({url for url in urls if not elsewhere(url)})
        wire = page.wire_bytes + sum(fetch(server.port, urlsplit(url).path, ACCEPT).wire_bytes for url in local)
        full = fetch(server.port, FILTERED.path)
        fragment = fetch(server.port, FRAGMENT.path, FRAGMENT.headers)
        return FirstVisit(wire, 1 + len(local), other_hosts, len(fragment.body), len(full.body))
    finally:
        server.stop()


def in_process(env: dict, repeat: int) -> dict:
    """/timeline/ through Django's test client, and every page's query count."""
    command = [sys.executable, str(BENCH / "inprocess.py")]
    timed = subprocess.run(
        [*command, "--repeat", str(repeat), "/timeline/"], cwd=BASE_DIR, env=env, capture_output=True, check=True
    )
    counted = subprocess.run(
        [*command, "--repeat", "0", *sorted({page.path for page in PAGES})],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        check=True,
    )
    return {
        "timeline": json.loads(timed.stdout)[0],
        "queries": {r["path"]: r["queries"] for r in json.loads(counted.stdout)},
    }


# --- Reporting -------------------------------------------------------------------------------------------


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:,.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def ratio(row: Row, base: Row | None, clients: int) -> float | None:
    mine, theirs = row.median(clients, "rps"), base.median(clients, "rps") if base else None
    return mine / theirs if mine is not None and theirs else None


def aims(row: Row, rows: dict[tuple[str, str], Row], fragment: FirstVisit) -> str:
    """Each aim the row has, and whether it was met at 8 and at 32 clients."""
    said = []
    if row.mode in AIMS and row.runs:
        against, wanted = AIMS[row.mode]
        base = rows.get(
            ("static CSS (whitenoise)", "static") if against == "static" else ("Datasette facet page", "datasette")
        )
        met = [clients for clients in CLIENTS if (found := ratio(row, base, clients)) and found >= wanted]
        verdict = "met" if len(met) == len(CLIENTS) else f"met at {met[0]} clients only" if met else "not met"
        said.append(f"≥ {wanted:g} x {against}: {verdict}")
    p99 = row.median(CLIENTS[0], "p99")
    if row.mode in AIMS and row.runs:
        met = "met" if p99 is not None and p99 <= P99_AIM else "not met"
        said.append(f"p99 ≤ 100 ms at 8: {met}{'' if p99 is not None else ' (no request finished in the run)'}")
    if row.name == FRAGMENT.name and row.mode == "warm":
        share = fragment.fragment_bytes / fragment.page_bytes
        said.append(f"≤ ¼ of the page's bytes: {'met' if share <= FRAGMENT_AIM else 'not met'} ({share:.0%})")
    return "; ".join(said)


def table(database: Database, rows: list[Row], visit: FirstVisit, options: Options, machine: str) -> str:
    by_key = {(row.name, row.mode): row for row in rows}
    static, datasette = by_key[("static CSS (whitenoise)", "static")], by_key[("Datasette facet page", "datasette")]
    run = "A quick smoke run (checks the harness; the figures are only indicative): " if options.quick else ""
    lines = [
        f"### {database}",
        "",
        f"{run}{datetime.date.today().isoformat()}, {options.rounds} round(s) of {options.duration} s a row "
        f"(median of the rounds), {machine}. Datasette: `{datasette.note}` on the SQLite file of this scale.",
        "",
        "| row | req/s (8) | p50 (8) | p99 (8) | req/s (32) | p50 (32) | p99 (32) | vs static (8 / 32) "
        "| vs Datasette (8 / 32) | bytes | first request | aims |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        figures = []
        for clients in CLIENTS:
            figures += [
                rate(row.median(clients, "rps")),
                ms(row.median(clients, "p50")),
                ms(row.median(clients, "p99")),
            ]
        versus = [
            " / ".join("—" if (r := ratio(row, base, c)) is None else f"{r:.2f}" for c in CLIENTS)
            for base in (static, datasette)
        ]
        first = ms(statistics.median(row.first_request)) if row.first_request else ""
        size = f"{row.bytes:,}" if row.bytes is not None else ""
        errors = sum(run.errors for runs in row.runs.values() for run in runs)
        notes = [aims(row, by_key, visit), row.note if row.mode != "datasette" else ""]
        notes.append(f"{errors} errors or timeouts" if errors else "")
        cells = [row.label, *figures, *versus, size, first, "; ".join(n for n in notes if n)]
        lines.append(f"| {' | '.join(cells)} |")
    share = visit.fragment_bytes / visit.page_bytes
    hosts = ", ".join(visit.other_hosts) or "none"
    lines += [
        "",
        f"First visit to /timeline/: {visit.wire_bytes / 1000:,.1f} KB over the wire in {visit.requests} requests "
        f"(aim ≤ 60 KB: {'met' if visit.wire_bytes <= FIRST_VISIT_AIM else 'not met'}); requests to other hosts: "
        f"{hosts} (aim none: {'met' if not visit.other_hosts else 'not met'}). HTMX fragment "
        f"{visit.fragment_bytes:,} bytes against the filtered page's {visit.page_bytes:,} ({share:.0%}; aim ≤ 25%).",
        "",
    ]
    return "\n".join(lines)


def in_process_table(results: dict[int, dict], scales: list[int]) -> str:
    paths = sorted({path for found in results.values() for path in found["queries"]})
    lines = [
        "### /timeline/ in one process, one reader (SQLite)",
        "",
        "Django's test client against the demo database, production settings: the median time of the timed "
        "requests, the response's size, tracemalloc's peak during one request, and the queries each page makes.",
        "",
        "| scale | time a request | bytes | Python memory (peak) | queries: " + " · ".join(paths) + " |",
        "| ---: | ---: | ---: | ---: | --- |",
    ]
    for scale in scales:
        found = results[scale]
        timeline = found["timeline"]
        queries = " · ".join(str(found["queries"][path]) for path in paths)
        lines.append(
            f"| {scale:,} | {ms(timeline['seconds'])} | {timeline['bytes']:,} | "
            f"{timeline['peak_bytes'] / 1e6:,.1f} MB | {queries} |"
        )
    return "\n".join([*lines, ""])


START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def write_doc(blocks: dict[str, str]) -> None:
    """Replace the measured blocks of the generated section (one a database
    and scale, one for the in-process figures), keeping the others."""
    text = DOC.read_text(encoding="utf-8")
    before, rest = text.split(START, 1)
    generated, after = rest.split(END, 1)
    kept = {}
    for block in re.split(r"(?m)^(?=### )", generated):
        if block.startswith("### "):
            kept[block.splitlines()[0]] = block.strip() + "\n"
    for block in blocks.values():
        kept[block.splitlines()[0]] = block.strip() + "\n"
    body = "\n".join(kept[heading] for heading in sorted(kept))
    DOC.write_text(f"{before}{START}\n{body}{END}{after}", encoding="utf-8")


# --- Main ------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="Parley's benchmark; see docs/performance.md.")
    parser.add_argument(
        "--scale", type=int, action="append", help="Demo record scale; repeat for several (default 100 and 1000)."
    )
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=int, default=10, help="Seconds of wrk a row (default 10).")
    parser.add_argument("--rounds", type=int, default=3, help="Rounds; each row's figure is their median (default 3).")
    parser.add_argument("--quick", action="store_true", help="2 s a row, one round: a smoke run of every row.")
    parser.add_argument("--rebuild", action="store_true", help="Build the demo databases anew.")
    args = parser.parse_args()
    scales = sorted(set(args.scale or [100, 1000]))
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    options = Options(2, 1, 1, quick=True) if args.quick else Options(args.duration, args.rounds, 2)

    machine = f"{os.cpu_count()} cores, load average {' '.join(f'{n:.2f}' for n in os.getloadavg())} at the start"
    say(f"Parley benchmark: {machine}.")
    ensure_wrk()
    datasette = ensure_datasette()
    blocks = {}
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        static_root = scratch / "static"
        collect_static(static_root)
        # The SQLite files serve the in-process figures and Datasette whichever database is measured.
        for scale in sorted({*IN_PROCESS_SCALES, *scales}):
            ensure_database(Database("sqlite", scale), static_root, args.rebuild)
        measured = {}
        for scale in IN_PROCESS_SCALES:
            say(f"In one process: /timeline/ at scale {scale} (SQLite).")
            env = production_env(Database("sqlite", scale).url, static_root)
            measured[scale] = in_process(env, 1 if args.quick else 5)
        blocks["in-process"] = in_process_table(measured, IN_PROCESS_SCALES)
        say(blocks["in-process"])
        # Written as each table is done, so that a later failure loses only its own.
        write_doc(blocks)
        for kind in kinds:
            for scale in scales:
                database = Database(kind, scale)
                if kind == "postgres":
                    ensure_database(database, static_root, args.rebuild)
                env = production_env(database.url, static_root)
                served = Datasette(datasette, Database("sqlite", scale).path, scratch / "datasette.log")
                try:
                    rows = Bench(database, env, served, options, scratch).run()
                finally:
                    served.stop()
                visit = first_visit(env, scratch)
                load = " ".join(f"{n:.2f}" for n in os.getloadavg())
                blocks[str(database)] = table(database, rows, visit, options, f"{machine}, {load} at the end")
                say(blocks[str(database)])
                write_doc(blocks)
    say(f"Written into {DOC.relative_to(BASE_DIR)}.")


if __name__ == "__main__":
    main()
