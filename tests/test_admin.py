import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from talks.models import Citation, Delegation, FixtureLoad, Position, Session, Talk

from .builders import make_delegation, make_editor, make_party, make_topic

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


def test_every_record_type_is_in_the_admin():
    registered = set(admin.site._registry)
    assert set(apps.get_app_config("talks").get_models()) <= registered


def test_editor_can_open_every_list_and_add_page_of_the_record(editor_client, seeded):
    for model in apps.get_app_config("talks").get_models():
        if model is FixtureLoad:
            continue
        name = model._meta.model_name
        assert editor_client.get(reverse(f"admin:talks_{name}_changelist")).status_code == 200, model
        assert editor_client.get(reverse(f"admin:talks_{name}_add")).status_code == 200, model


def test_the_fixture_ledger_is_for_administrators_only(editor_client):
    assert editor_client.get(reverse("admin:talks_fixtureload_changelist")).status_code == 403


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
    page = editor_client.get(reverse("admin:record_health")).content.decode()
    assert "Facts with neither a citation nor an editor&#x27;s note (1)" in page
    assert f'href="{reverse("admin:talks_talk_change", args=[talk.pk])}"' in page
    assert "Talks nobody cited" in page


def test_the_records_health_is_for_staff_only(client, seeded):
    response = client.get(reverse("admin:record_health"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
