"""The seed data: every fact the source document states, each traceable to
a passage of it."""

import json

import pytest
from django.apps import apps
from django.conf import settings

from talks.models import (
    Alias,
    Citation,
    Claim,
    Delegation,
    FixtureLoad,
    Milestone,
    Party,
    Person,
    Position,
    Session,
    Source,
    Talk,
)
from talks.text import find_excerpt, fold

SEED = settings.SEEDS_DIR / "000_d6c37e90a5c18326.txt"
FIXTURES = sorted(settings.FIXTURE_DIR.glob("*.json"))


def fixture_records(model: str) -> list[dict]:
    return [
        record
        for path in FIXTURES
        for record in json.loads(path.read_text(encoding="utf-8"))
        if record["model"] == model
    ]


def verbatim(text: str, passage: str) -> bool:
    """Whether the passage is in the text in the text's own characters (line
    breaks aside): not only found, as an editor's copy may be, but as stored."""
    span = find_excerpt(text, passage)
    return span is not None and text[span[0] : span[1]].split() == passage.split()


def test_every_excerpt_in_the_fixtures_occurs_in_its_sources_text():
    texts = {record["pk"]: record["fields"]["text"] for record in fixture_records("talks.source")}
    citations = fixture_records("talks.citation")
    assert citations
    for citation in citations:
        fields = citation["fields"]
        if fields["source"] is None:
            continue
        assert fields["excerpt"].strip(), citation
        assert verbatim(texts[fields["source"]], fields["excerpt"]), f"citation pk={citation['pk']}"


def test_every_quote_is_verbatim_from_the_source():
    text = fixture_records("talks.source")[0]["fields"]["text"]
    for position in fixture_records("talks.position"):
        assert verbatim(text, position["fields"]["quote"]) or not position["fields"]["quote"], position["pk"]


def test_the_seed_source_is_the_document_in_seeds_word_for_word():
    (source,) = fixture_records("talks.source")
    assert source["fields"]["text"] == SEED.read_text(encoding="utf-8")
    assert source["fields"]["author"] == "Miguel"
    assert source["fields"]["publisher"] == ""
    assert source["fields"]["published_date"] is None
    assert "no publication date" in source["fields"]["note"]


pytestmark = pytest.mark.django_db

FACT_MODELS = [
    "party",
    "partymembership",
    "person",
    "post",
    "topic",
    "process",
    "talk",
    "session",
    "milestone",
    "delegation",
    "delegationmember",
    "position",
    "claim",
    "alias",
]


@pytest.mark.parametrize("model_name", FACT_MODELS)
def test_every_seeded_fact_carries_a_citation(seeded, model_name):
    model = apps.get_model("talks", model_name)
    uncited = model.objects.filter(citations__isnull=True)
    assert model.objects.exists()
    assert not uncited.exists(), list(uncited)


def test_facts_from_outside_the_source_say_so_and_quote_nothing(seeded):
    outside = Citation.objects.filter(source__isnull=True)
    assert outside.exists()
    assert not outside.exclude(excerpt="").exists()
    assert not outside.filter(note="").exists()
    talk = Talk.objects.get(slug="astana-2017-01")
    (date_note,) = [c for c in talk.citations.filter(source__isnull=True) if "start_date" in c.about]
    assert "23 January 2017" in date_note.note


def test_every_citation_is_about_fields_its_fact_shows_in_their_order(seeded):
    for citation in Citation.objects.all():
        citable = [name for name, _ in citation.fact_model.citable_fields()]
        assert citation.about == [name for name in citable if name in citation.about], f"citation pk={citation.pk}"


# Every fact that rests on an editor's note instead of an excerpt, as the
# README's "The seed data" lists them: (kind of fact, fact, what the note is about).
OUTSIDE_THE_ARTICLE = {
    ("process", "Astana process", ("name",)),
    ("talk", "Astana talks on Syria, January 2017", ("start_date",)),
    ("talk", "Astana talks on Syria, January 2017", ("end_date",)),
    ("talk", "Astana talks on Syria, January 2017", ("end_date", "status")),
    ("talk", "UN-mediated talks in Geneva, February 2017", ("start_date",)),
    ("session", "Astana talks on Syria, January 2017: Opening", ("start_date",)),
    ("session", "Astana talks on Syria, January 2017: Closed-door negotiations", ("start_date",)),
    ("milestone", "30 December ceasefire", ("date",)),
    ("delegation", "Russia at Astana talks on Syria, January 2017", ("role",)),
    ("delegation", "Iran at Astana talks on Syria, January 2017", ("role",)),
    ("delegation", "Turkey at Astana talks on Syria, January 2017", ("role",)),
    ("delegation", "United States at Astana talks on Syria, January 2017", ("role",)),
    ("delegation", "United Nations at Astana talks on Syria, January 2017", ("role",)),
    ("delegationmember", "Mohammad Aloush (head, Syrian opposition at Astana talks on Syria, January 2017)", ("role",)),
    ("party", "Free Syrian Army", ("kind",)),
}


