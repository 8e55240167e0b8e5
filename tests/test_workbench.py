"""The workbench's Read and cite page: a source's text, where a selected
passage cites a fact or makes one, and where a round of talks is entered."""

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from talks.models import (
    Alias,
    Citation,
    Claim,
    Delegation,
    DelegationMember,
    Milestone,
    Party,
    Person,
    Position,
    Post,
    Session,
    Source,
    Talk,
    Topic,
)
from talks.text import fold
from talks.workbench.reading import folded_with_origins

from .builders import cite, make_delegation, make_editor, make_party, make_person, make_source, make_talk, make_topic
from .test_security import inline_code

pytestmark = pytest.mark.django_db

ARTICLE = """Second round of Syria talks opens in Astana

The second round of talks on Syria opened on 15 February at the Rixos hotel in Astana.

The opening session brought the Syrian Government and the opposition to one table. A closed-door session followed on 16 February.

The Syrian Government delegation was headed by Bashar Jaafari, its Permanent Representative to the United Nations.

The opposition said it wants "a ceasefire that holds" before anything else. Its spokesman said the government hasn't committed to the ceasefire, and the ceasefire must hold."""  # noqa: E501

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "wb-form"}


class World:
    """A source and the records a round at it needs, made with the builders."""

    def __init__(self):
        self.source = make_source(title="Second round", text=ARTICLE, published_date=datetime.date(2017, 2, 15))
        self.talk = make_talk(name="Astana talks, second round", city="Astana", start_date=datetime.date(2017, 2, 15))
        self.government = make_party(name="Syrian Government", kind=Party.Kind.GOVERNMENT)
        self.opposition = make_party(name="Syrian opposition", kind=Party.Kind.COALITION)
        Alias.objects.create(named=self.opposition, name="the opposition")
        self.un = make_party(name="United Nations", kind=Party.Kind.INTERNATIONAL)
        self.jaafari = make_person(name="Bashar Jaafari")
        self.envoy = Post.objects.create(
            person=self.jaafari, organisation=self.government, title="Permanent Representative to the United Nations"
        )
        self.delegation = make_delegation(talk=self.talk, party=self.government)
        self.ceasefire = make_topic(name="ceasefire")

    @property
    def url(self) -> str:
        return reverse("admin:talks_source_workbench", args=[self.source.pk])

    def span(self, phrase: str, occurrence: int = 0) -> dict:
        start = [m.start() for m in re.finditer(re.escape(phrase), self.source.text)][occurrence]
        return {"start": start, "end": start + len(phrase)}


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """Making an editor hashes a password, and the default hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world():
    return World()


@pytest.fixture
def editor_client(client):
    client.force_login(make_editor())
    return client


def post(client, world: World, panel: str, phrase: str, occurrence: int = 0, **fields):
    data = {"panel": panel, "working": world.talk.pk, **world.span(phrase, occurrence), **fields}
    return client.post(world.url, data, **HTMX)


def assert_saved(response):
    assert response.status_code == 200
    assert "Made, each cited by the passage" in response.content.decode() or "Cited the passage for" in (
        response.content.decode()
    ), form_errors(response)


def form_errors(response) -> str:
    html = response.content.decode()
    return " | ".join(re.sub(r"<[^>]+>", " ", e) for e in re.findall(r'<ul class="errorlist[^"]*"[^>]*>.*?</ul>', html))


# Each kind of fact, made from a passage with its citation.

TALK = {
    "name": "Astana talks, third round",
    "status": "under_way",
    "venue": "Rixos hotel",
    "city": "Astana",
    "country": "Kazakhstan",
    "start_date": "2017-03-14",
    "start_precision": "day",
    "end_precision": "day",
}


def kinds(world: World) -> dict:
    """For each kind: the passage, and the fields an editor would send."""
    return {
        "talk": ("The second round of talks on Syria opened on 15 February", TALK),
        "session": (
            "A closed-door session followed on 16 February.",
            {"talk": world.talk.pk, "title": "Closed-door session", "kind": "closed_door", "format": "indirect"}
            | {"status": "held", "sequence": "2", "start_date": "2017-02-16", "start_precision": "day"},
        ),
        "milestone": (
            "a ceasefire that holds",
            {"title": "A ceasefire that holds", "kind": "ceasefire", "talk": world.talk.pk, "date_precision": "day"},
        ),
        "delegation": (
            "the opposition to one table",
            {"talk": world.talk.pk, "party": world.opposition.pk, "role": "negotiating"},
        ),
        "delegationmember": (
            "The Syrian Government delegation was headed by Bashar Jaafari",
            {"delegation": world.delegation.pk, "person": world.jaafari.pk, "role": "member", "post": world.envoy.pk},
        ),
        "post": (
            "its Permanent Representative to the United Nations",
            {"person": world.jaafari.pk, "title": "Permanent Representative", "organisation": world.government.pk}
            | {"start_precision": "day", "end_precision": "day"},
        ),
        "position": (
            'The opposition said it wants "a ceasefire that holds" before anything else.',
            {"talk": world.talk.pk, "party": world.opposition.pk, "topic": world.ceasefire.pk, "stance": "demands"}
            | {"summary": "A ceasefire that holds first", "date_precision": "day"},
        ),
        "claim": (
            "the government hasn't committed to the ceasefire",
            {"subject": world.government.pk, "statement": "has not kept the ceasefire"},
        ),
        "alias": ("Syrian Government", {"of": f"party-{world.government.pk}", "name": "Damascus", "kind": "variant"}),
        "party": ("Rixos hotel", {"name": "Rixos hotel", "kind": "political_body"}),
        "person": ("Its spokesman", {"name": "Ahmad Example"}),
    }


MODELS = {
    "talk": Talk,
    "session": Session,
    "milestone": Milestone,
    "delegation": Delegation,
    "delegationmember": DelegationMember,
    "post": Post,
    "position": Position,
    "claim": Claim,
    "alias": Alias,
    "party": Party,
    "person": Person,
}


@pytest.mark.parametrize("kind", MODELS)
def test_each_kind_of_fact_is_made_with_its_citation_of_the_selected_passage(editor_client, world, kind):
    model = MODELS[kind]
    before = set(model.objects.values_list("pk", flat=True))
    phrase, fields = kinds(world)[kind]
    response = post(editor_client, world, kind, phrase, **fields)
    assert_saved(response)
    made = model.objects.exclude(pk__in=before).get()
    citation = made.citations.get()
    span = world.span(phrase)
    assert citation.source == world.source
    assert (citation.start, citation.end) == (span["start"], span["end"])
    assert citation.excerpt == world.source.text[citation.start : citation.end] == phrase


def test_a_delegation_is_made_with_its_head_and_a_new_post_all_cited_in_one_step(editor_client, world):
    phrase = "The Syrian Government delegation was headed by Bashar Jaafari"
    other = make_talk(name="Geneva talks", city="Geneva")
    fields = {"talk": other.pk, "party": world.government.pk, "role": "negotiating", "head_person": world.jaafari.pk}
    response = post(editor_client, world, "delegation", phrase, **fields, head_post_title="Head of delegation")
    assert_saved(response)
    delegation = Delegation.objects.get(talk=other)
    head = delegation.members.get()
    assert (head.person, head.role, head.post.title) == (world.jaafari, "head", "Head of delegation")
    assert head.post.organisation == world.government
    for record in (delegation, head, head.post):
        assert record.citations.get().excerpt == phrase


def test_the_delegation_form_prefills_the_party_head_and_post_the_passage_names(editor_client, world):
    talk = make_talk(name="Geneva talks", city="Geneva")
    phrase = "The Syrian Government delegation was headed by Bashar Jaafari, its Permanent Representative"
    params = {"panel": "delegation", "working": talk.pk, **world.span(phrase)}
    html = editor_client.get(world.url, params, **HTMX).content.decode()
    assert selected(html, "talk") == str(talk.pk)
    assert selected(html, "party") == str(world.government.pk)
    assert selected(html, "role") == "negotiating"
    assert selected(html, "head_person") == str(world.jaafari.pk)
    assert selected(html, "head_post") == str(world.envoy.pk)


def selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no picker {name}"
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    return chosen.group(1) if chosen else None


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no picker {name}"
    return [value for value in re.findall(r'<option value="([^"]*)"', select.group(1)) if value]


@pytest.mark.parametrize(
    ("published", "status"),
    [("2017-02-17", "concluded"), ("2017-02-15", "under_way"), ("2017-02-01", "planned"), (None, "")],
)
def test_a_talk_is_prefilled_with_its_dates_and_the_status_its_source_could_give_them(
    editor_client, world, published, status
):
    world.source.published_date = published and datetime.date.fromisoformat(published)
    world.source.save()
    phrase = "The second round of talks on Syria opened on 15 February at the Rixos hotel in Astana."
    params = {"panel": "talk", "working": world.talk.pk, **world.span(phrase)}
    html = editor_client.get(world.url, params, **HTMX).content.decode()
    assert 'name="start_date" value="2017-02-15"' in html
    assert selected(html, "status") == status


def test_a_session_is_prefilled_from_its_passage_and_the_working_talk(editor_client, world):
    params = {
        "panel": "session",
        "working": world.talk.pk,
        **world.span("A closed-door session followed on 16 February"),
    }
    html = editor_client.get(world.url, params, **HTMX).content.decode()
    assert selected(html, "talk") == str(world.talk.pk)
    assert selected(html, "kind") == "closed_door"
    assert 'value="Closed-door session"' in html
    assert 'name="start_date" value="2017-02-16"' in html


def test_a_position_is_prefilled_with_the_party_topic_and_quote_the_passage_gives(editor_client, world):
    phrase = 'The opposition said it wants "a ceasefire that holds" before anything else.'
    html = editor_client.get(world.url, {"panel": "position", **world.span(phrase)}, **HTMX).content.decode()
    assert selected(html, "party") == str(world.opposition.pk)
    assert selected(html, "topic") == str(world.ceasefire.pk)
    assert selected(html, "stance") == "supports"
    assert re.search(r">\s*a ceasefire that holds</textarea>", html)


def test_a_position_on_a_new_topic_makes_the_topic_cited_too(editor_client, world):
    phrase = 'The opposition said it wants "a ceasefire that holds" before anything else.'
    fields = kinds(world)["position"][1] | {"topic": "", "new_topic": "sequencing"}
    assert_saved(post(editor_client, world, "position", phrase, **fields))
    topic = Topic.objects.get(name="sequencing")
    assert Position.objects.get(topic=topic).citations.get().excerpt == phrase
    assert topic.citations.get().excerpt == phrase


def test_a_party_person_or_other_name_is_prefilled_with_the_selected_name(editor_client, world):
    for panel in ("party", "person", "alias"):
        params = {"panel": panel, **world.span("Rixos hotel")}
        html = editor_client.get(world.url, params, **HTMX).content.decode()
        assert 'name="name" value="Rixos hotel"' in html, panel


# Citing a fact already in the record.


def test_a_passage_is_cited_for_the_chosen_fields_of_a_fact_already_in_the_record(editor_client, world):
    phrase = "opened on 15 February at the Rixos hotel in Astana"
    fields = {"fact_kind": "talk", "record": world.talk.pk, "about": ["start_date", "venue", "city"]}
    assert_saved(post(editor_client, world, "cite", phrase, **fields))
    citation = world.talk.citations.get()
    assert citation.about == ["start_date", "venue", "city"]
    assert citation.excerpt == phrase


def test_the_cite_pickers_offer_only_the_working_talks_sessions(editor_client, world):
    ours = Session.objects.create(talk=world.talk, title="Opening", kind="opening")
    theirs = Session.objects.create(talk=make_talk(), title="Elsewhere", kind="opening")
    params = {"panel": "cite", "working": world.talk.pk, "fact_kind": "session", "refresh": "1"}
    html = editor_client.get(world.url, params | world.span("Rixos hotel"), **HTMX).content.decode()
    assert options(html, "record") == [str(ours.pk)]
    assert str(theirs.pk) not in options(html, "record")
    assert re.findall(r'name="about" value="([^"]+)"', html) == [name for name, _ in Session.citable_fields()]


def test_the_cited_excerpt_is_the_selected_occurrence_of_a_repeated_phrase(editor_client, world):
    fields = {"fact_kind": "topic", "record": world.ceasefire.pk}
    assert_saved(post(editor_client, world, "cite", "the ceasefire", occurrence=1, **fields))
    citation = world.ceasefire.citations.get()
    assert citation.start == world.span("the ceasefire", occurrence=1)["start"]
    assert world.source.text[citation.start : citation.end] == citation.excerpt == "the ceasefire"


def test_an_excerpt_copied_with_curly_quotes_is_found_and_stored_as_the_source_writes_it(editor_client, world):
    found = editor_client.get(world.url, {"find": "government hasn\u2019t  committed"}, HTTP_HX_REQUEST="true")
    assert "the government hasn't committed" not in found.content.decode()  # only the words found
    assert "government hasn&#x27;t committed" in found.content.decode()
    data = {"panel": "cite", "find": "government hasn\u2019t  committed", "fact_kind": "party"}
    response = editor_client.post(world.url, data | {"record": world.government.pk}, **HTMX)
    assert_saved(response)
    citation = world.government.citations.get()
    assert citation.excerpt == "government hasn't committed"
    assert world.source.text[citation.start : citation.end] == citation.excerpt


def test_find_selects_the_next_match_after_the_selection_then_the_first_again(editor_client, world):
    first, second = world.span("the ceasefire"), world.span("the ceasefire", occurrence=1)
    state = editor_client.get(
        world.url, {"find": "the ceasefire"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="wb-selection"
    )
    assert f'name="start" value="{first["start"]}"' in state.content.decode()
    state = editor_client.get(
        world.url, {"find": "the ceasefire", "end": first["end"]}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="wb-selection"
    )
    assert f'name="start" value="{second["start"]}"' in state.content.decode()
    state = editor_client.get(
        world.url,
        {"find": "the ceasefire", "end": second["end"]},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="wb-selection",
    )
    assert f'name="start" value="{first["start"]}"' in state.content.decode()


def test_words_not_in_the_text_are_reported_with_where_they_leave_it(editor_client, world):
    response = editor_client.get(
        world.url, {"find": "The second round of talks on Iraq"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="wb-selection"
    )
    assert "is not in the text: the first 6 words match the source" in response.content.decode()


# Errors are the form's, and nothing is saved.


def assert_refused(response, message: str, *models):
    assert response.status_code == 200
    html = response.content.decode()
    assert "Made, each cited by the passage" not in html
    assert message in html.replace("&#x27;", "'").replace("&quot;", '"'), form_errors(response) or html[:2000]


def test_a_second_head_of_a_delegation_is_a_form_error_and_nothing_is_saved(editor_client, world):
    DelegationMember.objects.create(delegation=world.delegation, person=make_person(name="First Envoy"), role="head")
    fields = {"delegation": world.delegation.pk, "person": world.jaafari.pk, "role": "head", "post": world.envoy.pk}
    response = post(editor_client, world, "delegationmember", "headed by Bashar Jaafari", **fields)
    assert_refused(response, "This delegation already has a head.")
    assert world.delegation.members.count() == 1
    assert not Citation.objects.exists()


def test_a_head_from_another_party_is_a_form_error_and_nothing_is_saved(editor_client, world):
    fields = {"talk": world.talk.pk, "party": world.un.pk, "role": "observer", "head_person": world.jaafari.pk}
    response = post(editor_client, world, "delegation", "headed by Bashar Jaafari", **fields)
    assert_refused(response, "Bashar Jaafari holds posts only at Syrian Government, none at the parties")
    assert not Delegation.objects.filter(party=world.un).exists()
    assert not DelegationMember.objects.exists()
    assert not Citation.objects.exists()


def test_a_member_from_another_party_is_a_form_error_naming_why(editor_client, world):
    un = make_delegation(talk=world.talk, party=world.un, role="observer")
    fields = {"delegation": un.pk, "person": world.jaafari.pk, "role": "member"}
    response = post(editor_client, world, "delegationmember", "headed by Bashar Jaafari", **fields)
    assert_refused(response, "holds posts only at Syrian Government")
    assert not un.members.exists()


def test_a_look_alike_talk_is_refused_until_the_editor_says_it_is_another(editor_client, world):
    fields = TALK | {"name": "Astana talks second round", "start_date": "2017-02-15"}
    response = post(editor_client, world, "talk", "The second round of talks on Syria", **fields)
    assert_refused(response, "A talk like this is already in the record")
    assert not Talk.objects.filter(name=fields["name"]).exists()
    assert_saved(
        post(editor_client, world, "talk", "The second round of talks on Syria", **fields, not_a_duplicate="on")
    )
    assert Talk.objects.filter(name=fields["name"]).exists()


@pytest.mark.parametrize(("panel", "name"), [("party", "Syrian Governmnt"), ("person", "Bashar al-Jaafari")])
def test_a_look_alike_party_or_person_is_refused_until_the_editor_says_it_is_another(editor_client, world, panel, name):
    model = MODELS[panel]
    count = model.objects.count()
    fields = {"name": name, "kind": "government"}
    response = post(editor_client, world, panel, "Syrian Government", **fields)
    assert_refused(response, f"A {model._meta.verbose_name} like this is already in the record")
    assert model.objects.count() == count
    assert_saved(post(editor_client, world, panel, "Syrian Government", **fields, not_a_duplicate="on"))
    assert model.objects.count() == count + 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("10", "99999", "is not a passage of the text"),
        ("50", "40", "is not a passage of the text"),
        ("", "", "Select the passage that supports it first"),
        ("x", "12", "came without its place in the text"),
        ("43", "45", "holds only white space"),
    ],
)
def test_a_selection_that_is_not_a_passage_is_a_form_error_and_nothing_is_saved(
    editor_client, world, start, end, message
):
    data = {"panel": "party", "start": start, "end": end, "name": "Somebody new", "kind": "state"}
    assert_refused(editor_client.post(world.url, data, **HTMX), message)
    assert not Party.objects.filter(name="Somebody new").exists()
    assert not Citation.objects.exists()


def test_a_fact_the_model_refuses_is_a_form_error_in_the_panel(editor_client, world):
    fields = kinds(world)["session"][1] | {"start_date": "2017-02-16", "end_date": "2017-02-15"}
    fields |= {"sequence": "1"}
    Session.objects.create(talk=world.talk, title="Opening", kind="opening", sequence=1)
    response = post(editor_client, world, "session", "A closed-door session followed on 16 February.", **fields)
    assert_refused(response, "Another session of this talk already has this place in the order.")
    assert world.talk.sessions.count() == 1


# Who may use it.


def test_staff_without_the_editors_permissions_are_refused(client, world):
    client.force_login(User.objects.create_user("clerk", password="a-long-clerk-password", is_staff=True))
    assert client.get(world.url).status_code == 403
    assert client.post(world.url, {"panel": "party", **world.span("Rixos hotel"), "name": "X"}).status_code == 403
    assert not Party.objects.filter(name="X").exists()


def test_an_editor_who_may_only_read_sources_sees_the_text_but_may_make_nothing(client, world):
    reader = User.objects.create_user("reader", password="a-long-reader-password", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_source"))
    client.force_login(reader)
    page = client.get(world.url)
    assert page.status_code == 200
    assert 'name="panel" value="talk"' not in page.content.decode()
    response = client.post(world.url, {"panel": "talk", **world.span("Rixos hotel"), **TALK}, **HTMX)
    assert response.status_code == 403
    assert not Talk.objects.filter(name=TALK["name"]).exists()


def test_an_editor_who_may_add_parties_but_not_talks_is_offered_parties_only(client, world):
    editor = User.objects.create_user("partial", password="a-long-partial-password", is_staff=True)
    codenames = ["view_source", "add_party", "add_citation"]
    editor.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(editor)
    html = client.get(world.url).content.decode()
    assert re.findall(r'name="panel" value="([^"]+)"', html) == ["party", "cite"]
    assert client.get(world.url, {"panel": "talk"}, **HTMX).status_code == 403


def test_someone_signed_out_is_sent_to_the_admins_login_page(client, world):
    response = client.get(world.url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# The page.


def test_the_source_admin_links_to_read_and_cite(editor_client, world):
    change = editor_client.get(reverse("admin:talks_source_change", args=[world.source.pk])).content.decode()
    assert f'href="{world.url}">Read and cite</a>' in change
    listing = editor_client.get(reverse("admin:talks_source_changelist")).content.decode()
    assert f'href="{world.url}">Read and cite</a>' in listing


def test_save_and_read_and_cite_takes_a_new_source_to_the_workbench(editor_client, db):
    data = {"title": "A new article", "slug": "a-new-article", "text": "Talks opened.", "published_precision": "day"}
    data |= {"author": "", "publisher": "", "url": "", "note": "", "_read_and_cite": "Save and read and cite"}
    response = editor_client.post(reverse("admin:talks_source_add"), data)
    source = Source.objects.get(slug="a-new-article")
    assert response["Location"] == reverse("admin:talks_source_workbench", args=[source.pk])


class Chunks(HTMLParser):
    """The text pane's chunks: each element with a data-offset, and its text."""

    def __init__(self):
        super().__init__()
        self.chunks: list[tuple[int, str]] = []
        self.open: int | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "data-offset" in attributes:
            self.open = int(attributes["data-offset"])
            self.chunks.append((self.open, ""))

    def handle_endtag(self, tag):
        self.open = None

    def handle_data(self, data):
        if self.open is not None:
            start, text = self.chunks[-1]
            self.chunks[-1] = (start, text + data)


