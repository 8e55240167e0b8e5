import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse, set_script_prefix

from talks.models import Alias, Citation, DelegationMember, PartyMembership, Talk, slug_url

from .builders import (
    SOURCE_TEXT,
    cite,
    make_delegation,
    make_party,
    make_person,
    make_session,
    make_talk,
)

pytestmark = pytest.mark.django_db


def test_alias_keeps_a_folded_name_for_searching():
    person = make_person(name="Bashar Jaafari")
    alias = Alias.objects.create(named=person, name="Bashar Ja'afari")
    assert alias.folded == "bashar jaafari"


def test_database_refuses_a_talk_that_ends_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_talk(start_date=datetime.date(2017, 1, 24), end_date=datetime.date(2017, 1, 23))


def test_clean_explains_an_end_before_the_start():
    session = make_session()
    session.start_date, session.end_date = datetime.date(2017, 1, 24), datetime.date(2017, 1, 23)
    with pytest.raises(ValidationError, match="cannot be before the start date"):
        session.full_clean()


def test_database_refuses_a_second_delegation_of_one_party_at_one_talk():
    delegation = make_delegation()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_delegation(talk=delegation.talk, party=delegation.party)


def test_database_refuses_two_heads_of_one_delegation():
    delegation = make_delegation()
    DelegationMember.objects.create(delegation=delegation, person=make_person(), role="head")
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegationMember.objects.create(delegation=delegation, person=make_person(), role="head")


def test_database_refuses_a_party_that_is_a_member_of_itself():
    party = make_party()
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyMembership.objects.create(member=party, organisation=party)


def test_citation_of_a_passage_in_its_source_is_valid(source):
    citation = cite(make_party(), source, "The opposition wants the ceasefire to hold.")
    citation.full_clean()


def test_citation_matches_across_a_line_break(source):
    citation = Citation(fact=make_party(), source=source, excerpt="on Monday.\n  The opposition")
    citation.full_clean()


def test_citation_whose_excerpt_is_not_in_its_source_is_refused_with_the_source_named(source):
    citation = Citation(fact=make_party(), source=source, excerpt="The government wants the ceasefire to hold.")
    with pytest.raises(ValidationError) as caught:
        citation.full_clean()
    assert "does not occur in the text of “A report”" in str(caught.value.message_dict["excerpt"])


def test_fact_from_outside_the_sources_needs_an_editors_note_and_no_excerpt(source):
    party = make_party()
    with pytest.raises(ValidationError, match="must say where this fact comes from"):
        Citation(fact=party).full_clean()
    with pytest.raises(ValidationError, match="needs its source"):
        Citation(fact=party, excerpt="made up").full_clean()
    Citation(fact=party, note="Public record: UN press release.").full_clean()


def test_database_refuses_a_citation_with_neither_excerpt_nor_note(source):
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(fact=make_party(), source=source, excerpt="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(fact=make_party(), source=None, note="")


def test_deleting_a_fact_deletes_its_citations(source):
    party = make_party()
    cite(party, source, SOURCE_TEXT[:20])
    party.delete()
    assert not Citation.objects.exists()


def test_a_month_precise_date_is_stored_as_the_first_of_the_month():
    talk = make_talk(start_date=datetime.date(2017, 1, 23), start_precision="month")
    talk.full_clean()
    assert talk.start_date == datetime.date(2017, 1, 1)
    assert str(talk.start) == "January 2017"


def test_delegation_member_post_must_be_held_by_that_member():
    member = make_person()
    other = make_person()
    post = other.posts.create(title="Ambassador")
    seat = DelegationMember(delegation=make_delegation(), person=member, post=post)
    with pytest.raises(ValidationError, match="post held by this person"):
        seat.full_clean()


def test_citation_about_one_of_the_facts_fields_is_valid(source):
    talk = make_talk()
    cite(talk, source, "The talks opened in Astana", about=["start_date", "city"]).full_clean()
    cite(talk, source, "The talks opened in Astana", about=[]).full_clean()


@pytest.mark.parametrize("name", ["start date", "when", "slug", "folded", "id", "start_precision", "citations"])
def test_citation_about_a_field_the_fact_does_not_show_is_refused_in_words_an_editor_reads(source, name):
    citation = Citation(fact=make_talk(), source=source, excerpt="The talks opened in Astana", about=[name])
    with pytest.raises(ValidationError) as caught:
        citation.full_clean()
    (message,) = caught.value.message_dict["about"]
    assert f"A talk has no “{name}” that a citation can support." in message
    assert "Choose from: start date, end date, name" in message
    assert "or none, if it supports the talk as a whole" in message


def test_citation_about_must_be_a_list_of_field_names(source):
    citation = Citation(fact=make_talk(), source=source, excerpt="The talks opened in Astana", about="start date")
    with pytest.raises(ValidationError, match="Choose which of the fact's fields"):
        citation.full_clean()


def test_an_alias_citation_cannot_be_about_the_link_to_what_it_names(source):
    alias = Alias.objects.create(named=make_person(), name="Alloush")
    assert [name for name, _ in Alias.citable_fields()] == ["name", "kind", "language", "start_date", "end_date"]
    with pytest.raises(ValidationError, match="has no “content_type”"):
        Citation(fact=alias, note="Public record.", about=["content_type"]).full_clean()


def test_a_date_covers_its_precision_and_qualifier():
    names = [name for name, _ in Talk.citable_fields()]
    assert "start_date" in names
    assert not [name for name in names if name.endswith(("_precision", "_qualifier"))]


def test_what_a_citation_is_about_reads_as_the_fields_labels(source):
    delegation = make_delegation()
    citation = cite(delegation, source, "The talks opened", about=["count_note", "components"])
    assert citation.about_label() == "count note; component groups"
    assert cite(delegation, source, "The talks opened").about_label() == ""


def test_citations_about_picks_by_field_and_the_whole_by_membership_not_by_substring(source):
    talk = make_talk()
    start = cite(talk, source, "The talks opened", about=["start_date"])
    end = cite(talk, source, "on Monday", about=["end_date"])
    whole = cite(talk, source, "The talks opened in Astana")
    assert talk.citations_about(["start_date"]) == [start]
    assert talk.citations_about(["start_date", "end_date"]) == [start, end]
    assert talk.citations_about(["start_date"], whole=True) == [start, whole]
    assert talk.citations_about(whole=True) == [whole]
    assert talk.citations_about() == [start, end, whole]
    assert talk.citations_about(["date"]) == []


@pytest.mark.parametrize("name", ["party", "person", "place", "source", "talk", "milestone"])
@pytest.mark.parametrize("prefix", ["/", "/parley/"])
def test_a_records_address_is_the_one_django_would_reverse_under_any_prefix(name, prefix):
    set_script_prefix(prefix)
    try:
        for slug in ("astana-2017-01", "a", "UN_2", "x-" * 40):
            assert slug_url(name, slug) == reverse(name, args=[slug])
        # What is not a slug is reversed, and refused, as before.
        with pytest.raises(NoReverseMatch):
            slug_url(name, "not a slug")
    finally:
        set_script_prefix("/")
