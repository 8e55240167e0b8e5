"""The whole record as Popolo-style JSON: exported, imported into an empty
database and exported again, the same to the byte; a bad file changes
nothing and says which record and field are at fault."""

import json
import sqlite3
from contextlib import closing

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from talks import popolo
from talks.loading import fixture_files, load_fixtures
from talks.models import Citation, Party, Talk, TimelineEntry

from .pages import ASTANA
from .test_deploy import manage, new_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(seeded) -> str:
    return popolo.export_record()


def test_a_round_trip_through_an_empty_database_gives_the_same_file(exported):
    popolo.clear()
    assert not popolo.has_record()
    popolo.import_record(exported)
    assert popolo.export_record() == exported


def test_the_file_is_popolo_style_with_partial_dates_nested_names_and_citations(exported):
    document = json.loads(exported)
    assert document["format"] == "parley-popolo/1"
    assert {"persons", "organizations", "memberships", "posts", "events", "positions", "claims", "sources"} <= set(
        document
    )
    events = {event["id"]: event for event in document["events"]}
    astana = next(event for event in events.values() if event.get("slug") == "astana-2017-01")
    assert astana["type"] == "talk"
    assert astana["start_date"] == "2017-01-23"
    geneva = next(event for event in events.values() if event.get("slug") == "geneva-2017-02")
    assert geneva["start_qualifier"] == "expected"
    opposition = next(party for party in document["organizations"] if party["slug"] == "syrian-opposition")
    assert opposition["classification"] == "coalition"
    assert all(citation["source_id"] or citation["note"] for citation in opposition["citations"])
    jaysh = next(party for party in document["organizations"] if party["slug"] == "jaysh-al-islam")
    assert "Jaish al-Islam" in [name["name"] for name in jaysh["other_names"]]


def test_the_moved_record_reads_as_it_did(client, exported):
    before = client.get(ASTANA).content.decode()
    popolo.clear()
    popolo.import_record(exported)
    assert TimelineEntry.objects.count() == 5
    assert client.get(ASTANA).content.decode() == before


def test_every_kind_of_record_is_in_the_file_or_is_derived():
    """A new kind of record must be added to the format (talks/popolo.py), or it would be lost in a move."""
    covered = {kind.model for kind in popolo.KINDS} | set(popolo.NESTED) | popolo.LEFT_OUT
    models = [m for m in apps.get_app_config("talks").get_models() if not hasattr(m, "instance_type")]
    assert [m.__name__ for m in models if m not in covered] == []


def damaged(exported: str, change) -> str:
    document = json.loads(exported)
    change(document)
    return json.dumps(document)


def assert_refused(text: str, *messages: str, replace: bool = True) -> None:
    before = (Party.objects.count(), Talk.objects.count(), Citation.objects.count(), popolo.export_record())
    with pytest.raises(popolo.ImportProblem) as refused:
        popolo.import_record(text, replace=replace)
    for message in messages:
        assert message in str(refused.value), str(refused.value)
    after = (Party.objects.count(), Talk.objects.count(), Citation.objects.count(), popolo.export_record())
    assert after == before, "a refused file changed the record"


def test_an_excerpt_missing_from_its_source_names_the_citation_and_changes_nothing(exported):
    def change(document):
        document["positions"][0]["citations"][0]["excerpt"] = "Words the article never says."

    text = damaged(exported, change)
    assert_refused(text, "positions[0] (position-", "citations[0] (citation-", "excerpt: This excerpt does not occur")


def test_a_reference_to_no_record_and_an_impossible_date_are_both_named_before_anything_is_written(exported):
    def change(document):
        document["positions"][1]["party_id"] = "party-999"
        document["events"][0]["start_date"] = "2017-02-30"
        document["organizations"][0]["colour"] = "red"

    assert_refused(
        damaged(exported, change),
        "positions[1] (position-",
        "party_id: there is no party “party-999” in the file",
        "events[0] (talk-1): start_date: “2017-02-30” is not a date that exists",
        "organizations[0] (party-",
        "colour: is not a field of a party",
    )


def test_a_value_the_model_refuses_names_record_and_field(exported):
    def change(document):
        document["organizations"][2]["classification"] = "empire"

    assert_refused(
        damaged(exported, change), "organizations[2] (party-", "classification: Value 'empire' is not a valid choice"
    )


def test_two_records_with_one_id_are_refused(exported):
    def change(document):
        document["persons"][1]["id"] = document["persons"][0]["id"]

    assert_refused(damaged(exported, change), "persons[1]: id: “person-")


def test_a_database_that_holds_a_record_is_left_alone_without_replace(exported):
    assert_refused(exported, "already holds a record", replace=False)


def test_a_file_that_is_not_the_format_is_refused(exported):
    assert_refused("[]", "the file: must hold a JSON object")
    assert_refused("{", "the file: is not JSON")
    assert_refused(json.dumps({"format": "other"}), "format: must be “parley-popolo/1”")


def test_the_commands_export_and_import_with_replace(tmp_path, exported):
    path = tmp_path / "record.json"
    call_command("export_record", output=path, verbosity=0)
    assert path.read_text() == exported
    call_command("import_record", str(path), replace=True, verbosity=0)
    assert popolo.export_record() == exported
    path.write_text(exported.replace('"classification": "state"', '"classification": "empire"', 1))
    with pytest.raises(CommandError) as refused:
        call_command("import_record", str(path), replace=True, verbosity=0)
    assert str(refused.value).startswith("Nothing was imported.\norganizations[")


@pytest.mark.slow
def test_moving_the_record_between_sites_by_one_export_and_one_import(tmp_path, postgres_databases):
    """From a SQLite site to a new PostgreSQL one, with manage.py as an operator runs it."""
    here = new_site(tmp_path / "here.sqlite3")
    with closing(sqlite3.connect(tmp_path / "here.sqlite3")) as db, db:
        db.execute("UPDATE talks_party SET description = 'Edited before the move.' WHERE slug = 'egypt'")
    record = tmp_path / "record.json"
    manage(here, "export_record", "--output", str(record), "-v0")
    there = postgres_databases("parley_open_move")
    manage(there, "migrate", "--no-input", "-v0")
    manage(there, "import_record", str(record), "-v0")
    assert manage(there, "export_record") == record.read_text()
    assert "Edited before the move." in record.read_text()
    # The site keeps working: what staff add next does not collide with a moved key.
    manage(
        there,
        "shell",
        "-c",
        "from talks.models import Party; Party.objects.create(name='New', slug='new', kind='state')",
    )


def test_a_moved_record_keeps_which_records_the_fixtures_brought_so_loading_them_again_adds_nothing(exported):
    popolo.clear()
    popolo.import_record(exported)
    report = load_fixtures(fixture_files(django_settings.FIXTURE_DIR))
    assert report.added == 0
