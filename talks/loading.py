"""Loading the fixtures into a site's database, safely and more than once.

Django's loaddata overwrites any row that has the same primary key, and
stops on the first broken record with a message that seldom names it. Here a
load is all or nothing: every file is checked record by record (references,
editor-facing validation, excerpts against their source), and the first
problem aborts the whole load with the file and record named. Rows already
in the database are never changed, and a file that was loaded before is
skipped, so staff edits survive a second run.

Every record a file brings is written in a ledger (FixtureRecord: kind, key
and file), so that a changed file never brings back a record staff deleted,
and a key that staff took is an error naming both records, never a record
skipped in silence or a reference attached to the wrong one. Fixture files
number their records below FIXTURE_KEYS, and every migrate and load moves
the record tables' sequences past it, so that staff records never take a
key a fixture file may use.

Files are checked for shape before Django reads them (a record that is not
an object, a field of the wrong type, a NUL character that PostgreSQL
cannot store, the loader's own ledger), each with file, record and field.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.db import DatabaseError, connections, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Model
from django.utils import timezone
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_manager_for_model, get_m2m_field_name

from . import search, timeline
from .models import Citation, Cited, FixtureLoad, FixtureRecord, Source

# Fixture files number their records below this; the record tables'
# sequences start above it (reserve_keys), so staff records never take a
# key a fixture file may use.
FIXTURE_KEYS = 1_000_000


class FixtureError(Exception):
    def __init__(self, path: Path, message: str, record: str = ""):
        self.path, self.record, self.message = path, record, message
        where = f"{path}, {record}" if record else str(path)
        super().__init__(f"{where}: {message}")


@dataclass
class LoadReport:
    added: int = 0
    kept: int = 0
    left_deleted: int = 0
    files_loaded: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [f"Added {self.added} records from {len(self.files_loaded)} file(s)."]
        if self.kept:
            parts.append(f"Kept {self.kept} existing records as they are.")
        if self.left_deleted:
            parts.append(f"Did not bring back {self.left_deleted} records that staff deleted.")
        if self.files_skipped:
            parts.append(f"Skipped {len(self.files_skipped)} file(s) loaded before: {', '.join(self.files_skipped)}.")
        return " ".join(parts)


@dataclass
class Pending:
    path: Path
    index: int
    deserialized: DeserializedObject
    # Saving clears the deserialized many-to-many data; the checks need it.
    m2m: dict[str, list] = field(default_factory=dict)

    @property
    def obj(self) -> Model:
        return self.deserialized.object

    @property
    def record(self) -> str:
        return f"record {self.index + 1} ({self.obj._meta.label_lower} pk={self.obj.pk})"


def fixture_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json"))


def record_models() -> list[type[Model]]:
    """The kinds of record a fixture file may hold: the record itself, not
    its history, the timeline derived from it, or the loader's ledgers."""
    return [
        model
        for model in apps.get_app_config("talks").get_models()
        if model in (Source, Citation) or issubclass(model, Cited)
    ]


