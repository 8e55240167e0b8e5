"""The search box in the site's header."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_searching_by_an_alias_finds_the_person(new_context, javascript):
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto("/")

    box = page.locator("header form[role=search] input[name=q]")
    box.fill("Alloush")
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?(.*&)?q=Alloush(&|$)"))
    expect(page.get_by_role("heading", name=re.compile(r"^\s*People\b"))).to_be_visible()
    page.locator("main").get_by_role("link", name="Mohammad Aloush").first.click()
    expect(page).to_have_url(re.compile(r"/people/mohammad-aloush/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mohammad Aloush")


def test_typing_a_variant_spelling_shows_the_result_without_a_reload(new_context):
    page = new_context().new_page()
    page.goto("/search/")
    page.evaluate("window.__parley_marker = 1")

    box = page.locator("#search-q")
    box.press_sequentially("Mohamed Allouch", delay=20)

    results = page.locator("#browse")
    expect(results.get_by_role("link", name="Mohammad Aloush")).to_be_visible()
    # The address follows what was typed, and the page was not loaded again.
    expect(page).to_have_url(re.compile(r"/search/\?q=Mohamed\+Allouch$"))
    assert page.evaluate("window.__parley_marker") == 1
    # Screen readers hear the count; the focus stays in the box.
    expect(page.locator("#announcer")).to_contain_text("for “Mohamed Allouch”")
    expect(box).to_be_focused()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_searching_the_search_page_by_a_spelling_in_another_script_finds_the_person(new_context, javascript):
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto("/search/")

    box = page.locator("#search-q")
    box.fill("محمد علوش")
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?q=%D9%85"))
    link = page.locator("#browse").get_by_role("link", name="Mohammad Aloush")
    expect(link).to_be_visible()
    expect(page.locator("#browse [lang=ar][dir=rtl]").first).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/people/mohammad-aloush/$"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_typo_still_finds_the_person_with_javascript_on_or_off(new_context, javascript):
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto("/search/")
    box = page.locator("#search-q")
    box.fill("Staffan Mistura")
    box.press("Enter")
    expect(page.locator("#browse").get_by_role("link", name="Staffan de Mistura")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/search/\?q=Staffan\+Mistura$"))
