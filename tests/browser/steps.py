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
    """Choose a value of the filter form's field, and wait for htmx to swap
    the results: in a dropdown, or, for a record named by typing, by typing
    its name (the slug's words) and clicking its suggestion."""
    before = page.locator("#result-count").inner_text()
    field = page.locator(f"#filters [name={name}]")
    if field.evaluate("element => element.tagName") == "SELECT":
        field.select_option(value)
    else:
        type_and_pick(page, name, value.replace("-", " ")[:12], value)
    page.wait_for_url(in_query(name, value))
    expect(page.locator("#result-count")).not_to_have_text(before)
    wait_for_htmx(page)


def type_and_pick(page: Page, name: str, typed: str, value: str) -> None:
    """Type into a filter's text box as a reader does, and click the
    suggestion that names the record with this slug."""
    box = page.locator(f"#filters input[name={name}]")
    box.fill("")
    box.press_sequentially(typed, delay=30)
    suggestion = page.locator(f"#suggest-{name} a[href*='{name}={value}']")
    expect(suggestion).to_have_count(1)
    suggestion.click()
