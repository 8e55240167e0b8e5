"""Parley under load: many readers on every kind of page, fragment and
malformed address, while editors save changes through the admin, on the
production server (gunicorn, DEBUG off, SQLite in WAL mode).

The figures (requests, requests/s, latency) are printed, not asserted: this
box is small and shared, so they are a measurement, not a pass mark. What is
asserted is that nothing failed and nothing an editor saved was lost.
"""

import http.client
import itertools
import re
import sqlite3
import threading
import time
from contextlib import closing

import pytest

from ..pages import BY_NAME
from .server import HTMX, Browser, Outcome, Visit, page_visits, percentile, read, request, sqlite_url

pytestmark = pytest.mark.slow

READERS = 32
DURATION = 15.0
# Two editors, each on a party of their own, so that writes also queue behind
# each other (SQLite has one writer at a time) while readers read.
EDITED = {"opposition": "syrian-opposition", "kazakhstan": "kazakhstan"}
# Three workers of two threads each rather than the config's four on this
# two-core box: the 32 client threads and the editors run on the same two
# cores, and a fourth worker would only take CPU from them.
WORKERS = 3


VISITS = [
    # Every page of the registry, with and without a filter, and the fragments.
    *page_visits(),
    Visit("/talks/geneva-2017-02/"),
    Visit("/parties/kazakhstan/"),
    Visit("/timeline/?kind=ceasefire&status=held&start=2016-01-01&end=2017-12-31"),
    Visit("/timeline/?topic=ceasefire&page=1", body="fragment", headers=HTMX),
    Visit("/timeline/?party=nobody&start=2017-02-30", body="fragment", headers=HTMX),
    # Malformed input: filters report and ignore it (200); unknown addresses are 404s.
    Visit("/timeline/?q=%E0%A4%A"),
    Visit("/timeline/?topic=%FF%FE"),
    Visit("/timeline/?q=a%00b"),
    Visit("/talks/?party=%00"),
    Visit("/timeline/?party=russia&party=iran&party=iran&party="),
    Visit("/timeline/?page=999999999999999999999"),
    Visit("/timeline/?page=-1&page=abc"),
    Visit("/talks/?year=99999999999999999999999"),
    Visit("/timeline/?start=99999999999-01-01&end=0000-00-00"),
    Visit(BY_NAME["compare"].path + "&a=russia&b=nobody"),
    Visit("/search/?q=%25%ZZ%00"),
    Visit("/timeline/?%ZZ=1&=&&&q"),
    Visit("/search/?q=" + "y" * 3000),
    Visit("/talks/no-such-talk/", 404, "missing"),
    Visit("/talks/%00/", 404, "missing"),
    Visit("/parties/%FF/", 404, "missing"),
    Visit("/people/%E0%A4%A/", 404, "missing"),
    Visit("/sources/99999999999999999999999/", 404, "missing"),
    Visit("/no/such/page", 404, "missing"),
    # A host the site does not serve, and a request line longer than gunicorn takes.
    Visit("/", 400, "any", headers={"Host": "evil.example"}),
    Visit("/search/?q=" + "z" * 5000, 414, "any"),
]


def new_alias_field(values: dict[str, str]) -> str:
    """The name field of the alias inline's first empty row: the one after
    the existing aliases, numbered from the inline's management form."""
    initial = next(name for name in values if "-alias-" in name and name.endswith("-INITIAL_FORMS"))
    return f"{initial.removesuffix('-INITIAL_FORMS')}-{values[initial]}-name"


def edit(port: int, party_pk: int, label: str, deadline: float, saved: list, problems: list) -> None:
    """An editor: signs in through the admin's login form, then until the
    deadline submits the party's whole change form as the browser would,
    with a new description and one new alias each time. An edit counts as
    saved when the admin redirects to the list, as it does after a save."""
    browser = Browser(port)
    try:
        response = browser.log_in()
    except (OSError, http.client.HTTPException) as error:
        problems.append(f"{label}: login: {error!r}")
        return
    if response.status != 302 or "/login/" in response.headers.get("Location", ""):
        problems.append(f"{label}: login answered {response.status}")
        return
    path = f"/admin/talks/party/{party_pk}/change/"
    for number in itertools.count(1):
        if time.monotonic() >= deadline:
            return
        description, alias = f"{label} edit {number}", f"{label} alias {number}"
        try:
            fields = browser.form(path, "party_form")
            changes = {"description": description, new_alias_field(dict(fields)): alias}
            fields = [(name, changes.get(name, value)) for name, value in fields]
            fields.append(("_save", "Save"))
            response = browser.post(path, fields)
        except (OSError, http.client.HTTPException, AssertionError, StopIteration) as error:
            problems.append(f"{label} edit {number}: {error!r}")
            continue
        location = response.headers.get("Location", "")
        if response.status == 302 and location.endswith("/admin/talks/party/"):
            saved.append((description, alias))
        else:
            problems.append(f"{label} edit {number}: {response.status} {location} {response.text[:300]!r}")