def load_fixtures(paths: list[Path], using: str = "default") -> LoadReport:
    """Load the files in one transaction; raise FixtureError, having changed
    nothing, if any of them is broken."""
    report = LoadReport()
    with transaction.atomic(using=using):
        pending: list[Pending] = []
        files: list[tuple[str, str]] = []
        known = set(FixtureRecord.objects.using(using).values_list("model", "object_id"))
        ledgered_files = set(FixtureRecord.objects.using(using).values_list("file", flat=True).distinct())
        loaded_before = dict(FixtureLoad.objects.using(using).values_list("name", "sha256"))
        ledger: list[FixtureRecord] = []
        for path in paths:
            raw = _read(path)
            digest = hashlib.sha256(raw).hexdigest()
            # Loaded before the ledger existed: its records are written in it now (see _adopt).
            legacy = path.name in loaded_before and path.name not in ledgered_files
            if loaded_before.get(path.name) == digest and not legacy:
                report.files_skipped.append(path.name)
                continue
            for item in _deserialize(path, raw, using):
                key = (item.obj._meta.label_lower, item.obj.pk)
                exists = type(item.obj)._base_manager.using(using).filter(pk=item.obj.pk).exists()
                if key in known:
                    # Brought by a file before: as staff left it, or deleted by them.
                    report.kept += exists
                    report.left_deleted += not exists
                    continue
                if legacy and (exists or loaded_before[path.name] == digest):
                    report.kept += exists
                    report.left_deleted += not exists
                elif exists:
                    raise _taken(item, using)
                else:
                    _save(item, using)
                    pending.append(item)
                known.add(key)
                ledger.append(FixtureRecord(model=key[0], object_id=key[1], file=path.name))
            files.append((path.name, digest))
            report.files_loaded.append(path.name)
        # References may point forward, within a file or across files, so
        # the records are checked only once all are saved.
        for item in pending:
            _check(item, using)
        _check_database_constraints(pending, using)
        reserve_keys(using)
        _record_history(pending, using)
        if pending:
            # Saved raw, the records sent no signal that keeps the timeline and search current.
            timeline.rebuild()
            search.rebuild()
        FixtureRecord.objects.using(using).bulk_create(ledger)
        for name, digest in files:
            FixtureLoad.objects.using(using).update_or_create(name=name, defaults={"sha256": digest})
        report.added = len(pending)
    return report


def _taken(item: Pending, using: str) -> FixtureError:
    """A fixture record whose key a record staff made has taken: loading it
    would skip it, and attach what refers to it to the staff record."""
    model = type(item.obj)
    staff = model._base_manager.using(using).get(pk=item.obj.pk)
    return FixtureError(
        item.path,
        f"its key is taken by a record staff made, {model._meta.verbose_name} “{staff}” (pk={staff.pk}), "
        f"so neither it nor what refers to it can be loaded. Give it a key no record has, below {FIXTURE_KEYS:,}, "
        f"in the file (and in what refers to it).",
        item.record,
    )


def reserve_keys(using: str = "default", **kwargs) -> None:
    """Move the record tables' sequences past FIXTURE_KEYS, never back: the
    next record staff add is numbered above every key a fixture file may
    use. Run after every migrate (post_migrate) and every load."""
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for model in record_models():
            table, column = model._meta.db_table, model._meta.pk.column
            if table not in tables:
                continue  # Not migrated yet, or migrated back.
            if connection.vendor == "sqlite":
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT %s, 0 "
                    "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = %s)",
                    [table, table],
                )
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s AND seq < %s",
                    [FIXTURE_KEYS, table, FIXTURE_KEYS],
                )
            elif connection.vendor == "postgresql":
                quoted = connection.ops.quote_name
                cursor.execute(
                    f"SELECT setval(s, GREATEST(COALESCE(pg_sequence_last_value(s), 0), "
                    f"(SELECT COALESCE(MAX({quoted(column)}), 0) FROM {quoted(table)}), %s)) "
                    f"FROM pg_get_serial_sequence(%s, %s) AS s",
                    [FIXTURE_KEYS, quoted(table), column],
                )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise FixtureError(path, f"cannot be read: {error.strerror}") from error


def _deserialize(path: Path, raw: bytes, using: str) -> list[Pending]:
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as error:
        raise FixtureError(path, f"is not UTF-8 text ({error.reason} at byte {error.start})") from error
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise FixtureError(path, f"is not valid JSON: {error.msg} at {where}") from error
    except RecursionError as error:
        raise FixtureError(path, "is nested too deeply to be a fixture") from error
    if not isinstance(data, list):
        raise FixtureError(path, "must hold a JSON list of records")
    items = []
    for index, record in enumerate(data):
        label = _describe(index, record)
        problem = _shape_problem(record)
        if problem:
            raise FixtureError(path, problem, label)
        try:
            (deserialized,) = serializers.deserialize("python", [record], using=using)
        except (
            DeserializationError,
            ValidationError,
            ObjectDoesNotExist,
            FieldDoesNotExist,
            LookupError,
            ValueError,
            TypeError,
            AttributeError,
            OverflowError,
        ) as error:
            raise FixtureError(path, _first_line(error), label) from error
        items.append(Pending(path, index, deserialized, dict(deserialized.m2m_data or {})))
    return items


