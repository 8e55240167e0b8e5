"""The pages the browser tests visit, and how to drive their filters."""

import re

from playwright.sync_api import Page, expect

# (name, path, expected status): one of each kind of page, from the seed data.
PAGES = [
    ("home", "/", 200),
    ("talks", "/talks/", 200),
    ("talk", "/talks/astana-2017-01/", 200),
    ("delegations", "/talks/astana-2017-01/delegations/", 200),
    ("positions", "/talks/astana-2017-01/positions/", 200),
    ("compare", "/talks/astana-2017-01/positions/compare/?a=syrian-government&b=syrian-opposition", 200),
    ("timeline", "/timeline/", 200),
    ("timeline-filtered", "/timeline/?party=syrian-opposition", 200),
    ("parties", "/parties/", 200),
    ("party", "/parties/syrian-opposition/", 200),
    ("people", "/people/", 200),
    ("person", "/people/mohammad-aloush/", 200),
    ("sources", "/sources/", 200),
    ("source", "/sources/syrian-government-and-opposition-factions-begin-talks/", 200),
    ("search", "/search/?q=Alloush", 200),
    ("not-found", "/no-such-page/", 404),
]

# (page, path, filter field, a value that keeps some results but not all).
FILTERS = [
    ("timeline", "/timeline/", "party", "syrian-opposition"),
    ("talks", "/talks/", "status", "planned"),
    ("positions", "/talks/astana-2017-01/positions/", "party", "syrian-opposition"),
]


def in_query(name: str, value: str) -> re.Pattern:
    """A URL whose query string has name=value."""
    return re.compile(rf"[?&]{re.escape(name)}={re.escape(value)}(&|#|$)")


def result_count(page: Page) -> int:
    """The number #result-count states, e.g. 3 for "3 entries"."""
    text = page.locator("#result-count").inner_text()
    number = re.search(r"\d+", text)
    assert number, f"#result-count states no number: {text!r}"
    return int(number.group())


def wait_for_htmx(page: Page) -> None:
    """Until htmx has no request in flight and the loading indicator is hidden."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    expect(page.locator("#loading")).to_be_hidden()


def choose_filter(page: Page, name: str, value: str) -> None:
    """Choose a value in the filter form's select, and wait for htmx to swap the results."""
    before = page.locator("#result-count").inner_text()
    page.locator(f"#filters select[name={name}]").select_option(value)
    page.wait_for_url(in_query(name, value))
    expect(page.locator("#result-count")).not_to_have_text(before)
    wait_for_htmx(page)
