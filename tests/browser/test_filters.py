"""The filter forms on the list pages, with htmx and without JavaScript."""

import pytest
from playwright.sync_api import Page, expect

from ..pages import FRAGMENTS, names
from .steps import choose_filter, in_query, result_count

pytestmark = pytest.mark.browser

# (page, path, filter field, a value that keeps some results but not all).
FILTERS = [(page.name, page.path, *next(iter(page.example.items()))) for page in FRAGMENTS]
FILTER_IDS = names(FRAGMENTS)


def collect_errors(page: Page) -> list[str]:
    """Uncaught exceptions and console errors (a CSP refusal is one) as they happen."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text}")

    page.on("console", on_console)
    return errors


@pytest.mark.parametrize(("kind", "path", "name", "value"), FILTERS, ids=FILTER_IDS)
def test_choosing_a_filter_swaps_the_results_in_place_and_back_restores_them(new_context, kind, path, name, value):
    page = new_context().new_page()
    errors = collect_errors(page)
    page.goto(path)
    unfiltered_url = page.url
    unfiltered_number = result_count(page)
    unfiltered_count = page.locator("#result-count").inner_text()
    unfiltered_results = page.locator("#results").inner_text()
    unfiltered_entries = page.locator("#results li.entry").all_inner_texts()
    page.evaluate("window.__parley_marker = 1")

    choose_filter(page, name, value)

    assert page.evaluate("window.__parley_marker") == 1, "the page was reloaded, not swapped"
    expect(page).to_have_url(in_query(name, value))
    assert 0 < result_count(page) < unfiltered_number
    assert page.locator("#results").inner_text() != unfiltered_results
    if kind == "timeline":
        entries = page.locator("#results li.entry").all_inner_texts()
        assert entries, "no timeline entries after filtering"
        assert entries != unfiltered_entries

    page.go_back()

    expect(page).to_have_url(unfiltered_url)
    expect(page.locator("#result-count")).to_have_text(unfiltered_count, use_inner_text=True)
    expect(page.locator("#results")).to_have_text(unfiltered_results, use_inner_text=True)
    assert errors == []


@pytest.mark.parametrize(("kind", "path", "name", "value"), FILTERS, ids=FILTER_IDS)
def test_the_filter_form_works_without_javascript(new_context, kind, path, name, value):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(path)
    unfiltered_number = result_count(page)
    form = page.locator("#filters")
    expect(form).to_have_attribute("method", "get")

    field = form.locator(f"[name={name}]")
    if field.evaluate("element => element.tagName") == "SELECT":
        field.select_option(value)
        typed = value
    else:
        # A record named by typing its name, as a reader does without suggestions.
        typed = page.evaluate("slug => slug.replace(/-/g, ' ')", value)
        field.fill(typed)
    form.locator("button:not([type]), button[type=submit], input[type=submit]").filter(visible=True).first.click()

    expect(page).to_have_url(in_query(name, typed.replace(" ", "+")))
    assert 0 < result_count(page) < unfiltered_number
    if field.evaluate("element => element.tagName") == "SELECT":
        expect(page.locator(f"#filters select[name={name}] option:checked")).to_have_attribute("value", value)
    else:
        assert page.locator("#filters .notice, .notice--warning").count() == 0, "the typed name was not found"
