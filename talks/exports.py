"""Open data: what each list page shows, as JSON and CSV, with the same
query string, the same filter and the same notices of what was ignored.

Every record carries its stable identifier (its slug, or the anchor its
page gives it) and its address; dates as the source gives them (the ISO
date cut to its precision, the precision, the qualifier, the words the page
uses, and an EDTF string for machines); and its citations, each with its
excerpt (or editor's note) and the addresses of the source and of the
passage. Streamed, a few hundred records at a time, so that a large result
never sits whole in memory. CSV cells that a spreadsheet would read as a
formula are neutralised.
"""

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from .dates import DateQualifier, PartialDate
from .forms import FilterForm, PositionFilter, SearchForm, TalkFilter, TimelineFilter
from .models import Alias, Citation, Delegation, Party, PartyMembership, Person, Post, Source, Talk, TimelineEntry
from .search import find, records

CHUNK = 500

# What EDTF (ISO 8601-2) appends to a date: "?" for one the source gives as
# expected or planned (not yet known to have happened), "~" for "about".
EDTF_MARK = {DateQualifier.EXPECTED: "?", DateQualifier.PLANNED: "?", DateQualifier.ABOUT: "~"}
# A spreadsheet reads a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def edtf(date: PartialDate) -> str:
    """The date as EDTF: "2017-01-23", "2017-02-08?" (expected), "2017-01" (a month)."""
    return f"{date.iso}{EDTF_MARK.get(date.qualifier, '')}" if date else ""


def dated(name: str, date: PartialDate) -> dict:
    """A partial date as the columns `name`, `name_precision`, `name_qualifier`, `name_text` and `name_edtf`."""
    return {
        name: date.iso,
        f"{name}_precision": date.precision if date else "",
        f"{name}_qualifier": date.qualifier if date else "",
        f"{name}_text": str(date),
        f"{name}_edtf": edtf(date),
    }


def date_columns(name: str) -> list[str]:
    return list(dated(name, PartialDate(None)))


def interval(start: PartialDate, end: PartialDate) -> str:
    """The span as one EDTF string: "2017-01-23/2017-01-24", or the start alone."""
    if start and end:
        return f"{edtf(start)}/{edtf(end)}"
    return edtf(start) if start else (f"../{edtf(end)}" if end else "")


def citation_record(request: HttpRequest, citation: Citation) -> dict:
    source = citation.source
    return {
        "source": source.title if source else "",
        "source_url": request.build_absolute_uri(source.get_absolute_url()) if source else "",
        "passage_url": request.build_absolute_uri(f"{source.get_absolute_url()}#citation-{citation.pk}")
        if source
        else "",
        "document_url": source.url if source else "",
        "excerpt": citation.excerpt,
        "about": list(citation.about),
        "note": citation.note,
    }


def citations_of(request: HttpRequest, citations: Iterable[Citation]) -> list[dict]:
    return [citation_record(request, citation) for citation in citations]


def citations_cell(citations: list[dict]) -> str:
    """A record's citations in one CSV cell: “excerpt” (source, passage URL) | …"""
    parts = []
    for c in citations:
        if c["source"]:
            note = f" Editor's note: {c['note']}" if c["note"] else ""
            parts.append(f"“{c['excerpt']}” ({c['source']}, {c['passage_url']}){note}")
        else:
            parts.append(f"Editor's note: {c['note']}")
    return " | ".join(parts)


def names(records: Iterable) -> list[str]:
    return [record.name for record in records]


def absolute(request: HttpRequest, record) -> str:
    return request.build_absolute_uri(record.get_absolute_url()) if record else ""


# One list's records, each as a dict of the columns below.


def entry_record(request: HttpRequest, entry: TimelineEntry) -> dict:
    """One timeline entry: every field a reader sees, with its sources."""
    return {
        "kind": entry.kind,
        "status": entry.status,
        "title": entry.title,
        "start": entry.start.iso,
        "start_text": str(entry.start),
        "end": entry.end.iso,
        "end_text": str(entry.end),
        "talk": entry.talk.name if entry.talk else "",
        "parties": [name for _, name in entry.party_names],
        "topics": [topic.name for topic in entry.topics.all()],
        "description": entry.description,
        "url": request.build_absolute_uri(entry.url),
        "id": entry.anchor,
        "detail": entry.detail,
        **{k: v for k, v in dated("start", entry.start).items() if k not in ("start", "start_text")},
        **{k: v for k, v in dated("end", entry.end).items() if k not in ("end", "end_text")},
        "edtf": interval(entry.start, entry.end),
        "talk_id": entry.talk.slug if entry.talk else "",
        "talk_url": absolute(request, entry.talk),
        "party_ids": [slug for slug, _ in entry.party_names],
        "topic_ids": [topic.slug for topic in entry.topics.all()],
        "citations": citations_of(request, entry.citations),
    }


