"""What is new and what changed, as Atom feeds read from the change history:
valid Atom, never an editor's name, never a draft."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from simple_history.utils import update_change_reason

from talks.models import Citation, Party, Talk

from .builders import make_party, make_session
from .pages import ASTANA
from .test_views import add_rows

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
PARTY_FEED = "/parties/syrian-opposition/changes.atom"
TALK_FEED = f"{ASTANA}changes.atom"


def parsed(client, url: str) -> ET.Element:
    """The feed, parsed, with what RFC 4287 requires of a feed and of each entry checked."""
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Parley"
    ids = []
    for entry in feed.iter(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        ids.append(entry.find(f"{ATOM}id").text)
    assert len(ids) == len(set(ids)), "two entries with the same id"
    return feed


def titles(feed: ET.Element) -> list[str]:
    return [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]


def links(feed: ET.Element) -> list[str]:
    return [entry.find(f"{ATOM}link").get("href") for entry in feed.iter(f"{ATOM}entry")]


@pytest.mark.parametrize("url", ["/changes.atom", TALK_FEED, PARTY_FEED])
def test_each_feed_is_valid_atom_whose_entries_lead_to_pages_that_answer(client, seeded, url):
    feed = parsed(client, url)
    assert titles(feed)
    for link in set(links(feed)):
        path = link.removeprefix("http://testserver").split("#")[0]
        assert client.get(path).status_code == 200, link


def test_a_change_is_the_feeds_newest_entry_and_names_no_editor(client, seeded, django_user_model):
    party = Party.objects.get(slug="egypt")
    party.description = "Changed by an editor."
    party._history_user = django_user_model.objects.create_user("secret-editor-name")
    party.save()
    update_change_reason(party, "secret reason")
    text = client.get("/changes.atom").content.decode()
    assert titles(ET.fromstring(text))[0] == "Changed party: Egypt"
    assert "secret-editor-name" not in text
    assert "secret reason" not in text


def test_a_draft_is_in_no_feed_until_it_has_a_source(client, seeded):
    party = make_party(name="Draftland", slug="draftland")
    make_session(talk=Talk.objects.get(slug="astana-2017-01"), title="Draft session", sequence=50)
    for url in ("/changes.atom", TALK_FEED):
        assert "Draft" not in client.get(url).content.decode(), url
    Citation.objects.create(fact=party, note="From the public record.")
    assert titles(parsed(client, "/changes.atom"))[:2] == ["New source for party: Draftland", "New party: Draftland"]


def test_a_talks_feed_holds_only_its_own_records(client, seeded):
    feed = parsed(client, TALK_FEED)
    for link in links(feed):
        assert "/talks/astana-2017-01/" in link or "/milestones/" in link or "/sources/" in link, link
    other = Talk.objects.get(slug="geneva-2017-02")
    assert all(other.name not in title for title in titles(feed))


def test_a_partys_feed_holds_its_delegations_positions_and_claims(client, seeded):
    feed = " ".join(titles(parsed(client, PARTY_FEED)))
    assert "New party: Syrian opposition" in feed
    assert "New delegation: Syrian opposition at" in feed
    assert "New position: Syrian opposition on ceasefire" in feed
    assert "Syrian Government on" not in feed


def test_the_feed_of_an_unknown_or_draft_record_is_not_found(client, seeded):
    make_party(name="Draftland", slug="draftland")
    assert client.get("/parties/draftland/changes.atom").status_code == 404
    assert client.get("/talks/nowhere/changes.atom").status_code == 404


def test_pages_point_to_their_feeds(client, seeded):
    talk = client.get(ASTANA).content.decode()
    assert '<link rel="alternate" type="application/atom+xml" title="Changes to the' in talk
    assert f'href="{TALK_FEED}"' in talk
    assert f'href="{PARTY_FEED}"' in client.get("/parties/syrian-opposition/").content.decode()
    assert 'href="/changes.atom"' in client.get("/timeline/").content.decode()


@pytest.mark.parametrize("url", ["/changes.atom", TALK_FEED, PARTY_FEED])
def test_a_feeds_query_count_does_not_grow_with_the_data(client, seeded, url):
    add_rows(1)
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    add_rows(5)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) <= len(before)


def test_a_feed_kept_in_the_page_cache_is_kept_for_its_own_host(client, seeded, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    assert "http://testserver/" in client.get("/changes.atom").content.decode()
    other = client.get("/changes.atom", HTTP_HOST="other.example").content.decode()
    assert "http://other.example/" in other
    assert "testserver" not in other