def chunks_of(html: str) -> list[tuple[int, str]]:
    pane = re.search(r'<div id="wb-text".*?</div>', html, re.S).group()
    parser = Chunks()
    parser.feed(pane)
    return parser.chunks


def test_the_texts_chunks_are_the_source_text_each_starting_where_its_offset_says(editor_client, seeded):
    source = Source.objects.get()
    html = editor_client.get(reverse("admin:talks_source_workbench", args=[source.pk])).content.decode()
    chunks = chunks_of(html)
    assert "".join(text for _, text in chunks) == source.text
    position = 0
    for start, text in chunks:
        assert start == position
        position += len(text)


def test_a_text_pasted_with_windows_line_ends_keeps_every_offset(editor_client, world):
    # A browser's parser reads "\r\n" as "\n"; the page writes "\r" as a reference it keeps.
    world.source.text = ARTICLE.replace("\n", "\r\n")
    world.source.save()
    html = editor_client.get(world.url).content.decode()
    assert "\r" not in re.search(r'<div id="wb-text".*?</div>', html, re.S).group()
    chunks = chunks_of(html)
    assert "".join(text for _, text in chunks) == world.source.text
    assert all(world.source.text.startswith(text, start) for start, text in chunks)


def test_cited_passages_are_marked_with_links_to_the_facts_they_support(editor_client, seeded):
    source = Source.objects.get()
    html = editor_client.get(reverse("admin:talks_source_workbench", args=[source.pk])).content.decode()
    passages = re.findall(r'<mark class="wb-passage"', html)
    assert len(passages) >= 20
    head = DelegationMember.objects.get(person__slug="bashar-jaafari")
    assert f'href="{reverse("admin:talks_delegationmember_change", args=[head.pk])}"' in html


