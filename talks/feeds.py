"""What is new and what changed in the record, as Atom feeds (Django's
syndication framework): the whole record's, one talk's and one party's.

Read from the change history (django-simple-history's tables, which keep
every add and change with who made it and when). Readers see what changed
and when, never who: no author, no change reason. And only what readers may
see now: a change to a draft, or to what only a draft's page would show, is
left out, and each change is named by the record as it stands now, not by
the words it had as a draft. Deletions are left out: what an editor removed
is not republished by the feed.
"""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.contrib.syndication.views import Feed
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe

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
)

# How many changes a feed lists, the latest first.
LATEST = 50
# What a change's row in the history gives: which record, which change, when.
FIELDS = ("id", "history_id", "history_date", "history_type")


@dataclass
class Change:
    record: Model
    verb: str
    when: datetime.datetime
    history_id: int
    # For a citation added or changed: the fact it supports, which is what changed for a reader.
    citation: Citation | None = None

    @property
    def kind(self) -> str:
        return str(self.record._meta.verbose_name)

    @property
    def key(self) -> str:
        return f"{'citation' if self.citation else self.record._meta.model_name}-{self.history_id}"


def seen() -> dict[type[Model], QuerySet]:
    """Every kind of record a reader may see, and which of its records: the
    published ones whose page (a talk's, a party's, a person's) is itself
    published, as the reader's pages have it."""
    talks = Talk.objects.published()
    parties = Party.objects.published()
    people = Person.objects.published()
    delegations = Delegation.objects.published().filter(talk__in=talks, party__in=parties)
    kinds = {
        Talk: talks,
        Session: Session.objects.published().filter(talk__in=talks),
        Milestone: Milestone.objects.published().filter(Q(talk__isnull=True) | Q(talk__in=talks)),
        Delegation: delegations,
        DelegationMember: DelegationMember.objects.published().filter(delegation__in=delegations),
        Position: Position.objects.published().filter(talk__in=talks, party__in=parties),
        Party: parties,
        PartyMembership: PartyMembership.objects.published().filter(member__in=parties, organisation__in=parties),
        Person: people,
        Post: Post.objects.published().filter(person__in=people),
        Claim: Claim.objects.published().filter(subject__in=parties),
        Topic: Topic.objects.published(),
        Process: Process.objects.published(),
        Source: Source.objects.all(),
    }
    named = Q()
    for model in (Talk, Party, Person):
        named |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=kinds[model].values("pk"))
    kinds[Alias] = Alias.objects.published().filter(named)
    return kinds


def of_talk(talk: Talk) -> dict[type[Model], QuerySet]:
    kinds = seen()
    return {
        Talk: kinds[Talk].filter(pk=talk.pk),
        Session: kinds[Session].filter(talk=talk),
        Milestone: kinds[Milestone].filter(talk=talk),
        Delegation: kinds[Delegation].filter(talk=talk),
        DelegationMember: kinds[DelegationMember].filter(delegation__talk=talk),
        Position: kinds[Position].filter(talk=talk),
        Alias: kinds[Alias].filter(content_type=ContentType.objects.get_for_model(Talk), object_id=talk.pk),
    }


def of_party(party: Party) -> dict[type[Model], QuerySet]:
    kinds = seen()
    return {
        Party: kinds[Party].filter(pk=party.pk),
        Alias: kinds[Alias].filter(content_type=ContentType.objects.get_for_model(Party), object_id=party.pk),
        PartyMembership: kinds[PartyMembership].filter(Q(member=party) | Q(organisation=party)),
        Delegation: kinds[Delegation].filter(Q(party=party) | Q(components=party)).distinct(),
        Position: kinds[Position].filter(party=party),
        Claim: kinds[Claim].filter(subject=party),
        Post: kinds[Post].filter(organisation=party),
    }


# What a change's name and address need, so that listing fifty takes a fixed number of queries.
RELATED = {
    Session: ["talk"],
    Delegation: ["party", "talk"],
    DelegationMember: ["person", "delegation__party", "delegation__talk"],
    Position: ["party", "topic", "talk"],
    PartyMembership: ["member", "organisation"],
    Post: ["person", "organisation"],
    Claim: ["subject"],
}


