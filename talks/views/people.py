"""Parties and people: the lists, and each one's page with its other names,
memberships, posts, seats at the table, statements and claims."""

from collections import defaultdict

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from ..models import Alias, Claim, Delegation, DelegationMember, Party, PartyMembership, Person, Position, Post, Session
from .browse import paginate


@require_safe
def party_list(request: HttpRequest) -> HttpResponse:
    """The parties by kind, a page at a time."""
    parties = Party.objects.published().order_by("kind", "name", "pk")
    page = paginate(request, parties.prefetch_related(Prefetch("aliases", queryset=Alias.objects.published())))
    kinds = defaultdict(list)
    for party in page.object_list:
        kinds[party.get_kind_display()].append(party)
    return render(request, "talks/party_list.html", {"kinds": list(kinds.items()), "page": page})


@require_safe
def party_detail(request: HttpRequest, slug: str) -> HttpResponse:
    published = {
        "aliases": Alias.objects.published().cited(),
        "memberships": PartyMembership.objects.published().cited().select_related("organisation"),
        "member_links": PartyMembership.objects.published().cited().select_related("member"),
        "delegations": Delegation.objects.published().cited().select_related("talk", "party"),
        "component_of": Delegation.objects.published().cited().select_related("talk", "party"),
        "positions": Position.objects.for_matrix(),
        "claims": Claim.objects.published()
        .cited()
        .prefetch_related(
            Prefetch("held_by", queryset=Party.objects.published()),
            Prefetch("conflicts_with", queryset=Claim.objects.published().cited().select_related("subject")),
        ),
        "posts": Post.objects.published().cited().select_related("person"),
    }
    party = get_object_or_404(
        Party.objects.published()
        .cited()
        .prefetch_related(*(Prefetch(name, queryset=queryset) for name, queryset in published.items())),
        slug=slug,
    )
    return render(request, "talks/party_detail.html", {"party": party})


@require_safe
def person_list(request: HttpRequest) -> HttpResponse:
    people = Person.objects.published().prefetch_related(
        Prefetch("posts", queryset=Post.objects.published().select_related("organisation"))
    )
    page = paginate(request, people)
    return render(request, "talks/person_list.html", {"people": page.object_list, "page": page})


@require_safe
def person_detail(request: HttpRequest, slug: str) -> HttpResponse:
    published = {
        "aliases": Alias.objects.published().cited(),
        "posts": Post.objects.published().cited().select_related("organisation"),
        "delegation_seats": DelegationMember.objects.published()
        .cited()
        .select_related("delegation__talk", "delegation__party", "post__organisation"),
        "positions": Position.objects.for_matrix(),
        "sessions": Session.objects.published().select_related("talk"),
    }
    person = get_object_or_404(
        Person.objects.published()
        .cited()
        .prefetch_related(*(Prefetch(name, queryset=queryset) for name, queryset in published.items())),
        slug=slug,
    )
    return render(request, "talks/person_detail.html", {"person": person})
