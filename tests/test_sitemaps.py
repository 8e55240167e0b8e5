"""The sitemap and robots.txt: every published record's page, no draft,
and search engines kept out of the lists' endless filter combinations."""

import xml.etree.ElementTree as ET

import pytest

from talks.models import Milestone, Party, Person, Source, Talk

from .builders import make_party

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locations(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP}loc")]


def test_the_sitemap_lists_every_published_records_page_and_the_lists(client, seeded):
    found = {url.removeprefix("http://testserver") for url in locations(client)}
    for model in (Talk, Party, Person, Source, Milestone):
        for record in model.objects.all():
            assert record.get_absolute_url() in found, record
    assert {"/", "/talks/", "/timeline/", "/parties/", "/people/", "/sources/"} <= found
    assert "/talks/astana-2017-01/delegations/" in found


def test_every_address_in_the_sitemap_answers(client, seeded):
    for url in locations(client):
        assert client.get(url.removeprefix("http://testserver")).status_code == 200, url


def test_a_draft_is_not_in_the_sitemap(client, seeded):
    make_party(name="Draftland", slug="draftland")
    assert not [url for url in locations(client) if "draftland" in url]


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_off_filters_and_the_admin_secret(client, seeded, settings):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /*?" in text
    assert settings.ADMIN_PATH not in text
