"""The whole record as one Popolo-style JSON document, out and in: for an
operator moving the record from one Parley site to another, and for anyone
who wants all of it at once. docs/data.md describes the format.

Popolo's collections (persons, organizations, memberships, posts, events)
with Parley's own beside them (topics, processes, delegations, delegation
members, positions, claims, sources). Every record has an id, its kind and
its key on the site ("party-3"), so that its address on the site, and every
reference to it, survive the move. Dates are Popolo's partial ISO dates
("2017", "2017-01", "2017-01-23"), which say their precision; a qualifier
("expected") stands beside its date. Each record's other names and its
citations are nested in it, as Popolo nests other_names and sources.

Exporting the same record gives the same bytes: no timestamp, every list in
a fixed order. Importing checks the whole file first (its shape, every id,
every reference, every date), then, in one transaction, makes each record
and checks it as the admin would (the model's own validation, excerpts
against their sources); the first problem undoes everything, and every
problem names the record and the field at fault.
"""

import datetime
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connections, transaction
from django.db.models import Model

from . import search, timeline
from .dates import DatePrecision
from .models import (
    Alias,
    Citation,
    Claim,
    DataVersion,
    Delegation,
    DelegationMember,
    FixtureLoad,
    FixtureRecord,
    Milestone,
    Party,
    PartyMembership,
    Person,
    Place,
    Position,
    Post,
    Process,
    SearchEntry,
    Session,
    Source,
    Talk,
    TimelineEntry,
    Topic,
)

FORMAT = "parley-popolo/1"
LICENCE = "CC BY 4.0"


@dataclass(frozen=True)
class Kind:
    """A kind of record in the file: the collection it is listed in, and the
    prefix of its ids."""

    collection: str
    model: type[Model]
    prefix: str


