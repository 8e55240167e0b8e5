"""Search (talks/search.py, talks/views/search.py): any common spelling of a
name, whole words of the text ranked with marked snippets, by kind and by
page, the same on SQLite and PostgreSQL."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.functions import Length
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from talks import search
from talks.models import Alias, Citation, Party, Person, SearchEntry, Source, Topic
from talks.text import fold

from .builders import make_party, make_person
from .pages import HTMX, body

# Spellings from the reporting on the Astana talks (and a few more), none of
# them stored as an alias, each with the page of the record it must find.
VARIANTS = [
    ("Jafari", "/people/bashar-jaafari/"),
    ("Ja'fari", "/people/bashar-jaafari/"),
    ("Bashar al-Ja'fari", "/people/bashar-jaafari/"),
    ("Bashar Al Jafari", "/people/bashar-jaafari/"),
    ("Jaffari", "/people/bashar-jaafari/"),
    ("Allouch", "/people/mohammad-aloush/"),
    ("Mohammed Aloush", "/people/mohammad-aloush/"),
    ("Muhammad Allush", "/people/mohammad-aloush/"),
    ("Mohamed Allouche", "/people/mohammad-aloush/"),
    ("Staffan Mistura", "/people/staffan-de-mistura/"),
    ("Stefan de Mistura", "/people/staffan-de-mistura/"),
    ("de Mistura", "/people/staffan-de-mistura/"),
    ("Yahia al Aridi", "/people/yehya-al-aridi/"),
    ("Nazarbaev", "/people/nursultan-nazarbayev/"),
    ("Kayrat Abdrakhmanov", "/people/kairat-abdrakhmanov/"),
    ("Abdrahmanov", "/people/kairat-abdrakhmanov/"),
    ("Jaish al Islaam", "/parties/jaysh-al-islam/"),
    ("Jeish al-Islam", "/parties/jaysh-al-islam/"),
    ("Failaq al-Sham", "/parties/faylaq-al-sham/"),
    ("Faylak ash-Sham", "/parties/faylaq-al-sham/"),
    ("Jaysh al-Mujahidin", "/parties/jaish-al-mujahideen/"),
    ("High Negotiation Committee", "/parties/high-negotiations-committee/"),
]


def results(client, query: str, **params) -> list[str]:
    """The addresses of what a search finds, in order, on its page."""
    html = client.get("/search/", {"q": query, **params}).content.decode()
    lists = re.findall(r'<ul class="plain-list results-list">(.*?)</ul>', html, re.S)
    return [url for found in lists for url in re.findall(r'<li>\s*<a href="([^"]+)"', found)]


def noted(record):
    """The record published: cited by an editor's note."""
    Citation.objects.create(fact=record, note="From the editor's own reading.")
    return record


@pytest.mark.parametrize(("query", "expected"), VARIANTS, ids=[query for query, _ in VARIANTS])
def test_a_variant_spelling_finds_its_record_first_of_its_kind(client, seeded, query, expected):
    found = results(client, query)
    assert expected in found
    kind = expected.split("/")[1]
    assert next(url for url in found if url.startswith(f"/{kind}/")) == expected


@pytest.mark.parametrize("query", [query for query, _ in VARIANTS])
def test_no_variant_in_the_table_is_stored(seeded, query):
    for model in (Alias, Party, Person):
        assert not model.objects.filter(folded=fold(query)).exists()


@pytest.mark.parametrize(
    ("query", "not_found"),
    [
        ("UN", "/parties/united-states/"),
        ("US", "/parties/united-nations/"),
        ("Iran", "/parties/syrian-government/"),
        ("Sham", "/parties/syrian-government/"),
        ("Krol", "/people/bashar-jaafari/"),
    ],
)
def test_short_words_and_abbreviations_match_only_whole_words(client, seeded, query, not_found):
    assert not_found not in results(client, query)


def test_un_u_n_and_united_nations_meet(client, seeded):
    for query in ("UN", "U.N.", "United Nations"):
        assert results(client, query)[0] == "/parties/united-nations/", query


def test_the_ceasefire_milestone_is_found_by_its_words_and_other_names_of_its_topic(client, seeded):
    for query in ("ceasefire", "truce", "cease-fire", "Ceasefire brokered"):
        assert "/milestones/ceasefire-2016-12-30/" in results(client, query), query


def test_a_query_of_only_punctuation_asks_for_a_word_and_finds_nothing(client, seeded):
    for query in ("!!!", "-", "'", "́"):
        html = client.get("/search/", {"q": query}).content.decode()
        assert "Type a word to search for." in html
        assert results(client, query) == []


