"""Migrations that change data: what they make of the rows already there."""

import importlib

import pytest

from talks.models import Delegation, DelegationMember, Milestone, Party, Person, Process, Session, Talk

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
