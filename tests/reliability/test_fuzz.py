"""Whatever a client puts in the query string or the address, every public
page answers with a page, a redirect or a 4xx: never a server error.

Hypothesis draws the query strings: each view's own parameter names and
made-up ones, real and unknown slugs, huge and negative numbers, impossible
dates, NUL bytes, broken percent-encoding, repeated keys, very long text,
right-to-left marks, emoji and combining marks, white space only; with and
without HX-Request. A query string is built by hand and put in the path, so
that the test client passes it on byte for byte instead of encoding it again.
"""

import json
from collections import defaultdict
from urllib.parse import quote, quote_plus

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from talks.models import Talk, TimelineEntry

from ..pages import HTMX, ONE_RECORD, PAGES, names

# Ways to answer bad input that are not errors: 301/302 for a redirect,
# 400 for a request Django refuses outright (e.g. too many fields), 404.
ANSWERS = {200, 301, 302, 400, 404, 405}
EVERY_NAME = sorted({name for page in PAGES for name in page.parameters})


def seed_slugs() -> dict[str, list[str]]:
    """Every slug in the seed data, by model, so that many values are valid and filters apply."""
    slugs = defaultdict(list)
    for path in sorted(django_settings.FIXTURE_DIR.glob("*.json")):
        for record in json.loads(path.read_text()):
            if "slug" in record["fields"]:
                slugs[record["model"].removeprefix("talks.")].append(record["fields"]["slug"])
    return slugs


SLUGS = seed_slugs()
REAL_SLUGS = sorted(slug for slugs in SLUGS.values() for slug in slugs)
# Values each parameter accepts, on the seed data.
VALID = {
    "talk": SLUGS["talk"],
    "party": SLUGS["party"],
    "a": SLUGS["party"],
    "b": SLUGS["party"],
    "topic": SLUGS["topic"],
    "process": SLUGS["process"],
    "kind": list(TimelineEntry.KINDS),
    "status": [status for status, _ in [*TimelineEntry.STATUSES, *Talk.Status.choices]],
    "start": ["2016-12-30", "2017-01-01", "2017-01-23", "2017-01-24", "2017-02-08", "2017-12-31"],
    "end": ["2016-12-31", "2017-01-23", "2017-01-31", "2017-02-08", "2018-01-01"],
    "year": ["2016", "2017", "2018"],
    "place": ["Astana", "geneva", "Kazakhstan", "RIXOS", "Rixos hotel, Astana"],
    "q": ["Astana", "ceasefire", "face-to-face", "NAZARBAYEV", "Alloush", "Ja'afari", "Faylaq al-Shām", "talks"],
    "page": ["1", "2"],
    "listing": ["timeline", "talk_list"],
    "field": ["talk", "party", "topic", "process"],
}
REAL_VALUES = sorted({value for values in VALID.values() for value in values})
ODD_VALUES = [
    "",
    "2017-02-30",
    "99999-01-01",
    "0000-00-00",
    "2017-13-01",
    "-2017-01-01",
    "23/01/2017",
    "1899",
    "2101",
    "-1",
    "0",
    "9" * 30,
    "-" + "9" * 30,
    "9" * 5000,  # longer than Python's int() accepts by default
    "1e309",
    "NaN",
    "-0",
    "0x10",
    "\x00",
    "a\x00b",
    "astana-2017-01\x00",
    "\u202eevil\u202c",  # right-to-left override
    "مفاوضات أستانا",
    "👩\u200d👩\u200d👧\u200d👦",  # a family emoji: four code points joined
    "e" + "\u0301" * 50,  # a letter with fifty combining accents
    "\ufeff",
    "\ufffd",
    "%",
    "_",
    "\\",
    "'",
    '"',
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "null",
    "[]",
]
WHITE_SPACE = st.text(alphabet=" \t\n\r\x0b\x0c\u00a0\u2003\u3000\u200b", min_size=1, max_size=10)
# Ten thousand characters, built from one drawn character rather than drawn
# one by one, which would overrun Hypothesis's data budget.
LONG_TEXT = st.sampled_from(["x", "é", "€", "😀", "\u202e", "\u0301", " ", "%", "-", "a\x00"]).map(
    lambda piece: (piece * 10_000)[:10_000]
)
DATES = st.tuples(st.integers(0, 99999), st.integers(0, 99), st.integers(0, 99)).map(
    lambda ymd: f"{ymd[0]:04d}-{ymd[1]:02d}-{ymd[2]:02d}"
)
VALUES = st.one_of(
    st.sampled_from(REAL_VALUES),
    st.sampled_from(ODD_VALUES),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=40),  # unknown slugs
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    DATES,
    st.text(st.characters(codec="utf-8"), max_size=50),
    WHITE_SPACE,
    LONG_TEXT,
)
# Broken percent-encoding, spliced into an otherwise well-encoded value.
BROKEN = ["%", "%Z", "%ZZ", "%E0%A4%A", "%FF%FE", "%C3", "%C3%28", "%ED%A0%80", "%00", "%%", "%u0041", "%2", "%G1"]
ENCODINGS = ["quoted", "plus", "raw", "broken", "name only"]


