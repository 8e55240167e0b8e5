import csv
import datetime
import itertools
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles import finders
from django.db import connection, transaction
from django.templatetags.static import static
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from talks import forms
from talks.models import (
    Alias,
    Citation,
    Claim,
    Delegation,
    DelegationMember,
    Milestone,
    Party,
    Person,
    Position,
    Session,
    Source,
    Talk,
    TimelineEntry,
)
from talks.views import talk as talk_views

from .builders import make_delegation, make_party, make_person, make_talk, make_topic
from .pages import ASTANA, FRAGMENTS, HTML, HTMX, PAGES, body, names

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The page as a reader reads it: tags dropped, white space folded."""
    html = body(response)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("page", HTML, ids=names(HTML))
def test_every_page_renders_in_the_sites_look(client, seeded, page):
    response = client.get(page.path)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<main id="main"' in html
    assert 'role="search"' in html
    assert "htmx" in html


def test_home_says_what_parley_is_and_lists_the_talks_and_latest_entries(client, seeded):
    page = text_of(client.get("/"))
    assert "Every fact links to the passage of the source" in page
    assert "Astana talks on Syria, January 2017" in page
    assert "Rixos hotel, Astana, Kazakhstan" in page
    assert "Latest on the timeline" in page
    assert "expected: 8 February 2017" in page


def test_talk_page_answers_where_when_and_who_convened_and_hosted(client, seeded):
    page = text_of(client.get(ASTANA))
    assert "When 23 January 2017" in page
    assert "to 24 January 2017" in page
    assert "expected: 24 January" not in page
    assert "Status Concluded" in page
    assert "Where Rixos hotel, Astana, Kazakhstan" in page
    assert "Convened by Iran , Russia , Turkey" in page
    assert "Hosted by Kazakhstan" in page
    for section in ('id="timeline"', 'id="delegations"', 'id="positions"'):
        assert section in client.get(ASTANA).content.decode()


SEVEN = [
    ("Syrian Government", "Bashar Jaafari"),
    ("Syrian opposition", "Mohammad Aloush"),
    ("United States", "George Krol"),
    ("United Nations", "Staffan de Mistura"),
    ("Russia", None),
    ("Iran", None),
    ("Turkey", None),
]


@pytest.mark.parametrize("url", [ASTANA, f"{ASTANA}delegations/"])
def test_each_of_the_seven_delegations_is_shown_with_its_head(client, seeded, url):
    html = client.get(url).content.decode()
    for party, head in SEVEN:
        slug = party.lower().replace(" ", "-")
        block = html.split(f'id="delegation-{slug}"')[1].split('class="delegation"')[0]
        assert party in block
        if head:
            assert "Head" in block
            assert head in block


def test_delegations_are_grouped_by_role_with_posts_and_component_groups(client, seeded):
    page = text_of(client.get(f"{ASTANA}delegations/"))
    assert page.index("Negotiating parties") < page.index("Conveners and guarantors") < page.index("Observers")
    assert "Mediator" not in page
    assert "Permanent Representative of Syria to the United Nations" in page
    assert "Ambassador to Kazakhstan" in page
    assert "At least 15 militant groups , including Faylaq al-Sham , Free Syrian Army" in page
    assert "High Negotiations Committee , Jaish al-Mujahideen" in page


def section_of(html: str, name: str) -> str:
    return html.split(f'<section id="{name}"')[1].split("\n  </section>")[0]


def test_a_talks_page_shows_its_first_delegations_negotiating_parties_first_and_links_to_all(
    client, seeded, monkeypatch
):
    monkeypatch.setattr(talk_views, "TALK_DELEGATIONS", 3)
    section = section_of(body(client.get(ASTANA)), "delegations")
    assert section.count('<li class="delegation"') == 3
    assert "Negotiating parties" in section
    assert "Observers" not in section
    assert f'The first 3 of 7 delegations, negotiating parties first: <a href="{ASTANA}delegations/">all 7' in section


def test_a_talks_page_counts_only_the_delegations_a_reader_may_see(client, seeded, monkeypatch):
    monkeypatch.setattr(talk_views, "TALK_DELEGATIONS", 3)
    talk = Talk.objects.get(slug="astana-2017-01")
    draft = Delegation.objects.create(talk=talk, party=make_party(name="Draftland", slug="draftland"), role="observer")
    section = section_of(body(client.get(ASTANA)), "delegations")
    assert "The first 3 of 7 delegations" in section
    assert "Draftland" not in section
    Citation.objects.create(fact=draft, note="Seen at the table by our correspondent.")
    section = section_of(body(client.get(ASTANA)), "delegations")
    assert "The first 3 of 8 delegations" in section


def test_a_talks_page_lists_every_entry_for_the_sessions_addresses_are_anchors_on_it(client, seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    section = section_of(body(client.get(ASTANA)), "timeline")
    assert section.count('<li class="entry ') == TimelineEntry.objects.filter(talk=talk).count()
    for session in talk.sessions.all():
        assert f'id="{session.get_absolute_url().split("#")[1]}"' in section


def test_a_talks_page_with_few_delegations_shows_them_all_without_a_note(client, seeded):
    html = body(client.get(ASTANA))
    assert section_of(html, "delegations").count('<li class="delegation"') == 7
    assert 'negotiating parties first: <a href="' not in html


def test_positions_show_both_sides_with_their_sources(client, seeded):
    response = client.get(f"{ASTANA}positions/")
    page = text_of(response)
    assert "Bolster the existing 30 December ceasefire" in page
    assert "The rebels must lay down their arms in exchange for an amnesty" in page
    assert "The first negotiation session will not be face-to-face" in page
    html = response.content.decode()
    assert "bolstering the existing Dec 30 ceasefire" in html
    assert "laying down of arms for an amnesty deal" in html
    assert 'href="/sources/syrian-government-and-opposition-factions-begin-talks/#citation-' in html


def test_compare_shows_two_parties_side_by_side(client, seeded):
    url = f"{ASTANA}positions/compare/?a=syrian-government&b=syrian-opposition"
    html = client.get(url).content.decode()
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert "Syrian Government" in head
    assert "Syrian opposition" in head
    assert "Kazakhstan" not in head


def test_compare_without_two_parties_asks_for_them(client, seeded):
    page = text_of(client.get(f"{ASTANA}positions/compare/?a=nobody"))
    assert "Choose two parties above" in page
    assert "The first party filter “nobody” was ignored" in page


def test_compare_reports_a_party_that_stated_nothing_at_these_talks_and_does_not_offer_it(client, seeded):
    url = f"{ASTANA}positions/compare/?a=syrian-government&b=united-states"
    response = client.get(url)
    page = text_of(response)
    assert "The second party filter “united-states” was ignored: “united-states” stated no position" in page
    assert "Choose two parties above" in page
    select = response.content.decode().split('name="b"', 1)[1].split("</select>", 1)[0]
    assert 'value="united-states"' not in select
    assert 'value="syrian-opposition"' in select


def test_compare_reports_the_same_party_twice(client, seeded):
    page = text_of(client.get(f"{ASTANA}positions/compare/?a=syrian-government&b=syrian-government"))
    assert "was ignored: it is the same party as the first." in page
    assert "Choose two parties above" in page


def test_positions_report_a_party_that_stated_nothing_at_these_talks(client, seeded):
    response = client.get(f"{ASTANA}positions/", {"party": "russia"})
    page = text_of(response)
    assert "The party filter “russia” was ignored: no position of “russia” is recorded at these talks." in page
    assert "of Russia" not in page
    assert "Syrian Government" in page.split("Positions", 1)[1]
    html = response.content.decode()
    select = html.split('name="party"', 1)[1].split("</select>", 1)[0]
    assert 'value="russia"' not in select


def test_geneva_meeting_is_marked_as_expected_and_not_yet_held(client, seeded):
    html = client.get("/timeline/?talk=geneva-2017-02").content.decode()
    assert '<time class="date date--expected" datetime="2017-02-08">expected: 8 February 2017</time>' in html
    assert "entry--planned" in html


def test_timeline_shows_precision_and_no_face_to_face_reason(client, seeded):
    page = text_of(client.get("/timeline/"))
    assert "30 December 2016" in page
    assert "not face-to-face" in page
    assert "indirect (proximity)" not in page


def test_party_page_shows_that_sources_differ_on_a_claim(client, seeded):
    page = text_of(client.get("/parties/jaysh-al-islam/"))
    assert "regarded as a terrorist group by Russia, Iran, Syria and Egypt" in page
    assert "Sources differ." in page
    assert "Jaish al-Mujahideen" in page
    aliases = page.split("Also written", 1)[1].split("A rebel faction", 1)[0]
    assert "Jaysh Al-Islam" in aliases
    assert "Jaish al-Islam" in aliases


def test_party_and_person_pages_show_post_titles_as_stored(client, seeded):
    page = text_of(client.get("/parties/syrian-government/"))
    assert "Bashar Jaafari , Permanent Representative of Syria to the United Nations" in page
    page = text_of(client.get("/parties/high-negotiations-committee/"))
    assert "Mohammad Aloush , former Chief negotiator" in page
    assert "Former Chief negotiator, High Negotiations Committee" in text_of(client.get("/people/mohammad-aloush/"))


@pytest.mark.parametrize("url", ["/", "/talks/"])
def test_a_talk_cards_status_carries_its_citations(client, seeded, url):
    talk = Talk.objects.get(slug="astana-2017-01")
    html = client.get(url).content.decode()
    card = html.split(f'id="card-talk-{talk.slug}"', 1)[1].split("</li>", 1)[0]
    status = card.split(f"badge--{talk.status}", 1)[1]
    assert status.index(f'popovertarget="cite-talk-{talk.pk}-status"') < status.index("</p>")
    expected = [citation for citation in talk.citations.all() if "status" in citation.about]
    assert_holds(popovers(html)[f"cite-talk-{talk.pk}-status"], expected)


def test_a_milestones_badge_says_what_happened_in_words_that_fit_its_kind(client, seeded):
    html = client.get("/timeline/").content.decode()
    ceasefire = html.split('id="milestone-ceasefire-2016-12-30"', 1)[1].split("</li>", 1)[0]
    assert '<span class="badge badge--held">Took effect</span>' in ceasefire
    assert ">Held<" not in ceasefire
    facet = html.split(">Status</h3>")[1].split("</section>")[0]
    assert ">Held</a>" in facet


def test_party_page_shows_members_and_delegations(client, seeded):
    page = text_of(client.get("/parties/syrian-opposition/"))
    assert "Has as a member Faylaq al-Sham" in page
    assert "Delegation at the Astana talks on Syria, January 2017" in page
    assert "Yehya al-Aridi" in page


def test_person_page_shows_aliases_posts_seats_and_statements(client, seeded):
    page = text_of(client.get("/people/yehya-al-aridi/"))
    assert "Also written Yahya al-Aridi" in page
    assert "Spokesperson" in page
    assert "Spokesperson of the Syrian opposition delegation" in page
    assert "The first negotiation session will not be face-to-face" in page


def test_source_page_marks_every_cited_passage_and_links_it_to_its_facts(client, seeded):
    response = client.get("/sources/syrian-government-and-opposition-factions-begin-talks/")
    html = response.content.decode()
    assert html.count("<mark ") >= 10
    assert '<mark id="passage-1">' in html
    cited = Citation.objects.filter(source__isnull=False)
    for citation in cited:
        assert f'id="citation-{citation.pk}"' in html
    assert 'href="/people/mohammad-aloush/"' in html
    assert "Leave a Reply" in html


def test_every_cited_fact_has_its_excerpt_one_click_away(client, seeded):
    html = client.get(ASTANA).content.decode()
    assert html.count('popovertarget="cite-') >= 20
    excerpts = re.findall(r'<q class="cite__excerpt">(.*?)</q>', html, flags=re.S)
    assert any("Rixos Hotel in Astana" in excerpt for excerpt in excerpts)
    assert 'href="/sources/syrian-government-and-opposition-factions-begin-talks/#citation-' in html


def popovers(html: str) -> dict[str, list[str]]:
    """Each citation popover on the page by its id, with the HTML of each
    citation in it; an id that occurs twice fails the test."""
    found: dict[str, list[str]] = {}
    for cite_id, inner in re.findall(
        r'<span popover id="([^"]+)" class="cite__body" role="note">(.*?)<button type="button" class="cite__close"',
        html,
        flags=re.S,
    ):
        assert cite_id not in found, f"two popovers with the id {cite_id}"
        found[cite_id] = inner.split('<span class="cite__item')[1:]
    return found


def assert_holds(items: list[str], citations: list[Citation]) -> None:
    """The popover's items are exactly these citations: as many, and each
    one's excerpt (or, from outside the sources, its note) in one of them."""
    assert len(items) == len(citations), (items, citations)
    for citation in citations:
        text = escape(citation.excerpt if citation.source_id else citation.note)
        assert any(text in item for item in items), (text, items)


