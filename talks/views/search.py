"""Search across the record by any stored spelling of a name, case- and
accent-insensitive, and by words of summaries, quotes and source texts."""

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..forms import SearchForm
from ..models import Alias, Party, Person, Position, Session, Source, Talk
from ..text import fold


def find(query: str) -> list[tuple[str, str, QuerySet]]:
    """What a search finds, by kind: (heading, kind, records). The page and
    its open data (talks/exports.py) both list these."""
    folded = fold(query)
    aliases = Prefetch("aliases", queryset=Alias.objects.published())
    by_name = Q(name__icontains=query) | Q(folded__contains=folded) | Q(aliases__folded__contains=folded)
    parties = Party.objects.published().filter(by_name).distinct().prefetch_related(aliases)
    people = Person.objects.published().filter(by_name).distinct().prefetch_related(aliases)
    talks = (
        Talk.objects.published()
        .filter(by_name | Q(summary__icontains=query) | Q(city__icontains=query) | Q(venue__icontains=query))
        .distinct()
        .prefetch_related(aliases)
    )
    sessions = (
        Session.objects.published()
        .filter(Q(title__icontains=query) | Q(description__icontains=query))
        .select_related("talk")
    )
    positions = (
        Position.objects.published()
        .filter(
            Q(summary__icontains=query)
            | Q(quote__icontains=query)
            | Q(topic__name__icontains=query)
            | Q(party__folded__contains=folded)
            | Q(party__aliases__folded__contains=folded)
            | Q(speaker__folded__contains=folded)
            | Q(speaker__aliases__folded__contains=folded)
        )
        .distinct()
        .select_related("talk", "party", "topic", "speaker")
    )
    sources = Source.objects.filter(Q(title__icontains=query) | Q(author__icontains=query) | Q(text__icontains=query))
    return [
        ("Parties", "party", parties),
        ("People", "person", people),
        ("Talks", "talk", talks),
        ("Sessions", "session", sessions),
        ("Positions", "position", positions),
        ("Sources", "source", sources),
    ]


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.applied.get("q", "")
    groups = [(heading, kind, list(items)) for heading, kind, items in find(query)] if query else []
    found = sum(len(items) for _, _, items in groups)
    return render(request, "talks/search.html", {"form": form, "query": query, "groups": groups, "found": found})