def _shape_problem(record: object) -> str | None:
    """What makes a record unloadable before Django reads it: the shapes
    that would crash the deserializer, or be stored as something else
    (a dict as a name, True as key 1), or that PostgreSQL would refuse."""
    if not isinstance(record, dict) or "model" not in record or "fields" not in record:
        return 'is not a record: it needs "model" and "fields"'
    if unknown := sorted(set(record) - {"model", "pk", "fields"}, key=str):
        return f"has keys a record does not have: {', '.join(map(str, unknown))}"
    label = record["model"]
    if not isinstance(label, str) or label.count(".") != 1:
        return f'"model" must be text such as "talks.party", not {label!r}'
    try:
        model = apps.get_model(label)
    except LookupError:
        return f"model: no kind of record is called {label!r}"
    if model not in record_models():
        kinds = ", ".join(sorted(m._meta.label_lower for m in record_models()))
        return f"model: fixtures may hold only Parley's record ({kinds}), not {model._meta.label_lower}"
    pk = record.get("pk")
    if pk is None:
        return 'needs a "pk", so that loading again cannot duplicate it'
    if not _is_int(pk) or not 0 < pk < FIXTURE_KEYS:
        return f'"pk" must be a whole number from 1 to {FIXTURE_KEYS - 1:,}, not {pk!r}'
    fields = record["fields"]
    if not isinstance(fields, dict):
        return f'"fields" must be an object of field names and values, not {type(fields).__name__}'
    for name, value in fields.items():
        if problem := _field_problem(model, name, value):
            return f"{name}: {problem}"
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(part) for part in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(part) for key, part in value.items())
    return False


def _field_problem(model: type[Model], name: str, value: object) -> str | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return f"a {model._meta.verbose_name} has no such field"
    if field.many_to_many:
        if not isinstance(value, list) or not all(_is_int(part) for part in value):
            return f"must be a list of keys, not {value!r}"
        return None
    if not field.concrete or field.auto_created or field.primary_key:
        return f"a {model._meta.verbose_name} has no such field to load"
    if _has_nul(value):
        return "contains a NUL character (\\x00), which PostgreSQL cannot store"
    if value is None:
        return None if field.null else "cannot be empty (null)"
    if field.many_to_one:
        kind = isinstance(value, list) and len(value) == 2 and all(isinstance(part, str) for part in value)
        if not (_is_int(value) or (kind and field.related_model is ContentType)):
            return f"must be a key (or, for a kind of record, its [app, model] name), not {value!r}"
        return None
    if isinstance(field, models.BooleanField):
        return None if isinstance(value, bool) else f"must be true or false, not {value!r}"
    if isinstance(field, (models.DateField, models.DateTimeField)):
        return None if isinstance(value, str) else f"must be a date written as text (2017-01-23), not {value!r}"
    if isinstance(field, models.IntegerField):
        # The ranges every database Django supports can store.
        low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
        if not _is_int(value) or not low <= value <= high:
            return f"must be a whole number from {low} to {high}, not {value!r}"
        return None
    if isinstance(field, (models.CharField, models.TextField)):
        return None if isinstance(value, str) else f"must be text, not {value!r}"
    return None


def _describe(index: int, record: object) -> str:
    if isinstance(record, dict):
        return f"record {index + 1} ({record.get('model', '?')} pk={record.get('pk', '?')})"
    return f"record {index + 1}"


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _save(item: Pending, using: str) -> None:
    # Saved raw: the history gets one entry a record, with its many-to-many
    # values, once all are saved (_record_history), not one for each value
    # set here (talks.models.mark_raw_loads).
    try:
        with transaction.atomic(using=using):
            item.deserialized.save(using=using)
    except (DatabaseError, ValueError, TypeError, OverflowError) as error:
        raise FixtureError(item.path, f"cannot be saved: {_first_line(error)}", item.record) from error


