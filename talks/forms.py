"""Filters for the reader's list pages.

A filter is a form bound to request.GET. Only its valid fields are applied;
a value that does not fit (an unknown slug, an impossible date, a parameter
given twice) is left out and reported to the reader, never raised.
"""

import datetime
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django import forms
from django.http import QueryDict

from .models import Party, Process, Talk, Topic
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


class FilterForm(forms.Form):
    """The common behaviour of the filters: report, don't raise; say in
    words what is applied; count what each value would give."""

    # Facet name -> how to read that facet's values off one item.
    facets: dict[str, Callable] = {}
    # What is filtered, in the singular and the plural.
    noun = ("item", "items")
    # Field name -> the words that say the applied value, in order.
    phrases: dict[str, Callable] = {}

    def __init__(self, data: QueryDict, **kwargs):
        super().__init__(data, **kwargs)
        self.full_clean()
        for name in self.fields:
            if len(data.getlist(name)) > 1:
                self.add_error(name, "it was given more than once")
                self.cleaned_data.pop(name, None)

    @property
    def applied(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", [])}

    def ignored(self) -> list[str]:
        """What was left out, in words, for the notice above the results."""
        notes = []
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = field.label if field else "filter"
            value = self.data.get(name, "")
            shown = f" “{value[:40]}{'…' if len(value) > 40 else ''}”" if value and name != "__all__" else ""
            notes.append(f"The {label.lower()} filter{shown} was ignored: {'; '.join(errors)}.")
        return notes

    def query(self) -> QueryDict:
        """The applied filters as a query string: the page's canonical URL."""
        query = QueryDict(mutable=True)
        for name in self.applied:
            query[name] = self.data[name]
        return query

    def tests(self, item) -> dict[str, Callable]:
        """Field name -> whether the item passes that filter's value."""
        raise NotImplementedError

    def keep(self, item, skip: str = "") -> bool:
        tests = self.tests(item)
        return all(tests[name](value) for name, value in self.applied.items() if name != skip and name in tests)

    def describe(self, count: int) -> str:
        """'Showing 3 entries involving Russia on ceasefire.'"""
        applied = self.applied
        words = [f"{count} {self.noun[0] if count == 1 else self.noun[1]}"]
        words += [phrase(applied[name]) for name, phrase in self.phrases.items() if name in applied]
        return "Showing " + " ".join(words) + "."

    def filter(self, items: Iterable) -> list:
        return [item for item in items if self.keep(item)]

    def facet_counts(self, items: list) -> list[Facet]:
        """For each facet, how many items each of its values would give with
        every other filter kept as it is."""
        facets = []
        for name, values_of in self.facets.items():
            counts: Counter = Counter()
            labels = {}
            for item in items:
                if self.keep(item, skip=name):
                    for value, label in values_of(item):
                        counts[value] += 1
                        labels[value] = label
            current = self.data.get(name) if name in self.applied else None
            values = [
                FacetValue(
                    value,
                    labels[value],
                    count,
                    value == current,
                    {name: None if value == current else value, "page": None},
                )
                for value, count in sorted(counts.items(), key=lambda pair: (-pair[1], labels[pair[0]]))
            ]
            facets.append(Facet(name, self.fields[name].label, values))
        return facets


class TimelineFilter(FilterForm):
    talk = slug_choice(Talk.objects.all(), "Talk")
    party = slug_choice(Party.objects.all(), "Party")
    topic = slug_choice(Topic.objects.all(), "Topic")
    kind = forms.ChoiceField(required=False, label="Kind", choices=[("", "Any kind"), *Entry.KINDS.items()])
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Held or planned"), *Entry.STATUSES])
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(required=False, label="Text", max_length=MAX_TEXT, strip=True)

    facets = {
        "talk": lambda e: [(e.talk.slug, e.talk.name)] if e.talk else [],
        "party": lambda e: [(p.slug, p.name) for p in e.parties],
        "topic": lambda e: [(t.slug, t.name) for t in e.topics],
        "kind": lambda e: [(e.kind, e.kind_label)],
        "status": lambda e: [(e.status, e.status_label)],
    }

    def clean(self):
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        if start and end and end < start:
            self.add_error("end", "it is before the “from” date")
        return self.cleaned_data

    noun = ("entry", "entries")
    phrases = {
        "kind": lambda value: f"of kind “{Entry.KINDS[value]}”",
        "status": lambda value: f"that are {dict(Entry.STATUSES)[value].lower()}",
        "talk": lambda value: f"at the {value}",
        "party": lambda value: f"involving {value}",
        "topic": lambda value: f"on {value}",
        "start": lambda value: f"from {_day(value)}",
        "end": lambda value: f"until {_day(value)}",
        "q": lambda value: f"mentioning “{value}”",
    }

    def tests(self, entry: Entry) -> dict[str, Callable]:
        return {
            "talk": lambda value: entry.talk is not None and entry.talk.pk == value.pk,
            "party": lambda value: any(p.pk == value.pk for p in entry.parties),
            "topic": lambda value: any(t.pk == value.pk for t in entry.topics),
            "kind": lambda value: entry.kind == value,
            "status": lambda value: entry.status == value,
            "start": lambda value: entry.last_day is not None and entry.last_day >= value,
            "end": lambda value: entry.first_day is not None and entry.first_day <= value,
            "q": lambda value: entry.matches(value),
        }


def _day(date: datetime.date) -> str:
    return f"{date.day} {date:%B %Y}"


class TalkFilter(FilterForm):
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Any status"), *Talk.Status.choices])
    year = forms.IntegerField(required=False, label="Year", min_value=1900, max_value=2100)
    place = forms.CharField(required=False, label="Place", max_length=MAX_TEXT)
    party = slug_choice(Party.objects.all(), "Party")
    process = slug_choice(Process.objects.all(), "Process")

    facets = {
        "status": lambda t: [(t.status, t.get_status_display())],
        "year": lambda t: [(str(t.start_date.year), str(t.start_date.year))] if t.start_date else [],
        "party": lambda t: [(p.slug, p.name) for p in t.involved_parties],
    }

    noun = ("talk", "talks")
    phrases = {
        "status": lambda value: f"that are {Talk.Status(value).label}",
        "year": lambda value: f"in {value}",
        "place": lambda value: f"in “{value}”",
        "party": lambda value: f"involving {value}",
        "process": lambda value: f"in the {value}",
    }

    def tests(self, talk: Talk) -> dict[str, Callable]:
        return {
            "status": lambda value: talk.status == value,
            "year": lambda value: talk.start_date is not None and talk.start_date.year == value,
            "place": lambda value: value.casefold() in talk.place.casefold(),
            "party": lambda value: any(p.pk == value.pk for p in talk.involved_parties),
            "process": lambda value: talk.process_id == value.pk,
        }

    def facet_counts(self, items):
        facets = super().facet_counts(items)
        for facet in facets:
            if facet.name == "year":
                facet.values.sort(key=lambda value: value.value)
        return facets


class PositionFilter(FilterForm):
    topic = slug_choice(Topic.objects.all(), "Topic")
    party = slug_choice(Party.objects.all(), "Party")

    noun = ("position", "positions")
    phrases = {"topic": lambda value: f"on {value}", "party": lambda value: f"of {value}"}

    def tests(self, position) -> dict[str, Callable]:
        return {
            "topic": lambda value: position.topic_id == value.pk,
            "party": lambda value: position.party_id == value.pk,
        }


class CompareForm(FilterForm):
    a = slug_choice(Party.objects.all(), "First party")
    b = slug_choice(Party.objects.all(), "Second party")


class SearchForm(FilterForm):
    q = forms.CharField(required=False, label="Search", max_length=MAX_TEXT, strip=True)
