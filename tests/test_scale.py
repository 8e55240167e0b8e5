"""Pages stay flat as the record grows: the same number of queries, and
about the same Python memory, for a list many pages long as for one a page
long (a page shows 50 items; the timeline, its facets and the talks are
counted and cut in the database)."""

import datetime
import tracemalloc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from talks import timeline
from talks.models import Citation, Party, Session, Source, Talk

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/talks/",
    "/timeline/",
    "/timeline/?kind=plenary&q=session",
    "/parties/",
    "/people/",
]


def grow(count: int) -> None:
    """`count` more talks, each with a session, a party and citations, in bulk."""
    source = Source.objects.first()
    base = Talk.objects.count()
    talks = Talk.objects.bulk_create(
        Talk(
            name=f"Scale talks {base + n}",
            slug=f"scale-{base + n}",
            folded=f"scale talks {base + n}",
            status="concluded",
            start_date=datetime.date(2018, 1, 1) + datetime.timedelta(days=n),
        )
        for n in range(count)
    )
    parties = Party.objects.bulk_create(
        Party(
            name=f"Scale party {base + n}",
            slug=f"scale-party-{base + n}",
            folded=f"scale party {base + n}",
            kind="state",
        )
        for n in range(count)
    )
    sessions = Session.objects.bulk_create(
        Session(talk=talk, title=f"Plenary session {n}", kind="plenary", sequence=1, start_date=talk.start_date)
        for n, talk in enumerate(talks)
    )
    Session.parties.through.objects.bulk_create(
        Session.parties.through(session=session, party=party) for session, party in zip(sessions, parties, strict=True)
    )
    Citation.objects.bulk_create(
        Citation(fact=fact, source=source, excerpt="Astana", about=[]) for fact in [*talks, *parties, *sessions]
    )
    timeline.rebuild()


def measure(client, url: str) -> tuple[int, int]:
    client.get(url)  # warm what is cached per process (content types, templates)
    tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return len(queries), peak


@pytest.mark.parametrize("url", PAGES)
def test_queries_and_memory_stay_flat_from_one_page_of_data_to_five(client, seeded, url):
    grow(60)
    small_queries, small_memory = measure(client, url)
    grow(240)
    big_queries, big_memory = measure(client, url)
    assert big_queries <= small_queries
    assert big_memory < small_memory * 1.3 + 100_000, f"{small_memory} bytes, then {big_memory}"
