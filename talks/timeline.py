"""The timeline: talks, their sessions and the milestones around them, as
one list of dated entries (TimelineEntry), kept current here whenever a
record they show changes, so that the timeline is filtered, counted and
paginated in the database.

A change to a talk, session or milestone, to what decides whether readers
see it (its citations), or to what its entry shows (its parties and topics,
their names and citations, the positions that give it topics) refreshes the
entries it touches, in the same transaction. Loads that bypass signals (bulk inserts)
call rebuild().
"""

import datetime
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model, Prefetch, Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from .dates import DatePrecision, DateQualifier, PartialDate
from .models import (
    Citation,
    DataVersion,
    Delegation,
    Milestone,
    Party,
    Position,
    Session,
    Talk,
    TimelineEntry,
    Topic,
)
from .text import fold

RECORDS = (Talk, Session, Milestone)


def last_day(partial: PartialDate) -> datetime.date | None:
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


def talk_status(talk: Talk) -> str:
    if talk.status in {Talk.Status.PLANNED, Talk.Status.POSTPONED}:
        return "planned"
    if talk.status == Talk.Status.CANCELLED:
        return "cancelled"
    return "held"


def milestone_status(milestone: Milestone) -> str:
    return "planned" if milestone.date_qualifier in {DateQualifier.PLANNED, DateQualifier.EXPECTED} else "held"


def _topics(positions: Iterable[Position]) -> list[Topic]:
    return list({position.topic.pk: position.topic for position in positions}.values())


def entry_of(record: Talk | Session | Milestone) -> tuple[dict, list[Party], list[Topic]]:
    """The entry's fields, parties and topics, from its record (whose
    relations should be prefetched: see _records)."""
    if isinstance(record, Talk):
        fields = {
            "kind": "talk",
            "status": talk_status(record),
            "title": record.name,
            "description": record.summary,
            "detail": record.place,
            "talk": record,
            "process_id": record.process_id,
            "anchor": f"talk-{record.slug}",
        }
        parties, topics = record.involved_parties, _topics(record.positions.all())
        start, end = record.start, record.end
    elif isinstance(record, Session):
        fields = {
            "kind": record.kind,
            "status": record.status,
            "title": record.title,
            "description": record.description,
            "detail": record.get_format_display() if record.format else "",
            "talk": record.talk,
            "process_id": record.talk.process_id,
            "sequence": record.sequence,
            "anchor": f"session-{record.pk}",
        }
        parties, topics = list(record.parties.all()), _topics(record.positions.all())
        start, end = record.start, record.end
    else:
        fields = {
            "kind": record.kind,
            "status": milestone_status(record),
            "title": record.title,
            "description": record.description,
            "talk": record.talk,
            "process_id": record.talk.process_id if record.talk else None,
            "anchor": f"milestone-{record.slug}",
        }
        parties, topics = list(record.parties.all()), list(record.topics.all())
        start, end = record.when, PartialDate(None)
    words = [fields["title"], fields["description"], fields.get("detail", ""), *(party.name for party in parties)]
    fields |= {
        "start_date": start.date,
        "start_precision": start.precision,
        "start_qualifier": start.qualifier,
        "end_date": end.date,
        "end_precision": end.precision,
        "end_qualifier": end.qualifier,
        "first_day": start.date,
        "first_year": start.date.year if start.date else None,
        "first_month": start.date.replace(day=1) if start.date else None,
        "last_day": last_day(end) if end else last_day(start),
        "url": record.get_absolute_url(),
        "text": fold(" ".join(words)),
    }
    return fields, parties, topics


def _records(model: type[Model]):
    """The published records of a kind, with what their entries show: their
    published parties and topics (by published delegations and positions),
    so that a reader's page need not ask again of each whether it is
    published, nor text search find a draft's name. A session or milestone
    of a draft talk is left out with its talk."""
    queryset = model.objects.published()
    parties, topics = Party.objects.published(), Topic.objects.published()
    positions = Position.objects.published().filter(Topic.objects.sourced("topic_id")).select_related("topic")
    if model is Talk:
        delegations = Delegation.objects.published().filter(Party.objects.sourced("party_id"))
        return queryset.prefetch_related(
            Prefetch("convened_by", queryset=parties),
            Prefetch("hosted_by", queryset=parties),
            Prefetch("mediated_by", queryset=parties),
            Prefetch("delegations", queryset=delegations.select_related("party")),
            Prefetch("positions", queryset=positions),
        )
    queryset = queryset.select_related("talk").exclude(talk__in=Talk.objects.drafts())
    if model is Session:
        return queryset.prefetch_related(
            Prefetch("parties", queryset=parties), Prefetch("positions", queryset=positions)
        )
    return queryset.prefetch_related(Prefetch("parties", queryset=parties), Prefetch("topics", queryset=topics))


def refresh(records: Iterable[Talk | Session | Milestone]) -> None:
    """Bring the entries of these records up to date: made, changed, or
    gone if readers may no longer see the record."""
    by_model: dict[type[Model], set[int]] = {}
    for record in records:
        by_model.setdefault(type(record), set()).add(record.pk)
    for model, keys in by_model.items():
        kind = ContentType.objects.get_for_model(model)
        current = {record.pk: record for record in _records(model).filter(pk__in=keys)}
        TimelineEntry.objects.filter(content_type=kind, object_id__in=keys - current.keys()).delete()
        entries = []
        for pk, record in current.items():
            fields, parties, topics = entry_of(record)
            entry, _ = TimelineEntry.objects.update_or_create(content_type=kind, object_id=pk, defaults=fields)
            entry.parties.set(parties)
            entry.topics.set(topics)
            entries.append(entry)
        name_parties(entries)