def test_full_text_results_have_a_snippet_with_the_words_marked(client, seeded):
    html = client.get("/search/", {"q": "humanitarian aid"}).content.decode()
    snippets = re.findall(r'<p class="snippet">(.*?)</p>', html, re.S)
    assert any("<mark>humanitarian</mark> <mark>aid</mark>" in snippet for snippet in snippets)


def test_snippets_escape_the_text_and_mark_only_whole_words(seeded):
    terms = search.terms_of("un")
    marked = search.snippet("The <b>UN</b> and the United States, U.N. again", terms)
    assert marked == "The &lt;b&gt;<mark>UN</mark>&lt;/b&gt; and the United States, <mark>U.N.</mark> again"


def test_a_snippet_of_a_long_text_is_the_passage_around_a_word_far_into_it(db):
    text = "Filler words. " * 5000 + "Talks on the ceasefire in Astana. " + "More words. " * 100
    marked = search.snippet(text, search.terms_of("ceasefire"))
    assert marked.startswith("… ")
    assert marked.endswith(" …")
    assert "on the <mark>ceasefire</mark> in Astana." in marked
    assert len(marked.split()) < 40


def test_results_are_grouped_by_kind_with_a_count_for_each(client, seeded):
    html = client.get("/search/", {"q": "opposition"}).content.decode()
    assert re.search(r'<h3 id="group-party">Parties</h3>', html)
    assert re.search(r'<h3 id="group-position">Positions</h3>', html)
    counts = dict(re.findall(r'kind=(\w+)"[^>]*>[^<]+</a> <span class="facet__count">(\d+)</span>', html))
    assert int(counts["party"]) >= 2
    only = results(client, "opposition", kind="party")
    assert only
    assert all(url.startswith("/parties/") for url in only)
    assert len(only) == int(counts["party"])


def test_results_are_paginated(client, seeded):
    for index in range(search.PER_PAGE + 5):
        noted(make_party(name=f"Ceasefire monitor {index}", description="Watches the ceasefire."))
    first, second = results(client, "ceasefire"), results(client, "ceasefire", page=2)
    assert len(first) == search.PER_PAGE
    assert second
    assert not set(first) & set(second)
    assert "Page 1 of 2" in client.get("/search/", {"q": "ceasefire"}).content.decode()


def test_a_bad_kind_or_page_is_ignored_and_said_so(client, seeded):
    response = client.get("/search/", {"q": "Astana", "kind": "planet", "page": "x"})
    assert response.status_code == 200
    assert "The kind filter “planet” was ignored" in response.content.decode()


def test_htmx_request_gets_the_results_alone_with_the_canonical_address(client, seeded):
    response = client.get("/search/", {"q": "Allouch", "kind": ""}, **HTMX)
    html = response.content.decode()
    assert html.strip().startswith('<div id="browse"')
    assert "Mohammad Aloush" in html
    assert response["HX-Push-Url"] == "/search/?q=Allouch"
    assert "HX-Request" in response["Vary"]


def test_the_search_form_works_without_javascript_and_asks_as_one_types_with_it(client, seeded):
    html = client.get("/search/", {"q": "Allouch"}).content.decode()
    form = re.search(r'<form class="big-search"[^>]*>', html).group(0)
    assert 'method="get"' in form
    assert 'action="/search/"' in form
    box = re.search(r'<input id="search-q"[^>]*>', html).group(0)
    assert 'hx-trigger="input changed delay:300ms"' in box
    assert 'hx-push-url="true"' in box


