"""Filters for the reader's list pages.

A filter is a form bound to request.GET. Only its valid fields are applied;
a value that does not fit (an unknown slug, an impossible date, a parameter
given twice, a choice outside what the page shows) is left out and reported
to the reader, never raised.

Each filtering field `name` of a filter has its own methods:
- `filter_<name>(items, value)`: the items that pass;
- `describe_<name>(value)`: the words that say so ("involving Russia");
- `facet_<name>(items)`, for the fields shown as facets: how many items each
  value has, as a Counter of (value, label) pairs.
A view that shows only part of the record narrows the choices before the form
validates, by passing what it shows to the constructor (see `narrow`).
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.http import QueryDict

from .models import Party, Position, Process, Talk, Topic
from .timeline import Entry

MAX_TEXT = 200


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    # The query-string change this value's link makes: choose it, or, when
    # it is chosen already, drop it.
    params: dict


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue]


def slug_choice(queryset, label: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=queryset,
        to_field_name="slug",
        required=False,
        label=label,
        empty_label=f"Any {label.lower()}",
        error_messages={"invalid_choice": f"there is no {label.lower()} “%(value)s”"},
    )


def stated_at(talk: Talk):
    """The positions readers see at a talk."""
    return Position.objects.published().filter(talk=talk)


def narrow_choice(field: forms.ModelChoiceField, queryset, message: str) -> None:
    field.queryset = queryset
    field.error_messages["invalid_choice"] = message


class FilterForm(forms.Form):
    """The common behaviour of the filters: report, don't raise; say in
    words what is applied; count what each value would give."""

    # What is filtered, in the singular and the plural.
    noun = ("item", "items")

    def __init__(self, data: QueryDict, **scope):
        super().__init__(data)
        self.narrow(**scope)

    def narrow(self, **scope) -> None:
        """Limit the choices to what the page shows, before validation."""

    def clean(self):
        cleaned_data = super().clean()
        for name in self.fields:
            if len(self.data.getlist(name)) > 1:
                self.add_error(name, "it was given more than once")
        return cleaned_data

    @cached_property
    def applied(self) -> dict:
        """The valid, non-empty values, in the order of the fields."""
        self.is_valid()  # validates, once; what failed is in self.errors
        return {
            name: self.cleaned_data[name] for name in self.fields if self.cleaned_data.get(name) not in (None, "", [])
        }

    def ignored(self) -> list[str]:
        """What was left out, in words, for the notice above the results."""
        notes = []
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = field.label if field else "filter"
            value = self.data.get(name, "")
            shown = f" “{value[:40]}{'…' if len(value) > 40 else ''}”" if value and name != "__all__" else ""
            reasons = "; ".join(error.rstrip(".") for error in errors)
            notes.append(f"The {label.lower()} filter{shown} was ignored: {reasons[:1].lower()}{reasons[1:]}.")
        return notes

    def query(self) -> QueryDict:
        """The applied filters as a query string: the page's canonical URL."""
        query = QueryDict(mutable=True)
        for name in self.applied:
            query[name] = self.data[name]
        return query

    def filter(self, items: Iterable, skip: str = "") -> list:
        """The items that pass every applied filter but `skip`."""
        items = list(items)
        for name, value in self.applied.items():
            if name != skip:
                items = getattr(self, f"filter_{name}")(items, value)
        return items

    def describe(self, count: int) -> str:
        """'Showing 3 entries involving Russia on ceasefire.'"""
        words = [f"{count} {self.noun[0] if count == 1 else self.noun[1]}"]
        words += [getattr(self, f"describe_{name}")(value) for name, value in self.applied.items()]
        return "Showing " + " ".join(words) + "."

    def facet_counts(self, items: list) -> list[Facet]:
        """For each facet, how many items each of its values would give with
        every other filter kept as it is."""
        facets = []
        for name, field in self.fields.items():
            count_values = getattr(self, f"facet_{name}", None)
            if count_values is None:
                continue
            counts: Counter = count_values(self.filter(items, skip=name))
            current = self.data.get(name) if name in self.applied else None
            values = [
                FacetValue(value, label, count, value == current, {name: value if value != current else None})
                for (value, label), count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0][1]))
            ]
            for value in values:
                value.params["page"] = None
            facets.append(Facet(name, field.label, values))
        return facets


