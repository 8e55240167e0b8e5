"""Loading the fixtures into a site's database, safely and more than once.

Django's loaddata overwrites any row that has the same primary key, and
stops on the first broken record with a message that seldom names it. Here a
load is all or nothing: every file is checked record by record (references,
editor-facing validation, excerpts against their source), and the first
problem aborts the whole load with the file and record named. Rows already
in the database are never changed, and a file that was loaded before is
skipped, so staff edits and deletions survive a second run.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.db import DatabaseError, connections, transaction
from django.db.models import Model
from django.utils import timezone
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_manager_for_model, get_m2m_field_name

from . import timeline
from .models import Citation, FixtureLoad


class FixtureError(Exception):
    def __init__(self, path: Path, message: str, record: str = ""):
        self.path, self.record, self.message = path, record, message
        where = f"{path}, {record}" if record else str(path)
        super().__init__(f"{where}: {message}")


@dataclass
class LoadReport:
    added: int = 0
    kept: int = 0
    files_loaded: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [f"Added {self.added} records from {len(self.files_loaded)} file(s)."]
        if self.kept:
            parts.append(f"Kept {self.kept} existing records as they are.")
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


def load_fixtures(paths: list[Path], using: str = "default") -> LoadReport:
    """Load the files in one transaction; raise FixtureError, having changed
    nothing, if any of them is broken."""
    report = LoadReport()
    with transaction.atomic(using=using):
        pending: list[Pending] = []
        ledger: list[tuple[str, str]] = []
        for path in paths:
            raw = _read(path)
            digest = hashlib.sha256(raw).hexdigest()
            if FixtureLoad.objects.using(using).filter(name=path.name, sha256=digest).exists():
                report.files_skipped.append(path.name)
                continue
            for item in _deserialize(path, raw, using):
                if type(item.obj)._base_manager.using(using).filter(pk=item.obj.pk).exists():
                    report.kept += 1
                else:
                    _save(item, using)
                    pending.append(item)
            ledger.append((path.name, digest))
            report.files_loaded.append(path.name)
        # References may point forward, within a file or across files, so
        # the records are checked only once all are saved.
        for item in pending:
            _check(item, using)
        _check_database_constraints(pending, using)
        _reset_sequences({type(item.obj) for item in pending}, using)
        _record_history(pending, using)
        if pending:
            # Saved raw, the records sent no signal that keeps the timeline current.
            timeline.rebuild()
        for name, digest in ledger:
            FixtureLoad.objects.using(using).update_or_create(name=name, defaults={"sha256": digest})
        report.added = len(pending)
    return report


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
    if not isinstance(data, list):
        raise FixtureError(path, "must hold a JSON list of records")
    items = []
    for index, record in enumerate(data):
        label = _describe(index, record)
        if not isinstance(record, dict) or "model" not in record or "fields" not in record:
            raise FixtureError(path, 'is not a record: it needs "model" and "fields"', label)
        if record.get("pk") is None:
            raise FixtureError(path, 'needs a "pk", so that loading again cannot duplicate it', label)
        try:
            (deserialized,) = serializers.deserialize("python", [record], using=using)
        except (DeserializationError, ValidationError, ObjectDoesNotExist, LookupError, ValueError) as error:
            raise FixtureError(path, _first_line(error), label) from error
        if deserialized.object._meta.app_label != "talks":
            raise FixtureError(path, "fixtures may hold only Parley's own records", label)
        items.append(Pending(path, index, deserialized, dict(deserialized.m2m_data or {})))
    return items


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
    except (DatabaseError, ValueError, TypeError) as error:
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


def _reset_sequences(models: set[type[Model]], using: str) -> None:
    """Rows loaded with explicit keys leave PostgreSQL's sequences behind;
    without this the next row staff add would collide with a loaded one."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), sorted(models, key=lambda m: m._meta.label))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