def talk_record(request: HttpRequest, talk: Talk) -> dict:
    return {
        "id": talk.slug,
        "url": absolute(request, talk),
        "name": talk.name,
        "status": talk.status,
        **dated("start", talk.start),
        **dated("end", talk.end),
        "edtf": interval(talk.start, talk.end),
        "venue": talk.venue,
        "city": talk.city,
        "country": talk.country,
        "process": talk.process.name if talk.process else "",
        "process_id": talk.process.slug if talk.process else "",
        "convened_by": names(talk.convened_by.all()),
        "hosted_by": names(talk.hosted_by.all()),
        "mediated_by": names(talk.mediated_by.all()),
        "parties": names(talk.involved_parties),
        "party_ids": [party.slug for party in talk.involved_parties],
        "follows": talk.follows.slug if talk.follows else "",
        "other_names": names(talk.aliases.all()),
        "summary": talk.summary,
        "citations": citations_of(request, talk.cited_list()),
    }


def seat_record(request: HttpRequest, seat) -> dict:
    return {
        "id": f"seat-{seat.pk}",
        "person": seat.person.name,
        "person_id": seat.person.slug,
        "person_url": absolute(request, seat.person),
        "role": seat.role,
        "post": seat.post.label if seat.post else "",
        "note": seat.note,
        "citations": citations_of(request, seat.cited_list()),
    }


def delegation_record(request: HttpRequest, delegation: Delegation) -> dict:
    seats = [seat_record(request, seat) for seat in delegation.members.all()]
    return {
        "id": f"delegation-{delegation.party.slug}",
        "url": absolute(request, delegation),
        "talk": delegation.talk.name,
        "talk_id": delegation.talk.slug,
        "party": delegation.party.name,
        "party_id": delegation.party.slug,
        "party_url": absolute(request, delegation.party),
        "role": delegation.role,
        "count_note": delegation.count_note,
        "components": names(delegation.components.all()),
        "component_ids": [party.slug for party in delegation.components.all()],
        "head": next((seat["person"] for seat in seats if seat["role"] == "head"), ""),
        "members": seats,
        "description": delegation.description,
        "citations": citations_of(request, delegation.cited_list()),
    }


def position_record(request: HttpRequest, position) -> dict:
    return {
        "id": f"position-{position.pk}",
        "url": absolute(request, position),
        "talk": position.talk.name,
        "talk_id": position.talk.slug,
        "topic": position.topic.name,
        "topic_id": position.topic.slug,
        "party": position.party.name,
        "party_id": position.party.slug,
        "speaker": position.speaker.name if position.speaker else "",
        "speaker_id": position.speaker.slug if position.speaker else "",
        "session": position.session.title if position.session else "",
        "session_url": absolute(request, position.session),
        **dated("date", position.when),
        "stance": position.stance,
        "summary": position.summary,
        "quote": position.quote,
        "citations": citations_of(request, position.cited_list()),
    }


def party_record(request: HttpRequest, party: Party) -> dict:
    return {
        "id": party.slug,
        "url": absolute(request, party),
        "name": party.name,
        "kind": party.kind,
        "other_names": names(party.aliases.all()),
        "member_of": [link.organisation.name for link in party.memberships.all()],
        "member_of_ids": [link.organisation.slug for link in party.memberships.all()],
        "description": party.description,
        "citations": citations_of(request, party.cited_list()),
    }


def person_record(request: HttpRequest, person: Person) -> dict:
    return {
        "id": person.slug,
        "url": absolute(request, person),
        "name": person.name,
        "other_names": names(person.aliases.all()),
        "posts": [post.label for post in person.posts.all()],
        "description": person.description,
        "citations": citations_of(request, person.cited_list()),
    }


def source_record(request: HttpRequest, source: Source) -> dict:
    return {
        "id": source.slug,
        "url": absolute(request, source),
        "title": source.title,
        "author": source.author,
        "publisher": source.publisher,
        **dated("published", source.published),
        "document_url": source.url,
        "note": source.note,
    }


