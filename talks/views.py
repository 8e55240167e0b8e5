"""The reader's pages. Each list page is a filter form bound to request.GET;
an HTMX request gets the named partial of the same template."""

import csv
import logging
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from . import timeline
from .forms import CompareForm, PositionFilter, SearchForm, TalkFilter, TimelineFilter
from .models import (
    Alias,
    Citation,
    Claim,
    Delegation,
    DelegationMember,
    Milestone,
    Party,
    PartyMembership,
    Person,
    Position,
    Post,
    Process,
    Session,
    Source,
    Talk,
    Topic,
    fold,
)

logger = logging.getLogger(__name__)

CITED = Prefetch("citations", queryset=Citation.objects.select_related("source"))
PER_PAGE = 50

# What a citation supports, with what each kind of fact needs for its name
# and address, so that a source page lists its facts in a fixed number of queries.
FACTS = GenericPrefetch(
    "fact",
    [
        Alias.objects.prefetch_related("named"),
        Claim.objects.select_related("subject"),
        Delegation.objects.select_related("party", "talk"),
        DelegationMember.objects.select_related("person", "delegation__party", "delegation__talk"),
        Milestone.objects.all(),
        Party.objects.all(),
        PartyMembership.objects.select_related("member", "organisation"),
        Person.objects.all(),
        Position.objects.select_related("party", "topic", "talk"),
        Post.objects.select_related("person", "organisation"),
        Process.objects.all(),
        Session.objects.select_related("talk"),
        Talk.objects.all(),
        Topic.objects.all(),
    ],
)


def render_browse(request: HttpRequest, template: str, context: dict, form) -> HttpResponse:
    """The full page, or for an HTMX request its "browse" partial, with the
    canonical URL (the applied filters only) pushed to the address bar."""
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, f"{template}#browse" if partial else template, context)
    if partial:
        query = form.query()
        if (page := context.get("page")) and page.number > 1:
            query["page"] = page.number
        push_url(response, f"{request.path}?{query.urlencode()}" if query else request.path)
    return response


