"""One talk's pages: the talk with its timeline, delegations and positions;
the delegations alone; the positions as a filterable topic x party matrix;
two parties' positions side by side."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Count, Prefetch, When, Window
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from ..forms import CompareForm, PositionFilter
from ..models import Alias, Delegation, DelegationMember, Party, Position, Talk, TimelineEntry, Topic
from ..overview import overview
from .browse import render_browse

# The order a reader expects, with each role's heading.
ROLES = {
    Delegation.Role.NEGOTIATING: "Negotiating parties",
    Delegation.Role.GUARANTOR: "Conveners and guarantors",
    Delegation.Role.MEDIATOR: "Mediator",
    Delegation.Role.OBSERVER: "Observers",
    Delegation.Role.HOST: "Host",
}


# The delegations a talk's page shows; all of them are a link away, on
# their own page. At scale 1,000 a large talk's 44 delegations were 230 KB
# of its 370 KB. (Its entries are all listed: a session's address is an
# anchor on this page.)
TALK_DELEGATIONS = 12


def delegations_of(talk: Talk, limit: int | None = None) -> list[tuple[str, list[Delegation]]]:
    """The talk's delegations grouped by role, each with its head first;
    with a limit, the first of them in the order of the roles."""
    delegations = talk.delegations.at_the_table()
    if limit is not None:
        in_order = Case(*(When(role=role, then=place) for place, role in enumerate(ROLES)))
        # How many there are in all, counted before the limit by the same query.
        delegations = delegations.annotate(of_all=Window(Count("pk"))).order_by(in_order, "party__name")[:limit]
    grouped = defaultdict(list)
    for delegation in delegations:
        delegation.seats = sorted(
            delegation.members.all(), key=lambda m: (m.role != DelegationMember.Role.HEAD, m.person.name)
        )
        grouped[delegation.role].append(delegation)
    return [(heading, grouped[role]) for role, heading in ROLES.items() if grouped[role]]


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
    """The positions' topics as rows, and as columns the given parties or
    else every party that stated one."""
    topics = {p.topic.pk: p.topic for p in positions}
    if parties is None:
        parties = sorted({p.party.pk: p.party for p in positions}.values(), key=lambda p: p.name)
    matrix = Matrix(sorted(topics.values(), key=lambda t: t.name), parties)
    for position in positions:
        matrix.cells.setdefault((position.topic.pk, position.party.pk), []).append(position)
    return matrix


@require_safe
def talk_detail(request: HttpRequest, slug: str) -> HttpResponse:
    talk = get_object_or_404(
        Talk.objects.for_detail()
        .select_related("area")
        .prefetch_related(
            Prefetch("followed_by", queryset=Talk.objects.published()),
            # The city's names, for the name it had when the talks began.
            Prefetch("area__aliases", queryset=Alias.objects.published()),
        ),
        slug=slug,
    )
    entries = TimelineEntry.objects.of_talk(talk)
    delegation_groups = delegations_of(talk, TALK_DELEGATIONS)
    shown = [delegation for _, group in delegation_groups for delegation in group]
    return render(
        request,
        "talks/talk_detail.html",
        {
            "talk": talk,
            "entries": entries,
            # Every mark leads to its entry on this page; a zoom, to the timeline of this talk.
            "overview": overview(
                TimelineEntry.objects.filter(talk=talk),
                QueryDict(f"talk={talk.slug}"),
                {entry.anchor for entry in entries},
                reverse("timeline"),
                name=f"the {talk.name}",
            ),
            "delegation_groups": delegation_groups,
            "delegations_shown": len(shown),
            "delegation_count": shown[0].of_all if shown else 0,
            "matrix": matrix_of(list(talk.positions.for_matrix())),
        },
    )


@require_safe
def delegations(request: HttpRequest, slug: str) -> HttpResponse:
    talk = get_object_or_404(Talk.objects.published(), slug=slug)
    return render(request, "talks/delegations.html", {"talk": talk, "delegation_groups": delegations_of(talk)})


@require_safe
@vary_on_headers("HX-Request")
def positions(request: HttpRequest, slug: str) -> HttpResponse:
    talk = get_object_or_404(Talk.objects.published(), slug=slug)
    form = PositionFilter(request.GET, talk=talk)
    shown = list(form.filter(talk.positions.for_matrix()))
    context = {"talk": talk, "form": form, "matrix": matrix_of(shown), "summary": form.describe(len(shown))}
    return render_browse(request, "talks/positions.html", context, form)


@require_safe
def compare(request: HttpRequest, slug: str) -> HttpResponse:
    talk = get_object_or_404(Talk.objects.published(), slug=slug)
    form = CompareForm(request.GET, talk=talk)
    matrix = None
    if chosen := form.parties:
        matrix = matrix_of(list(talk.positions.for_matrix().filter(party__in=chosen)), parties=chosen)
    return render(request, "talks/compare.html", {"talk": talk, "form": form, "matrix": matrix})