def found_record(request: HttpRequest, kind: str, item) -> dict:
    """A search result: what it is, its name and address, and its sources."""
    name = item.title if kind in ("source", "session") else str(item)
    return {
        "kind": kind,
        "id": getattr(item, "slug", None) or f"{kind}-{item.pk}",
        "name": name,
        "url": absolute(request, item),
        "citations": citations_of(request, item.cited_list()) if kind != "source" else [],
    }


class DataFormat:
    """The formats a list is offered in, as a path converter: `parties.<data:format>`."""

    regex = "json|csv"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class Table:
    """A list as open data: its name (the JSON key and the file's name), its
    CSV columns in order, and how one record reads."""

    name: str
    columns: list[str]
    record: Callable[[HttpRequest, Any], dict]


ENTRIES = Table(
    "entries",
    [
        "kind",
        "status",
        "title",
        "start",
        "start_text",
        "end",
        "end_text",
        "talk",
        "parties",
        "topics",
        "description",
        "url",
        "id",
        "detail",
        "start_precision",
        "start_qualifier",
        "start_edtf",
        "end_precision",
        "end_qualifier",
        "end_edtf",
        "edtf",
        "talk_id",
        "talk_url",
        "party_ids",
        "topic_ids",
        "citations",
    ],
    entry_record,
)
TALKS = Table(
    "talks",
    [
        "id",
        "url",
        "name",
        "status",
        *date_columns("start"),
        *date_columns("end"),
        "edtf",
        "venue",
        "city",
        "country",
        "process",
        "process_id",
        "convened_by",
        "hosted_by",
        "mediated_by",
        "parties",
        "party_ids",
        "follows",
        "other_names",
        "summary",
        "citations",
    ],
    talk_record,
)
DELEGATIONS = Table(
    "delegations",
    [
        "id",
        "url",
        "talk",
        "talk_id",
        "party",
        "party_id",
        "party_url",
        "role",
        "count_note",
        "components",
        "component_ids",
        "head",
        "members",
        "description",
        "citations",
    ],
    delegation_record,
)
POSITIONS = Table(
    "positions",
    [
        "id",
        "url",
        "talk",
        "talk_id",
        "topic",
        "topic_id",
        "party",
        "party_id",
        "speaker",
        "speaker_id",
        "session",
        "session_url",
        *date_columns("date"),
        "stance",
        "summary",
        "quote",
        "citations",
    ],
    position_record,
)
PARTIES = Table(
    "parties",
    ["id", "url", "name", "kind", "other_names", "member_of", "member_of_ids", "description", "citations"],
    party_record,
)
PEOPLE = Table("people", ["id", "url", "name", "other_names", "posts", "description", "citations"], person_record)
SOURCES = Table(
    "sources",
    ["id", "url", "title", "author", "publisher", *date_columns("published"), "document_url", "note"],
    source_record,
)
FOUND = Table("results", ["kind", "id", "name", "url", "citations"], lambda request, pair: found_record(request, *pair))


class Line:
    """A file-like object whose write() returns what it was given, for
    csv.writer to make one line at a time."""

    def write(self, text: str) -> str:
        return text


def neutralised(value: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @, a tab or a
    carriage return first), made text by a leading apostrophe, as OWASP advises."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def cell(value) -> str:
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            # Nested records (a delegation's members): their names and roles.
            value = [
                f"{item['person']} ({item['role']}{', ' + item['post'] if item['post'] else ''})" for item in value
            ]
        value = "; ".join(value)
    return neutralised(str(value))


def _json(request: HttpRequest, table: Table, head: dict, items: Iterable) -> Iterator[str]:
    yield json.dumps(head, ensure_ascii=False, indent=2)[:-2] + f',\n  "{table.name}": ['
    for index, item in enumerate(items):
        yield ("," if index else "") + "\n    " + json.dumps(table.record(request, item), ensure_ascii=False)
    yield "\n  ]\n}\n"


def _csv(request: HttpRequest, table: Table, items: Iterable) -> Iterator[str]:
    writer = csv.writer(Line())
    yield writer.writerow(table.columns)
    for item in items:
        record = table.record(request, item)
        yield writer.writerow(
            [
                neutralised(citations_cell(record[column])) if column == "citations" else cell(record[column])
                for column in table.columns
            ]
        )