def test_known_names_are_marked_under_any_of_their_names(editor_client, seeded):
    source = Source.objects.get()
    html = editor_client.get(reverse("admin:talks_source_workbench", args=[source.pk])).content.decode()
    marked = re.findall(r'<mark class="wb-name" data-offset="\d+" title="([^"]+)">([^<]+)</mark>', html)
    names = {spelling: record for record, spelling in marked}
    assert names["Steffan de Mistura"] == "person: Staffan de Mistura"
    assert names["Faylak al-Sham"] == "party: Faylaq al-Sham"
    assert names["bashar al jaafari"] == "person: Bashar Jaafari"
    assert names["US"] == "party: United States"
    assert names["Astana talks"] == "talk: Astana talks on Syria, January 2017"


def test_a_short_name_is_marked_only_as_it_is_spelled(editor_client, world):
    Alias.objects.create(named=world.un, name="UN")
    world.source.text = "The UN asked, and the talks let un-named envoys in."
    world.source.save()
    html = editor_client.get(world.url).content.decode()
    assert [text for _, text in chunks_of(html) if text.strip() == text and text.upper() == text] == ["UN"]
    assert re.findall(r'<mark class="wb-name" data-offset="\d+"[^>]*>([^<]+)</mark>', html) == ["UN"]


def test_a_name_is_marked_in_its_possessive_too(editor_client, world):
    world.source.text = "The opposition's delegation met the Syrian Government's."
    world.source.save()
    html = editor_client.get(world.url).content.decode()
    marked = re.findall(r'<mark class="wb-name" data-offset="\d+"[^>]*>([^<]+)</mark>', html)
    assert marked == ["The opposition", "Syrian Government"]


