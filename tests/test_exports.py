"""Open data: every list as JSON and CSV, the same records the page shows
with the same query string, each with its sources; safe to open in a
spreadsheet; flat in queries however long the list."""

import csv
import datetime
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from talks.dates import PartialDate
from talks.exports import TALKS, edtf, neutralised
from talks.models import Citation, Party, Person

from .builders import make_party
from .pages import ASTANA, PAGES, body, names
from .test_views import add_rows

pytestmark = pytest.mark.django_db

DATA = [page for page in PAGES if page.kind == "data" and page.path.split("?")[0].endswith((".json", ".csv"))]


def rows(response) -> list[dict]:
    """The records of a JSON or CSV export, as dicts."""
    text = body(response)
    if response["Content-Type"].startswith("application/json"):
        data = json.loads(text)
        (key,) = [key for key in data if key not in ("description", "ignored")]
        return data[key]
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("page", DATA, ids=names(DATA))
def test_each_export_has_its_content_type_and_parses(client, seeded, page):
    response = client.get(page.filtered_path)
    assert response.status_code == 200
    if page.path.split("?")[0].endswith(".json"):
        assert response["Content-Type"] == "application/json"
        data = json.loads(body(response))
        assert data["description"].startswith("Showing ") or "result" in data["description"]
    else:
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert next(csv.reader(io.StringIO(body(response))))[0] in {"id", "kind"}
    assert rows(client.get(page.filtered_path)), f"{page.filtered_path} exported nothing"


# Each list page and its export, with a filter that keeps some records but
# not all: (page, export, how the page names each record it shows, how the
# export names it).
SAME = [
    ("/talks/?status=planned", "/talks.json?status=planned", r'id="card-talk-([^"]+)"', "id"),
    ("/talks/?year=2017&party=russia", "/talks.csv?year=2017&party=russia", r'id="card-talk-([^"]+)"', "id"),
    (
        "/timeline/?party=syrian-opposition",
        "/timeline.csv?party=syrian-opposition",
        r'<li class="entry [^"]*" id="([^"]+)"',
        "id",
    ),
    ("/timeline/?kind=ceasefire", "/timeline.json?kind=ceasefire", r'<li class="entry [^"]*" id="([^"]+)"', "id"),
    (
        f"{ASTANA}positions/?party=syrian-government",
        f"{ASTANA[:-1]}/positions.json?party=syrian-government",
        r'<div class="position" id="([^"]+)"',
        "id",
    ),
    (f"{ASTANA}delegations/", f"{ASTANA[:-1]}/delegations.csv", r'class="delegation" id="([^"]+)"', "id"),
    ("/parties/", "/parties.csv", r'<li><a href="/parties/([^/"]+)/"', "id"),
    ("/people/", "/people.json", r'<li><a href="/people/([^/"]+)/"', "id"),
    ("/sources/", "/sources.csv", r'<li><a href="/sources/([^/"]+)/"', "id"),
    # One page of results: those of one kind.
    ("/search/?q=Astana&kind=party", "/search.json?q=Astana&kind=party", r'<li>\s+<a href="([^"]+)"', "url"),
]


@pytest.mark.parametrize(("page", "export", "shown", "key"), SAME, ids=[export for _, export, _, _ in SAME])
def test_an_exports_filtered_result_is_the_pages(client, seeded, page, export, shown, key):
    html = client.get(page).content.decode()
    on_page = re.findall(shown, html)
    exported = [record[key].removeprefix("http://testserver") for record in rows(client.get(export))]
    assert on_page
    assert sorted(exported) == sorted(on_page)


def test_a_filtered_export_says_what_it_shows_and_what_it_ignored(client, seeded):
    data = json.loads(body(client.get("/talks.json", {"status": "planned", "year": "soon"})))
    assert data["description"] == "Showing 1 talk that are planned."
    assert data["ignored"] == ["The year filter “soon” was ignored: enter a whole number."]


@pytest.mark.parametrize(
    "url",
    [
        "/talks.json",
        "/timeline.json",
        f"{ASTANA[:-1]}/delegations.json",
        f"{ASTANA[:-1]}/positions.json",
        "/parties.json",
        "/people.json",
        "/search.json?q=Astana",
    ],
)
def test_every_exported_record_carries_its_citations_with_excerpt_and_source_url(client, seeded, url):
    for record in rows(client.get(url)):
        if record.get("kind") == "source":
            continue
        assert record["citations"], record["id"]
        for citation in record["citations"]:
            if citation["source"]:
                assert citation["excerpt"]
                assert citation["source_url"].startswith("http://testserver/sources/")
                assert re.search(r"#citation-\d+$", citation["passage_url"])
            else:
                assert citation["note"]