def _check(item: Pending, using: str) -> None:
    obj = item.obj
    references = {
        f.name: (f.related_model, [getattr(obj, f.attname)])
        for f in obj._meta.concrete_fields
        if f.many_to_one and getattr(obj, f.attname) is not None
    }
    for name, pks in item.m2m.items():
        references[name] = (obj._meta.get_field(name).related_model, pks)
    for name, (target, pks) in references.items():
        found = set(target._base_manager.using(using).filter(pk__in=pks).values_list("pk", flat=True))
        missing = sorted({pk for pk in pks if pk not in found}, key=str)
        if missing:
            listed = ", ".join(map(str, missing))
            raise FixtureError(item.path, f"{name}: no {target._meta.verbose_name} with pk {listed}", item.record)
    try:
        # Unique rules are the database's to enforce, and it did on save.
        obj.full_clean(validate_unique=False)
    except ValidationError as error:
        raise FixtureError(item.path, _validation_message(error), item.record) from error
    if isinstance(obj, Citation) and obj.source_id:
        # Where clean() found the excerpt: kept so that it can be marked in its source.
        Citation.objects.using(using).filter(pk=obj.pk).update(start=obj.start, end=obj.end)
    generic = getattr(obj, "content_type_id", None) and getattr(obj, "object_id", None)
    if generic:
        target = obj.content_type.model_class()
        if target is None or not target._base_manager.using(using).filter(pk=obj.object_id).exists():
            raise FixtureError(
                item.path, f"refers to {obj.content_type.model} pk={obj.object_id}, which does not exist", item.record
            )


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return " ".join(error.messages)


def _check_database_constraints(pending: list[Pending], using: str) -> None:
    """The database's own last word on foreign keys, for anything the
    record checks missed; PostgreSQL would otherwise only say so at commit."""
    connection = connections[using]
    tables = sorted({item.obj._meta.db_table for item in pending})
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(using=using), connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        except DatabaseError as error:
            raise FixtureError(Path("fixtures"), f"a reference does not resolve: {_first_line(error)}") from error
    else:
        try:
            connection.check_constraints(table_names=tables)
        except DatabaseError as error:
            raise FixtureError(Path("fixtures"), f"a reference does not resolve: {_first_line(error)}") from error


def _record_history(pending: list[Pending], using: str) -> None:
    """The loaded records' first entries in their history, which a load
    (saving raw, as loaddata does) would otherwise leave out."""
    by_model: dict[type[Model], list[Pending]] = {}
    for item in pending:
        by_model.setdefault(type(item.obj), []).append(item)
    for model, items in by_model.items():
        try:
            history = get_history_manager_for_model(model)
        except NotHistoricalModelError:
            continue
        now = timezone.now()
        rows = [
            history.model(
                history_date=now,
                history_type="+",
                history_change_reason=f"loaded from {item.path.name}",
                **{field.attname: getattr(item.obj, field.attname) for field in history.model.tracked_fields},
            )
            for item in items
        ]
        history.model.objects.using(using).bulk_create(rows)
        for m2m in history.model._history_m2m_fields:
            through, source_name = m2m.remote_field.through, get_m2m_field_name(m2m)
            m2m_history = getattr(history.model, m2m.name).model
            links = through.objects.using(using).filter(**{f"{source_name}__in": [row.id for row in rows]})
            rows_by_id = {row.id: row for row in rows}
            m2m_history.objects.using(using).bulk_create(
                m2m_history(
                    history=rows_by_id[getattr(link, f"{source_name}_id")],
                    **{f.name: getattr(link, f.name) for f in through._meta.fields},
                )
                for link in links
            )
