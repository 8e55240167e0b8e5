"""How a person drives the list pages: choose a filter, wait for the swap,
read the count."""

import re

from playwright.sync_api import Page, expect


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