def query_count(client, query: str, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/search/", {"q": query}, **headers).status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["Alloush", "ceasefire", "UN", "a", "zzzz"])
def test_a_search_asks_a_fixed_number_of_queries_however_large_the_record(client, seeded, query):
    client.get("/search/", {"q": query})  # warm caches such as ContentType's
    before = query_count(client, query)
    for index in range(30):
        party = noted(make_party(name=f"Alloush ceasefire UN a group {index}", description="a ceasefire, the UN"))
        noted(Alias.objects.create(named=party, name=f"Allouch {index}"))
    # The first search after a write reads every entry's names again, in the same query.
    assert query_count(client, query) <= before <= 5
    assert query_count(client, query) <= before
    assert query_count(client, query, **HTMX) <= before


def test_the_index_follows_every_save_and_delete(seeded, client):
    person = noted(make_person(name="Alexander Lavrentyev", description="Russia's envoy for Syria."))
    assert "/people/" + person.slug + "/" in results(client, "Lavrentiev")
    # An alias in its own script, with its language.
    noted(Alias.objects.create(named=person, name="Александр Лаврентьев", language="ru", kind=Alias.Kind.ORIGINAL))
    assert "/people/" + person.slug + "/" in results(client, "Лаврентьев")
    person.description = "Head of the Russian delegation."
    person.save()
    assert "/people/" + person.slug + "/" in results(client, "delegation", kind="person")
    person.citations.all().delete()  # a draft again: readers never see it
    assert "/people/" + person.slug + "/" not in results(client, "Lavrentiev")


def test_every_entry_keeps_the_length_of_its_words_through_edits_in_any_script(seeded):
    person = noted(make_person(name="Alexander Lavrentyev", description="Russia's envoy for Syria."))
    noted(Alias.objects.create(named=person, name="Александр Лаврентьев", language="ru", kind=Alias.Kind.ORIGINAL))
    person.description = "رئيس الوفد الروسي"
    person.save()
    assert SearchEntry.objects.filter(object_id=person.pk, kind="person", words__contains="الوفد").exists()
    assert not SearchEntry.objects.exclude(words_length=Length("words")).exists()


def test_renaming_a_party_renames_its_positions_results(seeded):
    party = Party.objects.get(slug="syrian-opposition")
    party.name = "Syrian armed opposition"
    party.save()
    titles = set(SearchEntry.objects.filter(kind="position").values_list("title", flat=True))
    assert "Syrian armed opposition on ceasefire" in titles


def test_rebuild_search_makes_the_index_afresh(seeded, capsys):
    before = set(SearchEntry.objects.values_list("kind", "object_id", "words"))
    SearchEntry.objects.all().delete()
    call_command("rebuild_search")
    assert "Search index rebuilt" in capsys.readouterr().out
    assert set(SearchEntry.objects.values_list("kind", "object_id", "words")) == before
    assert search.find("Alloush").total >= 1


def test_every_published_record_of_every_kind_has_an_entry(seeded):
    for kind, _, model in search.KINDS:
        records = model.objects.all() if model is Source else model.objects.published()
        entries = SearchEntry.objects.filter(kind=kind)
        assert entries.count() == records.count(), kind


def test_the_open_data_lists_every_result_best_first(client, seeded):
    rows = __import__("json").loads(body(client.get("/search.json", {"q": "Allouch"})))
    assert rows["results"][0]["url"].endswith("/people/mohammad-aloush/")


def test_topics_have_other_names_that_search_finds(seeded, client):
    topic = Topic.objects.get(slug="ceasefire")
    assert {"truce", "cease-fire"} <= {alias.name for alias in topic.aliases.all()}
    assert "/timeline/?topic=ceasefire" in results(client, "truce")


def test_every_citation_of_a_record_search_shows_is_intact(seeded):
    # Search reads records; it never writes them or their citations.
    before = Citation.objects.count()
    search.rebuild()
    assert Citation.objects.count() == before


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("بشار الجعفري", "/people/bashar-jaafari/"),
        ("الجعفري", "/people/bashar-jaafari/"),
        ("محمد علوش", "/people/mohammad-aloush/"),
        ("جيش الاسلام", "/parties/jaysh-al-islam/"),
        ("فيلق الشام", "/parties/faylaq-al-sham/"),
        ("Назарбаев", "/people/nursultan-nazarbayev/"),
        ("Россия", "/parties/russia/"),
    ],
)
def test_names_in_their_own_scripts_find_their_records(client, seeded, query, expected):
    assert expected in results(client, query)


def test_names_in_their_own_scripts_are_shown_in_their_language_and_direction(client, seeded):
    person = client.get("/people/bashar-jaafari/").content.decode()
    assert '<span lang="ar" dir="rtl">بشار الجعفري</span>' in person
    parties = client.get("/parties/").content.decode()
    assert '<span lang="ru">Россия</span>' in parties
    found = client.get("/search/", {"q": "Jaafari"}).content.decode()
    assert re.search(r'<span id="alias-\d+" lang="ar" dir="rtl">بشار الجعفري</span>', found)


def test_a_place_is_found_by_any_of_its_names_and_its_talks_with_it(client, seeded):
    for name in ("Nur-Sultan", "Nursultan", "Akmola", "Tselinograd", "Астана"):
        found = results(client, name)
        assert found[0] == "/places/astana/", name
        assert "/talks/astana-2017-01/" in found, name
    assert results(client, "Genf")[0] == "/places/geneva/"


def test_the_talks_filter_finds_a_talk_by_any_name_of_its_city(client, seeded):
    for name in ("Nur-Sultan", "nur sultan", "Akmola", "Astana"):
        html = client.get("/talks/", {"place": name}).content.decode()
        assert 'id="card-talk-astana-2017-01"' in html, name
    assert 'id="card-talk-' not in client.get("/talks/", {"place": "Akmolinskaya"}).content.decode()


