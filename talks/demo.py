"""Demo data: a synthetic record of any size, for seeing how the reader's
pages hold up as the record grows (`manage.py make_demo_data --scale N`,
bench/, docs/performance.md).

Scale N is the seed record N times over: N times its rows in every table,
cited as the seed is cited (the same share of editor's notes for each kind
of fact). Its shapes are the ones that make pages slow or long: many small
talks and a few large ones, long names, Arabic-script names, dates of every
precision and qualifier, statuses of every kind. Everything is clearly made
up ("Demo talks 12", "demo.invalid"), and a fixed random seed makes the same
N give the same record.

It never mixes with the real record: it goes only into a database that
holds no record of Parley at all.
"""

import datetime
import itertools
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from simple_history.exceptions import NotHistoricalModelError
from simple_history.models import HistoricalChanges
from simple_history.utils import get_history_manager_for_model

from . import search, timeline
from .dates import DatePrecision, DateQualifier, truncate
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
from .text import fold

# Rows per unit of scale: the seed record's count in each table.
SEED = {
    Source: 1,
    Process: 1,
    Topic: 5,
    Party: 14,
    Person: 7,
    PartyMembership: 2,
    Post: 8,
    Talk: 2,
    Session: 2,
    Delegation: 7,
    DelegationMember: 5,
    Position: 5,
    Milestone: 1,
    Claim: 3,
    # The seed's other names (55) include its places' and topics', which the
    # demo record leaves out: it gives parties, people and talks more instead.
    Alias: 55,
}
# Citations per unit of scale for each kind of fact, and how many of them
# are editor's notes rather than excerpts: the seed's own split (140 in all).
CITATIONS = {
    Alias: (37, 12),
    Party: (24, 1),
    Delegation: (20, 5),
    Talk: (18, 4),
    Session: (9, 2),
    Person: (8, 0),
    Post: (8, 0),
    DelegationMember: (6, 1),
    Position: (6, 0),
    Topic: (5, 0),
    Milestone: (4, 1),
    Claim: (3, 0),
    PartyMembership: (2, 0),
    Process: (2, 1),
}
# Talks 1, 51, 101 … are large: each draws twenty times the sessions,
# delegations and positions of a small one. Party 1 sits at every large talk.
# bench/bench.py measures the pages of talk 1 and party 1.
LARGE_EVERY = 50
LARGE_WEIGHT = 20
BATCH = 2000

FIRST_DAY = datetime.date(1990, 1, 1)
LAST_DAY = datetime.date(2030, 12, 31)
SYLLABLES = ["ka", "lo", "mer", "sa", "tin", "vo", "ra", "den", "ul", "mi", "kor", "al", "bet", "zu", "nan", "shi"]
ARABIC_SYLLABLES = ["كا", "لو", "مر", "سا", "تين", "فو", "را", "دن", "مي", "كور", "بت", "زو", "نان", "شي", "بو", "غار"]
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


class DatabaseNotEmpty(Exception):
    pass


def refuse_unless_empty() -> None:
    """Demo data goes only into a database of its own: one that holds no
    row of any table of the talks app (not even history, nor a fixture load)."""
    held = {
        model: count for model in apps.get_app_config("talks").get_models() if (count := model._base_manager.count())
    }
    if held:
        named = [str(model._meta.verbose_name_plural) for model in held if not issubclass(model, HistoricalChanges)]
        raise DatabaseNotEmpty(
            f"This database already holds {sum(held.values()):,} rows of Parley's record "
            f"({', '.join(named[:5] or ['history'])}{'…' if len(named) > 5 else ''}). Demo data goes into a database "
            "of its own, never into a real record. Make one and point DATABASE_URL at it, e.g.\n"
            "  DATABASE_URL=sqlite:///demo-100.sqlite3 python manage.py migrate\n"
            "  DATABASE_URL=sqlite:///demo-100.sqlite3 python manage.py make_demo_data --scale 100"
        )


