"""Every source marker, clicked as a reader clicks it: the popover that opens
holds the passages of the fact the marker stands by, as the database has
them; and every passage marked on a source page leads to the facts it
supports."""

import re

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from talks.models import Citation
from talks.text import find_excerpt

pytestmark = pytest.mark.browser

MARKED_PAGES = [
    "/timeline/",
    "/talks/astana-2017-01/",
    "/talks/astana-2017-01/delegations/",
    "/parties/jaysh-al-islam/",
    "/parties/syrian-opposition/",
    "/people/mohammad-aloush/",
    "/milestones/ceasefire-2016-12-30/",
]
SOURCE = "/sources/syrian-government-and-opposition-factions-begin-talks/"
MODELS = {model._meta.model_name for model in apps.get_app_config("talks").get_models()}


def cited(popover_id: str) -> list[Citation]:
    """The citations a marker's popover must hold, from the database: its id
    names the fact (the last model and key in it), then the fields, then
    "whole" when the fact's citations about all of it belong there too."""
    parts = popover_id.removeprefix("cite-").split("-")
    at = max(i for i, part in enumerate(parts[:-1]) if part in MODELS and parts[i + 1].isdigit())
    model, pk, rest = parts[at], int(parts[at + 1]), parts[at + 2 :]
    whole = rest[-1:] == ["whole"]
    fields = set(rest[:-1] if whole else rest)
    citations = list(Citation.objects.filter(content_type__app_label="talks", content_type__model=model, object_id=pk))
    if fields or whole:
        citations = [c for c in citations if fields.intersection(c.about) or (whole and not c.about)]
    return citations


def shown(citation: Citation) -> str:
    return " ".join((citation.excerpt if citation.source_id else citation.note).split())


def open_each_marker(page: Page, path: str) -> int:
    """Click every marker on the page; check what opened; close it."""
    page.goto(path)
    markers = page.locator("button.cite__mark")
    count = markers.count()
    for index in range(count):
        marker = markers.nth(index)
        target = marker.get_attribute("popovertarget")
        marker.scroll_into_view_if_needed()
        marker.click()
        opened = page.locator(".cite__body:popover-open")
        expect(opened).to_have_count(1)
        assert opened.get_attribute("id") == target, f"{path}: the marker for {target} opened another popover"
        items = [" ".join(text.split()) for text in opened.locator(".cite__item").all_inner_texts()]
        expected = cited(target)
        assert len(items) == len(expected), f"{path}: {target} holds {items}, not {[shown(c) for c in expected]}"
        for text in map(shown, expected):
            assert any(text in item for item in items), f"{path}: {target}: “{text}” not in {items}"
        opened.locator(".cite__close").click()
        expect(page.locator(".cite__body:popover-open")).to_have_count(0)
    return count


@pytest.mark.parametrize("path", MARKED_PAGES)
def test_every_marker_opens_the_passages_of_its_own_fact(page, path):
    assert open_each_marker(page, path) > 0


def test_every_timeline_entrys_marker_stands_in_that_entry_and_opens_it(page):
    """The marker in an entry opens a popover on the entry's own record."""
    page.goto("/timeline/")
    for entry in page.locator("li.entry").all():
        anchor = entry.get_attribute("id")
        kind, _, key = anchor.partition("-")
        target = entry.locator("button.cite__mark").get_attribute("popovertarget")
        assert target.startswith(f"cite-{kind}-"), f"{anchor}'s marker opens {target}"
        if key.isdigit():
            assert target.startswith(f"cite-{kind}-{key}"), f"{anchor}'s marker opens {target}"


def test_every_marked_passage_of_a_source_leads_to_the_facts_it_supports(page):
    page.goto(SOURCE)
    links = page.locator(".source-text mark a.passage-link")
    assert links.count() >= 10
    for index in range(links.count()):
        link = links.nth(index)
        passage = " ".join(link.inner_text().split())
        link.click()
        expect(page).to_have_url(re.compile(r"#supports-\d+$"))
        supported = page.locator("li:target")
        keys = [int(item.get_attribute("id").removeprefix("citation-")) for item in supported.locator("li").all()]
        assert keys, f"passage “{passage[:40]}…” supports nothing"
        for citation in Citation.objects.filter(pk__in=keys):
            assert find_excerpt(passage, citation.excerpt), f"citation {citation.pk} quotes outside “{passage[:40]}…”"
        # Each fact it supports is one click away, and the page it leads to shows it.
        for fact in supported.locator("li a").all():
            href = fact.get_attribute("href")
            assert href, "a supported fact without an address"
            if "#" in href:
                target = page.context.new_page()
                target.goto(href)
                expect(target.locator(f"[id='{href.split('#', 1)[1]}']")).to_have_count(1)
                target.close()