def test_the_facts_from_outside_the_article_are_those_the_readme_lists(seeded):
    outside = Citation.objects.filter(source__isnull=True)
    spellings = {str(c.fact) for c in outside if c.fact_model is Alias}
    found = {(c.fact_model._meta.model_name, str(c.fact), tuple(c.about)) for c in outside if c.fact_model is not Alias}
    assert found == OUTSIDE_THE_ARTICLE
    readme = " ".join((settings.BASE_DIR / "README.md").read_text(encoding="utf-8").split())
    listed = readme.split("These rest on an editor's note instead of an excerpt:", 1)[1].split("`tests/", 1)[0]
    for words in ("year of every date", "23 January 2017", "concluded", "Astana process", "guarantors", "observers"):
        assert words in listed, words
    for words in ("Mohammad Aloush as head", "Free Syrian Army as an armed group", *sorted(spellings)):
        assert words in listed, words


def test_the_astana_talks_where_when_and_whose_initiative(seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    assert (talk.venue, talk.city, talk.country) == ("Rixos hotel", "Astana", "Kazakhstan")
    assert str(talk.start) == "23 January 2017"
    assert talk.status == "concluded"
    assert str(talk.end) == "24 January 2017"
    end = [c for c in talk.citations.all() if "end_date" in c.about]
    assert any("expected to carry through until 24 January" in c.excerpt for c in end)
    assert any(c.source_id is None and "ending on 24 January 2017" in c.note for c in end)
    assert set(talk.convened_by.values_list("name", flat=True)) == {"Russia", "Turkey", "Iran"}
    assert list(talk.hosted_by.values_list("name", flat=True)) == ["Kazakhstan"]


# What a talk's or session's status says has happened, its dates must not
# say is still to come (and the converse).
HAPPENED = {"concluded", "under_way", "held"}
TO_COME = {"expected", "planned"}


@pytest.mark.parametrize("model", [Talk, Session])
def test_no_status_contradicts_its_dates_qualifiers(seeded, model):
    for fact in model.objects.all():
        qualifiers = {fact.start_qualifier, fact.end_qualifier}
        if fact.status in HAPPENED:
            assert not qualifiers & TO_COME, f"{fact}: {fact.status} but {qualifiers}"
        if fact.status == "planned":
            assert fact.start_qualifier in TO_COME, f"{fact}: planned on a date stated as fact"


def test_the_astana_summary_cites_each_passage_it_restates(seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    summary = [c.excerpt for c in talk.citations.all() if "summary" in c.about]
    for words in ("Rixos Hotel", "Seven delegations", "opened the talks", "one table", "shot down", "24 January"):
        assert any(words in excerpt for excerpt in summary), words
    assert "shot down any attempt at direct negotiations" in talk.summary


SEVEN_DELEGATIONS = {
    "Syrian Government": ("negotiating", "Bashar Jaafari"),
    "Syrian opposition": ("negotiating", "Mohammad Aloush"),
    "Russia": ("guarantor", None),
    "Iran": ("guarantor", None),
    "Turkey": ("guarantor", None),
    "United States": ("observer", "George Krol"),
    "United Nations": ("observer", "Staffan de Mistura"),
}


def test_seven_delegations_with_their_roles_and_heads(seeded):
    delegations = Delegation.objects.filter(talk__slug="astana-2017-01").select_related("party")
    found = {}
    for delegation in delegations:
        head = delegation.members.filter(role="head").first()
        found[delegation.party.name] = (delegation.role, head.person.name if head else None)
    assert found == SEVEN_DELEGATIONS


# A delegation's role and the talk's lists say one thing: a mediator is in
# "mediated by", a convener or guarantor in "convened by", a host in
# "hosted by", and a listed party with a delegation has that role.
ROLE_LISTS = {"mediator": "mediated_by", "guarantor": "convened_by", "host": "hosted_by"}


def test_delegation_roles_agree_with_the_talks_lists(seeded):
    for talk in Talk.objects.all():
        roles = {d.party_id: d.role for d in talk.delegations.all()}
        for role, listed in ROLE_LISTS.items():
            parties = set(getattr(talk, listed).values_list("pk", flat=True))
            assert {p for p, r in roles.items() if r == role} <= parties, (talk, role)
            assert all(roles[p] == role for p in parties if p in roles), (talk, listed)


def test_the_un_is_at_astana_in_the_role_that_claims_least_and_mediates_only_in_geneva(seeded):
    un = Delegation.objects.get(talk__slug="astana-2017-01", party__slug="united-nations")
    (role,) = [c for c in un.citations.all() if "role" in c.about]
    assert role.source_id is None
    assert "observer" in role.note
    assert not Talk.objects.get(slug="astana-2017-01").mediated_by.exists()


def test_heads_sit_in_the_capacity_the_source_gives(seeded):
    heads = {
        seat.person.name: seat.post.title
        for seat in Delegation.objects.get(party__slug="syrian-government").members.all()
    }
    assert heads == {"Bashar Jaafari": "Permanent Representative of Syria to the United Nations"}
    krol = Person.objects.get(slug="george-krol").posts.get()
    assert (krol.title, krol.organisation.name) == ("Ambassador to Kazakhstan", "United States")


@pytest.mark.parametrize("party", ["russia", "iran", "turkey"])
def test_the_conveners_are_guarantors_only_on_the_public_records_word(seeded, party):
    delegation = Delegation.objects.get(talk__slug="astana-2017-01", party__slug=party)
    assert delegation.role == "guarantor"
    role = [c for c in delegation.citations.all() if "role" in c.about]
    assert any("the initiative led by Russia, Turkey, and Iran" in c.excerpt for c in role)
    assert any(c.source_id is None and "guarantor" in c.note for c in role)


def test_the_free_syrian_army_is_an_armed_group_on_the_public_records_word(seeded):
    fsa = Party.objects.get(slug="free-syrian-army")
    assert fsa.kind == "armed_group"
    (kind,) = [c for c in fsa.citations.all() if "kind" in c.about]
    assert kind.source_id is None
    assert "public record" in kind.note


def test_aloush_sits_in_no_capacity_the_article_does_not_give(seeded):
    seat = Delegation.objects.get(party__slug="syrian-opposition").members.get(person__slug="mohammad-aloush")
    assert seat.post is None
    assert seat.note == "a leading figure in the opposition"


def test_the_opposition_is_at_least_15_groups_with_its_named_components(seeded):
    opposition = Delegation.objects.get(party__slug="syrian-opposition")
    assert opposition.count_note == "at least 15 militant groups"
    assert set(opposition.components.values_list("name", flat=True)) == {
        "Jaish al-Mujahideen",
        "Faylaq al-Sham",
        "Free Syrian Army",
        "High Negotiations Committee",
    }
    spokesperson = opposition.members.get(role="spokesperson")
    assert spokesperson.person.name == "Yehya al-Aridi"


def test_aloush_was_a_former_hnc_negotiator_and_a_jaysh_al_islam_member(seeded):
    posts = {(post.organisation.name, post.former) for post in Person.objects.get(slug="mohammad-aloush").posts.all()}
    assert posts == {("High Negotiations Committee", True), ("Jaysh al-Islam", False)}


def test_the_terrorist_designation_is_recorded_on_both_groups_as_conflicting_claims(seeded):
    claims = Claim.objects.filter(statement__icontains="terrorist")
    assert set(claims.values_list("subject__name", flat=True)) == {"Jaish al-Mujahideen", "Jaysh al-Islam"}
    first, second = claims
    assert second in first.conflicts_with.all()
    assert first in second.conflicts_with.all()
    excerpts = {claim.subject.name: claim.citations.get().excerpt for claim in claims}
    assert "including Jaish al-Mujahideen" in excerpts["Jaish al-Mujahideen"]
    assert excerpts["Jaysh al-Islam"].startswith("The group is widely regarded as a terrorist group")


def test_the_opening_was_face_to_face_and_the_negotiations_behind_closed_doors(seeded):
    opening, closed = Session.objects.filter(talk__slug="astana-2017-01").order_by("sequence")
    assert (opening.kind, opening.format) == ("opening", "face_to_face")
    assert {"Nursultan Nazarbayev", "Kairat Abdrakhmanov"} <= set(opening.people.values_list("name", flat=True))
    assert (closed.kind, closed.format) == ("closed_door", "indirect")
    # The article's closed-door session follows the opening; "until 24
    # January" is said of the talks, not of this session.
    assert (str(closed.start), str(closed.end)) == ("23 January 2017", "")
    # "Will not be face-to-face" is the opposition spokesman's forecast, said
    # as his; the article's own voice says only that direct talks are unlikely.
    assert closed.get_format_display() == "not face-to-face"
    format_citations = [c for c in closed.citations.all() if "format" in c.about]
    assert any("will not be face-to-face" in c.excerpt and "forecast" in c.note for c in format_citations)
    assert any(c.excerpt.startswith("While direct talks") for c in format_citations)


@pytest.mark.parametrize(
    ("party", "topic", "stance", "words"),
    [
        ("syrian-opposition", "ceasefire", "supports", "ceasefire"),
        ("syrian-opposition", "negotiation-format", "opposes", "face-to-face"),
        ("syrian-government", "disarmament-and-amnesty", "demands", "amnesty"),
        ("kazakhstan", "political-settlement", "supports", "negotiations"),
        ("kazakhstan", "humanitarian-aid", "states", "$700,000"),
    ],
)
def test_each_sides_stated_position(seeded, party, topic, stance, words):
    position = Position.objects.get(party__slug=party, topic__slug=topic)
    assert position.stance == stance
    assert words in position.summary
    assert position.citations.filter(source__isnull=False).exists()
    if not position.speaker_id and party != "kazakhstan":
        # "would be on bolstering …", "would be insistent on …": the author's account.
        assert "The article\u2019s account" in position.citations.get().note


def test_the_30_december_ceasefire_was_brokered_by_turkey_and_russia(seeded):
    ceasefire = Milestone.objects.get(kind="ceasefire")
    assert str(ceasefire.when) == "30 December 2016"
    # "the ceasefire deal brokered by Turkey and Russia": the article's own
    # words name no other party; the government's signature is the
    # opposition spokesman's claim, said as his in the description.
    assert set(ceasefire.parties.values_list("name", flat=True)) == {"Turkey", "Russia"}
    (signed,) = [c for c in ceasefire.citations.all() if "what it signed" in c.excerpt]
    assert signed.about == ["description"]
    assert "his claim" in signed.note


def test_the_geneva_meeting_is_not_yet_held_on_an_expected_date_and_follows_astana(seeded):
    geneva = Talk.objects.get(slug="geneva-2017-02")
    # "It could then be followed by …": at most expected, not planned.
    assert geneva.status == "planned"
    assert str(geneva.start) == "expected: 8 February 2017"
    (status,) = [c for c in geneva.citations.all() if "status" in c.about]
    assert status.excerpt.startswith("It could then be followed")
    assert "could" in status.note
    assert geneva.follows.slug == "astana-2017-01"
    assert list(geneva.mediated_by.values_list("name", flat=True)) == ["United Nations"]


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("Aloush", "Mohammad Aloush"),
        ("Alloush", "Mohammad Aloush"),
        ("Steffan de Mistura", "Staffan de Mistura"),
        ("Ja'afari", "Bashar Jaafari"),
        ("bashar al jaafari", "Bashar Jaafari"),
        ("Jaish al-Islam", "Jaysh al-Islam"),
        ("Jaysh Al-Islam", "Jaysh al-Islam"),
        ("Faylak al-Sham", "Faylaq al-Sham"),
        ("Sham Faction", "Faylaq al-Sham"),
        ("Army of Mujahideen", "Jaish al-Mujahideen"),
    ],
)
def test_every_spelling_variant_leads_to_its_record(seeded, spelling, canonical):
    folded = fold(spelling)
    names = {str(alias.named) for alias in Alias.objects.filter(folded__contains=folded)}
    names |= set(Party.objects.filter(name__icontains=spelling).values_list("name", flat=True))
    names |= set(Person.objects.filter(name__icontains=spelling).values_list("name", flat=True))
    assert canonical in names


def test_the_ledger_records_each_fixture_file(seeded):
    assert set(FixtureLoad.objects.values_list("name", flat=True)) == {path.name for path in FIXTURES}
    assert Source.objects.count() == 1
