"""Open data: what a list page shows, as JSON and CSV, with the same query
string, the same filter and the same notices of what was ignored."""

import csv

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from . import timeline
from .forms import TimelineFilter


def entry_record(request: HttpRequest, entry: timeline.Entry) -> dict:
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
        "parties": [party.name for party in entry.parties],
        "topics": [topic.name for topic in entry.topics],
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


@require_safe
def timeline_export(request: HttpRequest, format: str) -> HttpResponse:
    """The timeline's current filter result as JSON or CSV: the same filter,
    the same invalid values ignored, and the ignored ones listed."""
    form = TimelineFilter(request.GET)
    records = [entry_record(request, entry) for entry in form.filter(timeline.entries())]
    filename = "parley-timeline"
    if format == "json":
        response = JsonResponse(
            {"description": form.describe(len(records)), "ignored": form.ignored(), "entries": records},
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        columns = [name for name in records[0] if name != "citations"] if records else ["title"]
        writer = csv.writer(response)
        writer.writerow([*columns, "sources"])
        for record in records:
            sources = " | ".join(f"{c['source'] or 'editor'}: {c['excerpt'] or c['note']}" for c in record["citations"])
            writer.writerow(
                [*("; ".join(v) if isinstance(v, list) else v for k, v in record.items() if k in columns), sources]
            )
    response["Content-Disposition"] = f'inline; filename="{filename}.{format}"'
    return response