def test_readers_and_editors_together_get_no_errors_and_lose_no_edits(database, start_server, summary):
    with closing(sqlite3.connect(database)) as db:
        party_pks = {
            label: db.execute("SELECT id FROM talks_party WHERE slug = ?", [slug]).fetchone()[0]
            for label, slug in EDITED.items()
        }
    server = start_server(sqlite_url(database), workers=WORKERS)
    # The stylesheet as browsers fetch it: its hashed name, from whitenoise.
    stylesheet = re.search(r'href="(/static/css/[^"]+\.css)"', request(server.port, "/").text).group(1)
    visits = [*VISITS, Visit(stylesheet, body="any")]

    outcomes: list[Outcome] = []
    saved: dict[str, list] = {label: [] for label in EDITED}
    editor_problems: list[str] = []
    started = time.monotonic()
    deadline = started + DURATION
    threads = [
        threading.Thread(target=read, args=(server.port, visits, index * 7, deadline, outcomes))
        for index in range(READERS)
    ] + [
        threading.Thread(
            target=edit, args=(server.port, party_pks[label], label, deadline, saved[label], editor_problems)
        )
        for label in EDITED
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Every request has a 30 s (readers) or 60 s (editors) timeout, so this always ends.
        thread.join(timeout=DURATION + 120)
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads), "a client thread did not finish"
    # Readers see the last saved edit at once: the page cache is keyed by the data version it changed.
    for label, slug in EDITED.items():
        if saved[label]:
            assert saved[label][-1][0] in request(server.port, f"/parties/{slug}/").text
    server.stop()

    latencies = sorted(outcome.seconds * 1000 for outcome in outcomes)
    problems = [f"{o.visit.path[:80]} {o.visit.headers}: {o.problem}" for o in outcomes if o.problem]
    with summary():
        print(
            f"\nload: {len(outcomes)} reader requests from {READERS} clients in {elapsed:.1f} s "
            f"= {len(outcomes) / elapsed:.1f} req/s; latency p50 {percentile(latencies, 50):.0f} ms, "
            f"p99 {percentile(latencies, 99):.0f} ms, max {latencies[-1]:.0f} ms; "
            f"edits saved: {', '.join(f'{label} {len(edits)}' for label, edits in saved.items())}; "
            f"problems: {len(problems)} reader, {len(editor_problems)} editor"
        )
    assert problems == [], f"{len(problems)} failed reader requests, e.g. {problems[:10]}\n{server.log()}"
    assert editor_problems == [], f"editor problems: {editor_problems[:10]}\n{server.log()}"
    # Every visit was made, by several readers.
    assert {o.visit for o in outcomes} == set(visits)

    # Every edit the admin confirmed is in the database: each alias added,
    # and the description the last save set.
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        party_type = db.execute(
            "SELECT id FROM django_content_type WHERE app_label = 'talks' AND model = 'party'"
        ).fetchone()[0]
        for label, edits in saved.items():
            # Some edits, amid the readers: how many depends on the machine, and is printed above.
            assert len(edits) >= 2, f"{label}: only {len(edits)} edits saved in {DURATION} s"
            (description,) = db.execute(
                "SELECT description FROM talks_party WHERE id = ?", [party_pks[label]]
            ).fetchone()
            assert description == edits[-1][0]
            aliases = {
                name
                for (name,) in db.execute(
                    "SELECT name FROM talks_alias WHERE content_type_id = ? AND object_id = ? AND name LIKE ?",
                    [party_type, party_pks[label], f"{label} alias %"],
                )
            }
            assert aliases == {alias for _, alias in edits}