def talk_queryset():
    return Talk.objects.select_related("process").prefetch_related(
        CITED, "convened_by", "hosted_by", "mediated_by", "delegations__party", "aliases"
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler. A database that is locked, gone or refusing
    connections is not the reader's problem nor a bug: it gets a 503 page
    that says to come back, wherever in the request it failed."""
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError):
        logger.error("database unavailable: %s %s: %s", request.method, request.path, error)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(render_to_string("500.html"))


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """For the load balancer and the operator: 200 when the database
    answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("health check failed: database: %s", error)
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    entries = timeline.entries()
    return render(
        request,
        "talks/home.html",
        {"talks": talk_queryset(), "latest": list(reversed(entries[-5:])), "search": SearchForm(request.GET)},
    )


@require_safe
@vary_on_headers("HX-Request")
def talk_list(request: HttpRequest) -> HttpResponse:
    form = TalkFilter(request.GET)
    talks = list(talk_queryset())
    shown = form.filter(talks)
    context = {"form": form, "talks": shown, "facets": form.facet_counts(talks), "summary": form.describe(len(shown))}
    return render_browse(request, "talks/talk_list.html", context, form)


@require_safe
@vary_on_headers("HX-Request")
def timeline_view(request: HttpRequest) -> HttpResponse:
    form = TimelineFilter(request.GET)
    entries = timeline.entries()
    shown = form.filter(entries)
    page = Paginator(shown, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "facets": form.facet_counts(entries),
        "summary": form.describe(len(shown)),
    }
    return render_browse(request, "talks/timeline.html", context, form)


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


def delegations_of(talk: Talk) -> list[tuple[str, list[Delegation]]]:
    """The talk's delegations, grouped by role in the order a reader expects."""
    delegations = talk.delegations.select_related("party").prefetch_related(
        CITED,
        Prefetch("components", queryset=Party.objects.prefetch_related(CITED)),
        Prefetch(
            "members",
            queryset=DelegationMember.objects.select_related("person").prefetch_related(
                CITED, Prefetch("post", queryset=Post.objects.select_related("organisation").prefetch_related(CITED))
            ),
        ),
    )
    order = [
        Delegation.Role.NEGOTIATING,
        Delegation.Role.GUARANTOR,
        Delegation.Role.MEDIATOR,
        Delegation.Role.OBSERVER,
        Delegation.Role.HOST,
    ]
    grouped = defaultdict(list)
    for delegation in delegations:
        members = sorted(delegation.members.all(), key=lambda m: (m.role != DelegationMember.Role.HEAD, m.person.name))
        delegation.seats = members
        grouped[delegation.role].append(delegation)
    plural = {
        Delegation.Role.NEGOTIATING: "Negotiating parties",
        Delegation.Role.GUARANTOR: "Conveners and guarantors",
        Delegation.Role.MEDIATOR: "Mediator",
        Delegation.Role.OBSERVER: "Observers",
        Delegation.Role.HOST: "Host",
    }
    return [(plural[role], grouped[role]) for role in order if grouped[role]]


@dataclass
class Matrix:
    """Positions as a topic x party table."""

    topics: list[Topic]
    parties: list[Party]
    cells: dict = field(default_factory=dict)

    def rows(self):
        for topic in self.topics:
            yield topic, [(party, self.cells.get((topic.pk, party.pk), [])) for party in self.parties]


def matrix_of(positions: list[Position], parties: list[Party] | None = None) -> Matrix:
    topics = {p.topic.pk: p.topic for p in positions}
    if parties is None:
        parties = sorted({p.party.pk: p.party for p in positions}.values(), key=lambda p: p.name)
    matrix = Matrix(sorted(topics.values(), key=lambda t: t.name), parties)
    for position in positions:
        matrix.cells.setdefault((position.topic.pk, position.party.pk), []).append(position)
    return matrix


def positions_of(talk: Talk):
    return list(talk.positions.select_related("party", "topic", "speaker", "session").prefetch_related(CITED))


@require_safe
def talk_detail(request: HttpRequest, slug: str) -> HttpResponse:
    talk = get_object_or_404(talk_queryset().prefetch_related("followed_by"), slug=slug)
    return render(
        request,
        "talks/talk_detail.html",
        {
            "talk": talk,
            "entries": timeline.entries(talk),
            "delegation_groups": delegations_of(talk),
            "matrix": matrix_of(positions_of(talk)),
        },
    )


@require_safe
def delegations(request: HttpRequest, slug: str) -> HttpResponse:
    talk = get_object_or_404(Talk, slug=slug)
    return render(request, "talks/delegations.html", {"talk": talk, "delegation_groups": delegations_of(talk)})


@require_safe
@vary_on_headers("HX-Request")
def positions(request: HttpRequest, slug: str) -> HttpResponse:
    talk = get_object_or_404(Talk, slug=slug)
    form = PositionFilter(request.GET)
    all_positions = positions_of(talk)
    shown = form.filter(all_positions)
    # Choices limited to what this talk has, so that no choice leads nowhere.
    form.fields["topic"].queryset = Topic.objects.filter(positions__talk=talk).distinct()
    form.fields["party"].queryset = Party.objects.filter(positions__talk=talk).distinct()
    context = {
        "talk": talk,
        "form": form,
        "matrix": matrix_of(shown),
        "summary": form.describe(len(shown)),
        "parties": sorted({p.party.pk: p.party for p in all_positions}.values(), key=lambda p: p.name),
    }
    return render_browse(request, "talks/positions.html", context, form)


@require_safe
def compare(request: HttpRequest, slug: str) -> HttpResponse:
    talk = get_object_or_404(Talk, slug=slug)
    form = CompareForm(request.GET)
    form.fields["a"].queryset = form.fields["b"].queryset = Party.objects.filter(positions__talk=talk).distinct()
    chosen = [form.applied[name] for name in ("a", "b") if name in form.applied]
    matrix = None
    if len(chosen) == 2:
        matrix = matrix_of([p for p in positions_of(talk) if p.party_id in {c.pk for c in chosen}], parties=chosen)
    return render(request, "talks/compare.html", {"talk": talk, "form": form, "matrix": matrix})


@require_safe
def party_list(request: HttpRequest) -> HttpResponse:
    parties = Party.objects.prefetch_related("aliases")
    kinds = defaultdict(list)
    for party in parties:
        kinds[party.get_kind_display()].append(party)
    return render(request, "talks/party_list.html", {"kinds": sorted(kinds.items())})


@require_safe
def party_detail(request: HttpRequest, slug: str) -> HttpResponse:
    party = get_object_or_404(
        Party.objects.prefetch_related(
            CITED,
            Prefetch("aliases", queryset=Alias.objects.prefetch_related(CITED)),
            Prefetch(
                "memberships", queryset=PartyMembership.objects.select_related("organisation").prefetch_related(CITED)
            ),
            Prefetch("member_links", queryset=PartyMembership.objects.select_related("member").prefetch_related(CITED)),
            Prefetch("delegations", queryset=Delegation.objects.select_related("talk").prefetch_related(CITED)),
            Prefetch(
                "component_of", queryset=Delegation.objects.select_related("talk", "party").prefetch_related(CITED)
            ),
            Prefetch(
                "positions",
                queryset=Position.objects.select_related("talk", "topic", "speaker").prefetch_related(CITED),
            ),
            Prefetch(
                "claims",
                queryset=Claim.objects.prefetch_related(
                    CITED,
                    "held_by",
                    Prefetch(
                        "conflicts_with", queryset=Claim.objects.select_related("subject").prefetch_related(CITED)
                    ),
                ),
            ),
            Prefetch("posts", queryset=Post.objects.select_related("person").prefetch_related(CITED)),
        ),
        slug=slug,
    )
    return render(request, "talks/party_detail.html", {"party": party})


@require_safe
def person_list(request: HttpRequest) -> HttpResponse:
    people = Person.objects.prefetch_related(Prefetch("posts", queryset=Post.objects.select_related("organisation")))
    return render(request, "talks/person_list.html", {"people": people})


@require_safe
def person_detail(request: HttpRequest, slug: str) -> HttpResponse:
    person = get_object_or_404(
        Person.objects.prefetch_related(
            CITED,
            Prefetch("aliases", queryset=Alias.objects.prefetch_related(CITED)),
            Prefetch("posts", queryset=Post.objects.select_related("organisation").prefetch_related(CITED)),
            Prefetch(
                "delegation_seats",
                queryset=DelegationMember.objects.select_related(
                    "delegation__talk", "delegation__party", "post__organisation"
                ).prefetch_related(CITED),
            ),
            Prefetch(
                "positions",
                queryset=Position.objects.select_related("talk", "topic", "party").prefetch_related(CITED),
            ),
            Prefetch("sessions", queryset=Session.objects.select_related("talk")),
        ),
        slug=slug,
    )
    return render(request, "talks/person_detail.html", {"person": person})


@require_safe
def source_list(request: HttpRequest) -> HttpResponse:
    return render(request, "talks/source_list.html", {"sources": Source.objects.all()})


@dataclass
class Passage:
    number: int
    start: int
    end: int
    citations: list[Citation]


def passages_of(source: Source, citations: list[Citation]) -> tuple[list, list[Passage]]:
    """The source's text cut into plain stretches and cited passages, each
    passage with the citations that quote it. Overlapping excerpts are
    merged into one passage."""
    spans = []
    for citation in citations:
        words = citation.excerpt.split()
        if not words:
            continue
        match = re.search(r"\s+".join(map(re.escape, words)), source.text)
        if match:
            spans.append((match.start(), match.end(), citation))
    spans.sort(key=lambda span: (span[0], -span[1]))
    passages: list[Passage] = []
    for start, end, citation in spans:
        if passages and start < passages[-1].end:
            passages[-1].end = max(passages[-1].end, end)
            passages[-1].citations.append(citation)
        else:
            passages.append(Passage(len(passages) + 1, start, end, [citation]))
    pieces, position = [], 0
    for passage in passages:
        pieces.append((source.text[position : passage.start], None))
        pieces.append((source.text[passage.start : passage.end], passage))
        position = passage.end
    pieces.append((source.text[position:], None))
    return pieces, passages


@require_safe
def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    source = get_object_or_404(Source, slug=slug)
    citations = list(source.citations.select_related("content_type").prefetch_related(FACTS))
    pieces, passages = passages_of(source, citations)
    return render(request, "talks/source_detail.html", {"source": source, "pieces": pieces, "passages": passages})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.applied.get("q", "")
    groups = []
    if query:
        folded = fold(query)
        by_name = Q(name__icontains=query) | Q(folded__contains=folded) | Q(aliases__folded__contains=folded)
        parties = Party.objects.filter(by_name).distinct().prefetch_related("aliases")
        people = Person.objects.filter(by_name).distinct().prefetch_related("aliases")
        talks = (
            Talk.objects.filter(
                by_name | Q(summary__icontains=query) | Q(city__icontains=query) | Q(venue__icontains=query)
            )
            .distinct()
            .prefetch_related("aliases")
        )
        sessions = Session.objects.filter(Q(title__icontains=query) | Q(description__icontains=query)).select_related(
            "talk"
        )
        positions = (
            Position.objects.filter(
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
        sources = Source.objects.filter(
            Q(title__icontains=query) | Q(author__icontains=query) | Q(text__icontains=query)
        )
        groups = [
            ("Parties", "party", list(parties)),
            ("People", "person", list(people)),
            ("Talks", "talk", list(talks)),
            ("Sessions", "session", list(sessions)),
            ("Positions", "position", list(positions)),
            ("Sources", "source", list(sources)),
        ]
    found = sum(len(items) for _, _, items in groups)
    return render(request, "talks/search.html", {"form": form, "query": query, "groups": groups, "found": found})
