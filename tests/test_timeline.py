"""The timeline's entries follow every change to what they show, in the
same transaction, so that the next reader sees it; and rebuilding them from
the record gives the same entries."""

import datetime

import pytest
from django.urls import reverse

from talks import timeline
from talks.models import Citation, Milestone, Party, Position, Process, Session, Talk, TimelineEntry, Topic

from .builders import make_editor, make_party, make_topic

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Every entry with what readers see of it."""
    return {
        entry.anchor: (
            entry.kind,
            entry.status,
            entry.title,
            entry.start_date,
            entry.last_day,
            entry.first_year,
            entry.first_month,
            entry.talk_id,
            entry.process_id,
            entry.text,
            sorted(entry.parties.values_list("slug", flat=True)),
            entry.party_names,
            sorted(entry.topics.values_list("slug", flat=True)),
        )
        for entry in TimelineEntry.objects.all()
    }


def titles(**filters) -> list[str]:
    return list(TimelineEntry.objects.filter(**filters).values_list("title", flat=True))


def test_the_seed_has_an_entry_for_each_talk_session_and_milestone(seeded):
    assert TimelineEntry.objects.count() == Talk.objects.count() + Session.objects.count() + Milestone.objects.count()


def test_an_edit_in_the_admin_is_on_the_next_readers_timeline(client, seeded):
    session = Session.objects.get(talk__slug="astana-2017-01", sequence=1)
    editor = client
    editor.force_login(make_editor())
    url = reverse("admin:talks_session_change", args=[session.pk])
    form = editor.get(url).context["adminform"].form
    kept = {name: value for name, value in form.initial.items() if value is not None}
    data = kept | {
        "title": "Opening, as renamed",
        "talk": session.talk_id,
        "parties": [p.pk for p in session.parties.all()],
        "people": [p.pk for p in session.people.all()],
    }
    prefix = "talks-citation-content_type-object_id"
    data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    assert editor.post(url, data).status_code == 302
    editor.logout()
    assert "Opening, as renamed" in client.get("/timeline/").content.decode()


def test_entries_follow_changes_to_records_parties_topics_and_citations(seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    session = Session.objects.create(talk=talk, title="Late session", kind="plenary", sequence=9)
    assert "Late session" not in titles(), "a session without a source is a draft"

    Citation.objects.create(fact=session, note="From the public record.")
    assert "Late session" in titles()

    party = make_party(name="Newcomers", slug="newcomers")
    Citation.objects.create(fact=party, note="Public record.")
    session.parties.add(party)
    assert "Late session" in titles(parties=party)
    party.name = "Latecomers"
    party.save()
    entry = TimelineEntry.objects.get(anchor=f"session-{session.pk}")
    assert "latecomers" in entry.text
    assert ["newcomers", "Latecomers"] in entry.party_names

    topic = make_topic(name="prisoners", slug="prisoners")
    position = Position.objects.create(
        talk=talk, session=session, party=party, topic=topic, stance="demands", summary="Free them"
    )
    assert titles(topics=topic) == [], "a position without a source is a draft"
    Citation.objects.create(fact=position, note="Public record.")
    assert titles(topics=topic) == [], "and so is a topic"
    Citation.objects.create(fact=topic, note="Public record.")
    assert set(titles(topics=topic)) == {"Late session", talk.name}

    session.start_date = datetime.date(2017, 1, 24)
    session.save()
    assert TimelineEntry.objects.get(anchor=f"session-{session.pk}").start_date == datetime.date(2017, 1, 24)

    session.citations.all().delete()
    assert "Late session" not in titles()

    Milestone.objects.get(slug="ceasefire-2016-12-30").delete()
    assert not TimelineEntry.objects.filter(anchor="milestone-ceasefire-2016-12-30").exists()


def test_a_draft_party_joins_its_entries_when_a_citation_publishes_it_and_leaves_with_it(seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    session = Session.objects.get(talk=talk, sequence=1)
    milestone = Milestone.objects.filter(talk=talk).first()
    party = make_party(name="Quiet Observers", slug="quiet-observers")
    talk.convened_by.add(party)
    session.parties.add(party)
    milestone.parties.add(party)
    anchors = {f"talk-{talk.slug}", f"session-{session.pk}", f"milestone-{milestone.slug}"}

    def involving() -> set[str]:
        return set(TimelineEntry.objects.filter(parties=party).values_list("anchor", flat=True))

    def naming() -> set[str]:
        return set(TimelineEntry.objects.filter(text__contains="quiet observers").values_list("anchor", flat=True))

    assert involving() == naming() == set(), "a draft's name is on no entry, nor found by the timeline's text"
    citation = Citation.objects.create(fact=party, note="Public record.")
    assert involving() == naming() == anchors
    kept = snapshot()
    timeline.rebuild()
    assert snapshot() == kept
    citation.delete()
    assert involving() == naming() == set()


def test_a_talk_that_becomes_a_draft_takes_its_sessions_off_the_timeline(seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    talk.citations.all().delete()
    assert not TimelineEntry.objects.filter(talk=talk).exists()


def test_a_talks_entries_move_with_it_to_another_process_and_lose_a_deleted_one(seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    other = Process.objects.create(name="Geneva process", slug="geneva-process")
    talk.process = other
    talk.save()
    entries = TimelineEntry.objects.filter(talk=talk)
    assert entries.count() > 1
    assert set(entries.values_list("process", flat=True)) == {other.pk}
    other.delete()
    assert set(entries.values_list("process", flat=True)) == {None}


def test_rebuilding_gives_the_entries_that_the_changes_kept(seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    party = Party.objects.get(slug="egypt")
    talk.convened_by.add(party)
    talk.process = Process.objects.create(name="Geneva process", slug="geneva-process")
    talk.save()
    Topic.objects.filter(slug="ceasefire").update(name="truce")  # no signal: rebuild mends it
    topic = Topic.objects.get(slug="ceasefire")
    topic.save()
    kept = snapshot()
    timeline.rebuild()
    assert snapshot() == kept