def make(scale: int, report: Callable[[str], None] = lambda message: None) -> None:
    """Write the demo record of the given scale: all of it or, on any error,
    none of it."""
    started = time.monotonic()
    with transaction.atomic():
        refuse_unless_empty()
        record = Record(scale)
        report(f"Planned scale {scale} in {time.monotonic() - started:.1f} s; writing it.")
        written = record.write(report)
        rebuilding = time.monotonic()
        timeline.rebuild()
        report(f"  timeline rebuilt ({time.monotonic() - rebuilding:.1f} s)")
        rebuilding = time.monotonic()
        search.rebuild()
        report(f"  search index rebuilt ({time.monotonic() - rebuilding:.1f} s)")
    report(f"Wrote {sum(written.values()):,} rows in {time.monotonic() - started:.1f} s.")


class Record:
    """The demo record of one scale, built in memory with its keys set, so
    that every reference can be made before anything is written."""

    def __init__(self, scale: int):
        self.scale = scale
        # A string seed is hashed the same way in every run (PYTHONHASHSEED aside).
        self.rng = random.Random(f"parley demo record, scale {scale}")
        self.rows: dict[type[Model], list[Model]] = {}
        self.links: dict[type[Model], list[Model]] = defaultdict(list)
        self.texts: list[list[str]] = []
        self.lengths: list[int] = []
        self.passages = itertools.count(1)
        self.sources()
        self.processes_and_topics()
        self.parties()
        self.people()
        self.talks()
        self.sessions()
        self.delegations()
        self.members()
        self.posts()
        self.positions()
        self.milestones()
        self.claims()
        self.aliases()
        self.citations()
        for source, pieces in zip(self.rows[Source], self.texts, strict=True):
            source.text = "".join(pieces)

    # --- Helpers ------------------------------------------------------------------------------------------

    def count(self, model: type[Model]) -> int:
        return SEED[model] * self.scale

    def pick(self, values: Sequence, index: int, weights: Sequence[float] | None = None):
        """The index-th value for the first records of a kind, so that even
        scale 1 shows every value; then a weighted draw."""
        return values[index] if index < len(values) else self.rng.choices(values, weights)[0]

    def words(self, low: int, high: int) -> str:
        return " ".join(
            "".join(self.rng.choices(SYLLABLES, k=self.rng.randint(1, 3))) for _ in range(self.rng.randint(low, high))
        )

    def name(self, prefix: str, number: int, limit: int) -> str:
        """'Demo party 12 vomer', and one name in eight long, up to the field's limit."""
        base = f"{prefix} {number}"
        if self.rng.random() < 0.125:
            return f"{base}: {self.words(20, 40)}"[: limit - 2].rstrip() + " …"
        return f"{base} {self.words(1, 4)}"

    def text(self, low: int, high: int) -> str:
        return f"Demo text. {self.words(low, high).capitalize()}."

    def day(self, after: datetime.date, within: int | None) -> datetime.date:
        days = (LAST_DAY - after).days if within is None else within
        return after + datetime.timedelta(days=self.rng.randint(0, max(days, 0)))

    def date(self, index: int, after: datetime.date = FIRST_DAY, within: int | None = None):
        """A day, month or year (stored as its first day), after `after`."""
        precision = self.pick(DatePrecision.values, index, [0.6, 0.25, 0.15])
        return truncate(self.day(after, within), precision), precision

    def dates(self, fact, index: int, qualifiers: tuple[str, str], after=FIRST_DAY, within=None) -> None:
        """A start and, three times in four, an end not before it."""
        fact.start_date, fact.start_precision = self.date(index, after, within)
        fact.start_qualifier = qualifiers[0]
        if self.rng.random() < 0.75:
            day = self.day(fact.start_date, 30)
            precision = self.pick(DatePrecision.values, index + 1, [0.6, 0.25, 0.15])
            if truncate(day, precision) < fact.start_date:
                # A month or year that begins before a more precise start: say the end as precisely.
                precision = fact.start_precision
            fact.end_date, fact.end_precision, fact.end_qualifier = truncate(day, precision), precision, qualifiers[1]

    def add(self, model: type[Model], rows: list[Model]) -> None:
        self.rows[model] = rows

    def link(self, field, **ids) -> None:
        through = field.remote_field.through
        self.links[through].append(through(**ids))

    def spread(self, count: int, targets: list[Model]) -> list[Model]:
        """`count` draws of targets, the large talks' share twenty times a small one's."""
        weights = [LARGE_WEIGHT if target.large else 1 for target in targets]
        return self.rng.choices(targets, weights, k=count)

    # --- The record, kind by kind -------------------------------------------------------------------------

    def sources(self) -> None:
        rows = []
        for n in range(1, self.count(Source) + 1):
            published, precision = self.date(n - 1)
            rows.append(
                Source(
                    id=n,
                    title=self.name("Demo report", n, 300),
                    slug=f"demo-report-{n}",
                    author=f"Demo author {n}",
                    publisher="Demo wire (synthetic)",
                    published_date=published,
                    published_precision=precision,
                    url=f"https://demo.invalid/reports/{n}",
                    note="A synthetic source of the demo record." if n % 3 == 0 else "",
                )
            )
            self.texts.append([f"Demo report {n}. This text is synthetic. {self.text(20, 60)}"])
            self.lengths.append(len(self.texts[-1][0]))
        self.add(Source, rows)

    def processes_and_topics(self) -> None:
        self.add(
            Process,
            [
                Process(
                    id=n, name=self.name("Demo process", n, 200), slug=f"demo-process-{n}", description=self.text(5, 30)
                )
                for n in range(1, self.count(Process) + 1)
            ],
        )
        self.add(
            Topic,
            [
                Topic(id=n, name=self.name("Demo topic", n, 100), slug=f"demo-topic-{n}", description=self.text(3, 20))
                for n in range(1, self.count(Topic) + 1)
            ],
        )

    def parties(self) -> None:
        kinds = Party.Kind.values
        rows = []
        for n in range(1, self.count(Party) + 1):
            name = self.name("Demo party", n, 200)
            kind = Party.Kind.INTERNATIONAL if n == 1 else self.pick(kinds, n - 2, [3, 2, 2, 4, 2, 1])
            rows.append(
                Party(
                    id=n, name=name, slug=f"demo-party-{n}", folded=fold(name), kind=kind, description=self.text(0, 40)
                )
            )
        self.add(Party, rows)
        coalitions = [p for p in rows if p.kind == Party.Kind.COALITION]
        groups = [p for p in rows if p.kind in {Party.Kind.ARMED_GROUP, Party.Kind.POLITICAL_BODY}]
        pairs = set()
        # Bounded, in case a small record has fewer group-coalition pairs than it needs.
        for _ in range(20 * self.count(PartyMembership)):
            if len(pairs) == self.count(PartyMembership) or not (coalitions and groups):
                break
            pairs.add((self.rng.choice(groups), self.rng.choice(coalitions)))
        self.add(
            PartyMembership,
            [
                PartyMembership(id=n, member=member, organisation=organisation, note=f"Demo membership {n}")
                for n, (member, organisation) in enumerate(sorted(pairs, key=lambda p: (p[0].pk, p[1].pk)), 1)
            ],
        )

    def people(self) -> None:
        rows = []
        for n in range(1, self.count(Person) + 1):
            name = self.name("Demo person", n, 200)
            rows.append(
                Person(id=n, name=name, slug=f"demo-person-{n}", folded=fold(name), description=self.text(0, 25))
            )
        self.add(Person, rows)
        # Where each person holds their posts, decided when they first take a
        # seat (members()): a member sits for the party they hold a post at.
        self.home: dict[int, Party] = {}

    def talks(self) -> None:
        statuses = Talk.Status.values
        rows = []
        processes = self.rows[Process]
        for n in range(1, self.count(Talk) + 1):
            name = self.name("Demo talks", n, 200)
            status = Talk.Status.UNDER_WAY if n == 1 else self.pick(statuses, n - 2, [20, 8, 55, 8, 9])
            talk = Talk(
                id=n,
                name=name,
                slug=f"demo-talks-{n}",
                folded=fold(name),
                status=status,
                summary=self.text(10, 90),
                venue=f"Demo venue {self.rng.randint(1, 40 * self.scale)}" if self.rng.random() < 0.7 else "",
                city=f"Demo city {self.rng.randint(1, 20 * self.scale)}",
                country=f"Demo country {self.rng.randint(1, 5 * self.scale)}",
                process=self.rng.choice(processes) if self.rng.random() < 0.6 else None,
                follows=rows[self.rng.randrange(len(rows))] if rows and self.rng.random() < 0.3 else None,
            )
            self.dates(talk, n - 1, self.talk_qualifiers(status))
            talk.large = (n - 1) % LARGE_EVERY == 0
            talk.topic_pool = self.rng.sample(self.rows[Topic], min(len(self.rows[Topic]), self.rng.randint(2, 8)))
            rows.append(talk)
        self.add(Talk, rows)

    def talk_qualifiers(self, status: str) -> tuple[str, str]:
        """Qualifiers that agree with the status (what check_record asks):
        what has happened is never only expected."""
        sure = [DateQualifier.NONE, DateQualifier.ABOUT]
        unsure = [DateQualifier.EXPECTED, DateQualifier.PLANNED]
        if status == Talk.Status.CONCLUDED:
            return self.rng.choice(sure), self.rng.choice(sure)
        if status == Talk.Status.UNDER_WAY:
            return self.rng.choice(sure), DateQualifier.EXPECTED
        if status in {Talk.Status.PLANNED, Talk.Status.POSTPONED}:
            return self.rng.choice(unsure), self.rng.choice(unsure)
        return self.rng.choice(DateQualifier.values), self.rng.choice(DateQualifier.values)

    def sessions(self) -> None:
        rows = []
        sequences = Counter()
        for n, talk in enumerate(self.spread(self.count(Session), self.rows[Talk]), 1):
            sequences[talk.pk] += 1
            if talk.status in {Talk.Status.PLANNED, Talk.Status.POSTPONED}:
                status = Session.Status.PLANNED
            elif talk.status == Talk.Status.CONCLUDED:
                status = self.rng.choices([Session.Status.HELD, Session.Status.CANCELLED], [9, 1])[0]
            else:
                status = self.pick(Session.Status.values, n - 1, [80, 12, 8])
            session = Session(
                id=n,
                talk=talk,
                title=self.name("Demo session", n, 200),
                sequence=sequences[talk.pk],
                kind=self.pick(Session.Kind.values, n - 1, [2, 4, 3, 2, 1]),
                format=self.pick(Session.Format.values, n - 1, [4, 2, 3]),
                status=status,
                description=self.text(0, 30),
            )
            sure = self.rng.choice([DateQualifier.NONE, DateQualifier.ABOUT])
            unsure = self.rng.choice([DateQualifier.EXPECTED, DateQualifier.PLANNED])
            qualifier = {Session.Status.HELD: sure, Session.Status.PLANNED: unsure}.get(status, sure)
            self.dates(session, n - 1, (qualifier, qualifier), after=talk.start_date or FIRST_DAY, within=10)
            rows.append(session)
        self.add(Session, rows)

    def delegations(self) -> None:
        parties = self.rows[Party]
        roles = Delegation.Role.values
        wanted_at = Counter(talk.pk for talk in self.spread(self.count(Delegation), self.rows[Talk]))
        rows = []
        for talk in self.rows[Talk]:
            wanted = wanted_at[talk.pk]
            chosen = [parties[0]] if talk.large and wanted else []
            chosen += self.rng.sample(parties[1:], min(wanted - len(chosen), len(parties) - 1))
            for party in chosen:
                n = len(rows) + 1
                role = Delegation.Role.MEDIATOR if party.pk == 1 else self.pick(roles, n - 1, [10, 3, 4, 2, 1])
                rows.append(
                    Delegation(
                        id=n,
                        talk=talk,
                        party=party,
                        role=role,
                        count_note=f"at least {self.rng.randint(2, 30)} demo groups" if self.rng.random() < 0.1 else "",
                        description=self.text(0, 20),
                    )
                )
        self.add(Delegation, rows)
        links = {Delegation.Role.GUARANTOR: Talk.convened_by, Delegation.Role.HOST: Talk.hosted_by}
        links[Delegation.Role.MEDIATOR] = Talk.mediated_by
        members_of = defaultdict(list)
        for membership in self.rows[PartyMembership]:
            members_of[membership.organisation_id].append(membership.member)
        for delegation in self.rows[Delegation]:
            # The talk's lists say what the delegations' roles say (check_record).
            if field := links.get(delegation.role):
                self.link(field.field, talk_id=delegation.talk_id, party_id=delegation.party_id)
            for component in members_of[delegation.party_id]:
                self.link(Delegation.components.field, delegation_id=delegation.pk, party_id=component.pk)

    def members(self) -> None:
        """A head for most delegations, the large talks' first; deputies,
        spokespeople, members and advisers for the large talks'. Each seat
        goes to someone who holds posts at the delegation's party, or to a
        newcomer who from then on does."""
        delegations = sorted(self.rows[Delegation], key=lambda d: (not d.talk.large, d.pk))
        heads = self.count(DelegationMember) * 4 // 5
        seats = [(d, DelegationMember.Role.HEAD) for d in delegations[:heads]]
        large = [d for d in delegations if d.talk.large] or delegations
        others = [r for r in DelegationMember.Role.values if r != DelegationMember.Role.HEAD]
        for index in range(self.count(DelegationMember) - len(seats)):
            seats.append((self.rng.choice(large), self.pick(others, index)))
        people = self.rows[Person]
        newcomers = iter(self.rng.sample(people, len(people)))
        by_home: dict[int, list[Person]] = defaultdict(list)
        seated: set[tuple[int, int]] = set()
        rows = []
        for delegation, role in seats:
            party = delegation.party
            person = next((p for p in by_home[party.pk] if (delegation.pk, p.pk) not in seated), None)
            if person is None:
                # There are more people than seats, so newcomers never run out.
                person = next(newcomers)
                self.home[person.pk] = party
                by_home[party.pk].append(person)
            seated.add((delegation.pk, person.pk))
            rows.append(DelegationMember(delegation=delegation, person=person, role=role, note=self.text(0, 6)[:200]))
        for n, member in enumerate(rows, 1):
            member.id = n
        self.add(DelegationMember, rows)

    def posts(self) -> None:
        """A post at their party for everyone seated; then second posts
        (some former), and posts at no party for the unseated."""
        people = self.rows[Person]
        holders = [p for p in people if p.pk in self.home] + [p for p in people if p.pk not in self.home]
        rows = []
        for n in range(1, self.count(Post) + 1):
            person = holders[(n - 1) % len(holders)]
            post = Post(
                id=n,
                person=person,
                organisation=self.home.get(person.pk),
                title=self.name("Demo title", n, 300),
                former=n > len(holders) and self.rng.random() < 0.5,
            )
            qualifier = self.pick(DateQualifier.values, n - 1, [10, 1, 1, 2])
            self.dates(post, n - 1, (qualifier, qualifier))
            rows.append(post)
        self.add(Post, rows)
        post_at = {(post.person_id, post.organisation_id): post for post in rows}
        for member in self.rows[DelegationMember]:
            member.post = post_at.get((member.person_id, member.delegation.party_id))

    def positions(self) -> None:
        delegations = defaultdict(list)
        for delegation in self.rows[Delegation]:
            delegations[delegation.talk_id].append(delegation)
        seats = defaultdict(list)
        for member in self.rows[DelegationMember]:
            seats[member.delegation_id].append(member.person)
        sessions = defaultdict(list)
        for session in self.rows[Session]:
            sessions[session.talk_id].append(session)
        talks = [talk for talk in self.rows[Talk] if delegations[talk.pk]]
        rows = []
        for n, talk in enumerate(self.spread(self.count(Position), talks), 1):
            delegation = self.rng.choice(delegations[talk.pk])
            speakers = seats[delegation.pk]
            position = Position(
                id=n,
                talk=talk,
                session=self.rng.choice(sessions[talk.pk]) if sessions[talk.pk] and self.rng.random() < 0.5 else None,
                party=delegation.party,
                speaker=self.rng.choice(speakers) if speakers and self.rng.random() < 0.7 else None,
                topic=self.rng.choice(talk.topic_pool),
                stance=self.pick(Position.Stance.values, n - 1),
                summary=f"Demo position {n}: {self.words(3, 30)}"[:300],
                quote=f"“{self.text(5, 40)}”" if self.rng.random() < 0.5 else "",
            )
            position.date, position.date_precision = self.date(n - 1, talk.start_date or FIRST_DAY, 30)
            position.date_qualifier = self.pick(DateQualifier.values, n - 1, [10, 1, 1, 2])
            rows.append(position)
        self.add(Position, rows)

    def milestones(self) -> None:
        delegations = defaultdict(list)
        for delegation in self.rows[Delegation]:
            delegations[delegation.talk_id].append(delegation.party)
        rows = []
        for n in range(1, self.count(Milestone) + 1):
            talk = self.spread(1, self.rows[Talk])[0] if self.rng.random() < 0.8 else None
            milestone = Milestone(
                id=n,
                title=self.name("Demo milestone", n, 200),
                slug=f"demo-milestone-{n}",
                kind=self.pick(Milestone.Kind.values, n - 1, [3, 2, 4, 1]),
                talk=talk,
                description=self.text(0, 40),
            )
            milestone.date, milestone.date_precision = self.date(n - 1)
            milestone.date_qualifier = self.pick(DateQualifier.values, n - 1, [6, 2, 2, 1])
            parties = delegations[talk.pk] if talk else self.rows[Party]
            for party in self.rng.sample(parties, min(len(parties), self.rng.randint(1, 3))):
                self.link(Milestone.parties.field, milestone_id=n, party_id=party.pk)
            for topic in self.rng.sample(self.rows[Topic], self.rng.randint(0, 2)):
                self.link(Milestone.topics.field, milestone_id=n, topic_id=topic.pk)
            rows.append(milestone)
        self.add(Milestone, rows)
        for session in self.rows[Session]:
            present = delegations[session.talk_id]
            for party in self.rng.sample(present, min(len(present), self.rng.randint(0, 4))):
                self.link(Session.parties.field, session_id=session.pk, party_id=party.pk)
        heads = defaultdict(list)
        for member in self.rows[DelegationMember]:
            if member.role == DelegationMember.Role.HEAD:
                heads[member.delegation.talk_id].append(member.person)
        for session in self.rows[Session]:
            speakers = heads[session.talk_id]
            for person in self.rng.sample(speakers, min(len(speakers), self.rng.randint(0, 3))):
                self.link(Session.people.field, session_id=session.pk, person_id=person.pk)

    def claims(self) -> None:
        parties = self.rows[Party]
        rows = []
        for n in range(1, self.count(Claim) + 1):
            rows.append(
                Claim(id=n, subject=self.rng.choice(parties), statement=f"Demo claim {n}: {self.words(3, 25)}"[:300])
            )
            for party in self.rng.sample(parties, min(len(parties), self.rng.randint(0, 3))):
                self.link(Claim.held_by.field, claim_id=n, party_id=party.pk)
            # Every third claim is one that sources make instead of the one before.
            if n % 3 == 2:
                self.link(Claim.conflicts_with.field, from_claim_id=n, to_claim_id=n - 1)
                self.link(Claim.conflicts_with.field, from_claim_id=n - 1, to_claim_id=n)
        self.add(Claim, rows)

    def aliases(self) -> None:
        """Every party and person gets another name, most of them in Arabic
        script; every talk a translation; the first parties an abbreviation."""
        rows = []
        kinds = [Alias.Kind.ORIGINAL, Alias.Kind.VARIANT, Alias.Kind.FORMER]
        for index, party in enumerate(self.rows[Party]):
            rows.append(self.alias(party, self.pick(kinds, index, [5, 1, 1]), "الطرف التجريبي"))
        for index, person in enumerate(self.rows[Person]):
            rows.append(self.alias(person, self.pick(kinds[:2], index, [1, 1]), "الشخص التجريبي"))
        for talk in self.rows[Talk]:
            rows.append(self.alias(talk, Alias.Kind.TRANSLATION, ""))
        for party in self.rows[Party][: self.count(Alias) - len(rows)]:
            rows.append(self.alias(party, Alias.Kind.ABBREVIATION, ""))
        for n, alias in enumerate(rows, 1):
            alias.id = n
        self.add(Alias, rows)

    def alias(self, named: Model, kind: str, arabic: str) -> Alias:
        number = named.pk
        if kind == Alias.Kind.ORIGINAL:
            words = " ".join("".join(self.rng.choices(ARABIC_SYLLABLES, k=2)) for _ in range(self.rng.randint(0, 6)))
            name, language = f"{arabic} {str(number).translate(ARABIC_DIGITS)} {words}".strip(), "ar"
        elif kind == Alias.Kind.TRANSLATION:
            name, language = f"Pourparlers de démonstration {number}", "fr"
        elif kind == Alias.Kind.ABBREVIATION:
            name, language = f"DP{number}", ""
        elif kind == Alias.Kind.FORMER:
            name, language = f"Former demo name {number} {self.words(1, 3)}", "en"
        else:
            name, language = named.name.replace("Demo", "Démo", 1), "en"
        name = name[:200]
        return Alias(named=named, name=name, folded=fold(name), kind=kind, language=language)

    def citations(self) -> None:
        """Every fact its citations, in the seed's numbers for its kind: most
        an excerpt of a demo source, whose text grows to hold it; the rest
        editor's notes. A fact that has several shares them out over its
        fields and the fact as a whole."""
        rows = []
        for model, (per_scale, notes_per_scale) in CITATIONS.items():
            facts = self.rows[model]
            kind = ContentType.objects.get_for_model(model)
            fields = [name for name, _ in model.citable_fields()]
            total = per_scale * self.scale
            cited = facts + self.rng.choices(facts, k=max(total - len(facts), 0))
            notes = set(self.rng.sample(range(len(cited)), notes_per_scale * self.scale))
            for index, fact in enumerate(cited):
                about = [] if index < len(facts) or self.rng.random() < 0.3 else [self.rng.choice(fields)]
                citation = Citation(id=len(rows) + 1, content_type=kind, object_id=fact.pk, about=about)
                if index in notes:
                    citation.note = f"Demo editor's note {citation.id}: from outside the demo sources (synthetic)."
                else:
                    self.quote(citation, fact, model._meta.verbose_name)
                rows.append(citation)
        self.add(Citation, rows)

    def quote(self, citation: Citation, fact: Model, kind: str) -> None:
        """A sentence about the fact, added to a source's text (after some
        filler now and then), and cited as the excerpt at its place there."""
        index = self.rng.randrange(len(self.texts))
        if self.rng.random() < 0.4:
            self.append(index, f" {self.text(5, 25)}")
        self.append(index, "\n\n" if self.rng.random() < 0.2 else " ")
        sentence = f"Demo passage {next(self.passages)} says of the {kind} “{fact}”: {self.words(2, 20)}."
        citation.source = self.rows[Source][index]
        citation.start = self.lengths[index]
        self.append(index, sentence)
        citation.end = self.lengths[index]
        citation.excerpt = sentence

    def append(self, index: int, piece: str) -> None:
        self.texts[index].append(piece)
        self.lengths[index] += len(piece)

    # --- Writing ------------------------------------------------------------------------------------------

    def write(self, report: Callable[[str], None]) -> dict[str, int]:
        written = {}
        for model, rows in [*self.rows.items(), *self.links.items()]:
            started = time.monotonic()
            model.objects.bulk_create(rows, batch_size=BATCH)
            written[model._meta.label_lower] = len(rows)
            report(f"  {model._meta.label_lower}: {len(rows):,} rows ({time.monotonic() - started:.1f} s)")
        self.reset_sequences()
        started, entries = time.monotonic(), 0
        for model, rows in self.rows.items():
            try:
                history = get_history_manager_for_model(model).model
            except NotHistoricalModelError:
                continue
            history.objects.bulk_create(self.history(history, rows), batch_size=BATCH)
            written[history._meta.label_lower] = len(rows)
            entries += len(rows)
        report(f"  history: {entries:,} rows, one a record ({time.monotonic() - started:.1f} s)")
        return written

    def reset_sequences(self) -> None:
        """Rows written with their keys leave PostgreSQL's sequences behind;
        without this the next record an editor adds would collide with one."""
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.rows)):
                cursor.execute(sql)

    @staticmethod
    def history(history: type[Model], rows: list[Model]) -> list[Model]:
        """Each record's first entry in its history, as a site where each was
        added once has it: reader pages show its date (last_changed). The
        many-to-many values' history, which only the admin shows, is left out."""
        now = timezone.now()
        fields = [field.attname for field in history.tracked_fields]
        return [
            history(
                history_date=now,
                history_type="+",
                history_change_reason="demo data",
                **{name: getattr(row, name) for name in fields},
            )
            for row in rows
        ]