def _day(date: datetime.date) -> str:
    return f"{date.day} {date:%B %Y}"


class TimelineFilter(FilterForm):
    # In the order the summary reads: "Showing 2 opening sessions that are held at the Astana talks…"
    kind = forms.ChoiceField(required=False, label="Kind", choices=[("", "Any kind"), *Entry.KINDS.items()])
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Any status"), *Entry.STATUSES])
    talk = slug_choice(Talk.objects.published(), "Talk")
    party = slug_choice(Party.objects.published(), "Party")
    topic = slug_choice(Topic.objects.published(), "Topic")
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(required=False, label="Text", max_length=MAX_TEXT, strip=True)

    noun = ("entry", "entries")

    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("start"), cleaned_data.get("end")
        if start and end and end < start:
            self.add_error("end", "it is before the “from” date")
        return cleaned_data

    def filter_kind(self, entries: list[Entry], kind: str) -> list[Entry]:
        return [entry for entry in entries if entry.kind == kind]

    def describe_kind(self, kind: str) -> str:
        return f"of kind “{Entry.KINDS[kind]}”"

    def facet_kind(self, entries: list[Entry]) -> Counter:
        return Counter((entry.kind, entry.kind_label) for entry in entries)

    def filter_status(self, entries: list[Entry], status: str) -> list[Entry]:
        return [entry for entry in entries if entry.status == status]

    def describe_status(self, status: str) -> str:
        return f"that are {dict(Entry.STATUSES)[status].lower()}"

    def facet_status(self, entries: list[Entry]) -> Counter:
        return Counter((entry.status, dict(Entry.STATUSES)[entry.status]) for entry in entries)

    def filter_talk(self, entries: list[Entry], talk: Talk) -> list[Entry]:
        return [entry for entry in entries if entry.talk is not None and entry.talk.pk == talk.pk]

    def describe_talk(self, talk: Talk) -> str:
        return f"at the {talk}"

    def facet_talk(self, entries: list[Entry]) -> Counter:
        return Counter((entry.talk.slug, entry.talk.name) for entry in entries if entry.talk)

    def filter_party(self, entries: list[Entry], party: Party) -> list[Entry]:
        return [entry for entry in entries if any(p.pk == party.pk for p in entry.parties)]

    def describe_party(self, party: Party) -> str:
        return f"involving {party}"

    def facet_party(self, entries: list[Entry]) -> Counter:
        return Counter((party.slug, party.name) for entry in entries for party in entry.parties)

    def filter_topic(self, entries: list[Entry], topic: Topic) -> list[Entry]:
        return [entry for entry in entries if any(t.pk == topic.pk for t in entry.topics)]

    def describe_topic(self, topic: Topic) -> str:
        return f"on {topic}"

    def facet_topic(self, entries: list[Entry]) -> Counter:
        return Counter((topic.slug, topic.name) for entry in entries for topic in entry.topics)

    def filter_start(self, entries: list[Entry], start: datetime.date) -> list[Entry]:
        return [entry for entry in entries if entry.last_day is not None and entry.last_day >= start]

    def describe_start(self, start: datetime.date) -> str:
        return f"from {_day(start)}"

    def filter_end(self, entries: list[Entry], end: datetime.date) -> list[Entry]:
        return [entry for entry in entries if entry.first_day is not None and entry.first_day <= end]

    def describe_end(self, end: datetime.date) -> str:
        return f"until {_day(end)}"

    def filter_q(self, entries: list[Entry], text: str) -> list[Entry]:
        return [entry for entry in entries if entry.matches(text)]

    def describe_q(self, text: str) -> str:
        return f"mentioning “{text}”"


