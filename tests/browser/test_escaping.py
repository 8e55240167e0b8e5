"""Nothing staff type runs on any page: script and attribute-breaking payloads
typed into every text field of every kind of record show as text, on the
reader's pages and in the admin, and never execute.

The browser bypasses the site's Content Security Policy here. The CSP would
stop an injected script anyway; this test is about escaping, the first line of
defence, so it must see a script run, or markup turn into elements, wherever
escaping fails.
"""

from urllib.parse import quote

import pytest
from django.db.models import CharField, SlugField, TextField
from django.urls import reverse
from playwright.sync_api import Page

from talks.models import (
    Alias,
    Citation,
    Claim,
    Delegation,
    DelegationMember,
    Milestone,
    Party,
    PartyMembership,
    Person,
    Place,
    Position,
    Post,
    Process,
    Session,
    Source,
    Talk,
    Topic,
)

from ..pages import BY_NAME, HTML
from .steps import choose_filter

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__xss=1</script>"
PAYLOADS = [
    SCRIPT,
    '"><img src=x onerror="window.__xss=1">',
    "' onmouseover='window.__xss=1",
    "javascript:window.__xss=1",
    "</textarea><svg onload=window.__xss=1>",
]
EVERYTHING = " ".join(PAYLOADS)
# Where only 20 characters fit (an alias's language).
SHORT = "<svg onload=__xss=1>"
# A URL the admin accepts that still breaks out of an attribute if unescaped.
URL = 'https://example.org/"><svg/onload=window.__xss=1>'
PASSWORD = "a-long-staff-password-for-the-escaping-test"
CITATIONS = "talks-citation-content_type-object_id"
ALIASES = "talks-alias-content_type-object_id"


def typed(model, field: str, label: str) -> str:
    """What staff type into a field: a label to find the record by, then as
    many of the payloads as the field holds."""
    max_length = model._meta.get_field(field).max_length
    text = label
    for payload in PAYLOADS:
        if max_length is None or len(text) + 1 + len(payload) <= max_length:
            text += " " + payload
    return text


# What a payload leaves behind if it was not escaped: elements with event
# handlers, javascript: links, scripts that mention the payload's variable.
INJECTED = """() => {
  const found = [];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const link = ["href", "src", "action", "formaction", "xlink:href"].includes(name);
      if (name.startsWith("on") || (link && /^\\s*javascript:/i.test(attribute.value))) {
        found.push(element.outerHTML.slice(0, 200));
      }
    }
    if (element.tagName === "SCRIPT" && element.textContent.includes("__xss")) {
      found.push(element.outerHTML.slice(0, 200));
    }
  }
  return found;
}"""


class Inspector:
    """Looks at each page for payloads that ran or became markup, and
    collects every problem, so that one run reports them all."""

    def __init__(self, page: Page):
        self.page = page
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        page.on("dialog", self.on_dialog)

    def on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{self.page.url}: {dialog.type} {dialog.message!r}")
        dialog.dismiss()

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        if response.status != 200:
            self.problems.append(f"{path}: answered {response.status}")
        self.inspect(path)

    def inspect(self, where: str, shows_payload: bool = True) -> None:
        if self.page.evaluate("() => window.__xss !== undefined"):
            self.problems.append(f"{where}: a payload ran (window.__xss is set)")
        if injected := self.page.evaluate(INJECTED):
            self.problems.append(f"{where}: payload markup became elements: {injected}")
        if shows_payload and SCRIPT not in self.page.locator("body").text_content():
            self.problems.append(f"{where}: the payload is not shown as text")


# Driving the admin's forms as staff do.