def stream(request: HttpRequest, format: str, table: Table, items: Iterable, head: dict, filename: str) -> HttpResponse:
    if format == "json":
        body, content_type = _json(request, table, head, items), "application/json"
    elif format == "csv":
        body, content_type = _csv(request, table, items), "text/csv; charset=utf-8"
    else:
        raise Http404("no such format")
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="parley-{filename}.{format}"'
    return response


def filtered(form: FilterForm, count: int) -> dict:
    """The head of a filtered list: what it shows, in words, and what was ignored."""
    return {"description": form.describe(count), "ignored": form.ignored()}


def unfiltered(noun: tuple[str, str], count: int) -> dict:
    return {"description": f"Showing {count} {noun[0] if count == 1 else noun[1]}.", "ignored": []}


# The views: each reuses its page's filter and query, and lists the whole
# result rather than one page of it.


@require_safe
def timeline_export(request: HttpRequest, format: str) -> HttpResponse:
    """The timeline's current filter result: the same filter, the same
    invalid values ignored, and the ignored ones listed."""
    form = TimelineFilter(request.GET)
    shown = form.filter(TimelineEntry.objects.all())
    entries = shown.for_display().prefetch_related("topics").iterator(chunk_size=CHUNK)
    return stream(request, format, ENTRIES, entries, filtered(form, shown.count()), "timeline")


@require_safe
def talk_list_export(request: HttpRequest, format: str) -> HttpResponse:
    form = TalkFilter(request.GET)
    shown = form.filter(Talk.objects.for_export().select_related("follows"))
    talks = shown.iterator(chunk_size=CHUNK)
    return stream(request, format, TALKS, talks, filtered(form, shown.count()), "talks")


@require_safe
def delegations_export(request: HttpRequest, slug: str, format: str) -> HttpResponse:
    talk = get_object_or_404(Talk.objects.published(), slug=slug)
    delegations = list(talk.delegations.at_the_table())
    head = unfiltered(("delegation", "delegations"), len(delegations))
    return stream(request, format, DELEGATIONS, delegations, head, f"{talk.slug}-delegations")


@require_safe
def positions_export(request: HttpRequest, slug: str, format: str) -> HttpResponse:
    talk = get_object_or_404(Talk.objects.published(), slug=slug)
    form = PositionFilter(request.GET, talk=talk)
    shown = list(form.filter(talk.positions.for_matrix()))
    return stream(request, format, POSITIONS, shown, filtered(form, len(shown)), f"{talk.slug}-positions")


@require_safe
def party_list_export(request: HttpRequest, format: str) -> HttpResponse:
    parties = Party.objects.published().cited().order_by("kind", "name", "pk")
    parties = parties.prefetch_related(
        Prefetch("aliases", queryset=Alias.objects.published()),
        Prefetch("memberships", queryset=PartyMembership.objects.published().select_related("organisation")),
    )
    head = unfiltered(("party", "parties"), parties.count())
    return stream(request, format, PARTIES, parties.iterator(chunk_size=CHUNK), head, "parties")


@require_safe
def person_list_export(request: HttpRequest, format: str) -> HttpResponse:
    people = (
        Person.objects.published()
        .cited()
        .prefetch_related(
            Prefetch("aliases", queryset=Alias.objects.published()),
            Prefetch("posts", queryset=Post.objects.published().select_related("organisation")),
        )
    )
    head = unfiltered(("person", "people"), people.count())
    return stream(request, format, PEOPLE, people.iterator(chunk_size=CHUNK), head, "people")


@require_safe
def source_list_export(request: HttpRequest, format: str) -> HttpResponse:
    # Not the texts, which are long: the source's page has each.
    sources = Source.objects.defer("text")
    head = unfiltered(("source", "sources"), sources.count())
    return stream(request, format, SOURCES, sources.iterator(chunk_size=CHUNK), head, "sources")


SEARCH_LIMIT = 5000


@require_safe
def search_export(request: HttpRequest, format: str) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.applied.get("q", "")
    results = find(query, form.applied.get("kind")) if query else []
    # Every result, best first, up to a bound that no reader's query reaches.
    found = records(results[0 : min(len(results), SEARCH_LIMIT)]) if results else []
    head = {
        "description": f"{len(found)} result{'s' if len(found) != 1 else ''} for “{query}”.",
        "ignored": form.ignored(),
    }
    return stream(request, format, FOUND, found, head, "search")
