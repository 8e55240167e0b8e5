"""Filters for the reader's list pages.

A filter is a form bound to request.GET. Only its valid fields are applied;
a value that does not fit (an unknown slug, an impossible date, a parameter
given twice, a choice outside what the page shows) is left out and reported
to the reader, never raised. Filtering and counting happen in the database:
a filter narrows a QuerySet.

Each filtering field `name` of a filter has its own methods:
- `filter_<name>(items, value)`: the items that pass;
- `describe_<name>(value)`: the words that say so ("involving Russia");
- `facet_<name>(items, limit)`, for the fields shown as facets: each value
  with its label and how many items have it, most first, at most `limit`
  (one aggregate query).
A view that shows only part of the record narrows the choices before the form
validates, by passing what it shows to the constructor (see `narrow`).
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django import forms
from django.db import connection
from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Concat, ExtractYear
from django.http import QueryDict

from .models import Party, Place, Position, Process, Talk, TimelineEntry, Topic
from .search import KINDS as SEARCHED
from .text import fold

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
    # The query-string change that shows every value, when only the top ones are shown.
    more: dict = field(default_factory=dict)


# How many values a facet shows before "more".
FACET_TOP = 10


def slug_choice(queryset, label: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=queryset,
        to_field_name="slug",
        required=False,
        label=label,
        empty_label=f"Any {label.lower()}",
        error_messages={"invalid_choice": f"there is no {label.lower()} “%(value)s”"},
    )


class RecordSearch(forms.TextInput):
    """A text box for a record's name, which suggests records as the reader
    types (htmx asks the suggest view; the suggestions are links that apply
    the filter); without JavaScript the typed name is looked up on submit."""

    template_name = "talks/widgets/record_search.html"
    input_type = "search"

    def __init__(self, kind: str, listing: str):
        super().__init__(attrs={"class": "record-search__input", "autocomplete": "off", "maxlength": MAX_TEXT})
        self.kind, self.listing = kind, listing

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"] |= {"kind": self.kind, "listing": self.listing}
        return context


class RecordField(forms.ModelChoiceField):
    """A record the reader names: by its slug (as links and facets give it),
    its name or another of its names, whatever the case and accents. Among
    thousands of records, a text box rather than a dropdown of all of them."""

    def __init__(self, queryset, label: str, kind: str, listing: str):
        super().__init__(
            queryset=queryset,
            to_field_name="slug",
            required=False,
            label=label,
            widget=RecordSearch(kind, listing),
        )
        self.noun = label.lower()

    def to_python(self, value):
        value = (value or "").strip()
        if value in self.empty_values:
            return None
        if "\x00" in value:
            # No name holds a NUL, and PostgreSQL's text cannot: asked for one, it fails.
            raise forms.ValidationError(
                f"there is no {self.noun} with a NUL character in its name", code="invalid_choice"
            )
        if found := self.queryset.filter(slug=value).first():
            return found
        model = self.queryset.model
        if hasattr(model, "folded"):
            key = fold(value)
            named = self.queryset.filter(Q(folded=key) | Q(aliases__folded=key)).distinct()
        else:
            named = self.queryset.filter(name__iexact=value)
        matches = list(named[:6])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(f"there is no {self.noun} “{value[:40]}”", code="invalid_choice")
        names = ", ".join(str(record) for record in matches[:5])
        raise forms.ValidationError(f"“{value[:40]}” names more than one {self.noun} ({names}): choose one")

    def valid_value(self, value):
        return True

    def prepare_value(self, value):
        """What the box shows: the record's own name, however it was named
        (the address carries the slug); what was typed, if it names none."""
        if isinstance(value, str) and value.strip():
            try:
                record = self.to_python(value)
            except forms.ValidationError:
                return value
            return record.name if record else value
        return super().prepare_value(value)


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
        """The applied filters as a query string: the page's canonical URL,
        naming a record by its slug however the reader named it."""
        query = QueryDict(mutable=True)
        for name, value in self.applied.items():
            query[name] = getattr(value, "slug", None) or self.data[name]
        return query

    def filter(self, items: QuerySet, skip: str = "") -> QuerySet:
        """The items that pass every applied filter but `skip`."""
        for name, value in self.applied.items():
            if name != skip:
                items = getattr(self, f"filter_{name}")(items, value)
        return items

    def describe(self, count: int) -> str:
        """'Showing 3 entries involving Russia on ceasefire.'"""
        words = [f"{count} {self.noun[0] if count == 1 else self.noun[1]}"]
        words += [getattr(self, f"describe_{name}")(value) for name, value in self.applied.items()]
        return "Showing " + " ".join(words) + "."

    def facet_counts(self, items: QuerySet) -> list[Facet]:
        """For each facet, how many items each of its values would give with
        every other filter kept as it is: the top values, or all of them for
        the facet named by ?more=."""
        facets = []
        for name, field_ in self.fields.items():
            count_values = getattr(self, f"facet_{name}", None)
            if count_values is None:
                continue
            whole = self.data.get("more") == name
            rows = count_values(self.filter(items, skip=name), None if whole else FACET_TOP + 1)
            cut = not whole and len(rows) > FACET_TOP
            current = self.data.get(name) if name in self.applied else None
            values = [
                FacetValue(value, label, count, value == current, {name: value if value != current else None})
                for value, label, count in (rows[:FACET_TOP] if cut else rows)
            ]
            for value in values:
                value.params["page"] = None
            facets.append(Facet(name, field_.label, values, {"more": name} if cut else {}))
        return facets


def counted(rows, value: str, label: str) -> list[tuple[str, str, int]]:
    """(value, label, count) from aggregated rows, whose count is `n`."""
    return [(str(row[value]), str(row[label]), row["n"]) for row in rows]


def linked_counts(links: QuerySet, name: str, limit: int | None) -> list[tuple[str, str, int]]:
    """(slug, name, count) of the records that these links (rows of a
    timeline entry's many-to-many table, which link only published
    records: talks/timeline.py) lead to by their field `name`, most first,
    then by name (and key): how many entries each party or topic would give.

    Counted by key before the records are joined, so that each record is
    read once, not once a link (the ORM cannot group in a subquery of the
    FROM clause)."""
    field_ = links.model._meta.get_field(name)
    model = field_.related_model
    grouped = links.order_by().values(field_.attname).annotate(n=Count("*"))
    inner, params = grouped.query.sql_with_params()
    quote = connection.ops.quote_name
    table, key, pk = quote(model._meta.db_table), quote(field_.attname), quote(model._meta.pk.column)
    sql = f"SELECT r.slug, r.name, c.n FROM ({inner}) c JOIN {table} r ON r.{pk} = c.{key} "
    sql += f"ORDER BY c.n DESC, r.name, r.{pk}"
    if limit is not None:
        sql += " LIMIT %s"
        params = (*params, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def entry_links(through, entries: QuerySet) -> QuerySet:
    """The links of these timeline entries; of every entry when none is
    filtered out, rather than asking of each link whether its entry is
    among all of them (a third of the party facet's time on SQLite)."""
    links = through.objects.all()
    return links.filter(timelineentry__in=entries.values("pk")) if entries.query.has_filters() else links


def _day(date: datetime.date) -> str:
    return f"{date.day} {date:%B %Y}"


class TimelineFilter(FilterForm):
    # In the order the summary reads: "Showing 2 opening sessions that are held at the Astana talks…"
    kind = forms.ChoiceField(required=False, label="Kind", choices=[("", "Any kind"), *TimelineEntry.KINDS.items()])
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Any status"), *TimelineEntry.STATUSES])
    talk = RecordField(Talk.objects.published(), "Talk", "talk", "timeline")
    process = RecordField(Process.objects.published(), "Process", "process", "timeline")
    party = RecordField(Party.objects.published(), "Party", "party", "timeline")
    topic = RecordField(Topic.objects.published(), "Topic", "topic", "timeline")
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

    def filter_kind(self, entries: QuerySet, kind: str) -> QuerySet:
        return entries.filter(kind=kind)

    def describe_kind(self, kind: str) -> str:
        return f"of kind “{TimelineEntry.KINDS[kind]}”"

    def facet_kind(self, entries: QuerySet, limit: int | None) -> list:
        rows = entries.order_by().values("kind").annotate(n=Count("pk")).order_by("-n", "kind")[:limit]
        return [(row["kind"], TimelineEntry.KINDS[row["kind"]], row["n"]) for row in rows]

    def filter_status(self, entries: QuerySet, status: str) -> QuerySet:
        return entries.filter(status=status)

    def describe_status(self, status: str) -> str:
        return f"that are {dict(TimelineEntry.STATUSES)[status].lower()}"

    def facet_status(self, entries: QuerySet, limit: int | None) -> list:
        rows = entries.order_by().values("status").annotate(n=Count("pk")).order_by("-n", "status")[:limit]
        return [(row["status"], dict(TimelineEntry.STATUSES)[row["status"]], row["n"]) for row in rows]

    def filter_talk(self, entries: QuerySet, talk: Talk) -> QuerySet:
        return entries.filter(talk=talk)

    def describe_talk(self, talk: Talk) -> str:
        return f"at the {talk}"

    def facet_talk(self, entries: QuerySet, limit: int | None) -> list:
        rows = entries.filter(talk__isnull=False).order_by().values("talk__slug", "talk__name")
        return counted(rows.annotate(n=Count("pk")).order_by("-n", "talk__name")[:limit], "talk__slug", "talk__name")

    def filter_process(self, entries: QuerySet, process: Process) -> QuerySet:
        return entries.filter(process=process)

    def describe_process(self, process: Process) -> str:
        return f"in the {process}"

    def filter_party(self, entries: QuerySet, party: Party) -> QuerySet:
        return entries.filter(parties=party)

    def describe_party(self, party: Party) -> str:
        return f"involving {party}"

    def facet_party(self, entries: QuerySet, limit: int | None) -> list:
        return linked_counts(entry_links(TimelineEntry.parties.through, entries), "party", limit)

    def filter_topic(self, entries: QuerySet, topic: Topic) -> QuerySet:
        return entries.filter(topics=topic)

    def describe_topic(self, topic: Topic) -> str:
        return f"on {topic}"

    def facet_topic(self, entries: QuerySet, limit: int | None) -> list:
        return linked_counts(entry_links(TimelineEntry.topics.through, entries), "topic", limit)

    def filter_start(self, entries: QuerySet, start: datetime.date) -> QuerySet:
        return entries.filter(last_day__gte=start)

    def describe_start(self, start: datetime.date) -> str:
        return f"from {_day(start)}"

    def filter_end(self, entries: QuerySet, end: datetime.date) -> QuerySet:
        return entries.filter(first_day__lte=end)

    def describe_end(self, end: datetime.date) -> str:
        return f"until {_day(end)}"

    def filter_q(self, entries: QuerySet, text: str) -> QuerySet:
        for word in fold(text).split():
            entries = entries.filter(text__contains=word)
        return entries

    def describe_q(self, text: str) -> str:
        return f"mentioning “{text}”"


class TalkFilter(FilterForm):
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Any status"), *Talk.Status.choices])
    year = forms.IntegerField(required=False, label="Year", min_value=1900, max_value=2100)
    place = forms.CharField(required=False, label="Place", max_length=MAX_TEXT)
    party = RecordField(Party.objects.published(), "Party", "party", "talk_list")
    process = RecordField(Process.objects.published(), "Process", "process", "talk_list")

    noun = ("talk", "talks")

    def filter_status(self, talks: QuerySet, status: str) -> QuerySet:
        return talks.filter(status=status)

    def describe_status(self, status: str) -> str:
        return f"that are {Talk.Status(status).label}"

    def facet_status(self, talks: QuerySet, limit: int | None) -> list:
        rows = talks.order_by().values("status").annotate(n=Count("pk")).order_by("-n", "status")[:limit]
        return [(row["status"], Talk.Status(row["status"]).label, row["n"]) for row in rows]

    def filter_year(self, talks: QuerySet, year: int) -> QuerySet:
        return talks.filter(start_date__year=year)

    def describe_year(self, year: int) -> str:
        return f"in {year}"

    def facet_year(self, talks: QuerySet, limit: int | None) -> list:
        years = talks.filter(start_date__isnull=False).order_by().annotate(year=ExtractYear("start_date"))
        rows = years.values("year").annotate(n=Count("pk")).order_by("-n", "year")[:limit]
        return counted(rows, "year", "year")

    def filter_place(self, talks: QuerySet, place: str) -> QuerySet:
        # As the place reads on the page: "Rixos hotel, Astana, Kazakhstan".
        written = Concat("venue", Value(", "), "city", Value(", "), "country")
        # Or by any name its city has had: Nur-Sultan finds the talks in Astana.
        key = fold(place)
        places = Place.objects.published().filter(Q(folded__contains=key) | Q(aliases__folded__contains=key))
        return talks.annotate(written_place=written).filter(
            Q(written_place__icontains=place)
            | Q(venue__icontains=place)
            | Q(city__icontains=place)
            | (Q(area__in=places) if key else Q())
        )

    def describe_place(self, place: str) -> str:
        return f"in “{place}”"

    def filter_party(self, talks: QuerySet, party: Party) -> QuerySet:
        # The parties a talk involves are its timeline entry's.
        return talks.filter(pk__in=TimelineEntry.objects.filter(kind="talk", parties=party).values("object_id"))

    def describe_party(self, party: Party) -> str:
        return f"involving {party}"

    def facet_party(self, talks: QuerySet, limit: int | None) -> list:
        links = TimelineEntry.parties.through.objects.filter(timelineentry__kind="talk")
        # A talk has an entry only while it is published (TimelineEntry), so
        # with no other filter applied every talk entry's links count, and
        # PostgreSQL need not check each talk's citations again: 19 to 9 ms
        # at scale 1,000.
        if self.applied.keys() - {"party"}:
            links = links.filter(timelineentry__object_id__in=talks.values("pk"))
        return linked_counts(links, "party", limit)

    def filter_process(self, talks: QuerySet, process: Process) -> QuerySet:
        return talks.filter(process=process)

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

    def filter_topic(self, positions: QuerySet, topic: Topic) -> QuerySet:
        return positions.filter(topic=topic)

    def describe_topic(self, topic: Topic) -> str:
        return f"on {topic}"

    def filter_party(self, positions: QuerySet, party: Party) -> QuerySet:
        return positions.filter(party=party)

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
    kind = forms.ChoiceField(
        required=False,
        label="Kind",
        choices=[("", "Every kind"), *((kind, heading) for kind, heading, _ in SEARCHED)],
        error_messages={"invalid_choice": "search finds no kind of record called “%(value)s”"},
    )
