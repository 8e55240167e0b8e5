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
