"""An editor who has never seen Parley enters a new round of talks from a
new article: pastes the article in as a source, then on Read and cite
selects passages with the mouse and makes the talk, its two sessions,
three delegations with their heads and two positions, each cited by the
passage selected. The reader's pages then show them, each marker holding
its passage. The test counts what the editor did (page loads, clicks,
choices from lists, fields typed) and prints it; docs/editing.md quotes it.

With PARLEY_DOCS_IMAGES=1 the screenshots go to docs/images/ for the
documentation; otherwise to tests/browser/screenshots/.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from talks.models import Citation, Delegation, Party, Position, Session, Source, Talk

from ..builders import make_editor
from .steps import wait_for_htmx
from .test_accessibility import blocking_violations, describe
from .test_citations import open_each_marker

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 900
IMAGES = (
    settings.BASE_DIR / "docs" / "images"
    if os.environ.get("PARLEY_DOCS_IMAGES")
    else Path(__file__).parent / "screenshots"
)

TITLE = "Syria talks resume in Astana for a second round"
# Invented for this test: no such report, meeting or words exist.
ARTICLE = """Syria talks resume in Astana for a second round

This report is invented for Parley's tests. It describes no real meeting, and no one quoted in it said these words.

A second round of talks on Syria opened on 15 February at the Rixos hotel in Astana, convened again by Russia, Turkey and Iran, and ended on 16 February.

The opening session on 15 February brought both delegations to one table. A closed-door session followed on 16 February, in which the sides met only through the mediators.

The Syrian Government delegation was again headed by Bashar Jaafari, Syria's Permanent Representative to the United Nations.

The opposition delegation, which included the High Negotiations Committee, was headed by Mohammad Aloush, its chief negotiator.

The United Nations attended as an observer, represented by Staffan de Mistura, the Special Envoy of the UN Secretary-General to Syria.

The opposition's spokesperson, Yehya al-Aridi, said it wants the ceasefire \u201cmonitored by the guarantors before anything else\u201d.

