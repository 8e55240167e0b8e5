import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from talks.models import (
    Citation,
    DataVersion,
    Delegation,
    DelegationMember,
    FixtureLoad,
    FixtureRecord,
    Person,
    Position,
    Post,
    SearchEntry,
    Session,
    Talk,
    TimelineEntry,
)

from .builders import (
    SOURCE_TEXT,
    cite,
    make_delegation,
    make_editor,
    make_party,
    make_person,
    make_position,
    make_source,
    make_talk,
    make_topic,
)

pytestmark = pytest.mark.django_db

CITATIONS = "talks-citation-content_type-object_id"
ALIASES = "talks-alias-content_type-object_id"


def formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data |= {f"{prefix}-{index}-{name}": value for name, value in row.items()}
    return data


def talk_form(**overrides) -> dict:
    data = {
        "name": "Astana talks",
        "slug": "astana",
        "status": "concluded",
        "venue": "Rixos hotel",
        "city": "Astana",
        "country": "Kazakhstan",
        "start_date": "2017-01-23",
        "start_precision": "day",
        "start_qualifier": "",
        "end_date": "2017-01-24",
        "end_precision": "day",
        "end_qualifier": "expected",
    }
    return data | overrides


def inlines(sessions=(), delegations=(), citations=()) -> dict:
    return (
        formset("sessions", list(sessions))
        | formset("delegations", list(delegations))
        | formset(ALIASES, [])
        | formset(CITATIONS, list(citations))
    )


SESSION = {"sequence": "1", "title": "Opening", "kind": "opening", "format": "face_to_face", "status": "held"}


@pytest.fixture
def editor_client(client):
    client.force_login(make_editor())
    return client


