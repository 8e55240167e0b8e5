"""A real Parley for the reliability tests: gunicorn with the production
settings and config, on a loopback port of its own, on its own database, and
the plain HTTP client (http.client, one connection a request) that talks to it.

Nothing here touches the network beyond 127.0.0.1, and every wait is bounded.
"""

import http.client
import itertools
import os
import re
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import closing, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from ..pages import PAGES

BASE_DIR = Path(__file__).resolve().parents[2]
STAFF_USERNAME = "editor"
# Passes Django's password validators; only ever used on loopback, on a throwaway database.
STAFF_PASSWORD = "reliability-" + secrets.token_urlsafe(16)


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment production runs with: DEBUG off, a random secret key,
    real host names. The developer's own DJANGO_*, GUNICORN_* and DATABASE_URL
    settings are dropped so that they cannot leak into the server under test."""
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
        "DATABASE_URL": database_url,
        **extra,
    }


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def manage(env: dict[str, str], *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    """manage.py in its own process, as an operator runs it."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the database file, so that copying the
    one file copies the whole database."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# --- HTTP -------------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(
    port: int,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 30,
) -> Response:
    """One request on a new connection. A new connection each time, like
    many separate readers, and so that a keep-alive connection the server has
    just closed can never be mistaken for a failure of the site."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


class Browser:
    """Cookies and CSRF tokens kept the way a browser keeps them, for the admin.
    The production cookies are marked Secure; on loopback HTTP we send them anyway,
    as the proxy in front would."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, fields: list[tuple[str, str]] | None = None, timeout: float = 60):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = request(self.port, path, method, headers, body, timeout=timeout)
        for line in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        return response

    def get(self, path: str, timeout: float = 60) -> Response:
        return self.send("GET", path, timeout=timeout)

    def post(self, path: str, fields: list[tuple[str, str]], timeout: float = 60) -> Response:
        return self.send("POST", path, fields, timeout=timeout)

    def form(self, path: str, form_id: str | None = None) -> list[tuple[str, str]]:
        """GET a page and return what a browser would submit from its form."""
        response = self.get(path)
        if response.status != 200:
            raise AssertionError(f"GET {path}: {response.status}")
        return form_fields(response.text, form_id)

    def log_in(self, username: str = STAFF_USERNAME, password: str = STAFF_PASSWORD, tries: int = 5) -> Response:
        """Through the admin's own login form: GET for the CSRF cookie and
        token, then POST the credentials with them. Answered "too many
        sign-ins at once" (429 with Retry-After: the site checks a few at a
        time), it signs in again after the wait, as a person would."""
        fields = dict(self.form("/admin/login/", "login-form"))
        for _ in range(tries):
            response = self.post(
                "/admin/login/",
                [
                    ("csrfmiddlewaretoken", fields["csrfmiddlewaretoken"]),
                    ("username", username),
                    ("password", password),
                    ("next", "/admin/"),
                ],
            )
            if response.status != 429 or "Too many sign-ins at once" not in response.text:
                break
            time.sleep(float(response.headers.get("Retry-After", "1")))
        return response


class FormFields(HTMLParser):
    """The name/value pairs a browser submits for a form: checked boxes only,
    the selected option (or the first), textareas' text without the newline
    HTML drops after the opening tag; nothing disabled, no buttons."""

    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields: list[tuple[str, str]] = []
        self.select: tuple[str, bool] | None = None
        self.options: list[tuple[str, bool]] = []
        self.option: dict | None = None
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = self.form_id is None or attrs.get("id") == self.form_id
            return
        if not self.in_form or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if kind in {"checkbox", "radio"} else "")))
        elif tag == "select" and name:
            self.select, self.options = (name, "multiple" in attrs), []
        elif tag == "option" and self.select:
            self.option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": []}
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"].append(data)
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "option" and self.option is not None:
            self.close_option()
        elif tag == "select" and self.select:
            self.close_option()
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and not multiple and self.options:
                chosen = [self.options[0][0]]
            self.fields.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.text)
            self.fields.append((self.textarea, text.removeprefix("\r\n").removeprefix("\n")))
            self.textarea = None

    def close_option(self):
        if self.option is not None:
            option = self.option
            value = option["value"] if option["value"] is not None else "".join(option["text"]).strip()
            self.options.append((value, option["selected"]))
            self.option = None


def form_fields(html: str, form_id: str | None = None) -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    parser.close()
    return parser.fields