class TalkFilter(FilterForm):
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Any status"), *Talk.Status.choices])
    year = forms.IntegerField(required=False, label="Year", min_value=1900, max_value=2100)
    place = forms.CharField(required=False, label="Place", max_length=MAX_TEXT)
    party = slug_choice(Party.objects.published(), "Party")
    process = slug_choice(Process.objects.published(), "Process")

    noun = ("talk", "talks")

    def filter_status(self, talks: list[Talk], status: str) -> list[Talk]:
        return [talk for talk in talks if talk.status == status]

    def describe_status(self, status: str) -> str:
        return f"that are {Talk.Status(status).label}"

    def facet_status(self, talks: list[Talk]) -> Counter:
        return Counter((talk.status, talk.get_status_display()) for talk in talks)

    def filter_year(self, talks: list[Talk], year: int) -> list[Talk]:
        return [talk for talk in talks if talk.start_date is not None and talk.start_date.year == year]

    def describe_year(self, year: int) -> str:
        return f"in {year}"

    def facet_year(self, talks: list[Talk]) -> Counter:
        return Counter((str(talk.start_date.year),) * 2 for talk in talks if talk.start_date)

    def filter_place(self, talks: list[Talk], place: str) -> list[Talk]:
        return [talk for talk in talks if place.casefold() in talk.place.casefold()]

    def describe_place(self, place: str) -> str:
        return f"in “{place}”"

    def filter_party(self, talks: list[Talk], party: Party) -> list[Talk]:
        return [talk for talk in talks if any(p.pk == party.pk for p in talk.involved_parties)]

    def describe_party(self, party: Party) -> str:
        return f"involving {party}"

    def facet_party(self, talks: list[Talk]) -> Counter:
        return Counter((party.slug, party.name) for talk in talks for party in talk.involved_parties)

    def filter_process(self, talks: list[Talk], process: Process) -> list[Talk]:
        return [talk for talk in talks if talk.process_id == process.pk]

    def describe_process(self, process: Process) -> str:
        return f"in the {process}"

    def facet_counts(self, items):
        facets = super().facet_counts(items)
        for facet in facets:
            if facet.name == "year":
                facet.values.sort(key=lambda value: value.value)
        return facets


class PositionFilter(FilterForm):
    topic = slug_choice(Topic.objects.published(), "Topic")
    party = slug_choice(Party.objects.published(), "Party")

    noun = ("position", "positions")

    def narrow(self, talk: Talk) -> None:
        # Only what was stated at these talks, so that no choice leads to an
        # empty matrix and a party that stated nothing here is reported.
        narrow_choice(
            self.fields["topic"],
            Topic.objects.published().filter(positions__in=stated_at(talk)).distinct(),
            "no position on “%(value)s” is recorded at these talks",
        )
        narrow_choice(
            self.fields["party"],
            Party.objects.published().filter(positions__in=stated_at(talk)).distinct(),
            "no position of “%(value)s” is recorded at these talks",
        )

    def filter_topic(self, positions: list, topic: Topic) -> list:
        return [position for position in positions if position.topic_id == topic.pk]

    def describe_topic(self, topic: Topic) -> str:
        return f"on {topic}"

    def filter_party(self, positions: list, party: Party) -> list:
        return [position for position in positions if position.party_id == party.pk]

    def describe_party(self, party: Party) -> str:
        return f"of {party}"


class CompareForm(FilterForm):
    a = slug_choice(Party.objects.published(), "First party")
    b = slug_choice(Party.objects.published(), "Second party")

    def narrow(self, talk: Talk) -> None:
        stated = Party.objects.published().filter(positions__in=stated_at(talk)).distinct()
        for name in ("a", "b"):
            narrow_choice(self.fields[name], stated, "“%(value)s” stated no position at these talks")

    def clean(self):
        cleaned_data = super().clean()
        a, b = cleaned_data.get("a"), cleaned_data.get("b")
        if a and b and a == b:
            self.add_error("b", "it is the same party as the first")
        return cleaned_data

    @property
    def parties(self) -> list[Party]:
        """The two parties to compare, once both are valid."""
        chosen = [self.applied[name] for name in ("a", "b") if name in self.applied]
        return chosen if len(chosen) == 2 else []


class SearchForm(FilterForm):
    q = forms.CharField(required=False, label="Search", max_length=MAX_TEXT, strip=True)
