"""Parties and people: the lists, and each one's page with its other names,
memberships, posts, seats at the table, statements and claims."""

from collections import defaultdict

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from ..models import Alias, Claim, Delegation, DelegationMember, Party, PartyMembership, Person, Position, Post, Session


@require_safe
def party_list(request: HttpRequest) -> HttpResponse:
    kinds = defaultdict(list)
    for party in Party.objects.prefetch_related("aliases"):
        kinds[party.get_kind_display()].append(party)
    return render(request, "talks/party_list.html", {"kinds": sorted(kinds.items())})


@require_safe
def party_detail(request: HttpRequest, slug: str) -> HttpResponse:
    party = get_object_or_404(
        Party.objects.cited().prefetch_related(
            Prefetch("aliases", queryset=Alias.objects.cited()),
            Prefetch("memberships", queryset=PartyMembership.objects.cited().select_related("organisation")),
            Prefetch("member_links", queryset=PartyMembership.objects.cited().select_related("member")),
            Prefetch("delegations", queryset=Delegation.objects.cited().select_related("talk", "party")),
            Prefetch("component_of", queryset=Delegation.objects.cited().select_related("talk", "party")),
            Prefetch("positions", queryset=Position.objects.for_matrix()),
            Prefetch(
                "claims",
                queryset=Claim.objects.cited().prefetch_related(
                    "held_by", Prefetch("conflicts_with", queryset=Claim.objects.cited().select_related("subject"))
                ),
            ),
            Prefetch("posts", queryset=Post.objects.cited().select_related("person")),
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
        Person.objects.cited().prefetch_related(
            Prefetch("aliases", queryset=Alias.objects.cited()),
            Prefetch("posts", queryset=Post.objects.cited().select_related("organisation")),
            Prefetch(
                "delegation_seats",
                queryset=DelegationMember.objects.cited().select_related(
                    "delegation__talk", "delegation__party", "post__organisation"
                ),
            ),
            Prefetch("positions", queryset=Position.objects.for_matrix()),
            Prefetch("sessions", queryset=Session.objects.select_related("talk")),
        ),
        slug=slug,
    )
    return render(request, "talks/person_detail.html", {"person": person})
