"""Open data: what a list page shows, as JSON and CSV, with the same query
string, the same filter and the same notices of what was ignored. Streamed,
a few hundred records at a time, so that a large result never sits whole in
memory."""

import csv
import json
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from .forms import TimelineFilter
from .models import TimelineEntry

CHUNK = 500


def entry_record(request: HttpRequest, entry: TimelineEntry) -> dict:
    """One timeline entry as open data: every field a reader sees, with its sources."""
    return {
        "kind": entry.kind,
        "status": entry.status,
        "title": entry.title,
        "start": entry.start.iso,
        "start_text": str(entry.start),
        "end": entry.end.iso,
        "end_text": str(entry.end),
        "talk": entry.talk.name if entry.talk else "",
        "parties": [party.name for party in entry.parties.all()],
        "topics": [topic.name for topic in entry.topics.all()],
        "description": entry.description,
        "url": request.build_absolute_uri(entry.url),
        "citations": [
            {
                "source": citation.source.title if citation.source else "",
                "source_url": request.build_absolute_uri(citation.source.get_absolute_url()) if citation.source else "",
                "excerpt": citation.excerpt,
                "note": citation.note,
            }
            for citation in entry.citations
        ],
    }


COLUMNS = [
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
]


class Line:
    """A file-like object whose write() returns what it was given, for
    csv.writer to make one line at a time."""

    def write(self, text: str) -> str:
        return text


def _json(request: HttpRequest, form: TimelineFilter, entries, count: int) -> Iterator[str]:
    head = {"description": form.describe(count), "ignored": form.ignored()}
    yield json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "entries": ['
    for index, entry in enumerate(entries):
        yield ("," if index else "") + "\n    " + json.dumps(entry_record(request, entry), ensure_ascii=False)
    yield "\n  ]\n}\n"


def _csv(request: HttpRequest, entries) -> Iterator[str]:
    writer = csv.writer(Line())
    yield writer.writerow([*COLUMNS, "sources"])
    for entry in entries:
        record = entry_record(request, entry)
        sources = " | ".join(f"{c['source'] or 'editor'}: {c['excerpt'] or c['note']}" for c in record["citations"])
        yield writer.writerow(
            [*("; ".join(v) if isinstance(v, list) else v for v in map(record.get, COLUMNS)), sources]
        )


@require_safe
def timeline_export(request: HttpRequest, format: str) -> HttpResponse:
    """The timeline's current filter result as JSON or CSV: the same filter,
    the same invalid values ignored, and the ignored ones listed."""
    form = TimelineFilter(request.GET)
    shown = form.filter(TimelineEntry.objects.all())
    entries = shown.for_display().prefetch_related("topics").iterator(chunk_size=CHUNK)
    if format == "json":
        body, content_type = _json(request, form, entries, shown.count()), "application/json"
    else:
        body, content_type = _csv(request, entries), "text/csv; charset=utf-8"
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="parley-timeline.{format}"'
    return response