def sign_in(page: Page, username: str) -> None:
    page.goto(reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")


def fill(page: Page, values: dict[str, str], prefix: str = "id_") -> None:
    for name, value in values.items():
        page.fill(f"#{prefix}{name}", value)


def name_and_slug(page: Page, field: str, value: str, slug: str) -> None:
    """The slug first, marked as changed, so that the admin's script does not
    fill it in from the name."""
    page.fill("#id_slug", slug)
    page.dispatch_event("#id_slug", "change")
    page.fill(f"#id_{field}", value)
    # The payloads' names resemble each other: each is a record of its own.
    if page.locator("#id_not_a_duplicate").count():
        page.check("#id_not_a_duplicate")


def choose(page: Page, field_id: str, search: str) -> None:
    """Pick a record in one of the admin's autocomplete fields: type, then click the match."""
    page.locator(f"#{field_id} + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=search).first.click()


def add_another(page: Page, group: str) -> None:
    page.locator(f"#{group}-group .add-row a").click()


def cite_in_inline(page: Page, row: int = 0) -> None:
    """Fill the citation inline's row: the payload source, quoting its payload."""
    choose(page, f"id_{CITATIONS}-{row}-source", "Payload source")
    prefix = f"id_{CITATIONS}-{row}-"
    fill(page, {"excerpt": EVERYTHING}, prefix)
    fill(page, {"note": typed(Citation, "note", "Note")}, prefix)


def alias_in_inline(page: Page, label: str, row: int = 0) -> None:
    fill(page, {"name": typed(Alias, "name", label), "language": SHORT}, f"id_{ALIASES}-{row}-")


def save(inspector: Inspector, model) -> None:
    """Check the form as filled (the autocomplete lists showed payloads), save,
    and check the change list the admin comes back to with its message."""
    page = inspector.page
    name = model._meta.model_name
    inspector.inspect(f"admin add form of {name}", shows_payload=False)
    with page.expect_navigation():
        page.click("input[name=_save]")
    errors = page.locator(".errornote, .errorlist").all_inner_texts()
    assert errors == [], f"the admin refused the {name}: {errors}"
    inspector.inspect(f"admin change list of {name} after adding")


def add_through_the_admin(inspector: Inspector) -> None:
    """One record of every kind through the admin's own forms (some as inlines)."""
    page = inspector.page

    page.goto(reverse("admin:talks_source_add"))
    name_and_slug(page, "title", typed(Source, "title", "Payload source"), "payload-source")
    fill(
        page,
        {
            "author": typed(Source, "author", "Author"),
            "publisher": typed(Source, "publisher", "Publisher"),
            "url": URL,
            "text": f"The record begins. {EVERYTHING} The record ends.",
            "note": typed(Source, "note", "Source note"),
        },
    )
    save(inspector, Source)

    for model in [Topic, Process]:
        label = f"Payload {model._meta.model_name}"
        page.goto(reverse(f"admin:talks_{model._meta.model_name}_add"))
        name_and_slug(page, "name", typed(model, "name", label), f"payload-{model._meta.model_name}")
        fill(page, {"description": typed(model, "description", f"{label} description")})
        save(inspector, model)

    page.goto(reverse("admin:talks_party_add"))
    name_and_slug(page, "name", typed(Party, "name", "Payload party A"), "payload-party-a")
    page.select_option("#id_kind", "coalition")
    fill(page, {"description": typed(Party, "description", "Party description")})
    alias_in_inline(page, "Party alias")
    cite_in_inline(page)
    save(inspector, Party)

    page.goto(reverse("admin:talks_place_add"))
    name_and_slug(page, "name", typed(Place, "name", "Payload place"), "payload-place")
    fill(page, {"country": typed(Place, "country", "Country")})
    fill(page, {"description": typed(Place, "description", "Place description")})
    alias_in_inline(page, "Place alias")
    cite_in_inline(page)
    save(inspector, Place)

    page.goto(reverse("admin:talks_person_add"))
    name_and_slug(page, "name", typed(Person, "name", "Payload person"), "payload-person")
    fill(page, {"description": typed(Person, "description", "Person description")})
    alias_in_inline(page, "Person alias")
    add_another(page, "posts")
    fill(page, {"title": typed(Post, "title", "Payload post")}, "id_posts-0-")
    cite_in_inline(page)
    save(inspector, Person)

    page.goto(reverse("admin:talks_talk_add"))
    name_and_slug(page, "name", typed(Talk, "name", "Payload talk"), "payload-talk")
    page.select_option("#id_process", str(Process.objects.get(slug="payload-process").pk))
    page.select_option("#id_status", "concluded")
    fill(page, {field: typed(Talk, field, field.title()) for field in ["summary", "venue", "city", "country"]})
    fill(page, {"start_date": "2017-03-01"})
    alias_in_inline(page, "Talk alias")
    cite_in_inline(page)
    save(inspector, Talk)

    page.goto(reverse("admin:talks_session_add"))
    choose(page, "id_talk", "Payload talk")
    fill(page, {"title": typed(Session, "title", "Payload session"), "sequence": "1", "start_date": "2017-03-02"})
    page.select_option("#id_kind", "plenary")
    fill(page, {"description": typed(Session, "description", "Session description")})
    save(inspector, Session)

    page.goto(reverse("admin:talks_milestone_add"))
    name_and_slug(page, "title", typed(Milestone, "title", "Payload milestone"), "payload-milestone")
    page.select_option("#id_kind", "agreement")
    fill(page, {"date": "2017-03-03", "description": typed(Milestone, "description", "Milestone description")})
    choose(page, "id_talk", "Payload talk")
    save(inspector, Milestone)

    page.goto(reverse("admin:talks_delegation_add"))
    choose(page, "id_talk", "Payload talk")
    choose(page, "id_party", "Payload party A")
    page.select_option("#id_role", "negotiating")
    fill(page, {"count_note": typed(Delegation, "count_note", "Count")})
    fill(page, {"description": typed(Delegation, "description", "Delegation description")})
    choose(page, "id_members-0-person", "Payload person")
    page.select_option("#id_members-0-role", "head")
    fill(page, {"note": typed(DelegationMember, "note", "Seat note")}, "id_members-0-")
    save(inspector, Delegation)

    page.goto(reverse("admin:talks_partymembership_add"))
    choose(page, "id_member", "Payload party A")
    choose(page, "id_organisation", "Payload party B")
    fill(page, {"note": typed(PartyMembership, "note", "Membership note")})
    save(inspector, PartyMembership)

    page.goto(reverse("admin:talks_position_add"))
    choose(page, "id_talk", "Payload talk")
    choose(page, "id_party", "Payload party A")
    choose(page, "id_topic", "Payload topic")
    page.select_option("#id_stance", "demands")
    fill(page, {"summary": typed(Position, "summary", "Summary"), "quote": typed(Position, "quote", "Quote")})
    save(inspector, Position)

    page.goto(reverse("admin:talks_claim_add"))
    choose(page, "id_subject", "Payload party A")
    fill(page, {"statement": typed(Claim, "statement", "Payload claim")})
    save(inspector, Claim)


def complete_through_the_orm() -> dict:
    """What the admin forms above left out: links between the records, so
    that each shows on every page it can, and a citation on each."""
    source = Source.objects.get(slug="payload-source")
    talk = Talk.objects.get(slug="payload-talk")
    party, other = Party.objects.get(slug="payload-party-a"), Party.objects.get(slug="payload-party-b")
    person = Person.objects.get(slug="payload-person")
    post = person.posts.get()
    session, delegation = talk.sessions.get(), talk.delegations.get()
    position, claim = talk.positions.get(), party.claims.get()

    Talk.objects.filter(pk=talk.pk).update(area=Place.objects.get(slug="payload-place"))
    talk.convened_by.add(party)
    talk.hosted_by.add(other)
    talk.mediated_by.add(party)
    delegation.components.add(other)
    Post.objects.filter(pk=post.pk).update(organisation=party)
    delegation.members.update(post=post)
    Position.objects.filter(pk=position.pk).update(session=session, speaker=person)
    session.parties.add(party, other)
    session.people.add(person)
    milestone = Milestone.objects.get(slug="payload-milestone")
    milestone.parties.add(party)
    milestone.topics.add(Topic.objects.get(slug="payload-topic"))
    second = Position.objects.create(
        talk=talk,
        party=other,
        topic=position.topic,
        stance="opposes",
        summary=typed(Position, "summary", "Other summary"),
        quote=typed(Position, "quote", "Other quote"),
    )
    conflicting = Claim.objects.create(subject=other, statement=typed(Claim, "statement", "Other claim"))
    claim.conflicts_with.add(conflicting)
    claim.held_by.add(other)

    facts = [
        talk.process,
        position.topic,
        session,
        milestone,
        delegation,
        delegation.members.get(),
        party.memberships.get(),
        position,
        second,
        claim,
        conflicting,
        post,
        other,
        *Alias.objects.filter(name__contains=SCRIPT),
    ]
    for fact in facts:
        Citation.objects.create(
            fact=fact,
            source=source,
            excerpt=EVERYTHING,
            note=typed(Citation, "note", "Note"),
        )
    # A fact from outside the stored sources shows its note in another way.
    Citation.objects.create(fact=talk, about=["start_date"], note=typed(Citation, "note", "Outside note"))
    return {"source": source, "party": party}


# The payload records' slugs, by the first segment of a page's address.
PAYLOAD_SLUGS = {
    "talks": "payload-talk",
    "parties": "payload-party-a",
    "people": "payload-person",
    "sources": "payload-source",
    "milestones": "payload-milestone",
    "places": "payload-place",
}


def reader_pages() -> list[str]:
    """Every page of the registry, showing the payload records where it shows
    one record, and with every filter parameter carrying the payload."""
    paths = []
    for page in HTML:
        path = page.pattern.format(PAYLOAD_SLUGS[page.pattern.split("/")[1]]) if page.pattern else page.path
        path, query = path.split("?", 1) if "?" in path else (path, "")
        if not query:  # a page that needs its query (search, compare) shows no record without one
            paths.append(path)
        if page.parameters:
            paths.append(f"{path}?" + "&".join(f"{name}={quote(EVERYTHING)}" for name in page.parameters))
    # Two payload parties side by side, and the search box as someone types a script.
    compare = BY_NAME["compare"].pattern.format("payload-talk")
    return [*paths, f"{compare}?a=payload-party-a&b=payload-party-b", f"/search/?q={quote(SCRIPT)}"]


ADMIN_MODELS = [
    Source,
    Topic,
    Process,
    Party,
    Alias,
    Citation,
    Person,
    Place,
    Post,
    Talk,
    Session,
    Milestone,
    Delegation,
    DelegationMember,
    PartyMembership,
    Position,
    Claim,
]


def admin_pages(records: dict) -> list[str]:
    """The admin's index (its recent actions name the records), each kind's
    change list and one payload record's change form, and the pages that list
    a record's related objects."""
    party = records["party"]
    pages = [reverse("admin:index")]
    for model in ADMIN_MODELS:
        name = model._meta.model_name
        changelist = reverse(f"admin:talks_{name}_changelist")
        if model is Citation:
            # More citations than fit on one page: only the payload source's.
            changelist += f"?source__id__exact={records['source'].pk}"
        pages += [changelist, reverse(f"admin:talks_{name}_change", args=[payload_record(model).pk])]
    return [
        *pages,
        reverse("admin:talks_party_delete", args=[party.pk]),
        reverse("admin:talks_party_history", args=[party.pk]),
        reverse("admin:talks_party_changelist") + f"?q={quote(SCRIPT)}",
    ]


def payload_record(model):
    """The newest record of a kind that carries a payload."""
    for record in model.objects.order_by("-pk"):
        values = [str(record), *(str(getattr(record, field.attname)) for field in model._meta.concrete_fields)]
        if any(SCRIPT in value for value in values):
            return record
    raise AssertionError(f"no {model._meta.verbose_name} carries a payload")


def fields_without_a_payload() -> list[str]:
    """Every free-text field of every kind of record that no payload reached."""
    missing = []
    for model in ADMIN_MODELS:
        for field in model._meta.concrete_fields:
            free_text = isinstance(field, CharField | TextField) and not isinstance(field, SlugField)
            if not (free_text and field.editable and not field.choices):
                continue
            if not model.objects.filter(**{f"{field.name}__contains": "__xss"}).exists():
                missing.append(f"{model.__name__}.{field.name}")
    return missing


def test_nothing_typed_into_the_admin_runs_on_any_page(new_context, django_user_model):
    django_user_model.objects.create_superuser("staff", password=PASSWORD)
    Party.objects.create(name=typed(Party, "name", "Payload party B"), slug="payload-party-b", kind="state")
    page = new_context(bypass_csp=True).new_page()
    inspector = Inspector(page)
    sign_in(page, "staff")

    add_through_the_admin(inspector)
    records = complete_through_the_orm()
    assert fields_without_a_payload() == []

    for path in reader_pages():
        inspector.visit(path)
    # An htmx swap puts markup into the page another way than a page load.
    page.goto("/timeline/")
    choose_filter(page, "party", "payload-party-a")
    inspector.inspect("/timeline/ after choosing the payload party")
    for path in admin_pages(records):
        inspector.visit(path)

    assert inspector.dialogs == []
    assert inspector.problems == [], "\n".join(inspector.problems)