@st.composite
def query_strings(draw, names: list[str]) -> str:
    """A raw query string of up to ten parameters, named from the view's own
    names (mostly), any view's, or made up; keys may repeat."""
    name_strategy = st.one_of(
        st.sampled_from(names), st.sampled_from(EVERY_NAME), st.text(st.characters(codec="utf-8"), max_size=20)
    )
    valid = st.sampled_from([name for name in names if name in VALID]).flatmap(
        lambda name: st.tuples(st.just(name), st.sampled_from(VALID[name]))
    )
    parts = []
    for name, value in draw(st.lists(st.one_of(valid, st.tuples(name_strategy, VALUES)), max_size=10)):
        encoding = draw(st.sampled_from(ENCODINGS))
        if encoding == "quoted":
            parts.append(f"{quote(name, safe='')}={quote(value, safe='')}")
        elif encoding == "plus":
            parts.append(f"{quote_plus(name)}={quote_plus(value)}")
        elif encoding == "raw":
            # As typed: & = # + and spaces keep whatever meaning they have.
            parts.append(f"{name}={value}")
        elif encoding == "broken":
            encoded = quote(value, safe="")
            at = draw(st.integers(0, len(encoded)))
            parts.append(f"{quote(name, safe='')}={encoded[:at]}{draw(st.sampled_from(BROKEN))}{encoded[at:]}")
        else:
            parts.append(quote(name, safe=""))
    separator = draw(st.sampled_from(["&", "&", "&", ";", "&&"]))
    return separator.join(parts)


def get(client, path: str, query: str, htmx: bool, answers: set[int] = ANSWERS):
    url = f"{path}?{query}" if query else path
    note(f"GET {url!r}{' with HX-Request: true' if htmx else ''}")
    response = client.get(url, **(HTMX if htmx else {}))
    # For --hypothesis-show-statistics: how the answers are spread.
    event(f"answered {response.status_code}")
    assert response.status_code in answers, f"GET {url!r} answered {response.status_code}"
    return response


# A filter reports what it cannot apply and shows the page anyway (talks/forms.py).
SHOWN = {200}


# How many examples: the profile's (tests/conftest.py: derandomized, 1,000
# a test in CI, so that a failure there fails again on every run and on the
# developer's machine; a few randomized ones in the fast tier) for each
# filtered page, and a share of it for the others. The seed data is loaded
# once per test, not per example (`seeded` is function-scoped, so Hypothesis
# shares it between examples: the health check that warns about that is what
# we want here, so it is suppressed). Requests only read, so one example
# cannot change what the next one sees.
def fuzzing(share: float = 1.0) -> settings:
    return settings(
        max_examples=max(10, round(settings.default.max_examples * share)),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


FILTER_PAGES = [page for page in PAGES if page.form and page.kind == "html"]
# The filtered exports; open data without a filter (a feed, the sitemap) is fuzzed with the pages without one.
EXPORTS = [page for page in PAGES if page.kind == "data" and page.form]
UNFILTERED = [page for page in PAGES if not page.form and page.kind != "part"]
PARTS = [page for page in PAGES if page.kind == "part"]
SUGGEST = ["listing", "field", "talk", "party", "topic", "process"]


@pytest.mark.parametrize("page", FILTER_PAGES, ids=names(FILTER_PAGES))
@fuzzing()
@given(data=st.data(), htmx=st.booleans())
def test_filtered_page_answers_any_query_string_without_a_server_error(client, seeded, page, data, htmx):
    query = data.draw(query_strings(page.parameters), label="query")
    get(client, page.path.split("?")[0], query, htmx, SHOWN)


# The rest in fewer tests, each drawing its page, so that the seed data is
# loaded a few times rather than once per page: about 100 examples an export
# (its filter is the timeline's, driven above) and about 50 for each page
# without filters and for each kind of record's address.
@fuzzing(0.1 * len(EXPORTS))
@given(page=st.sampled_from(EXPORTS), data=st.data(), htmx=st.booleans())
def test_export_answers_any_query_string_without_a_server_error(client, seeded, page, data, htmx):
    get(client, page.path, data.draw(query_strings(page.parameters), label="query"), htmx, SHOWN)


@fuzzing(0.05 * len(UNFILTERED))
@given(page=st.sampled_from(UNFILTERED), query=query_strings(EVERY_NAME), htmx=st.booleans())
def test_page_without_filters_ignores_any_query_string(client, seeded, page, query, htmx):
    get(client, page.path, query, htmx, SHOWN)


# A part of a page answers what it can: a 400 for a request that names no
# filter it serves.
@fuzzing(0.05 * len(PARTS))
@given(page=st.sampled_from(PARTS), query=query_strings(SUGGEST), htmx=st.booleans())
def test_a_part_of_a_page_answers_any_query_string_without_a_server_error(client, seeded, page, query, htmx):
    get(client, page.path.split("?")[0], query, htmx, {200, 400})


SLUG_SEGMENTS = st.one_of(
    st.sampled_from(REAL_SLUGS),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=120),
    st.sampled_from(ODD_VALUES),
    WHITE_SPACE,
    LONG_TEXT,
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=50),
)


@st.composite
def path_segments(draw) -> str:
    """A slug as it might appear in an address: encoded, and sometimes with broken percent-encoding."""
    encoded = quote(draw(SLUG_SEGMENTS), safe="")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(encoded)))
        encoded = f"{encoded[:at]}{draw(st.sampled_from(BROKEN))}{encoded[at:]}"
    return encoded


@fuzzing(0.05 * len(ONE_RECORD))
@given(page=st.sampled_from(ONE_RECORD), segment=path_segments(), htmx=st.booleans())
def test_page_of_any_slug_is_shown_or_not_found(client, seeded, page, segment, htmx):
    get(client, page.pattern.format(segment), "", htmx, {200, 404})