def test_editor_adds_a_talk_with_a_session_a_delegation_and_a_citation(editor_client, source):
    government = make_party(name="Syrian Government")
    data = talk_form() | inlines(
        sessions=[SESSION | {"start_date": "2017-01-23", "start_precision": "day"}],
        delegations=[{"party": government.pk, "role": "negotiating", "count_note": ""}],
        citations=[{"source": source.pk, "excerpt": "The talks opened in Astana", "about": [], "note": ""}],
    )
    response = editor_client.post(reverse("admin:talks_talk_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    talk = Talk.objects.get(slug="astana")
    assert talk.sessions.get().title == "Opening"
    assert talk.delegations.get().party == government
    assert talk.citations.get().excerpt == "The talks opened in Astana"


def test_editor_adds_a_cited_position(editor_client, source):
    delegation = make_delegation()
    topic = make_topic(name="ceasefire")
    data = {
        "talk": delegation.talk.pk,
        "party": delegation.party.pk,
        "topic": topic.pk,
        "stance": "supports",
        "summary": "Bolster the ceasefire",
        "date_precision": "day",
        "quote": "",
    } | formset(CITATIONS, [{"source": source.pk, "excerpt": "wants the ceasefire to hold", "about": [], "note": ""}])
    response = editor_client.post(reverse("admin:talks_position_add"), data)
    assert response.status_code == 302
    position = Position.objects.get()
    assert position.citations.get().source == source


def assert_form_error(response, text: str):
    assert response.status_code == 200
    assert text in response.content.decode()


def test_talk_ending_before_it_starts_shows_an_error_and_saves_nothing(editor_client, source):
    data = talk_form(end_date="2017-01-20", end_qualifier="") | inlines(sessions=[SESSION])
    response = editor_client.post(reverse("admin:talks_talk_add"), data)
    assert_form_error(response, "The end date cannot be before the start date.")
    assert not Talk.objects.exists()
    assert not Session.objects.exists()


def test_session_ending_before_it_starts_shows_an_error_and_saves_nothing(editor_client):
    session = SESSION | {"start_date": "2017-01-24", "end_date": "2017-01-23"}
    response = editor_client.post(reverse("admin:talks_talk_add"), talk_form() | inlines(sessions=[session]))
    assert response.status_code == 200
    assert not Talk.objects.exists()


def test_excerpt_not_in_its_source_shows_an_error_and_saves_nothing(editor_client, source):
    citation = {"source": source.pk, "excerpt": "The talks collapsed in Geneva", "about": [], "note": ""}
    response = editor_client.post(reverse("admin:talks_talk_add"), talk_form() | inlines(citations=[citation]))
    assert_form_error(response, "This excerpt does not occur in the text of “A report”")
    assert not Talk.objects.exists()
    assert not Citation.objects.exists()


def test_citation_without_source_or_note_shows_an_error(editor_client, source):
    citation = {"source": "", "excerpt": "", "about": ["start_date"], "note": ""}
    response = editor_client.post(reverse("admin:talks_talk_add"), talk_form() | inlines(citations=[citation]))
    assert_form_error(response, "must say where this fact comes from")
    assert not Talk.objects.exists()


def test_duplicate_delegation_in_one_talk_form_shows_an_error_and_saves_nothing(editor_client):
    party = make_party()
    row = {"party": party.pk, "role": "negotiating", "count_note": ""}
    response = editor_client.post(reverse("admin:talks_talk_add"), talk_form() | inlines(delegations=[row, row]))
    assert response.status_code == 200
    assert "Please correct the duplicate data" in response.content.decode()
    assert not Talk.objects.exists()


def test_duplicate_delegation_added_on_its_own_shows_an_error_and_saves_nothing(editor_client):
    existing = make_delegation()
    data = {"talk": existing.talk.pk, "party": existing.party.pk, "role": "observer", "count_note": ""}
    data |= formset("members", []) | formset(CITATIONS, [])
    response = editor_client.post(reverse("admin:talks_delegation_add"), data)
    assert_form_error(response, "This party already has a delegation at this talk.")
    assert Delegation.objects.count() == 1


def test_oversized_text_shows_an_error_and_saves_nothing(editor_client):
    response = editor_client.post(reverse("admin:talks_talk_add"), talk_form(name="x" * 201) | inlines())
    assert_form_error(response, "Ensure this value has at most 200 characters")
    assert not Talk.objects.exists()


def test_impossible_date_shows_an_error_and_saves_nothing(editor_client):
    response = editor_client.post(reverse("admin:talks_talk_add"), talk_form(start_date="2017-02-30") | inlines())
    assert_form_error(response, "Enter a valid date.")
    assert not Talk.objects.exists()


def record_models() -> list:
    """The talks app's models, without the history's (which the admin shows
    on each record's history page) and what follows from the record, never
    edited: the timeline's and search's entries and the data version."""
    return [
        model
        for model in apps.get_app_config("talks").get_models()
        if not hasattr(model, "instance_type") and model not in (TimelineEntry, SearchEntry, DataVersion)
    ]


def test_every_record_type_is_in_the_admin():
    registered = set(admin.site._registry)
    assert set(record_models()) <= registered


def test_editor_can_open_every_list_and_add_page_of_the_record(editor_client, seeded):
    for model in record_models():
        if model in (FixtureLoad, FixtureRecord):
            continue
        name = model._meta.model_name
        assert editor_client.get(reverse(f"admin:talks_{name}_changelist")).status_code == 200, model
        assert editor_client.get(reverse(f"admin:talks_{name}_add")).status_code == 200, model


def test_the_fixture_ledgers_are_for_administrators_only(editor_client):
    assert editor_client.get(reverse("admin:talks_fixtureload_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:talks_fixturerecord_changelist")).status_code == 403


def test_editor_can_open_the_seed_talk_for_editing(editor_client, seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    response = editor_client.get(reverse("admin:talks_talk_change", args=[talk.pk]))
    assert response.status_code == 200
    assert "Rixos" in response.content.decode()


def test_editor_cannot_manage_users_or_groups(editor_client):
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_someone_not_staff_is_sent_to_the_login_page(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader", password="a-long-password-1"))
    response = client.get(reverse("admin:talks_talk_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        ("person", "Alloush", "Mohammad Aloush"),
        ("person", "Steffan", "Staffan de Mistura"),
        ("party", "Faylak", "Faylaq al-Sham"),
        ("party", "Jaish al-Islam", "Jaysh al-Islam"),
    ],
)
def test_admin_search_finds_records_by_alias(editor_client, seeded, model, query, expected):
    response = editor_client.get(reverse(f"admin:talks_{model}_changelist"), {"q": query})
    assert expected in response.content.decode()


def test_a_citations_about_is_a_checkbox_for_each_field_of_the_fact(editor_client):
    html = editor_client.get(reverse("admin:talks_talk_add")).content.decode()
    row = f"{CITATIONS}-0-about"
    boxes = re.findall(rf'<input type="checkbox" name="{row}" value="([^"]+)"', html)
    assert boxes == [name for name, _ in Talk.citable_fields()]
    assert "slug" not in boxes
    html = editor_client.get(reverse("admin:talks_position_add")).content.decode()
    assert "stance" in re.findall(rf'<input type="checkbox" name="{row}" value="([^"]+)"', html)


def test_editor_ticks_what_a_citation_supports(editor_client, source):
    citation = {"source": source.pk, "excerpt": "The talks opened in Astana", "about": ["city", "start_date"]}
    response = editor_client.post(reverse("admin:talks_talk_add"), talk_form() | inlines(citations=[citation]))
    assert response.status_code == 302
    assert Talk.objects.get().citations.get().about == ["start_date", "city"]


def test_a_citation_on_its_own_page_offers_its_facts_fields(editor_client, source):
    delegation = make_delegation()
    citation = Citation.objects.create(fact=delegation, source=source, excerpt="The talks opened", about=["role"])
    html = editor_client.get(reverse("admin:talks_citation_change", args=[citation.pk])).content.decode()
    boxes = re.findall(r'<input type="checkbox" name="about" value="([^"]+)"([^>]*)>', html)
    assert [name for name, _ in boxes] == [name for name, _ in Delegation.citable_fields()]
    assert [name for name, attributes in boxes if "checked" in attributes] == ["role"]
    changelist = editor_client.get(reverse("admin:talks_citation_changelist")).content.decode()
    assert "role" in changelist


def test_editors_see_the_records_health_from_the_admin_index_with_each_problem_linked(editor_client, seeded):
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert "Sound: nothing to mend" in index
    talk = Talk.objects.create(name="Talks nobody cited", slug="uncited", status="planned")
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert "1 problem to mend" in index
    assert "1 draft:" in index
    page = editor_client.get(reverse("admin:record_health")).content.decode()
    assert "Facts with neither a citation nor an editor&#x27;s note (1)" in page
    assert f'href="{reverse("admin:talks_talk_change", args=[talk.pk])}"' in page
    assert "Talks nobody cited" in page


def test_the_records_health_is_for_staff_only(client, seeded):
    response = client.get(reverse("admin:record_health"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# Errors, not crashes: each rule the database keeps is checked on the form first.


def delegation_form(delegation, members: list[dict]) -> dict:
    data = {"talk": delegation.talk.pk, "party": delegation.party.pk, "role": delegation.role, "count_note": ""}
    return data | formset("members", members) | formset(CITATIONS, [])


def test_two_heads_of_one_delegation_show_an_error_and_save_nothing(editor_client):
    delegation = make_delegation()
    first, second = make_person(name="First Envoy"), make_person(name="Second Envoy")
    rows = [{"person": person.pk, "role": "head", "post": "", "note": ""} for person in (first, second)]
    response = editor_client.post(
        reverse("admin:talks_delegation_change", args=[delegation.pk]), delegation_form(delegation, rows)
    )
    assert_form_error(response, "A delegation has one head, and First Envoy and Second Envoy are both marked head.")
    assert not DelegationMember.objects.exists()


def test_a_head_who_holds_posts_only_at_another_party_shows_an_error(editor_client):
    government, un = make_party(name="Syrian Government"), make_party(name="United Nations")
    official = make_person(name="Bashar Jaafari")
    Post.objects.create(person=official, organisation=government, title="Permanent Representative")
    delegation = make_delegation(party=un)
    row = {"person": official.pk, "role": "head", "post": "", "note": ""}
    response = editor_client.post(
        reverse("admin:talks_delegation_change", args=[delegation.pk]), delegation_form(delegation, [row])
    )
    assert_form_error(response, "Bashar Jaafari holds posts only at Syrian Government, none at the parties")
    assert not DelegationMember.objects.exists()


def test_a_member_of_a_component_group_may_sit_for_the_delegation(editor_client):
    opposition, committee = make_party(name="Opposition"), make_party(name="Negotiations Committee")
    negotiator = make_person(name="Chief Negotiator")
    post = Post.objects.create(person=negotiator, organisation=committee, title="Chief negotiator")
    delegation = make_delegation(party=opposition)
    delegation.components.add(committee)
    row = {"person": negotiator.pk, "role": "head", "post": post.pk, "note": ""}
    data = delegation_form(delegation, [row]) | {"components": [committee.pk]}
    response = editor_client.post(reverse("admin:talks_delegation_change", args=[delegation.pk]), data)
    assert response.status_code == 302
    assert delegation.members.get().person == negotiator


def test_the_citation_admin_offers_only_kinds_of_record_that_carry_citations(editor_client):
    html = editor_client.get(reverse("admin:talks_citation_add")).content.decode()
    kinds = html.split('name="content_type"', 1)[1].split("</select>", 1)[0]
    assert ">Talks | talk<" in kinds
    assert "| user<" not in kinds
    assert "| permission<" not in kinds


def test_a_citation_of_a_record_that_does_not_exist_shows_an_error(editor_client):
    kind = ContentType.objects.get_for_model(Talk)
    data = {"content_type": kind.pk, "object_id": "4242", "source": "", "excerpt": "", "note": "Public record."}
    response = editor_client.post(reverse("admin:talks_citation_add"), data)
    assert_form_error(response, "There is no talk with the id 4242: choose one that exists.")
    assert not Citation.objects.exists()


def test_an_excerpt_copied_with_curly_quotes_is_stored_as_its_source_writes_it(editor_client):
    source = make_source(text="The government hasn't committed until now, the spokesman said.")
    citation = {"source": source.pk, "excerpt": "government hasn\u2019t  committed", "about": [], "note": ""}
    response = editor_client.post(reverse("admin:talks_talk_add"), talk_form() | inlines(citations=[citation]))
    assert response.status_code == 302
    stored = Citation.objects.get()
    assert stored.excerpt == "government hasn't committed"
    assert source.text[stored.start : stored.end] == stored.excerpt


def test_an_excerpt_that_leaves_its_source_says_where(editor_client, source):
    citation = {"source": source.pk, "excerpt": "The talks opened in Geneva on Monday", "about": [], "note": ""}
    response = editor_client.post(reverse("admin:talks_talk_add"), talk_form() | inlines(citations=[citation]))
    assert_form_error(response, "the first 4 words match the source, up to “The talks opened in”; then the excerpt")
    assert not Talk.objects.exists()


def source_form(source, text: str) -> dict:
    data = {"title": source.title, "slug": source.slug, "text": text, "published_precision": "day"}
    return data | {"author": "", "publisher": "", "url": "", "note": ""}


def test_a_source_edit_that_would_orphan_a_citation_is_refused_naming_it(editor_client, source):
    talk = make_talk(name="Astana talks")
    cite(talk, source, "The talks opened in Astana")
    response = editor_client.post(
        reverse("admin:talks_source_change", args=[source.pk]), source_form(source, "Nothing of the kind happened.")
    )
    assert_form_error(response, "This change would leave 1 citation(s) quoting words the text no longer has")
    assert "“The talks opened in Astana” (talk “Astana talks”)" in response.content.decode()
    source.refresh_from_db()
    assert source.text == SOURCE_TEXT


def test_a_source_edit_that_keeps_the_passages_moves_their_marks_with_them(editor_client, source):
    citation = cite(make_talk(), source, "The talks opened in Astana")
    response = editor_client.post(
        reverse("admin:talks_source_change", args=[source.pk]), source_form(source, "Preface. " + SOURCE_TEXT)
    )
    assert response.status_code == 302
    citation.refresh_from_db()
    source.refresh_from_db()
    assert source.text[citation.start : citation.end] == "The talks opened in Astana"


# History: who changed what, with a revert.


def party_form(party, **changes) -> dict:
    data = {"name": party.name, "slug": party.slug, "kind": party.kind, "description": party.description}
    data |= formset(ALIASES, []) | formset("memberships", []) | formset(CITATIONS, [])
    return data | changes


def test_a_change_is_kept_in_the_records_history_with_who_and_what_and_can_be_reverted(editor_client, source):
    party = make_party(name="Egypt", description="A state.")
    cite(party, source, "The talks opened in Astana")
    url = reverse("admin:talks_party_change", args=[party.pk])
    assert editor_client.post(url, party_form(party, description="Edited by an editor.")).status_code == 302

    history = editor_client.get(reverse("admin:talks_party_history", args=[party.pk])).content.decode()
    assert "editor" in history
    assert "A state." in history
    assert "Edited by an editor." in history

    before = party.history.order_by("history_date").first()
    revert_url = reverse("admin:talks_party_simple_history", args=[party.pk, before.history_id])
    assert editor_client.get(revert_url).status_code == 200
    assert editor_client.post(revert_url, party_form(party, description="A state.")).status_code == 302
    party.refresh_from_db()
    assert party.description == "A state."
    assert party.history.count() == 3


def test_editors_may_read_the_history_but_not_write_it(editor_client):
    from django.contrib.auth.models import Group

    codenames = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert "view_historicalparty" in codenames
    assert not {"add_historicalparty", "change_historicalparty", "delete_historicalparty"} & codenames


# Drafts and look-alikes.


def test_saving_a_fact_without_a_source_says_it_is_a_draft(editor_client):
    response = editor_client.post(reverse("admin:talks_talk_add"), talk_form() | inlines(), follow=True)
    assert "so it is a draft: readers will not see it" in response.content.decode()
    assert Talk.objects.get().slug == "astana"


def test_adding_a_person_like_one_already_in_the_record_warns_until_the_editor_says_it_is_another(
    editor_client, seeded
):
    data = {"name": "Bashar al-Jafari", "slug": "bashar-al-jafari", "description": ""}
    data |= formset(ALIASES, []) | formset("posts", []) | formset(CITATIONS, [])
    response = editor_client.post(reverse("admin:talks_person_add"), data)
    assert_form_error(response, "A person like this is already in the record:")
    assert "Bashar Jaafari</a>" in response.content.decode()
    assert not Person.objects.filter(slug="bashar-al-jafari").exists()

    response = editor_client.post(reverse("admin:talks_person_add"), data | {"not_a_duplicate": "on"})
    assert response.status_code == 302
    assert Person.objects.filter(slug="bashar-al-jafari").exists()


def test_adding_talks_on_the_same_day_in_the_same_city_warns(editor_client, seeded):
    data = talk_form(name="Syria talks in Kazakhstan", slug="syria-kz", end_qualifier="") | inlines()
    response = editor_client.post(reverse("admin:talks_talk_add"), data)
    assert_form_error(response, "A talk like this is already in the record:")
    assert "Astana talks on Syria, January 2017</a>" in response.content.decode()


# Deleting: what readers would see change is refused or listed first.


def test_deleting_a_quoted_person_is_refused_and_the_page_lists_their_positions(editor_client):
    speaker = make_person(name="Mohammad Aloush")
    position = make_position(speaker=speaker, quote="We will not negotiate face to face.")
    url = reverse("admin:talks_person_delete", args=[speaker.pk])

    page = editor_client.get(url).content.decode()
    assert "would require deleting the following protected related objects" in page
    assert str(position) in page

    editor_client.post(url, {"post": "yes"})
    assert Person.objects.filter(pk=speaker.pk).exists()
    assert Position.objects.get(pk=position.pk).speaker == speaker


def test_deleting_a_post_a_delegate_sat_in_is_refused_and_the_page_lists_the_seat(editor_client):
    delegation = make_delegation()
    person = make_person()
    post = Post.objects.create(person=person, title="Envoy", organisation=delegation.party)
    seat = DelegationMember.objects.create(delegation=delegation, person=person, post=post)
    url = reverse("admin:talks_post_delete", args=[post.pk])

    page = editor_client.get(url).content.decode()
    assert "would require deleting the following protected related objects" in page
    assert str(seat) in page

    editor_client.post(url, {"post": "yes"})
    assert DelegationMember.objects.get(pk=seat.pk).post == post


def test_deleting_a_session_lists_the_positions_that_would_no_longer_name_it(editor_client):
    talk = make_talk()
    session = Session.objects.create(talk=talk, title="Closed doors", kind="closed_door")
    position = make_position(talk=talk, session=session)

    page = editor_client.get(reverse("admin:talks_session_delete", args=[session.pk])).content.decode()

    assert 'id="links-cut"' in page
    assert f"position “{position}” will no longer name its session" in page
    assert '<input type="submit"' in page


# Two editors on one record: the second save from an older form is refused.


def party_change_form(client, party) -> dict:
    """What the editor's browser would send back from the change form as it opened it."""
    response = client.get(reverse("admin:talks_party_change", args=[party.pk]))
    form = response.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if name != "member_of"}
    data |= {"name": party.name, "slug": party.slug, "kind": party.kind, "description": party.description}
    data |= formset(ALIASES, []) | formset("memberships", []) | formset(CITATIONS, [])
    assert 'name="opened_version"' in response.content.decode()
    return data


def test_a_save_from_a_form_opened_before_anothers_save_is_refused_and_shows_what_changed(client, django_user_model):
    party = make_party(name="Syrian opposition", slug="syrian-opposition", description="At least 15 groups.")
    alice, bob = Client(), Client()
    alice.force_login(make_editor("alice"))
    bob.force_login(make_editor("bob"))
    url = reverse("admin:talks_party_change", args=[party.pk])
    alices_form, bobs_form = party_change_form(alice, party), party_change_form(bob, party)

    assert alice.post(url, alices_form | {"description": "Fifteen armed groups."}).status_code == 302
    refused = bob.post(url, bobs_form | {"name": "The armed opposition"})

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "This party was changed by alice" in page
    assert "description: “At least 15 groups.” → “Fifteen armed groups.”" in page
    assert "Nothing was saved" in page
    party.refresh_from_db()
    assert (party.name, party.description) == ("Syrian opposition", "Fifteen armed groups.")

    # Having seen the change, Bob saves again from the form he was shown: now it goes through.
    again = refused.context["adminform"].form.data.copy()
    assert bob.post(url, again).status_code == 302
    party.refresh_from_db()
    assert party.name == "The armed opposition"


def test_a_save_from_an_up_to_date_form_goes_through(editor_client):
    party = make_party(description="Before")
    url = reverse("admin:talks_party_change", args=[party.pk])
    first = editor_client.post(url, party_change_form(editor_client, party) | {"description": "One"})
    assert first.status_code == 302
    party.refresh_from_db()
    second = editor_client.post(url, party_change_form(editor_client, party) | {"description": "Two"})
    assert second.status_code == 302
    party.refresh_from_db()
    assert party.description == "Two"


def test_a_conflict_on_a_talks_many_to_many_field_names_the_parties(client, source):
    talk = make_talk()
    russia, turkey = make_party(name="Russia"), make_party(name="Turkey")
    alice, bob = Client(), Client()
    alice.force_login(make_editor("alice"))
    bob.force_login(make_editor("bob"))
    url = reverse("admin:talks_talk_change", args=[talk.pk])
    base = talk_form(name=talk.name, slug=talk.slug, end_date="", end_qualifier="") | inlines()
    versions = {}
    for name, client_ in (("alice", alice), ("bob", bob)):
        response = client_.get(url)
        versions[name] = response.context["adminform"].form.initial["opened_version"]
    saved = alice.post(url, base | {"opened_version": versions["alice"], "convened_by": [russia.pk, turkey.pk]})
    assert saved.status_code == 302
    refused = bob.post(url, base | {"opened_version": versions["bob"], "status": "planned"})
    assert refused.status_code == 200
    assert "convened by: “” → “Russia, Turkey”" in refused.content.decode()
