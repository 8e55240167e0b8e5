"""manage.py check_record: what a reader must never see, found in the record."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command

from talks.audit import problems
from talks.dates import DateQualifier
from talks.models import Citation, Delegation, Session, Talk

from .builders import cite, make_delegation, make_party, make_session, make_source, make_talk

pytestmark = pytest.mark.django_db


def check_record() -> str:
    """The command's report; it must fail, since each test breaks the record."""
    with pytest.raises(CommandError, match=r"The record has \d+ problem"):
        call_command("check_record")
    return "\n".join(str(problem) for problem in problems())


def test_the_seed_record_is_sound(seeded, capsys):
    call_command("check_record")
    assert "The record is sound" in capsys.readouterr().out


def sourced(fact, source=None):
    cite(fact, source or make_source(), "The talks opened in Astana")
    return fact


def test_a_fact_with_neither_citation_nor_note_is_found(db):
    sourced(make_talk(name="Sourced talks"))
    make_talk(name="Unsourced talks")
    report = check_record()
    assert "unsourced: talk “Unsourced talks”" in report
    assert "Sourced talks" not in report


def test_an_excerpt_no_longer_in_its_source_is_found(db):
    talk = sourced(make_talk())
    source = Citation.objects.get().source
    Source = type(source)
    Source.objects.filter(pk=source.pk).update(text="Something else altogether.")
    assert "excerpt: " in check_record()
    assert f"does not occur in the text of “{source}”" in check_record()
    assert talk


def test_a_citation_on_a_kind_of_record_that_cannot_carry_one_is_found(db):
    user = User.objects.create_user("someone")
    Citation.objects.create(content_type=ContentType.objects.get_for_model(User), object_id=user.pk, note="Hm.")
    assert "a user cannot carry a citation" in check_record()


def test_a_citation_of_a_record_that_is_gone_is_found(db):
    talk = sourced(make_talk())
    Talk.objects.filter(pk=talk.pk).delete()  # a queryset delete leaves generic relations behind
    Citation.objects.create(content_type=ContentType.objects.get_for_model(Talk), object_id=talk.pk, note="Gone.")
    assert f"it cites talk pk {talk.pk}, gone" in check_record()


def test_a_citation_about_a_field_the_fact_lacks_is_found(db):
    talk = make_talk()
    Citation.objects.create(fact=talk, note="Public record.", about=["colour"])
    assert "it is about colour, which a talk does not have" in check_record()


@pytest.mark.parametrize("status", [Talk.Status.CONCLUDED, Talk.Status.UNDER_WAY])
def test_talks_said_to_have_happened_on_dates_still_planned_are_found(db, status):
    sourced(make_talk(name="Contradicted talks", status=status, start_qualifier=DateQualifier.PLANNED))
    assert "status: talk “Contradicted talks”" in check_record()


def test_concluded_talks_with_an_end_still_expected_are_found(db):
    sourced(
        make_talk(
            name="Ended talks",
            status=Talk.Status.CONCLUDED,
            end_date=datetime.date(2017, 1, 24),
            end_qualifier=DateQualifier.EXPECTED,
        )
    )
    assert "it is concluded, but its end date is expected: 24 January 2017" in check_record()


def test_a_held_session_on_an_expected_date_is_found(db):
    talk = sourced(make_talk())
    session = make_session(talk=talk, status=Session.Status.HELD, start_date=datetime.date(2017, 1, 23))
    Session.objects.filter(pk=session.pk).update(start_qualifier=DateQualifier.EXPECTED)
    sourced(session)
    assert "it was held, but its start date is expected: 23 January 2017" in check_record()


def test_a_mediator_the_talk_does_not_list_as_mediating_is_found(db):
    talk = sourced(make_talk())
    un = sourced(make_party(name="United Nations"))
    sourced(make_delegation(talk=talk, party=un, role=Delegation.Role.MEDIATOR))
    assert "its role is mediator, but “mediated by” leaves out United Nations" in check_record()


def test_a_convener_whose_delegation_has_another_role_is_found(db):
    talk = sourced(make_talk())
    russia = sourced(make_party(name="Russia"))
    talk.convened_by.add(russia)
    sourced(make_delegation(talk=talk, party=russia, role=Delegation.Role.NEGOTIATING))
    assert "“convened by” lists Russia, but its delegation's role is negotiating party" in check_record()
