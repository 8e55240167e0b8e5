"""The admin's sign-in under a flood: eight clients posting sign-ins as
fast as they are answered, each with a new username from a new address (as
a botnet behind the site's proxy would, so that no lockout ever applies),
while readers load the home page. The home page's latencies are printed,
with the concurrency limit on sign-ins off (as before it existed) and on;
they are measurements on a shared machine, never asserted. What is asserted
is behaviour: no reader request fails, and with the limit on the flood is
answered 429 with Retry-After, never with an error."""

import itertools
import secrets
import statistics
import threading
import time
from urllib.parse import urlencode

import pytest

from .server import Browser, percentile, request, sqlite_url

pytestmark = pytest.mark.slow

FLOODERS = 8
READERS = 4
SECONDS = 15.0


def read_home(port: int, deadline: float, latencies: list[float], failures: list[str]) -> None:
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            response = request(port, "/", timeout=60)
        except OSError as error:
            failures.append(repr(error))
            continue
        latencies.append((time.monotonic() - start) * 1000)
        if response.status != 200:
            failures.append(f"status {response.status}")


def flood(port: int, deadline: float, number: int, answers: list[tuple[int, str | None]]) -> None:
    """Sign-ins with a new username each time, from a new address each time
    (X-Forwarded-For, as the proxy in front appends the client's address)."""
    browser = Browser(port)
    token = dict(browser.form("/admin/login/", "login-form"))["csrfmiddlewaretoken"]
    for attempt in itertools.count():
        if time.monotonic() >= deadline:
            return
        fields = [("csrfmiddlewaretoken", token), ("username", f"flood-{number}-{attempt}")]
        fields += [("password", secrets.token_urlsafe(12)), ("next", "/admin/")]
        address = f"10.{number}.{attempt // 250 % 250}.{attempt % 250 + 1}"
        headers = {"X-Forwarded-For": address, "Content-Type": "application/x-www-form-urlencoded"}
        if browser.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        try:
            response = request(port, "/admin/login/", "POST", headers, urlencode(fields).encode(), timeout=60)
        except OSError:
            answers.append((0, None))
            continue
        answers.append((response.status, response.headers.get("Retry-After")))


def run(port: int, flooders: int) -> tuple[list[float], list[str], list[tuple[int, str | None]]]:
    latencies: list[float] = []
    failures: list[str] = []
    answers: list[tuple[int, str | None]] = []
    deadline = time.monotonic() + SECONDS
    threads = [threading.Thread(target=read_home, args=(port, deadline, latencies, failures)) for _ in range(READERS)]
    threads += [threading.Thread(target=flood, args=(port, deadline, n, answers)) for n in range(flooders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 120)
    assert not any(thread.is_alive() for thread in threads)
    return latencies, failures, answers


def figures(label: str, latencies: list[float], answers: list[tuple[int, str | None]]) -> str:
    statuses = {status: sum(1 for s, _ in answers if s == status) for status in sorted({s for s, _ in answers})}
    return (
        f"{label}: home page {len(latencies)} requests, p50 {statistics.median(latencies):.0f} ms, "
        f"p99 {percentile(latencies, 99):.0f} ms, max {max(latencies):.0f} ms; "
        f"sign-ins answered {statuses or 'none'}"
    )


def test_a_sign_in_flood_no_longer_starves_the_readers(database, start_server, summary):
    lines = []
    for label, concurrency, flooders in [
        ("no flood", "1", 0),
        ("flood, no limit on sign-ins (before)", "0", FLOODERS),
        ("flood, one sign-in checked at a time (after)", "1", FLOODERS),
    ]:
        server = start_server(
            sqlite_url(database), workers=3, DJANGO_TRUSTED_PROXY_COUNT="1", DJANGO_LOGIN_CONCURRENCY=concurrency
        )
        latencies, failures, answers = run(server.port, flooders)
        server.stop()
        lines.append(figures(label, latencies, answers))
        assert failures == []
        assert all(status in (200, 429) for status, _ in answers), sorted({s for s, _ in answers})
        if concurrency == "1" and flooders:
            assert any(status == 429 for status, _ in answers)
            assert all(retry == "2" for status, retry in answers if status == 429)
    with summary():
        print(f"\nsign-in flood ({FLOODERS} clients, {READERS} readers of /, {SECONDS:.0f} s each):")
        for line in lines:
            print(f"  {line}")
