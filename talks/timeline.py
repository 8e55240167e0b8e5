"""The timeline: talks, their sessions and the milestones around them, as
one list of dated entries."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch

from .dates import DatePrecision, DateQualifier, PartialDate
from .models import Citation, Cited, Delegation, Milestone, Party, Person, Position, Session, Talk, Topic
from .text import fold


def _last_day(partial: PartialDate) -> datetime.date | None:
    """The last day a partial date could mean, so that "January 2017" is
    still in a range that starts on 15 January."""
    date = partial.date
    if date is None:
        return None
    if partial.precision == DatePrecision.YEAR:
        return date.replace(month=12, day=31)
    if partial.precision == DatePrecision.MONTH:
        following = date.replace(day=28) + datetime.timedelta(days=4)
        return following - datetime.timedelta(days=following.day)
    return date


@dataclass
class Entry:
    KINDS = {
        "talk": "Talks",
        **{value: f"{label.capitalize()} session" for value, label in Session.Kind.choices},
        **{value: label.capitalize() for value, label in Milestone.Kind.choices},
    }
    STATUSES = [("held", "Held"), ("planned", "Planned"), ("cancelled", "Cancelled")]
    # What "held" is called for a milestone: a ceasefire that "held" would
    # read as one that was kept, not one that began.
    HAPPENED = {
        Milestone.Kind.AGREEMENT: "Signed",
        Milestone.Kind.CEASEFIRE: "Took effect",
        Milestone.Kind.ANNOUNCEMENT: "Made",
        Milestone.Kind.OTHER: "Took place",
    }

    anchor: str
    kind: str
    status: str
    title: str
    start: PartialDate
    end: PartialDate
    url: str
    fact: Cited
    # Which of the fact's fields the entry's marker cites, and whether also
    # what is said of the fact as a whole; none and False: all it cites.
    cited: tuple[str, ...] = ()
    cites_whole: bool = False
    description: str = ""
    talk: Talk | None = None
    parties: list[Party] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    detail: str = ""
    sequence: int = 0

    @property
    def kind_label(self) -> str:
        return self.KINDS[self.kind]

    @property
    def status_label(self) -> str:
        """The status as the filter names it, the same for every kind."""
        return dict(self.STATUSES)[self.status]

    @property
    def status_badge(self) -> str:
        """The status in words that fit the kind: an agreement is signed, a
        ceasefire takes effect, a talk or session is held."""
        if self.status == "held":
            return self.HAPPENED.get(self.kind, self.status_label)
        return self.status_label

    @property
    def citations(self) -> list[Citation]:
        return self.fact.citations_about(self.cited, whole=self.cites_whole)

    @property
    def first_day(self) -> datetime.date | None:
        return self.start.date

    @property
    def last_day(self) -> datetime.date | None:
        return _last_day(self.end) if self.end else _last_day(self.start)

    @property
    def planned(self) -> bool:
        return self.status == "planned"

    def matches(self, text: str) -> bool:
        words = fold(text).split()
        haystack = fold(" ".join([self.title, self.description, self.detail, *(p.name for p in self.parties)]))
        return all(word in haystack for word in words)

    def sort_key(self):
        return (self.start.date is None, self.start.date or datetime.date.min, self.sequence, self.title)


def _status(talk_status: str) -> str:
    if talk_status in {Talk.Status.PLANNED, Talk.Status.POSTPONED}:
        return "planned"
    if talk_status == Talk.Status.CANCELLED:
        return "cancelled"
    return "held"


def entries(talk: Talk | None = None) -> list[Entry]:
    """Every entry of the timeline (or of one talk's), in date order, in a
    fixed number of queries whatever the amount of data."""
    parties, topics = Party.objects.published(), Topic.objects.published()
    talks = (
        Talk.objects.published()
        .cited()
        .prefetch_related(
            Prefetch("convened_by", queryset=parties),
            Prefetch("hosted_by", queryset=parties),
            Prefetch("mediated_by", queryset=parties),
            Prefetch("delegations", queryset=Delegation.objects.published().select_related("party")),
            Prefetch("positions", queryset=Position.objects.published().select_related("topic")),
        )
    )
    sessions = (
        Session.objects.published()
        .cited()
        .select_related("talk")
        .prefetch_related(
            Prefetch("parties", queryset=parties),
            Prefetch("people", queryset=Person.objects.published()),
            Prefetch("positions", queryset=Position.objects.published().select_related("topic")),
        )
    )
    milestones = (
        Milestone.objects.published()
        .cited()
        .select_related("talk")
        .prefetch_related(Prefetch("parties", queryset=parties), Prefetch("topics", queryset=topics))
    )
    if talk is not None:
        talks, sessions, milestones = talks.filter(pk=talk.pk), sessions.filter(talk=talk), milestones.filter(talk=talk)

    found = []
    for each in talks:
        found.append(
            Entry(
                anchor=f"talk-{each.slug}",
                kind="talk",
                status=_status(each.status),
                title=each.name,
                start=each.start,
                end=each.end,
                url=each.get_absolute_url(),
                # A talk carries many citations; its entry shows those for
                # its dates and those for the talk as a whole.
                fact=each,
                cited=("start_date", "end_date"),
                cites_whole=True,
                description=each.summary,
                detail=each.place,
                talk=each,
                parties=each.involved_parties,
                topics=_topics(each.positions.all()),
            )
        )
    for session in sessions:
        found.append(
            Entry(
                anchor=f"session-{session.pk}",
                kind=session.kind,
                status=session.status,
                title=session.title,
                start=session.start,
                end=session.end,
                url=session.get_absolute_url(),
                fact=session,
                description=session.description,
                detail=session.get_format_display() if session.format else "",
                talk=session.talk,
                parties=list(session.parties.all()),
                topics=_topics(session.positions.all()),
                sequence=session.sequence,
            )
        )
    found += [milestone_entry(milestone) for milestone in milestones]
    return sorted(found, key=Entry.sort_key)


def milestone_entry(milestone: Milestone) -> Entry:
    """A milestone as an entry of the timeline; its talk, parties and topics
    should be fetched with it."""
    planned = milestone.date_qualifier in {DateQualifier.PLANNED, DateQualifier.EXPECTED}
    return Entry(
        anchor=f"milestone-{milestone.slug}",
        kind=milestone.kind,
        status="planned" if planned else "held",
        title=milestone.title,
        start=milestone.when,
        end=PartialDate(None),
        url=milestone.get_absolute_url(),
        fact=milestone,
        description=milestone.description,
        talk=milestone.talk,
        parties=list(milestone.parties.all()),
        topics=list(milestone.topics.all()),
    )


def _topics(positions) -> list[Topic]:
    return sorted({p.topic.pk: p.topic for p in positions}.values(), key=lambda t: t.name)


def rebuild() -> None:
    """Rebuild the timeline's entries from the record (bulk loads skip the signals that keep them current)."""
    return None