def name_parties(entries: list[TimelineEntry]) -> None:
    """Store each entry's parties as it shows them (TimelineEntry.party_names),
    from its links, in the order the database gives parties by name."""
    if not entries:
        return
    links = TimelineEntry.parties.through.objects.filter(timelineentry__in=[entry.pk for entry in entries])
    rows = links.order_by("party__name", "party__pk").values_list("timelineentry_id", "party__slug", "party__name")
    named: dict[int, list] = {entry.pk: [] for entry in entries}
    for key, slug, name in rows:
        named[key].append([slug, name])
    for entry in entries:
        entry.party_names = named[entry.pk]
    TimelineEntry.objects.bulk_update(entries, ["party_names"])


@transaction.atomic
def rebuild() -> None:
    """Every entry made afresh from the record: after a load that bypassed
    the signals (bulk inserts), or to mend a timeline out of step."""
    DataVersion.bump()
    TimelineEntry.objects.all().delete()
    for model in RECORDS:
        kind = ContentType.objects.get_for_model(model)
        for chunk in _chunks(_records(model), 500):
            made = []
            for record in chunk:
                fields, parties, topics = entry_of(record)
                made.append((TimelineEntry(content_type=kind, object_id=record.pk, **fields), parties, topics))
            TimelineEntry.objects.bulk_create([entry for entry, _, _ in made])
            TimelineEntry.parties.through.objects.bulk_create(
                TimelineEntry.parties.through(timelineentry=entry, party=party)
                for entry, parties, _ in made
                for party in parties
            )
            TimelineEntry.topics.through.objects.bulk_create(
                TimelineEntry.topics.through(timelineentry=entry, topic=topic)
                for entry, _, topics in made
                for topic in topics
            )
            name_parties([entry for entry, _, _ in made])


def build_if_missing(sender=None, using="default", **kwargs) -> None:
    """After migrate: the entries of a record that has talks, sessions or
    milestones but no timeline yet (a site from before the timeline table)."""
    if not TimelineEntry.objects.using(using).exists() and any(
        model.objects.using(using).exists() for model in RECORDS
    ):
        rebuild()


def _chunks(queryset, size: int):
    """The queryset in lists of `size`, each with its prefetches."""
    chunk = []
    for record in queryset.iterator(chunk_size=size):
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def touched(instance: Model) -> list[Talk | Session | Milestone]:
    """The records whose entries a change to this instance can change."""
    if isinstance(instance, Talk):
        # Its own entry, and its sessions' and milestones', which it can hide or show.
        return [instance, *instance.sessions.all(), *instance.milestones.all()]
    if isinstance(instance, Session | Milestone):
        return [instance]
    if isinstance(instance, Citation):
        # A citation can make its fact seen, or a draft again.
        return touched(instance.fact) if instance.fact is not None else []
    if isinstance(instance, Position):
        return [record for record in (instance.talk, instance.session) if record is not None]
    if isinstance(instance, Delegation):
        return [instance.talk]
    # A party's or topic's records found through the record, not the
    # entries' links: those hold only what is published, and a citation
    # may just have published it.
    if isinstance(instance, Party):
        talks = Q(convened_by=instance) | Q(hosted_by=instance) | Q(mediated_by=instance)
        talks |= Q(pk__in=Delegation.objects.filter(party=instance).values("talk"))
        return [
            *Talk.objects.filter(pk__in=Talk.objects.filter(talks).values("pk")),
            *instance.sessions.all(),
            *instance.milestones.all(),
        ]
    if isinstance(instance, Topic):
        stated = Position.objects.filter(topic=instance)
        return [
            *Talk.objects.filter(pk__in=stated.values("talk")),
            *Session.objects.filter(pk__in=stated.values("session")),
            *instance.milestones.all(),
        ]
    return []


def _refresh_for(instance: Model) -> None:
    if records := touched(instance):
        refresh(records)


@receiver(post_save)
def _saved(sender, instance, raw=False, **kwargs):
    # A load saves raw, record by record, references unresolved: it rebuilds at the end.
    if not raw:
        _refresh_for(instance)


@receiver(pre_delete)
def _deleting(sender, instance, **kwargs):
    # A party or topic takes its links to entries with it: find them first.
    if isinstance(instance, Party | Topic):
        instance._timeline_touched = touched(instance)


@receiver(post_delete)
def _deleted(sender, instance, **kwargs):
    if isinstance(instance, RECORDS):
        kind = ContentType.objects.get_for_model(instance)
        TimelineEntry.objects.filter(content_type=kind, object_id=instance.pk).delete()
    elif records := getattr(instance, "_timeline_touched", None):
        refresh(record for record in records if type(record).objects.filter(pk=record.pk).exists())
    else:
        _refresh_for(instance)


@receiver(m2m_changed)
def _linked(sender, instance, action, reverse, model, pk_set, **kwargs):
    # A raw load's many-to-many values (see talks.models.mark_raw_loads).
    if action not in {"post_add", "post_remove", "post_clear"} or hasattr(instance, "skip_history_when_saving"):
        return
    if reverse and model in RECORDS and pk_set:
        # party.convened_talks.add(talk): the talks are on the other side.
        refresh(model.objects.filter(pk__in=pk_set))
    else:
        _refresh_for(instance)