def test_folding_keeps_each_character_where_it_came_from():
    text = "Staffan  de Mistura\u2019s Ja'afari \u2014 Jaafari"
    folded, origins = folded_with_origins(text)
    assert folded == fold(text)
    assert text[origins[folded.index("jaafari")]] == "J"


def test_the_page_has_no_inline_script_or_style_and_every_id_once(editor_client, seeded):
    source = Source.objects.get()
    url = reverse("admin:talks_source_workbench", args=[source.pk])
    for params in ({}, {"panel": "delegation", "working": "1", "find": "headed by Bashar Jaafari"}):
        html = editor_client.get(url, params).content.decode()
        assert inline_code(html) == []
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_the_page_takes_as_many_queries_however_many_citations_its_source_has(editor_client, world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(world.url, {"working": world.talk.pk}).status_code == 200
        return len(captured)

    cite(world.talk, world.source, "Rixos hotel")
    cite(world.delegation, world.source, "Bashar Jaafari")
    queries()  # what a first request of a session does once (content types, the session's idle clock)
    few = queries()
    for number in range(12):
        cite(make_talk(name=f"Talks {number}"), world.source, "opened on 15 February")
        cite(make_delegation(talk=world.talk), world.source, "its Permanent Representative")
    assert Citation.objects.count() == 26
    assert queries() == few


# htmx: the panel, the swap after a save, the pickers that follow a choice.


def test_an_htmx_request_for_a_form_gets_the_panel_alone(editor_client, world):
    response = editor_client.get(world.url, {"panel": "session", **world.span("Rixos hotel")}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="wb-form"')
    assert "wb-text" not in html


def test_a_save_swaps_in_the_text_with_its_new_highlight_and_keeps_the_working_talk(editor_client, world):
    response = post(editor_client, world, "talk", "The second round of talks on Syria opened on 15 February", **TALK)
    html = response.content.decode()
    talk = Talk.objects.get(name=TALK["name"])
    assert '<div id="wb-text" class="wb-text" data-length="' in html
    assert re.search(r'<div id="wb-text"[^>]*hx-swap-oob="true"', html)
    assert re.search(r'<mark class="wb-passage" id="wb-passage-1"><span data-offset="\d+">The second round', html)
    assert f'href="{reverse("admin:talks_talk_change", args=[talk.pk])}"' in html
    assert parse_qs(urlparse(response["HX-Replace-Url"]).query)["working"] == [str(talk.pk)]
    assert f'<option value="{talk.pk}" selected>' in html


def test_choosing_the_head_reloads_the_posts_to_that_persons_own(editor_client, world):
    other = make_person(name="Another Envoy")
    theirs = Post.objects.create(person=other, organisation=world.un, title="Envoy")
    params = {"panel": "delegation", "refresh": "1", "head_person": other.pk, **world.span("Rixos hotel")}
    html = editor_client.get(world.url, params, **HTMX).content.decode()
    assert options(html, "head_post") == [str(theirs.pk)]
    assert "errorlist" not in html


def test_the_member_pickers_offer_only_who_may_sit_for_the_delegation(editor_client, world):
    stranger = make_person(name="A Stranger")
    Post.objects.create(person=stranger, organisation=world.un, title="Envoy")
    unattached = make_person(name="Nobody Yet")
    params = {"panel": "delegationmember", "working": world.talk.pk, "refresh": "1", "delegation": world.delegation.pk}
    html = editor_client.get(world.url, params | world.span("Rixos hotel"), **HTMX).content.decode()
    people = options(html, "person")
    assert str(world.jaafari.pk) in people
    assert str(unattached.pk) in people
    assert str(stranger.pk) not in people


def test_without_javascript_a_save_redirects_back_with_a_message(editor_client, world):
    data = {"panel": "party", **world.span("Rixos hotel"), "name": "Rixos Group", "kind": "political_body"}
    response = editor_client.post(world.url, data, follow=True)
    assert response.redirect_chain[-1][0].startswith(world.url)
    assert "Saved and cited: party “Rixos Group”" in response.content.decode()


def test_an_unknown_form_is_said_so_and_a_post_of_one_is_a_bad_request(editor_client, world):
    assert "There is no such form on the workbench" in editor_client.get(world.url, {"panel": "x"}).content.decode()
    assert editor_client.post(world.url, {"panel": "x"}).status_code == 400
