"""Migrations that change data: what they make of the rows already there."""

import datetime
import importlib

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from talks import search
from talks.models import (
    Citation,
    Delegation,
    DelegationMember,
    Milestone,
    Party,
    Person,
    Process,
    SearchEntry,
    Session,
    Talk,
    TimelineEntry,
)

from .builders import make_party, make_person, make_topic
from .seed import load_seed

about = importlib.import_module("talks.migrations.0003_citation_about_fields")


def fields_of(model) -> dict[str, str]:
    return {field.name: str(field.verbose_name) for field in [*model._meta.fields, *model._meta.many_to_many]}


@pytest.mark.parametrize(
    ("model", "text", "expected"),
    [
        (Talk, "venue, city, country", ["venue", "city", "country"]),
        (Talk, "start date", ["start_date"]),
        (Talk, "end date (year)", ["end_date"]),
        (Talk, "date (year)", ["start_date"]),
        (Talk, "convened by", ["convened_by"]),
        (Talk, "hosted by", ["hosted_by"]),
        (Talk, "status", ["status"]),
        (Session, "people: Nazarbayev", ["people"]),
        (Session, "format, parties", ["format", "parties"]),
        (Session, "date", ["start_date"]),
        (Session, "dates (start and year)", ["start_date", "end_date"]),
        (Milestone, "kind, date, parties (brokers)", ["kind", "date", "parties"]),
        (Milestone, "year", ["date"]),
        (Delegation, "count, component groups", ["count_note", "components"]),
        (Delegation, "role", ["role"]),
        (DelegationMember, "role (head)", ["role"]),
        (DelegationMember, "member, post", ["post"]),
        (Process, "name", ["name"]),
        (Person, "spelling of the name", ["name"]),
        (Delegation, "one of the seven delegations", []),
        (Delegation, "head", []),
        (Party, "regarded as terrorist", []),
        (Talk, "", []),
    ],
)
def test_free_text_about_becomes_the_field_names_it_meant(model, text, expected):
    assert about.fields_from_text(text, fields_of(model)) == expected


def test_field_names_go_back_to_text_when_the_migration_is_reversed():
    assert about.text_from_fields(["venue", "city", "country"]) == "venue, city, country"
    assert about.text_from_fields(["start_date"]) == "start date"
    assert about.text_from_fields([]) == ""


@pytest.mark.django_db(transaction=True)
def test_the_timelines_stored_periods_and_processes_are_filled_in_on_a_site_with_entries():
    # On PostgreSQL this once failed: rows updated in the migration that
    # added the process key left its checks pending ("pending trigger events").
    executor = MigrationExecutor(connection)
    before, after = [("talks", "0013_places")], [("talks", "0015_fill_timeline_overview")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    process = old.get_model("talks", "Process").objects.create(name="Astana process", slug="astana-process")
    talk = old.get_model("talks", "Talk").objects.create(
        name="Astana talks", slug="astana", folded="astana talks", process=process, status="concluded"
    )
    kind = old.get_model("contenttypes", "ContentType").objects.get_or_create(app_label="talks", model="talk")[0]
    old.get_model("talks", "TimelineEntry").objects.create(
        content_type=kind,
        object_id=talk.pk,
        kind="talk",
        status="held",
        title=talk.name,
        talk_id=talk.pk,
        anchor="talk-astana",
        url="/talks/astana/",
        start_date=datetime.date(2017, 1, 23),
        first_day=datetime.date(2017, 1, 23),
        last_day=datetime.date(2017, 1, 24),
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    entry = (
        executor.loader.project_state(after).apps.get_model("talks", "TimelineEntry").objects.get(anchor="talk-astana")
    )
    assert (entry.first_year, entry.first_month, entry.process_id) == (2017, datetime.date(2017, 1, 1), process.pk)
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_upgrading_remakes_a_timeline_that_linked_draft_parties_and_topics():
    load_seed()
    entry = TimelineEntry.objects.get(anchor="talk-astana-2017-01")
    draft_party, draft_topic = make_party(name="Quiet Observers", slug="quiet-observers"), make_topic(name="wells")
    # As the timeline was made before: every party and topic of the record, drafts too.
    TimelineEntry.parties.through.objects.create(timelineentry=entry, party=draft_party)
    TimelineEntry.topics.through.objects.create(timelineentry=entry, topic=draft_topic)
    TimelineEntry.objects.filter(pk=entry.pk).update(text=f"{entry.text} quiet observers")
    kept = set(TimelineEntry.objects.values_list("anchor", flat=True))
    call_command("migrate", "talks", "0015", verbosity=0)
    call_command("migrate", verbosity=0)
    entry = TimelineEntry.objects.get(anchor="talk-astana-2017-01")
    assert set(TimelineEntry.objects.values_list("anchor", flat=True)) == kept
    assert draft_party not in entry.parties.all()
    assert entry.parties.exists()
    assert draft_topic not in entry.topics.all()
    assert entry.topics.exists()
    assert "quiet observers" not in entry.text
    assert [[party.slug, party.name] for party in entry.parties.all()] == entry.party_names


@pytest.mark.django_db(transaction=True)
def test_search_entries_made_before_their_length_was_kept_are_given_it_and_still_found():
    load_seed()
    SearchEntry.objects.filter(kind="party").update(words="الطرف demo party")
    # Down: the index must still follow writes (on SQLite the table is made afresh each way).
    call_command("migrate", "talks", "0016", verbosity=0)
    old = (
        MigrationExecutor(connection).loader.project_state([("talks", "0016_timeline_published_links_and_names")]).apps
    )
    kind = old.get_model("contenttypes", "ContentType").objects.get(app_label="talks", model="person")
    made = old.get_model("talks", "SearchEntry").objects.create(
        content_type=kind, object_id=10**6, kind="person", title="Quill", url="/q/", words="fond of quillworts"
    )
    assert search.backend().counts(search.Terms(("quillworts",)), []) == {"person": 1}
    made.delete()
    call_command("migrate", verbosity=0)
    assert all(entry.words_length == len(entry.words) for entry in SearchEntry.objects.all())
    assert SearchEntry.objects.filter(kind="party", words_length=len("الطرف demo party")).exists()
    # Saved after the migration: the full-text index still follows every write.
    person = make_person(name="Alexander Lavrentyev", description="Russia's envoy, fond of quillworts.")
    Citation.objects.create(fact=person, note="From the editor's own reading.")
    assert [result.entry.url for result in search.find("quillworts")[:5]] == [person.get_absolute_url()]