def changes(scope: dict[type[Model], QuerySet]) -> list[Change]:
    """The latest additions and changes to the records in scope, and the
    citations added or changed on them, newest first."""
    rows = []
    facts = Q()
    for model, records in scope.items():
        history = model.history.filter(id__in=records.values("pk"), history_type__in=["+", "~"])
        rows += [(model, row) for row in history.order_by("-history_date").values(*FIELDS)[:LATEST]]
        if model is not Source:
            facts |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=records.values("pk"))
    cited = Citation.history.filter(facts, history_type__in=["+", "~"]).order_by("-history_date")
    rows += [(Citation, row) for row in cited.values(*FIELDS)[:LATEST]]
    rows.sort(key=lambda pair: (pair[1]["history_date"], pair[1]["history_id"]), reverse=True)
    rows = rows[:LATEST]

    found: dict[type[Model], dict[int, Model]] = {}
    for model in {model for model, _ in rows}:
        keys = [row["id"] for kind, row in rows if kind is model]
        if model is Citation:
            records = Citation.objects.with_facts()
        elif model is Alias:
            records = Alias.objects.prefetch_related("named")
        elif model is Source:
            records = Source.objects.defer("text")
        elif related := RELATED.get(model):
            records = model.objects.select_related(*related)
        else:
            records = model.objects.all()
        found[model] = records.in_bulk(keys)
    made = []
    for model, row in rows:
        record = found[model].get(row["id"])
        if record is None:
            continue
        verb = "New" if row["history_type"] == "+" else "Changed"
        if model is Citation:
            if record.fact is None:
                continue
            made.append(
                Change(
                    record.fact,
                    "New source for" if verb == "New" else "Source changed for",
                    row["history_date"],
                    row["history_id"],
                    record,
                )
            )
        else:
            made.append(Change(record, verb, row["history_date"], row["history_id"]))
    return made


class RecordChanges(Feed):
    """New and changed records across the whole record."""

    feed_type = Atom1Feed
    title = "Parley: new and changed records"
    subtitle = (
        "Talks, sessions, delegations, positions, parties and people as they are added to the record or changed, "
        "each with the passages of the sources it comes from."
    )
    # The site, not an editor: readers never see who made a change.
    author_name = "Parley"

    def link(self, obj=None) -> str:
        return reverse("home")

    def feed_url(self, obj=None) -> str:
        return reverse("changes")

    def items(self, obj=None) -> list[Change]:
        return changes(seen())

    def item_title(self, change: Change) -> str:
        return f"{change.verb} {change.kind}: {change.record}"

    def item_description(self, change: Change) -> str:
        when = f"{change.when.day} {change.when:%B %Y}"
        if change.citation:
            citation = change.citation
            passage = (
                f"“{citation.excerpt}” ({citation.source})" if citation.source else f"Editor's note: {citation.note}"
            )
            return f"The {change.kind} “{change.record}” now cites, since {when}: {passage}"
        added = "added to the record" if change.verb == "New" else "changed"
        return f"The {change.kind} “{change.record}” was {added} on {when}."

    def item_link(self, change: Change) -> str:
        return change.record.get_absolute_url()

    def item_guid(self, change: Change) -> str:
        return f"tag:{self.host},{change.when:%Y-%m-%d}:{change.key}"

    def item_pubdate(self, change: Change) -> datetime.datetime:
        return change.when

    def item_updateddate(self, change: Change) -> datetime.datetime:
        return change.when

    def __call__(self, request: HttpRequest, *args, **kwargs):
        # The host names the site in each change's id (a tag: URI). A feed
        # is made for each request (see the views below), so this is the request's.
        self.host = request.get_host().split(":")[0]
        return super().__call__(request, *args, **kwargs)


class TalkChanges(RecordChanges):
    """New and changed records of one talk: the talk, its sessions,
    milestones, delegations, their members and its positions."""

    def get_object(self, request: HttpRequest, slug: str) -> Talk:
        return get_object_or_404(Talk.objects.published(), slug=slug)

    def title(self, talk: Talk) -> str:
        return f"Parley: changes to the {talk}"

    def subtitle(self, talk: Talk) -> str:
        return f"The {talk}, its sessions, delegations and positions as they are added to the record or changed."

    def link(self, talk: Talk) -> str:
        return talk.get_absolute_url()

    def feed_url(self, talk: Talk) -> str:
        return reverse("talk_changes", args=[talk.slug])

    def items(self, talk: Talk) -> list[Change]:
        return changes(of_talk(talk))


class PartyChanges(RecordChanges):
    """New and changed records of one party: the party, its other names,
    memberships, delegations, positions, claims and the posts at it."""

    def get_object(self, request: HttpRequest, slug: str) -> Party:
        return get_object_or_404(Party.objects.published(), slug=slug)

    def title(self, party: Party) -> str:
        return f"Parley: changes about {party}"

    def subtitle(self, party: Party) -> str:
        return f"{party}, its delegations, positions and what sources say of it, as they are added or changed."

    def link(self, party: Party) -> str:
        return party.get_absolute_url()

    def feed_url(self, party: Party) -> str:
        return reverse("party_changes", args=[party.slug])

    def items(self, party: Party) -> list[Change]:
        return changes(of_party(party))


# Plain views, each making its feed for the request.


@require_safe
def record_changes(request: HttpRequest) -> HttpResponse:
    return RecordChanges()(request)


@require_safe
def talk_changes(request: HttpRequest, slug: str) -> HttpResponse:
    return TalkChanges()(request, slug=slug)


@require_safe
def party_changes(request: HttpRequest, slug: str) -> HttpResponse:
    return PartyChanges()(request, slug=slug)