On disarmament and amnesty, the Syrian Government demanded that armed groups hand over their heavy weapons in exchange for an amnesty.
"""  # noqa: E501

TALK = "A second round of talks on Syria opened on 15 February at the Rixos hotel in Astana, convened again by Russia, Turkey and Iran, and ended on 16 February."  # noqa: E501
OPENING = "The opening session on 15 February brought both delegations to one table."
CLOSED = "A closed-door session followed on 16 February, in which the sides met only through the mediators."
GOVERNMENT = "The Syrian Government delegation was again headed by Bashar Jaafari, Syria's Permanent Representative to the United Nations."  # noqa: E501
OPPOSITION = "The opposition delegation, which included the High Negotiations Committee, was headed by Mohammad Aloush, its chief negotiator."  # noqa: E501
UN = "The United Nations attended as an observer, represented by Staffan de Mistura, the Special Envoy of the UN Secretary-General to Syria."  # noqa: E501
CEASEFIRE = "The opposition's spokesperson, Yehya al-Aridi, said it wants the ceasefire \u201cmonitored by the guarantors before anything else\u201d."  # noqa: E501
DISARMAMENT = "On disarmament and amnesty, the Syrian Government demanded that armed groups hand over their heavy weapons in exchange for an amnesty."  # noqa: E501

# The box of a phrase of the workbench's text, found as the page has it: the
# text nodes of its chunks, in order. Scrolled into view first.
PHRASE_BOX = """(phrase) => {
  const text = document.getElementById("wb-text");
  const nodes = [];
  let all = "";
  for (const chunk of text.querySelectorAll("[data-offset]")) {
    nodes.push([chunk.firstChild, all.length]);
    all += chunk.firstChild.data;
  }
  const at = all.indexOf(phrase);
  if (at < 0) return null;
  const point = (position) => {
    const [node, start] = nodes.findLast(([, start]) => start <= position);
    return [node, position - start];
  };
  const range = document.createRange();
  range.setStart(...point(at));
  range.setEnd(...point(at + phrase.length));
  range.startContainer.parentElement.scrollIntoView({block: "center"});
  const rects = range.getClientRects();
  const first = rects[0], last = rects[rects.length - 1];
  return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
}"""


class Editor:
    """Drives the page as an editor does, and counts what it costs."""

    def __init__(self, page: Page):
        self.page = page
        self.loads = self.clicks = self.drags = self.choices = 0
        self.typed: list[str] = []
        page.on("load", self.loaded)

    def loaded(self, _page) -> None:
        self.loads += 1

    def click(self, target: Locator) -> None:
        target.click()
        self.clicks += 1

    def type(self, target: Locator, text: str) -> None:
        target.fill(text)
        self.typed.append(text)

    def choose(self, target: Locator, label: str) -> None:
        target.select_option(label=label)
        self.choices += 1

    def select(self, phrase: str) -> None:
        """Drag the mouse across a phrase of the text, as a person selects it."""
        box = self.page.evaluate(PHRASE_BOX, phrase)
        assert box, f"“{phrase}” is not in the text pane"
        mouse = self.page.mouse
        mouse.move(box["x1"], box["y1"])
        mouse.down()
        mouse.move(box["x2"], box["y2"], steps=12)
        mouse.up()
        self.drags += 1
        expect(self.page.locator("#wb-selection [data-selection-text]")).to_have_text(phrase)

    def open(self, button: str, heading: str) -> None:
        self.click(self.page.locator(f"#wb-selection button[value={button}]"))
        expect(self.page.locator("#wb-form-heading")).to_have_text(heading)
        expect(self.page.locator("#wb-form-heading")).to_be_focused()

    def save(self) -> None:
        self.click(self.page.locator("#wb-form button[type=submit]"))
        # Focused once the swap has settled: nothing moves the page after that.
        expect(self.page.locator("#wb-form .wb-done")).to_be_focused()
        wait_for_htmx(self.page)

    def figures(self) -> str:
        return (
            f"page loads: {self.loads}; clicks: {self.clicks + self.drags} ({self.drags} of them drags across "
            f"the text); choices from lists: {self.choices}; fields typed: {len(self.typed)}; "
            f"fields filled in all: {len(self.typed) + self.choices}"
        )


def shoot(page: Page, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=IMAGES / f"{name}.png")


def field(page: Page, name: str) -> Locator:
    return page.locator(f"#wb-f-{name}")


def test_an_editor_enters_a_new_round_from_a_new_article_selecting_every_passage_with_the_mouse(
    new_context, axe_script, summary
):
    make_editor()
    context = new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security" in message.text else None)
    editor = Editor(page)

    # The article, pasted into a new source.
    page.goto("/admin/talks/source/add/")
    editor.type(page.locator("#id_username"), "editor")
    editor.type(page.locator("#id_password"), "a-long-editor-password")
    editor.click(page.locator("input[type=submit]"))
    editor.type(page.locator("#id_title"), TITLE)
    editor.type(page.locator("#id_published_date"), "2017-02-17")
    editor.type(page.locator("#id_text"), ARTICLE)
    page.locator("input[name=_read_and_cite]").scroll_into_view_if_needed()
    shoot(page, "workbench-1-source")
    editor.click(page.locator("input[name=_read_and_cite]"))
    page.wait_for_load_state()
    source = Source.objects.get(title=TITLE)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH

    # The talk: it follows the January round, whose place and process it takes.
    editor.select(TALK)
    editor.open("talk", "Talk")
    expect(field(page, "start_date")).to_have_value("2017-02-15")
    expect(field(page, "end_date")).to_have_value("2017-02-16")
    editor.type(field(page, "name"), "Astana talks on Syria, February 2017")
    editor.choose(field(page, "follows"), "Astana talks on Syria, January 2017")
    expect(field(page, "venue")).to_have_value("Rixos hotel")
    expect(field(page, "status")).to_have_value("concluded")
    shoot(page, "workbench-2-talk")
    editor.save()
    talk = Talk.objects.get(name="Astana talks on Syria, February 2017")
    assert (talk.city, talk.country, talk.process.name) == ("Astana", "Kazakhstan", "Astana process")
    expect(page.locator("#wb-working-talk")).to_have_value(str(talk.pk))

    # Two sessions: kind, format, date, title and order come from the passage and the talk.
    for phrase in (OPENING, CLOSED):
        editor.select(phrase)
        editor.open("session", "Session")
        editor.save()
    opening, closed = talk.sessions.order_by("sequence")
    assert (opening.kind, opening.format, str(opening.start)) == ("opening", "face_to_face", "15 February 2017")
    assert (closed.kind, closed.format, str(closed.start)) == ("closed_door", "indirect", "16 February 2017")

    # Three delegations, each with its head and the post the head sat in.
    for phrase in (GOVERNMENT, OPPOSITION, UN):
        editor.select(phrase)
        editor.open("delegation", "Delegation and head")
        if phrase == OPPOSITION:
            expect(page.locator("#wb-form input[name=components]:checked")).to_have_count(1)
            shoot(page, "workbench-3-delegation")
        editor.save()
    heads = {
        delegation.party.name: (delegation.role, delegation.members.get(role="head").person.name)
        for delegation in Delegation.objects.filter(talk=talk).select_related("party")
    }
    assert heads == {
        "Syrian Government": ("negotiating", "Bashar Jaafari"),
        "Syrian opposition": ("negotiating", "Mohammad Aloush"),
        "United Nations": ("observer", "Staffan de Mistura"),
    }

    # Two positions: party, topic, stance and quote from the passage; the summary typed.
    for phrase, words in (
        (CEASEFIRE, "The guarantors monitor the ceasefire before anything else"),
        (DISARMAMENT, "Armed groups hand over their heavy weapons for an amnesty"),
    ):
        editor.select(phrase)
        editor.open("position", "Position")
        editor.type(field(page, "summary"), words)
        editor.save()
    shoot(page, "workbench-4-round")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    with summary():
        print(f"Entering the round from a new article took {editor.figures()}")

    # Every record cited by exactly the passage the mouse selected, as the source has it.
    records = [talk, *talk.sessions.all(), *Delegation.objects.filter(talk=talk), *talk.positions.all()]
    records += [member for delegation in records[3:6] for member in delegation.members.all()]
    assert len(records) == 11
    expected = {Talk: [TALK], Session: [OPENING, CLOSED], Delegation: [GOVERNMENT, OPPOSITION, UN]}
    expected |= {Position: [CEASEFIRE, DISARMAMENT]}
    for record in records:
        citation = record.citations.get()
        assert citation.source == source
        assert citation.excerpt == source.text[citation.start : citation.end]
        assert citation.excerpt in expected.get(type(record), [GOVERNMENT, OPPOSITION, UN])
    quotes = dict(talk.positions.values_list("topic__name", "quote"))
    assert quotes["ceasefire"] == "monitored by the guarantors before anything else"
    assert refused == [], f"the Content Security Policy refused: {refused}"

    # No excerpt typed by hand: the article itself was pasted once, as the source.
    excerpts = list(Citation.objects.filter(source=source).values_list("excerpt", flat=True))
    assert not [text for text in editor.typed if text != ARTICLE and any(e in text for e in excerpts)]
    assert page.locator("#wb-form [name=excerpt], #wb-selection [name=excerpt]").count() == 0

    # The workbench meets axe-core with a form open.
    axe_page = new_context(bypass_csp=True, storage_state=context.storage_state()).new_page()
    axe_page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    start = source.text.index(OPPOSITION)
    axe_page.goto(f"{page.url.split('?')[0]}?working={talk.pk}&panel=delegationmember&start={start}&end={start + 60}")
    violations = blocking_violations(axe_page, axe_script)
    assert [v["id"] for v in violations] == [], f"axe-core on the workbench:\n{describe(violations)}"

    # What a reader sees: the talk, its sessions, delegations and positions, each marker its passages.
    reader = new_context(viewport={"width": WIDTH, "height": HEIGHT}).new_page()
    address = talk.get_absolute_url()
    for path in (address, f"{address}delegations/", f"{address}positions/"):
        assert open_each_marker(reader, path) > 0
    reader.goto(address)
    for shown in ("Opening session", "Closed-door session", "Bashar Jaafari", "Mohammad Aloush", "Staffan de Mistura"):
        expect(reader.locator("main")).to_contain_text(shown)
    expect(reader.locator("main")).to_contain_text("Armed groups hand over their heavy weapons for an amnesty")
    name_marker = reader.locator("h1 button.cite__mark")
    name_marker.click()
    expect(reader.locator(".cite__body:popover-open")).to_contain_text(TALK)
    shoot(reader, "workbench-5-reader")
    position = reader.locator(f"#position-{talk.positions.get(topic__name='ceasefire').pk}")
    position.locator("button.cite__mark").click()
    expect(reader.locator(".cite__body:popover-open")).to_contain_text(re.sub(r"\s+", " ", CEASEFIRE))


def tab_to(page: Page, selector: str, limit: int = 80) -> int:
    """Press Tab until the element is focused; how many presses it took."""
    target = page.locator(selector)
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return presses
    raise AssertionError(f"{selector} was not reached in {limit} presses of Tab")


def test_an_editor_with_only_the_keyboard_finds_a_passage_and_makes_a_party_from_it(site, new_context):
    make_editor()
    context = new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    source = Source.objects.get()
    page.goto(f"/admin/login/?next=/admin/talks/source/{source.pk}/workbench/")
    page.locator("#id_username").fill("editor")
    page.locator("#id_password").fill("a-long-editor-password")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/workbench/$"))
    page.wait_for_load_state()

    # Find selects the passage, as the mouse would.
    page.locator("#wb-find-words").focus()
    page.keyboard.type("the Philippine Academia")
    page.keyboard.press("Enter")
    expect(page.locator("#wb-selection [data-selection-text]")).to_have_text("the Philippine Academia")
    page.wait_for_function("() => CSS.highlights.has('wb-selection')")
    marked = "() => [...CSS.highlights.get('wb-selection')].map((range) => range.toString()).join('')"
    assert page.evaluate(marked) == "the Philippine Academia"

    # Past the text's links in one step, then to the button.
    tab_to(page, ".wb-skip")
    page.keyboard.press("Enter")
    presses = tab_to(page, "#wb-selection button[value=party]", limit=20)
    assert presses <= 10
    page.keyboard.press("Enter")
    expect(page.locator("#wb-form-heading")).to_be_focused()
    tab_to(page, "#wb-f-name", limit=3)
    page.keyboard.press("Control+A")
    page.keyboard.type("Philippine Academia")
    tab_to(page, "#wb-f-kind", limit=3)
    page.keyboard.press("ArrowDown")
    tab_to(page, "#wb-form button[type=submit]", limit=20)
    page.keyboard.press("Enter")
    expect(page.locator("#wb-form .wb-done")).to_be_focused()
    party = Party.objects.get(name="Philippine Academia")
    assert party.citations.get().excerpt == "the Philippine Academia"