def test_a_talks_page_shows_its_citys_name_of_the_day_with_todays(client, seeded):
    import datetime

    from talks.models import Place, Talk

    talk = Talk.objects.get(slug="astana-2017-01")
    html = client.get(talk.get_absolute_url()).content.decode()
    assert '<a href="/places/astana/">Astana and its other names</a>' in html
    later = noted(
        Talk.objects.create(
            name="Astana talks, 2020",
            slug="astana-2020",
            status=Talk.Status.CONCLUDED,
            city="Nur-Sultan",
            country="Kazakhstan",
            area=Place.objects.get(slug="astana"),
            start_date=datetime.date(2020, 3, 1),
        )
    )
    html = client.get(later.get_absolute_url()).content.decode()
    assert 'Nur-Sultan then, now <a href="/places/astana/">Astana</a>' in html
    place = client.get("/places/astana/").content.decode()
    assert "(when it was called Nur-Sultan)" in place
    assert "former name, 23 March 2019 to 17 September 2022" in " ".join(re.sub(r"<[^>]+>", "", place).split())


# What a search finds, in order, written down: the same on SQLite and
# PostgreSQL (the tests run on both), words ranked alike on both.
FOUND_IN_ORDER = {
    "UN": [
        "/parties/united-nations/",
        "/parties/syrian-government/",
        "/talks/astana-2017-01/",
        "/talks/geneva-2017-02/",
        "/people/staffan-de-mistura/",
        "/people/bashar-jaafari/",
        "/places/geneva/",
        "/sources/syrian-government-and-opposition-factions-begin-talks/",
    ],
    "Mohammed Aloush": [
        "/people/mohammad-aloush/",
        "/parties/high-negotiations-committee/",
        "/parties/jaysh-al-islam/",
        "/sources/syrian-government-and-opposition-factions-begin-talks/",
    ],
    "cease-fire": [
        "/timeline/?topic=ceasefire",
        "/talks/astana-2017-01/positions/#position-4",
        "/milestones/ceasefire-2016-12-30/",
        "/parties/russia/",
        "/parties/turkey/",
        "/sources/syrian-government-and-opposition-factions-begin-talks/",
    ],
}


@pytest.mark.parametrize(("query", "expected"), FOUND_IN_ORDER.items(), ids=list(FOUND_IN_ORDER))
def test_a_search_finds_the_same_in_the_same_order_on_every_database(client, seeded, query, expected):
    assert results(client, query) == expected


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own counting function")
@given(
    words=st.lists(st.sampled_from(["demo", "text", "demos", "de", "mo", "al", "a"]), max_size=12),
    asked=st.lists(st.sampled_from(["demo", "text", "de", "a"]), min_size=1, max_size=3),
    prefix=st.booleans(),
)
@hypothesis_settings(max_examples=200, deadline=None)
def test_sqlites_ranking_function_gives_the_number_the_shared_sql_gives(words, asked, prefix):
    terms = search.Terms(tuple(asked), phrases=(("demo", "text"),), prefix=prefix)
    shared, shared_params = search.rank(terms, "e.words")
    own, own_params = search.SQLiteBackend.rank(terms)
    text = " ".join(words)
    with connection.cursor() as cursor:
        # The length as the entry keeps it (search.entry_of).
        cursor.execute(
            f"SELECT {shared}, {own} FROM (SELECT %s AS words, %s AS words_length) e",
            [*shared_params, *own_params, text, len(text)],
        )
        assert len(set(cursor.fetchone())) == 1


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own counting in bytes")
@given(
    words=st.lists(st.sampled_from(["demo", "text", "démo", "الطرف", "ال", "طرف", "de", "a"]), max_size=12),
    asked=st.lists(st.sampled_from(["demo", "démo", "الطرف", "ال", "a"]), min_size=1, max_size=3),
    prefix=st.booleans(),
)
@hypothesis_settings(max_examples=200, deadline=None)
def test_postgresqls_ranking_in_bytes_gives_the_number_the_shared_sql_gives(words, asked, prefix):
    terms = search.Terms(tuple(asked), phrases=(("الطرف", "demo"),), prefix=prefix)
    shared, shared_params = search.rank(terms, "e.words")
    own, own_params = search.PostgreSQLBackend.rank(terms)
    text = " ".join(words)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {shared}, {own} FROM (SELECT %s AS words, %s AS words_length) e "
            "CROSS JOIN LATERAL (SELECT ' ' || e.words || ' ' AS padded OFFSET 0) p",
            [*shared_params, *own_params, text, len(text)],
        )
        assert len(set(cursor.fetchone())) == 1