# --- Readers ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """A request a reader makes and what the site must answer: the status
    and a body that is a whole page ("page"), the HTMX results region
    ("fragment"), the site's 404 page ("missing"), the health check's "ok",
    or anything ("any")."""

    path: str
    status: int = 200
    body: str = "page"
    headers: dict = field(default_factory=dict, hash=False)

    def problem(self, response: Response) -> str | None:
        if response.status != self.status:
            return f"status {response.status}, expected {self.status}"
        text = response.text
        if self.body == "page" and not text.rstrip().endswith("</html>"):
            return "not a whole page"
        if self.body == "fragment" and (not text.lstrip().startswith('<div id="browse"') or "<html" in text):
            return "not the results fragment"
        if self.body == "missing" and "Page not found" not in text:
            return "not the site's 404 page"
        if self.body == "ok" and text != "ok\n":
            return f"health check said {text!r}"
        return None


BODIES = {"html": "page", "data": "any", "plain": "ok", "part": "any"}
HTMX = {"HX-Request": "true"}


def page_visits(kinds: tuple[str, ...] = ("html", "data", "plain", "part")) -> list[Visit]:
    """Every page of the registry (tests/pages.py) of the given kinds, as it
    is and filtered, and each filtered list's HTMX fragment."""
    pages = [page for page in PAGES if page.kind in kinds]
    return [
        *(Visit(page.path, body=BODIES[page.kind]) for page in pages),
        *(Visit(page.filtered_path, body=BODIES[page.kind]) for page in pages if page.example),
        *(Visit(page.filtered_path, body="fragment", headers=HTMX) for page in pages if page.fragment),
    ]


@dataclass
class Outcome:
    visit: Visit
    start: float
    seconds: float
    problem: str | None = None
    # The request got no HTTP answer at all (reset, refused, cut short).
    connection_error: bool = False

    @property
    def end(self) -> float:
        return self.start + self.seconds


def read(port: int, visits: list[Visit], offset: int, deadline: float, outcomes: list[Outcome]) -> None:
    """One reader: every visit in turn, from its own starting point, until
    the deadline; each outcome appended as it happens (list.append is atomic)."""
    for visit in itertools.islice(itertools.cycle(visits), offset, None):
        start = time.monotonic()
        if start >= deadline:
            return
        try:
            response = request(port, visit.path, headers=visit.headers)
        except (OSError, http.client.HTTPException) as error:
            outcomes.append(Outcome(visit, start, time.monotonic() - start, f"{error!r}", connection_error=True))
        else:
            outcomes.append(Outcome(visit, start, time.monotonic() - start, visit.problem(response)))


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


# --- The server -------------------------------------------------------------------------------------------

LISTENING = re.compile(rb"Listening at: http://127\.0\.0\.1:(\d+)")


class Server:
    """gunicorn with Parley's production config (talks/gunicorn.py), bound
    to a port the kernel picks on 127.0.0.1 (no race for a free port), its
    output in a log file for when a test fails."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 3):
        self.log_path = log_path
        self.workers = workers
        self.port: int | None = None
        # pid -> its start time, so that a pid the kernel has since reused is never signalled.
        self.known_workers: dict[int, str] = {}
        env = env | {"GUNICORN_BIND": "127.0.0.1:0", "GUNICORN_WORKERS": str(workers)}
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "python:talks.gunicorn", "talks.wsgi"],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self, tail: int = 4000) -> str:
        return self.log_path.read_bytes()[-tail:].decode("utf-8", "replace")

    def wait_until_ready(self, status: int = 200, timeout: float = 30) -> None:
        """Until /healthz answers `status` (200, or 503 for a server whose
        database is meant to be unavailable) and every worker is up."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            if self.port is None and (match := LISTENING.search(self.log_path.read_bytes())):
                self.port = int(match.group(1))
            if self.port is not None and len(self.worker_pids()) == self.workers:
                try:
                    response = request(self.port, "/healthz", timeout=5)
                except OSError as error:
                    last = repr(error)
                else:
                    if response.status == status:
                        return
                    last = f"{response.status} {response.text[:200]}"
            time.sleep(0.1)
        raise AssertionError(f"gunicorn not ready after {timeout} s ({last}):\n{self.log()}")

    def worker_pids(self) -> list[int]:
        """The master's children: its workers."""
        pids = []
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            try:
                pids += [int(pid) for pid in (task / "children").read_text().split()]
            except OSError:
                continue
        for pid in pids:
            self.known_workers.setdefault(pid, start_time(pid))
        return sorted(pids)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL if it is not gone
        within `timeout`; any worker of ours still alive is killed by its pid."""
        if self.process.poll() is None:
            self.worker_pids()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        for pid, started in self.known_workers.items():
            if started and start_time(pid) == started:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def start_time(pid: int) -> str:
    """When the process started (in clock ticks since boot), or "" if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""