def test_a_csv_export_carries_each_records_citations_in_one_cell(client, seeded):
    (talk,) = [row for row in rows(client.get("/talks.csv")) if row["id"] == "astana-2017-01"]
    assert "“" in talk["citations"]
    assert (
        "http://testserver/sources/syrian-government-and-opposition-factions-begin-talks/#citation-"
        in talk["citations"]
    )
    assert "Editor's note:" in talk["citations"]


def test_dates_are_exported_with_precision_qualifier_and_edtf(client, seeded):
    talks = {talk["id"]: talk for talk in rows(client.get("/talks.json"))}
    geneva = talks["geneva-2017-02"]
    assert geneva["start"] == "2017-02-08"
    assert geneva["start_precision"] == "day"
    assert geneva["start_qualifier"] == "expected"
    assert geneva["start_text"] == "expected: 8 February 2017"
    assert geneva["start_edtf"] == "2017-02-08?"
    astana = talks["astana-2017-01"]
    assert astana["edtf"] == "2017-01-23/2017-01-24"


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (PartialDate(None), ""),
        (PartialDate(datetime.date(2017, 1, 1), "month"), "2017-01"),
        (PartialDate(datetime.date(2017, 1, 1), "year", "about"), "2017~"),
        (PartialDate(datetime.date(2017, 2, 8), "day", "planned"), "2017-02-08?"),
    ],
)
def test_edtf_says_precision_and_uncertainty(date, expected):
    assert edtf(date) == expected


def test_records_are_named_by_stable_slugs_and_addresses(client, seeded):
    (opposition,) = [party for party in rows(client.get("/parties.json")) if party["id"] == "syrian-opposition"]
    assert opposition["url"] == "http://testserver/parties/syrian-opposition/"
    assert "High Negotiations Committee" not in opposition["other_names"]
    delegations = {d["party_id"]: d for d in rows(client.get(f"{ASTANA[:-1]}/delegations.json"))}
    assert delegations["syrian-opposition"]["head"] == "Mohammad Aloush"
    assert delegations["syrian-opposition"]["url"].endswith("/delegations/#delegation-syrian-opposition")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_run_as_a_formula_are_neutralised(client, seeded, start):
    payload = f'{start}HYPERLINK("http://evil.example","click")'
    party = make_party(name=payload, slug="formula", description=f"{start}1+1")
    Citation.objects.create(fact=party, note=f"{start}cmd|' /C calc'!A0")
    (row,) = [row for row in rows(client.get("/parties.csv")) if row["id"] == "formula"]
    assert row["name"] == f"'{payload}"
    assert row["description"] == f"'{start}1+1"
    assert row["citations"] == f"Editor's note: {start}cmd|' /C calc'!A0"
    # JSON is data, not a spreadsheet: it keeps the name as it is.
    (record,) = [record for record in rows(client.get("/parties.json")) if record["id"] == "formula"]
    assert record["name"] == payload


def test_neutralising_leaves_ordinary_text_alone():
    assert neutralised("Astana talks") == "Astana talks"
    assert neutralised("") == ""
    assert neutralised("-1") == "'-1"


def test_drafts_are_in_no_export(client, seeded):
    make_party(name="Draftland", slug="draftland")
    for page in DATA:
        assert "Draftland" not in body(client.get(page.path)), page.path
    assert Party.objects.filter(slug="draftland").exists()


def test_an_export_lists_the_whole_result_not_one_page(client, seeded):
    source = Citation.objects.filter(source__isnull=False).first().source
    for number in range(60):
        Citation.objects.create(
            fact=Person.objects.create(name=f"Zed {number:02d}", slug=f"zed-{number}"), source=source, excerpt="Astana"
        )
    assert len(rows(client.get("/people.csv"))) == Person.objects.published().count()


def test_an_unknown_talks_exports_are_not_found(client, seeded):
    assert client.get("/talks/nowhere/delegations.json").status_code == 404
    assert client.get("/talks/nowhere/positions.csv").status_code == 404


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        body(response)  # a stream queries as it is read
    return len(queries)


@pytest.mark.parametrize("url", sorted({page.filtered_path for page in DATA} | {page.path for page in DATA}))
def test_an_exports_query_count_does_not_grow_with_the_data(client, seeded, url):
    add_rows(1)
    queries_for(client, url)
    before = queries_for(client, url)
    add_rows(5)
    assert queries_for(client, url) <= before


def test_the_talks_csv_has_a_column_for_each_field():
    assert TALKS.columns[:3] == ["id", "url", "name"]
    assert "citations" in TALKS.columns