@pytest.mark.parametrize(
    "fields", ["start_date", "end_date", "venue,city,country", "status", "convened_by", "hosted_by", "summary"]
)
def test_each_marker_on_the_talk_page_opens_exactly_its_fields_citations(client, seeded, fields):
    talk = Talk.objects.get(slug="astana-2017-01")
    names = set(fields.split(","))
    expected = [citation for citation in talk.citations.all() if names.intersection(citation.about)]
    found = popovers(client.get(ASTANA).content.decode())
    assert_holds(found.get(f"cite-talk-{talk.pk}-{fields.replace(',', '-')}", []), expected)


def test_the_start_date_marker_opens_the_start_date_citations_and_not_the_end_dates(client, seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    start = [citation for citation in talk.citations.all() if "start_date" in citation.about]
    assert start
    items = popovers(client.get(ASTANA).content.decode())[f"cite-talk-{talk.pk}-start_date"]
    assert_holds(items, start)
    for citation in talk.citations.exclude(pk__in=[c.pk for c in start]):
        text = escape(citation.excerpt or citation.note)
        assert not any(text in item for item in items)


def test_the_summary_marker_does_not_list_every_citation_of_the_talk(client, seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    items = popovers(client.get(ASTANA).content.decode()).get(f"cite-talk-{talk.pk}-summary", [])
    assert len(items) < talk.citations.count()


@pytest.mark.parametrize("slug", ["astana-2017-01", "geneva-2017-02"])
def test_the_talks_name_carries_the_citations_about_the_talk_as_a_whole(client, seeded, slug):
    talk = Talk.objects.get(slug=slug)
    html = client.get(talk.get_absolute_url()).content.decode()
    heading = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    whole = [citation for citation in talk.citations.all() if not citation.about or "name" in citation.about]
    assert whole
    assert f'popovertarget="cite-talk-{talk.pk}-name-whole"' in heading
    assert_holds(popovers(html)[f"cite-talk-{talk.pk}-name-whole"], whole)


def test_every_marker_on_the_timeline_opens_its_own_entrys_popover(client, seeded):
    html = client.get("/timeline/").content.decode()
    found = popovers(html)
    targets = re.findall(r'popovertarget="([^"]+)"', html)
    assert set(targets) == set(found)
    entries = {entry.anchor: entry for entry in TimelineEntry.objects.for_display()}
    for anchor, inner in re.findall(r'<li class="entry [^"]*" id="([^"]+)">(.*?)</li>', html, flags=re.S):
        (cite_id,) = set(re.findall(r'popovertarget="([^"]+)"', inner))
        assert_holds(found[cite_id], entries[anchor].citations)


class Structure(HTMLParser):
    """What a page's markup links to: its ids, its links, its popover buttons."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.popovertargets: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "a" and "href" in attributes:
            self.hrefs.append(attributes["href"] or "")
        if "popovertarget" in attributes:
            self.popovertargets.append(attributes["popovertarget"])


def record_pages() -> list[str]:
    """The page of every record of the seed that has one."""
    from talks.models import Milestone

    return [
        record.get_absolute_url()
        for model in (Talk, Party, Person, Source, Milestone)
        for record in model.objects.all()
    ]


def assert_sound(html: str, where: str) -> None:
    page = Structure(html)
    repeated = sorted({i for i in page.ids if page.ids.count(i) > 1})
    assert repeated == [], f"{where}: ids used more than once: {repeated}"
    assert [t for t in page.popovertargets if t not in page.ids] == [], f"{where}: a marker opens nothing"
    anchors = [href[1:] for href in page.hrefs if href.startswith("#")]
    assert [a for a in anchors if a not in page.ids] == [], f"{where}: an in-page link leads nowhere"
    assert "" not in page.hrefs, f"{where}: a link with an empty href"


@pytest.mark.parametrize("page", HTML, ids=names(HTML))
def test_ids_are_unique_and_every_marker_and_in_page_link_resolves_on_every_kind_of_page(client, seeded, page):
    assert_sound(client.get(page.path).content.decode(), page.path)
    if page.example:
        assert_sound(client.get(page.filtered_path).content.decode(), page.filtered_path)
    if page.fragment:
        fragment = client.get(page.filtered_path, **HTMX).content.decode()
        assert_sound(fragment, f"{page.filtered_path} (HTMX)")


def test_ids_are_unique_and_every_marker_and_in_page_link_resolves_on_every_records_page(client, seeded):
    for url in record_pages():
        response = client.get(url)
        assert response.status_code == 200, url
        assert_sound(response.content.decode(), url)


def test_every_cited_fact_has_an_address_that_shows_it(client, seeded):
    """The source page links each passage to the facts it supports: each
    link answers, and where it names a place on the page, the page has it."""
    pages: dict[str, Structure] = {}
    for citation in Citation.objects.with_facts():
        url = citation.fact.get_absolute_url()
        assert url, f"{citation.content_type.model} pk={citation.object_id} has no address"
        path, _, anchor = url.partition("#")
        if path not in pages:
            response = client.get(path)
            assert response.status_code == 200, url
            pages[path] = Structure(response.content.decode())
        if anchor:
            assert anchor in pages[path].ids, f"{url}: no element with that id"


def test_a_claim_shown_again_where_sources_differ_has_its_own_popover(client, seeded):
    html = client.get("/parties/jaysh-al-islam/").content.decode()
    mine = Claim.objects.get(subject__slug="jaysh-al-islam", statement__contains="terrorist")
    other = mine.conflicts_with.get()
    found = popovers(html)
    assert_holds(found[f"cite-claim-{mine.pk}-claim-{other.pk}"], list(other.citations.all()))
    assert_holds(found[f"cite-claim-{mine.pk}"], list(mine.citations.all()))


def test_facts_from_outside_the_source_show_the_editors_note(client, seeded):
    html = client.get(ASTANA).content.decode()
    notes = re.findall(r'<span class="cite__item cite__item--outside">(.*?)</span>', html, flags=re.S)
    assert any("Not from a stored source" in note and "23 January 2017" in note for note in notes)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Alloush", "Mohammad Aloush"),
        ("aloush", "Mohammad Aloush"),
        ("ALLOUSH", "Mohammad Aloush"),
        ("Steffan de Mistura", "Staffan de Mistura"),
        ("Staffan", "Staffan de Mistura"),
        ("Jaish al-Islam", "Jaysh al-Islam"),
        ("Jaysh al Islam", "Jaysh al-Islam"),
        ("Faylak", "Faylaq al-Sham"),
        ("Faylaq al-Shām", "Faylaq al-Sham"),
        ("Ja'afari", "Bashar Jaafari"),
        ("Jaafari", "Bashar Jaafari"),
        ("Rixos", "Astana talks on Syria, January 2017"),
        ("amnesty", "Syrian Government on disarmament and amnesty"),
    ],
)
def test_search_finds_by_any_spelling_case_and_accent(client, seeded, query, expected):
    assert expected in text_of(client.get("/search/", {"q": query}))


def test_search_groups_results_by_kind(client, seeded):
    page = text_of(client.get("/search/", {"q": "opposition"}))
    assert "Parties" in page
    assert "Positions" in page


def test_search_with_no_match_says_what_to_try(client, seeded):
    assert "Nothing matches “zzzz”. Try fewer words" in text_of(client.get("/search/", {"q": "zzzz"}))


def test_unknown_page_is_a_404_in_the_sites_look(client, seeded):
    response = client.get("/talks/no-such-talk/")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)
    assert 'role="search"' in response.content.decode()


def test_reader_pages_answer_get_and_head_only(client, seeded):
    assert client.head("/timeline/").status_code == 200
    assert client.post("/timeline/").status_code == 405


# Filtered views: the full page, the HTMX fragment, bad input, query counts.


@pytest.mark.parametrize("page", FRAGMENTS, ids=names(FRAGMENTS))
def test_filtered_view_full_page_has_a_get_form_and_the_results(client, seeded, page):
    html = client.get(page.path, page.example).content.decode()
    assert html.startswith("<!doctype html>")
    assert '<form id="filters"' in html
    assert 'method="get"' in html
    assert 'id="result-count"' in html
    assert "Clear filters" in html


@pytest.mark.parametrize("page", FRAGMENTS, ids=names(FRAGMENTS))
def test_filtered_view_htmx_request_gets_only_the_results_region(client, seeded, page):
    url, params = page.path, page.example
    response = client.get(url, params | {"topic": ""}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<div id="browse"')
    assert 'id="result-count"' in html
    # The address bar gets the filters that apply, without empty ones.
    assert response["HX-Push-Url"] == f"{url}?{next(iter(params))}={next(iter(params.values()))}"
    assert "HX-Request" in response["Vary"]


def test_history_restore_request_gets_the_full_page(client, seeded):
    response = client.get("/timeline/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_timeline_filter_by_party_keeps_only_its_entries(client, seeded):
    page = text_of(client.get("/timeline/", {"party": "kazakhstan"}))
    assert "Opening" in page
    assert "Closed-door negotiations" not in page
    assert "Showing 2 entries involving Kazakhstan." in page


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"kind": "ceasefire"}, "30 December ceasefire", "Opening"),
        ({"status": "planned"}, "UN-mediated talks in Geneva", "30 December ceasefire"),
        ({"topic": "ceasefire"}, "30 December ceasefire", "UN-mediated talks in Geneva"),
        ({"talk": "geneva-2017-02"}, "UN-mediated talks in Geneva", "Closed-door negotiations"),
        ({"start": "2017-01-01"}, "Opening", "30 December ceasefire"),
        ({"end": "2016-12-31"}, "30 December ceasefire", "Opening"),
        ({"q": "face-to-face"}, "Opening", "30 December ceasefire"),
        ({"q": "NAZARBAYEV"}, "Opening", "Closed-door negotiations"),
    ],
)
def test_timeline_filters(client, seeded, params, shown, hidden):
    html = client.get("/timeline/", params).content.decode()
    entries = html.split('<ol class="entries">', 1)[1].split("</ol>", 1)[0]
    assert shown in entries
    assert hidden not in entries


def test_timeline_facets_count_what_each_value_would_give(client, seeded):
    html = client.get("/timeline/", {"status": "held"}).content.decode()
    facet = html.split(">Party</h3>")[1].split("</section>")[0]
    assert re.search(r"Kazakhstan</a> <span class=\"facet__count\">2</span>", facet)
    assert "party=kazakhstan" in facet
    assert "status=held" in facet


@given(
    links=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 6)), max_size=30),
    limit=st.one_of(st.none(), st.integers(1, 5)),
    filtered=st.booleans(),
)
@hypothesis_settings(max_examples=100, deadline=None)
def test_a_facet_counts_each_records_entries_most_first_then_by_name_and_key(links, limit, filtered):
    """However many records tie, the facet's order is the same on every
    page: most entries first, then by name, then by key (two parties share
    a name); the top values are the first of all of them."""
    with transaction.atomic():
        names = ["Beta", "Alpha", "Gamma", "Beta", "Zeta", "Delta", "Epsilon"]
        parties = [make_party(name=name) for name in names]
        kind = ContentType.objects.get_for_model(Talk)
        entries = [
            TimelineEntry.objects.create(
                content_type=kind,
                object_id=number,
                kind="talk",
                status="held",
                title=f"Talks {number}",
                anchor=f"talks-{number}",
                url=f"/talks/{number}/",
            )
            for number in range(6)
        ]
        for entry, party in set(links):
            entries[entry].parties.add(parties[party])
        chosen = entries[::2] if filtered else entries
        counts = {
            party: sum((entry, number) in set(links) for entry in range(6) if entries[entry] in chosen)
            for number, party in enumerate(parties)
        }
        expected = sorted(
            ((party.slug, party.name, n) for party, n in counts.items() if n),
            key=lambda row: (-row[2], row[1], next(p.pk for p in parties if p.slug == row[0])),
        )
        kept = TimelineEntry.objects.filter(pk__in=[entry.pk for entry in chosen])
        through = forms.entry_links(TimelineEntry.parties.through, kept if filtered else TimelineEntry.objects.all())
        assert [tuple(row) for row in forms.linked_counts(through, "party", limit)] == expected[:limit]
        transaction.set_rollback(True)


def test_timeline_empty_result_says_what_to_change(client, seeded):
    page = text_of(client.get("/timeline/", {"q": "nothing like this"}))
    assert "No entries match these filters." in page
    assert "clear all filters" in page


def test_talks_list_filters_by_year_place_and_party(client, seeded):
    assert "Showing 2 talks in 2017." in text_of(client.get("/talks/", {"year": "2017"}))
    page = text_of(client.get("/talks/", {"place": "geneva"}))
    assert "UN-mediated talks in Geneva" in page
    assert "Astana talks on Syria, January 2017" not in page.split("Talks found")[1]
    page = text_of(client.get("/talks/", {"party": "united-states"}))
    assert "Showing 1 talk involving United States." in page


@pytest.mark.parametrize("other", [{}, {"place": "geneva"}], ids=["alone", "with-a-place"])
def test_the_talks_party_facet_counts_what_each_party_gives_drafts_left_out(client, seeded, other):
    draft = make_talk(name="A draft talk, not yet sourced")
    make_delegation(talk=draft, party=Party.objects.get(slug="russia"))
    html = client.get("/talks/", other).content.decode()
    facet = html.split(">Party</h3>")[1].split("</section>")[0]
    counts = re.findall(r'href="[^"]*party=([\w-]+)[^>]*>[^<]+</a> <span class="facet__count">(\d+)</span>', facet)
    assert counts
    for slug, count in counts:
        shown = text_of(client.get("/talks/", {**other, "party": slug}))
        assert f"Showing {count} talk{'' if count == '1' else 's'} " in shown


BAD_INPUT = [
    ("/timeline/?party=nobody", "The party filter “nobody” was ignored: there is no party"),
    ("/timeline/?start=2017-02-30", "The from filter “2017-02-30” was ignored: enter a valid date."),
    ("/timeline/?end=99999-01-01", "The to filter “99999-01-01” was ignored"),
    ("/timeline/?start=2017-02-01&end=2017-01-01", "was ignored: it is before the “from” date"),
    ("/timeline/?q=" + "x" * 201, "The text filter “" + "x" * 40 + "…” was ignored"),
    ("/timeline/?party=russia&party=iran", "The party filter “iran” was ignored: it was given more than once."),
    ("/timeline/?q=a%00b", "The text filter"),
    ("/timeline/?kind=meteor", "The kind filter “meteor” was ignored"),
    ("/timeline/?page=abc", "Showing"),
    ("/timeline/?page=999999999999999999999", "Showing"),
    ("/timeline/?q=%E0%A4%A", "Showing"),
    ("/timeline/?topic=%FF%FE", "was ignored"),
    ("/talks/?year=99999999999999999999999", "The year filter"),
    ("/talks/?status=lost", "The status filter “lost” was ignored"),
    ("/talks/?party=" + "%00", "The party filter"),
    (f"{ASTANA}positions/?topic=weather", "The topic filter “weather” was ignored"),
    (f"{ASTANA}positions/compare/?a=russia&a=iran&b=nobody", "was ignored"),
    ("/search/?q=" + "y" * 500, "The search filter"),
    ("/search/?q=%00", "The search filter"),
    ("/timeline.json?party=nobody&start=2017-13-01", "The party filter “nobody” was ignored"),
]


@pytest.mark.parametrize(("url", "notice"), BAD_INPUT)
def test_bad_query_string_input_is_ignored_and_said_so(client, seeded, url, notice):
    for headers in ({}, HTMX):
        response = client.get(url, **headers)
        assert response.status_code == 200
        page = text_of(response)
        assert notice in page
        assert ".." not in page


_rows = itertools.count(1)


def add_rows(count: int) -> None:
    """More of everything the pages list, each cited, to show that query
    counts do not grow with the data."""
    source = Citation.objects.filter(source__isnull=False).first().source
    talk = Talk.objects.get(slug="astana-2017-01")
    topic = make_topic()
    for _ in range(count):
        index = next(_rows)
        party = make_party(name=f"Extra party {index}")
        Alias.objects.create(named=party, name=f"Extra alias {index}")
        person = make_person(name=f"Extra person {index}")
        post = person.posts.create(title="Envoy", organisation=party)
        start = datetime.date(2018, 1, 1) + datetime.timedelta(days=index)
        other = make_talk(name=f"Extra talk {index}", start_date=start)
        other.convened_by.add(party)
        delegation = make_delegation(talk=talk, party=party)
        delegation.components.add(make_party())
        seat = DelegationMember.objects.create(delegation=delegation, person=person, post=post, role="head")
        session = Session.objects.create(
            talk=talk, title=f"Extra session {index}", kind="plenary", sequence=100 + index
        )
        session.parties.add(party)
        milestone = Milestone.objects.create(title=f"Extra milestone {index}", slug=f"extra-{index}", kind="other")
        position = Position.objects.create(
            talk=talk, party=party, speaker=person, topic=topic, stance="states", summary=f"Extra {index}"
        )
        for fact in (party, person, post, other, delegation, seat, session, milestone, position):
            Citation.objects.create(fact=fact, source=source, excerpt="Astana")


def queries_for(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **headers).status_code == 200
    return len(queries)


QUERY_COUNT_PAGES = [
    *(page.path for page in PAGES),
    *(page.filtered_path for page in PAGES if page.example),
    "/timeline/?party=syrian-opposition&q=talks",
    "/talks/?year=2017",
    "/parties/united-nations/",
    "/people/staffan-de-mistura/",
    "/parties/jaysh-al-islam/",
    "/search/?q=extra",
]


@pytest.mark.parametrize("url", sorted(set(QUERY_COUNT_PAGES)))
def test_query_count_does_not_grow_with_the_data(client, seeded, url):
    # One of each first, so that every list is non-empty and every prefetch runs.
    add_rows(1)
    client.get(url)  # warm caches such as ContentType's
    before = queries_for(client, url)
    add_rows(5)
    # At most as many: a page that shows a few of many (the home page's
    # latest entries) may show fewer kinds of record, and need fewer queries.
    assert queries_for(client, url) <= before


@pytest.mark.parametrize("page", FRAGMENTS, ids=names(FRAGMENTS))
def test_query_count_of_htmx_fragment_does_not_grow_with_the_data(client, seeded, page):
    full = page.filtered_path
    client.get(full, **HTMX)
    before = queries_for(client, full, **HTMX)
    add_rows(4)
    assert queries_for(client, full, **HTMX) == before


def test_timeline_filter_result_is_open_data_as_json_with_sources(client, seeded):
    response = client.get("/timeline.json", {"party": "syrian-opposition", "topic": "nowhere"})
    assert response["Content-Type"] == "application/json"
    data = json.loads(body(response))
    assert data["description"] == "Showing 3 entries involving Syrian opposition."
    assert data["ignored"] == ["The topic filter “nowhere” was ignored: there is no topic “nowhere”."]
    assert [entry["title"] for entry in data["entries"]] == [
        "Astana talks on Syria, January 2017",
        "Opening",
        "Closed-door negotiations",
    ]
    opening = data["entries"][1]
    assert opening["start"] == "2017-01-23"
    assert opening["url"] == "http://testserver/talks/astana-2017-01/#session-1"
    assert any("sit together at one table" in c["excerpt"] for c in opening["citations"])


def test_timeline_filter_result_is_open_data_as_csv(client, seeded):
    response = client.get("/timeline.csv", {"status": "planned"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(body(response).splitlines()))
    assert rows[0][:3] == ["kind", "status", "title"]
    assert rows[1][2] == "UN-mediated talks in Geneva, February 2017"
    assert rows[1][4] == "expected: 8 February 2017"
    assert len(rows) == 2


def test_timeline_page_links_its_filter_result_as_open_data(client, seeded):
    html = client.get("/timeline/", {"party": "russia"}).content.decode()
    assert 'href="/timeline.json?party=russia"' in html
    assert 'href="/timeline.csv?party=russia"' in html


def test_the_site_has_an_icon_and_clients_that_guess_its_address_find_it(client, seeded):
    html = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == icon
    # Served by whitenoise, from the static files.
    assert icon == static("img/favicon.svg")
    assert "<svg" in Path(finders.find("img/favicon.svg")).read_text()


def test_home_lists_the_latest_dated_entries_newest_first(client, seeded):
    make_talk(name="Talks with no date yet", start_date=None)
    html = client.get("/").content.decode()
    latest = html.split('id="latest-heading"', 1)[1].split("</ol>", 1)[0]
    dates = re.findall(r'<p class="entry__when"><time class="[^"]*" datetime="([^"]+)"', latest)
    assert dates
    assert len(dates) == latest.count('<li class="entry')
    assert dates == sorted(dates, reverse=True)
    assert "Talks with no date yet" not in latest


def test_a_milestone_has_a_page_of_its_own_that_the_timeline_and_open_data_link_to(client, seeded):
    milestone = Milestone.objects.get(slug="ceasefire-2016-12-30")
    url = milestone.get_absolute_url()
    assert url == "/milestones/ceasefire-2016-12-30/"
    page = text_of(client.get(url))
    assert milestone.title in page
    assert "30 December 2016" in page
    assert "Took effect" in page
    timeline_html = client.get("/timeline/").content.decode()
    assert f'href="{url}"' in timeline_html
    exported = json.loads(body(client.get("/timeline.json", {"kind": "ceasefire"})))["entries"]
    assert [entry["url"] for entry in exported] == [f"http://testserver{url}"]


# Drafts: facts with neither a citation nor an editor's note, which readers never see.


@pytest.fixture
def drafts(seeded) -> dict:
    astana = Talk.objects.get(slug="astana-2017-01")
    party = make_party(name="Draftland", slug="draftland")
    person = make_person(name="Drafty McDraft", slug="drafty")
    talk = make_talk(name="Draft talks in Draftville", slug="draft-talks", city="Draftville")
    session = Session.objects.create(talk=astana, title="Draft session", kind="plenary", sequence=50)
    milestone = Milestone.objects.create(title="Draft accord", slug="draft-accord", kind="agreement")
    topic = make_topic(name="drafting", slug="drafting")
    Position.objects.create(talk=astana, party=party, topic=topic, stance="states", summary="Draft words")
    astana.convened_by.add(party)
    return {
        "party": party,
        "person": person,
        "talk": talk,
        "session": session,
        "milestone": milestone,
    }


DRAFT_WORDS = [
    "Draftland",
    "Drafty McDraft",
    "Draft talks in Draftville",
    "Draft session",
    "Draft accord",
    "Draft words",
]


def test_drafts_appear_on_no_readers_page(client, drafts):
    for page in PAGES:
        text = body(client.get(page.path))
        assert [word for word in DRAFT_WORDS if word in text] == [], page.path
    for url in ["/talks/astana-2017-01/", "/parties/", "/people/", "/timeline/?q=draft", "/talks/?place=Draftville"]:
        text = client.get(url).content.decode()
        assert [word for word in DRAFT_WORDS if word in text] == [], url


def test_drafts_are_not_found_by_search_or_in_open_data_and_their_pages_are_not_found(client, drafts):
    assert "Nothing matches" in text_of(client.get("/search/", {"q": "draft"}))
    assert not [e for e in json.loads(body(client.get("/timeline.json")))["entries"] if "Draft" in e["title"]]
    for url in ["/parties/draftland/", "/people/drafty/", "/talks/draft-talks/", "/milestones/draft-accord/"]:
        assert client.get(url).status_code == 404, url


def test_a_draft_is_not_offered_as_a_filter_and_is_reported_if_asked_for(client, drafts):
    page = text_of(client.get("/timeline/", {"party": "draftland"}))
    assert "The party filter “draftland” was ignored: there is no party “draftland”." in page


def test_a_draft_becomes_visible_once_it_has_a_source(client, drafts):
    Citation.objects.create(fact=drafts["party"], note="From the public record.")
    assert client.get("/parties/draftland/").status_code == 200
    assert "Draftland" in text_of(client.get("/parties/"))


def test_a_records_page_says_when_it_last_changed_and_never_who(client, seeded, django_user_model):
    from simple_history.utils import update_change_reason

    party = Party.objects.get(slug="egypt")
    party.description = "Changed by an editor."
    party._history_user = django_user_model.objects.create_user("secret-editor-name")
    party.save()
    update_change_reason(party, "mended")
    html = client.get(party.get_absolute_url()).content.decode()
    changed = party.history.latest("history_date").history_date
    assert f'This record last changed on <time datetime="{changed.date().isoformat()}">' in html
    assert "secret-editor-name" not in html


@pytest.mark.parametrize(("url", "make"), [("/parties/", make_party), ("/people/", make_person)])
def test_a_long_list_comes_a_page_at_a_time_with_links_between_pages(client, seeded, url, make):
    source = Citation.objects.filter(source__isnull=False).first().source
    for number in range(60):
        record = make(name=f"Zed {number:02d}")
        Citation.objects.create(fact=record, source=source, excerpt="Astana")
    first = client.get(url).content.decode()
    assert "Page 1 of 2" in first
    assert 'rel="next" href="?page=2"' in first
    assert "Zed 59" not in first
    second = client.get(url, {"page": "2"}).content.decode()
    assert "Zed 59" in second
    assert 'rel="prev" href="?page=1"' in second


# Records named by typing: a text box with suggestions, not a dropdown of every record.


def test_the_timelines_talk_process_party_and_topic_are_text_boxes_not_dropdowns_of_every_record(client, seeded):
    html = client.get("/timeline/").content.decode()
    for name in ("talk", "process", "party", "topic"):
        assert f'<select name="{name}"' not in html
        assert re.search(rf'<input type="search" name="{name}"[^>]*hx-get="/suggest/', html)
    assert 'value="syrian-opposition"' not in html


@pytest.mark.parametrize("typed", ["Syrian opposition", "syrian-opposition", "SYRIAN OPPOSITION", "the Opposition"])
def test_a_party_named_by_any_of_its_names_filters_the_timeline(client, seeded, typed):
    response = client.get("/timeline/", {"party": typed})
    page = text_of(response)
    assert "involving Syrian opposition" in page
    assert 'value="Syrian opposition"' in response.content.decode()
    fragment = client.get("/timeline/", {"party": typed}, **HTMX)
    assert fragment["HX-Push-Url"] == "/timeline/?party=syrian-opposition"


def test_a_process_named_in_the_timelines_filter_shows_the_entries_of_its_talks(client, seeded):
    response = client.get("/timeline/", {"process": "Astana process", "kind": "talk"})
    assert "Showing 1 entry of kind “Talks” in the Astana process." in text_of(response)
    assert 'value="Astana process"' in response.content.decode()
    html = client.get("/suggest/process/", {"listing": "timeline", "field": "process", "process": "astan"}).content
    assert b'href="/timeline/?process=astana-process"' in html


def test_a_name_that_fits_no_record_is_reported(client, seeded):
    assert "The party filter “Atlantis” was ignored: there is no party “Atlantis”." in text_of(
        client.get("/timeline/", {"party": "Atlantis"})
    )


def test_suggestions_are_links_that_apply_the_filter_and_keep_the_others(client, seeded):
    response = client.get(
        "/suggest/party/", {"listing": "timeline", "field": "party", "party": "syr", "kind": "opening"}
    )
    html = response.content.decode()
    assert "match “syr”" in html
    assert 'href="/timeline/?kind=opening&amp;party=syrian-government"' in html
    assert 'href="/timeline/?kind=opening&amp;party=syrian-opposition"' in html
    assert "Russia" not in html


def test_suggestions_find_a_party_by_another_of_its_names(client, seeded):
    html = client.get("/suggest/party/", {"listing": "timeline", "field": "party", "party": "jaish al-is"}).content
    assert b"party=jaysh-al-islam" in html


@pytest.mark.parametrize(
    "params",
    [{"listing": "admin", "field": "party"}, {"listing": "timeline", "field": "password"}, {}],
)
def test_a_suggestion_request_for_no_filter_is_a_400(client, seeded, params):
    assert client.get("/suggest/party/", params).status_code == 400
    assert client.get("/suggest/user/", {"listing": "timeline", "field": "party"}).status_code == 400