# In the order they are made on import: each refers only to those before it
# (but a talk to the talk it follows, and a claim to the claims it conflicts
# with, which are set once all are made).
KINDS = [
    Kind("sources", Source, "source"),
    Kind("topics", Topic, "topic"),
    Kind("processes", Process, "process"),
    Kind("organizations", Party, "party"),
    Kind("memberships", PartyMembership, "membership"),
    Kind("persons", Person, "person"),
    Kind("posts", Post, "post"),
    Kind("areas", Place, "place"),
    Kind("events", Talk, "talk"),
    Kind("events", Session, "session"),
    Kind("events", Milestone, "milestone"),
    Kind("delegations", Delegation, "delegation"),
    Kind("delegation_members", DelegationMember, "seat"),
    Kind("positions", Position, "position"),
    Kind("claims", Claim, "claim"),
]
NESTED = {Alias: "alias", Citation: "citation"}
COLLECTIONS = list(dict.fromkeys(kind.collection for kind in KINDS))
BY_MODEL = {kind.model: kind for kind in KINDS}
BY_PREFIX = {kind.prefix: kind.model for kind in KINDS} | {prefix: model for model, prefix in NESTED.items()}
# What is derived from the record, or is not the record: never in the file.
# Derived from the record, or kept beside it (the fixture ledgers: see export_record).
LEFT_OUT = {TimelineEntry, SearchEntry, DataVersion, FixtureLoad, FixtureRecord}
# Set once every record of its kind is made.
LATER = {(Talk, "follows"), (Claim, "conflicts_with")}
# Popolo's names for a few of Parley's fields.
RENAMED = {(Party, "kind"): "classification", "organisation": "organization"}
ID = re.compile(r"^([a-z]+)-([1-9][0-9]*)$")
PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class ImportProblem(Exception):
    """What is wrong with a file, each problem naming its record and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:20]
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__("\n".join(shown) + more)


def ident(model: type[Model], pk: int | None) -> str | None:
    if pk is None:
        return None
    prefix = BY_MODEL[model].prefix if model in BY_MODEL else NESTED[model]
    return f"{prefix}-{pk}"


def precision_of(model: type[Model], name: str) -> str | None:
    """The field holding the precision of the date field `name`, if it has one."""
    stem = name.removesuffix("_date") if name.endswith("_date") else name
    candidate = f"{stem}_precision"
    return candidate if any(f.name == candidate for f in model._meta.fields) else None


def partial(date: datetime.date | None, precision: str) -> str | None:
    if date is None:
        return None
    if precision == DatePrecision.YEAR:
        return f"{date.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()


def parse_partial(text: str) -> tuple[datetime.date, str]:
    """A partial ISO date and its precision; ValueError for anything else."""
    found = PARTIAL_DATE.match(text)
    if not found:
        raise ValueError(f"“{text}” is not a date such as 2017, 2017-01 or 2017-01-23")
    year, month, day = found.groups()
    try:
        date = datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError as error:
        raise ValueError(f"“{text}” is not a date that exists ({error})") from error
    precision = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    return date, precision


@dataclass(frozen=True)
class Column:
    """One field of a kind of record as the file has it."""

    name: str  # in the file
    field: str  # on the model
    kind: str  # "value", "date", "reference", "references"
    target: type[Model] | None = None
    precision: str | None = None


def columns(model: type[Model]) -> list[Column]:
    """The fields of a kind of record in the file, in the model's order: not
    its key (the id says it), nor what is derived (a folded name), nor a
    date's precision (the date says it), nor a link through another record
    (a party's memberships are records of their own)."""
    made = []
    precisions = {
        precision_of(model, f.name) for f in model._meta.concrete_fields if f.get_internal_type() == "DateField"
    }
    for f in model._meta.concrete_fields:
        if f.primary_key or not f.editable or f.name in precisions or f.name in ("content_type", "object_id"):
            continue
        name = RENAMED.get((model, f.name), RENAMED.get(f.name, f.name))
        if f.many_to_one:
            made.append(Column(f"{name}_id", f.name, "reference", f.related_model))
        elif f.get_internal_type() == "DateField":
            made.append(Column(name, f.name, "date", precision=precision_of(model, f.name)))
        else:
            made.append(Column(name, f.name, "value"))
    for f in model._meta.many_to_many:
        if f.remote_field.through._meta.auto_created:
            made.append(Column(f"{RENAMED.get(f.name, f.name)}_ids", f.name, "references", f.related_model))
    return made


# Export.


def export_record(using: str = "default") -> str:
    """The whole record as the file's text: the same record, the same text."""
    aliases: dict[tuple[int, int], list] = defaultdict(list)
    for alias in Alias.objects.using(using).order_by("pk"):
        aliases[(alias.content_type_id, alias.object_id)].append(alias)
    citations: dict[tuple[int, int], list] = defaultdict(list)
    for citation in Citation.objects.using(using).order_by("pk"):
        citations[(citation.content_type_id, citation.object_id)].append(citation)
    types = {model: ContentType.objects.db_manager(using).get_for_model(model) for model in [*BY_MODEL, Alias]}

    def cited(model: type[Model], record: Model) -> list[dict]:
        return [
            {
                "id": ident(Citation, citation.pk),
                "source_id": ident(Source, citation.source_id),
                "excerpt": citation.excerpt,
                "about": citation.about,
                "note": citation.note,
                # Where the excerpt stands in the source's text; worked out again on import.
                "start": citation.start,
                "end": citation.end,
            }
            for citation in citations[(types[model].pk, record.pk)]
        ]

    document: dict = {
        "format": FORMAT,
        "licence": LICENCE,
        "about": "The record of Parley, a sourced record of negotiations; see docs/data.md.",
    }
    for collection in COLLECTIONS:
        document[collection] = []
    for kind in KINDS:
        model = kind.model
        cols = columns(model)
        queryset = (
            model._base_manager.using(using)
            .order_by("pk")
            .prefetch_related(*(c.field for c in cols if c.kind == "references"))
        )
        for record in queryset:
            item: dict = {"id": ident(model, record.pk)}
            if kind.collection == "events":
                item["type"] = kind.prefix
            for c in cols:
                if c.kind == "reference":
                    item[c.name] = ident(c.target, getattr(record, f"{c.field}_id"))
                elif c.kind == "references":
                    item[c.name] = sorted((ident(c.target, r.pk) for r in getattr(record, c.field).all()), key=_order)
                elif c.kind == "date":
                    item[c.name] = partial(getattr(record, c.field), getattr(record, c.precision))
                else:
                    item[c.name] = getattr(record, c.field)
            if hasattr(model, "aliases"):
                item["other_names"] = [
                    {
                        "id": ident(Alias, alias.pk),
                        "name": alias.name,
                        "kind": alias.kind,
                        "language": alias.language,
                        "start_date": partial(alias.start_date, alias.start_precision),
                        "end_date": partial(alias.end_date, alias.end_precision),
                        "citations": cited(Alias, alias),
                    }
                    for alias in aliases[(types[model].pk, record.pk)]
                ]
            item["citations"] = cited(model, record)
            document[kind.collection].append(item)
    # Which of these records the fixture files brought: so that the site the
    # record moves to runs load_fixtures as this one does, neither bringing
    # back what staff deleted nor taking the fixtures' records for staff's.
    document["fixtures"] = {
        "files": [[load.name, load.sha256] for load in FixtureLoad.objects.using(using).order_by("name")],
        "records": [
            [entry.model, entry.object_id, entry.file]
            for entry in FixtureRecord.objects.using(using).order_by("model", "object_id")
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1, default=str) + "\n"


def _order(key: str) -> tuple[str, int]:
    prefix, _, number = key.rpartition("-")
    return prefix, int(number)


# Import.


@dataclass
class Planned:
    """A record of the file, checked, ready to make."""

    where: str
    model: type[Model]
    pk: int
    values: dict
    links: dict[str, list[int]] = field(default_factory=dict)
    later: dict = field(default_factory=dict)
    aliases: list["Planned"] = field(default_factory=list)
    citations: list["Planned"] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


class Reader:
    """Reads the file's records into plans, noting every problem."""

    def __init__(self, document):
        self.problems: list[str] = []
        self.seen: set[str] = set()
        self.document = document

    def problem(self, where: str, name: str, message: str) -> None:
        self.problems.append(f"{where}: {name}: {message}" if name else f"{where}: {message}")

    def read_ledgers(self, fixtures) -> None:
        """The fixture ledgers' shape: files as [name, sha256], records as [kind, key, file]."""
        shapes = {"files": (str, str), "records": (str, int, str)}
        if not isinstance(fixtures, dict) or set(fixtures) - shapes.keys():
            self.problem("the file", "fixtures", "must hold only “files” and “records”")
            return
        for name, shape in shapes.items():
            rows = fixtures.get(name, [])
            fits = isinstance(rows, list) and all(
                isinstance(row, list)
                and len(row) == len(shape)
                and all(isinstance(v, t) and not isinstance(v, bool) for v, t in zip(row, shape, strict=True))
                for row in rows
            )
            if not fits:
                self.problem("fixtures", name, f"must be a list of [{', '.join(t.__name__ for t in shape)}]")

    def read(self) -> list[Planned]:
        document = self.document
        if not isinstance(document, dict):
            self.problem("the file", "", "must hold a JSON object")
            return []
        if document.get("format") != FORMAT:
            self.problem("the file", "format", f"must be “{FORMAT}”, not {json.dumps(document.get('format'))}")
        unknown = set(document) - {"format", "licence", "about", "fixtures", *COLLECTIONS}
        for name in sorted(unknown):
            self.problem("the file", name, "is not a collection of Parley's record")
        self.read_ledgers(document.get("fixtures", {}))
        plans, raw = [], []
        for collection in COLLECTIONS:
            records = document.get(collection, [])
            if not isinstance(records, list):
                self.problem("the file", collection, "must be a list of records")
                continue
            allowed = {kind.prefix: kind.model for kind in KINDS if kind.collection == collection}
            for index, record in enumerate(records):
                where = f"{collection}[{index}]"
                model, pk = self.identify(where, record, allowed)
                if model is not None:
                    raw.append((f"{where} ({record['id']})", model, pk, record))
        # Every id first, so that a reference can point forward; then the
        # records in the order they can be made.
        order = {kind.model: number for number, kind in enumerate(KINDS)}
        raw.sort(key=lambda item: order[item[1]])
        for where, model, pk, record in raw:
            plans.append(self.plan(where, model, pk, record))
        return plans

    def identify(self, where: str, record, allowed: dict) -> tuple[type[Model] | None, int | None]:
        if not isinstance(record, dict):
            self.problem(where, "", "must be a JSON object")
            return None, None
        key = record.get("id")
        found = ID.match(key) if isinstance(key, str) else None
        if not found or found.group(1) not in allowed:
            kinds = " or ".join(f"“{prefix}-<number>”" for prefix in allowed)
            self.problem(where, "id", f"must be {kinds}, not {json.dumps(key)}")
            return None, None
        if key in self.seen:
            self.problem(where, "id", f"“{key}” is the id of another record too")
            return None, None
        self.seen.add(key)
        return allowed[found.group(1)], int(found.group(2))

    def plan(self, where: str, model: type[Model], pk: int, record: dict) -> Planned:
        planned = Planned(where, model, pk, {})
        cols = columns(model)
        expected = {"id", "citations", *(c.name for c in cols)}
        if model in (Talk, Session, Milestone):
            expected.add("type")
            if record.get("type") != BY_MODEL[model].prefix:
                self.problem(where, "type", f"must be “{BY_MODEL[model].prefix}” for this id")
        if hasattr(model, "aliases"):
            expected.add("other_names")
        for name in sorted(set(record) - expected):
            self.problem(where, name, f"is not a field of a {model._meta.verbose_name}")
        for c in cols:
            planned.names[c.field] = c.name
            if c.precision:
                planned.names[c.precision] = c.name
            if c.name not in record:
                continue
            value = record[c.name]
            if c.kind == "reference":
                target = self.reference(where, c.name, value, c.target)
                if (model, c.field) in LATER:
                    planned.later[c.field] = target
                else:
                    planned.values[f"{c.field}_id"] = target
            elif c.kind == "references":
                if not isinstance(value, list):
                    self.problem(where, c.name, "must be a list of ids")
                    continue
                targets = [self.reference(where, c.name, item, c.target) for item in value]
                (planned.later if (model, c.field) in LATER else planned.links)[c.field] = [t for t in targets if t]
            elif c.kind == "date":
                if value is None:
                    planned.values[c.field] = None
                elif not isinstance(value, str):
                    self.problem(where, c.name, "must be a date such as 2017, 2017-01 or 2017-01-23")
                else:
                    try:
                        planned.values[c.field], planned.values[c.precision] = parse_partial(value)
                    except ValueError as error:
                        self.problem(where, c.name, str(error))
            else:
                planned.values[c.field] = value
        for index, item in enumerate(record.get("other_names") or [] if hasattr(model, "aliases") else []):
            planned.aliases.append(
                self.nested(
                    f"{where} other_names[{index}]",
                    Alias,
                    item,
                    {"name", "kind", "language", "start_date", "end_date"},
                )
            )
        for index, item in enumerate(self.list_of(where, record, "citations")):
            planned.citations.append(
                self.nested(
                    f"{where} citations[{index}]",
                    Citation,
                    item,
                    {"source_id", "excerpt", "about", "note", "start", "end"},
                )
            )
        return planned

    def list_of(self, where: str, record: dict, name: str) -> list:
        value = record.get(name, [])
        if not isinstance(value, list):
            self.problem(where, name, "must be a list")
            return []
        return value

    def nested(self, where: str, model: type[Model], item, allowed: set[str]) -> Planned:
        found_model, pk = self.identify(where, item, {NESTED[model]: model})
        planned = Planned(f"{where} ({item.get('id')})" if isinstance(item, dict) else where, model, pk or 0, {})
        if found_model is None:
            return planned
        for name in sorted(set(item) - allowed - {"id", "citations"}):
            self.problem(planned.where, name, f"is not a field of a {model._meta.verbose_name}")
        for name in allowed - {"start", "end"}:
            if name == "source_id":
                planned.values["source_id"] = self.reference(planned.where, name, item.get(name), Source)
                planned.names["source"] = name
            elif name in ("start_date", "end_date") and item.get(name) is not None:
                # The dates an other name held: partial dates, as the record's own.
                try:
                    date, precision = parse_partial(item[name]) if isinstance(item[name], str) else (None, "")
                except ValueError as error:
                    self.problem(planned.where, name, str(error))
                    continue
                if date is None:
                    self.problem(planned.where, name, "must be a date such as 2017, 2017-01 or 2017-01-23")
                    continue
                planned.values[name], planned.values[name.replace("_date", "_precision")] = date, precision
                planned.names[name] = name
            elif name in item:
                planned.values[name] = item[name]
                planned.names[name] = name
        if model is Alias:
            for index, citation in enumerate(self.list_of(planned.where, item, "citations")):
                planned.citations.append(
                    self.nested(
                        f"{planned.where} citations[{index}]",
                        Citation,
                        citation,
                        {"source_id", "excerpt", "about", "note", "start", "end"},
                    )
                )
        return planned

    def reference(self, where: str, name: str, value, target: type[Model]) -> int | None:
        if value is None:
            return None
        found = ID.match(value) if isinstance(value, str) else None
        prefix = BY_MODEL[target].prefix
        if not found or found.group(1) != prefix:
            self.problem(
                where,
                name,
                f"must be the id of a {target._meta.verbose_name} (“{prefix}-<number>”), not {json.dumps(value)}",
            )
            return None
        if value not in self.seen:
            self.problem(where, name, f"there is no {target._meta.verbose_name} “{value}” in the file")
            return None
        return int(found.group(2))


def read(text: str) -> list[Planned]:
    """The file's records, checked for shape, ids, references and dates;
    ImportProblem listing everything wrong."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportProblem(
            [f"the file: is not JSON: {error.msg} at line {error.lineno}, column {error.colno}"]
        ) from error
    reader = Reader(document)
    plans = reader.read()
    if reader.problems:
        raise ImportProblem(reader.problems)
    return plans


def has_record(using: str = "default") -> bool:
    return (
        any(kind.model._base_manager.using(using).exists() for kind in KINDS) or Citation.objects.using(using).exists()
    )


def clear(using: str = "default") -> None:
    """Every record gone, those that others protect last, and the ledgers of
    which the fixtures brought."""
    FixtureRecord.objects.using(using).all().delete()
    FixtureLoad.objects.using(using).all().delete()
    Citation.objects.using(using).all().delete()
    Alias.objects.using(using).all().delete()
    for kind in reversed(KINDS):
        kind.model._base_manager.using(using).all().delete()


@dataclass
class ImportReport:
    counts: dict[str, int]

    def __str__(self) -> str:
        return "Imported " + ", ".join(f"{name}: {n}" for name, n in self.counts.items() if n) + "."


def import_record(text: str, replace: bool = False, using: str = "default") -> ImportReport:
    """Put the file's record into this site's database, all of it or, on
    any problem, none of it (ImportProblem says what and where)."""
    plans = read(text)
    try:
        with transaction.atomic(using=using):
            if has_record(using):
                if not replace:
                    raise ImportProblem(
                        ["the database: already holds a record; import into an empty one, or replace it with --replace"]
                    )
                clear(using)
            made: dict[tuple[type[Model], int], Model] = {}
            for plan in plans:
                made[(plan.model, plan.pk)] = make(plan, using)
            for plan in plans:
                if plan.later:
                    finish(plan, made[(plan.model, plan.pk)], using)
            _ledgers(text, using)
            _reset_sequences(using)
            timeline.rebuild()
            search.rebuild()
    except DatabaseError as error:
        raise ImportProblem([f"the database refused the record: {str(error).strip().splitlines()[0]}"]) from error
    counts: dict[str, int] = defaultdict(int)
    for plan in plans:
        counts[str(plan.model._meta.verbose_name_plural)] += 1
        counts["aliases"] += len(plan.aliases)
        counts["citations"] += len(plan.citations) + sum(len(alias.citations) for alias in plan.aliases)
    return ImportReport(dict(counts))


def _ledgers(text: str, using: str) -> None:
    """The fixture loader's ledgers, as the file has them (see export_record)."""
    fixtures = json.loads(text).get("fixtures") or {}  # its shape checked by Reader.read_ledgers
    FixtureLoad.objects.using(using).bulk_create(
        FixtureLoad(name=name, sha256=digest) for name, digest in fixtures.get("files", [])
    )
    FixtureRecord.objects.using(using).bulk_create(
        FixtureRecord(model=model, object_id=pk, file=file) for model, pk, file in fixtures.get("records", [])
    )


def make(plan: Planned, using: str, fact: Model | None = None) -> Model:
    """Make the planned record, check it as the admin would, and save it;
    then its links, its other names and its citations."""
    values = dict(plan.values)
    if fact is not None:
        values["content_type"] = ContentType.objects.db_manager(using).get_for_model(type(fact))
        values["object_id"] = fact.pk
    record = plan.model(pk=plan.pk, **values)
    check(plan, record, exclude=[name for name in plan.later], using=using)
    record.save(using=using, force_insert=True)
    for name, keys in plan.links.items():
        getattr(record, name).set(keys)
    for alias in plan.aliases:
        make(alias, using, fact=record)
    for citation in plan.citations:
        make(citation, using, fact=record)
    return record


def finish(plan: Planned, record: Model, using: str) -> None:
    """What waited for every record of its kind: the talk a talk follows, the claims a claim conflicts with."""
    for name, value in plan.later.items():
        if isinstance(value, list):
            getattr(record, name).set(value)
        else:
            setattr(record, f"{name}_id", value)
    if any(not isinstance(value, list) for value in plan.later.values()):
        check(plan, record, exclude=[], using=using)
        record.save(using=using)


def check(plan: Planned, record: Model, exclude: Iterable[str], using: str) -> None:
    # Not what the record works out for itself on saving (a folded name), as the admin's forms leave it.
    derived = [f.name for f in record._meta.concrete_fields if not f.editable]
    try:
        record.full_clean(exclude=[*exclude, *derived])
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        named = {
            ("record" if name == NON_FIELD_ERRORS else plan.names.get(name, name)): texts
            for name, texts in messages.items()
        }
        raise ImportProblem([f"{plan.where}: {name}: {' '.join(texts)}" for name, texts in named.items()]) from error


def _reset_sequences(using: str) -> None:
    """Records made with their keys leave PostgreSQL's sequences behind;
    without this the next record an editor adds would collide with one."""
    connection = connections[using]
    models = [kind.model for kind in KINDS] + list(NESTED)
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
