"""The seed data for tests that read it, loaded with the site's own checking
loader once per test run and copied back from memory for every test after
that: the loader's record-by-record checks cost about half a second a test,
and are tested on their own in tests/test_loading.py."""

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection

from talks.loading import fixture_files, load_fixtures, reserve_keys
from talks.models import DataVersion

# Per table: the model, and its rows as {attname: value}.
_snapshot: list[tuple[type, list[dict]]] = []


def _tables() -> list[type]:
    """The talks app's tables, many-to-many link tables included; not the
    data version, which _restore makes as every write does. (A request the
    live server was still answering when a browser test's database was
    flushed can make the version again before the next test restores the
    seed: copied back as a row, it then failed as a duplicate.)"""
    models = [m for m in apps.get_app_config("talks").get_models() if m is not DataVersion]
    links = [f.remote_field.through for m in models for f in m._meta.local_many_to_many]
    return [*models, *(link for link in links if link._meta.auto_created)]


def _take_snapshot() -> list[tuple[type, list[dict]]]:
    snapshot = []
    for model in _tables():
        names = [f.attname for f in model._meta.concrete_fields]
        rows = list(model._base_manager.order_by("pk").values(*names))
        if "content_type_id" in names:
            # A flushed database (the browser tests') numbers content types anew.
            types = ContentType.objects.in_bulk({row["content_type_id"] for row in rows})
            for row in rows:
                row["content_type_id"] = types[row["content_type_id"]].natural_key()
        snapshot.append((model, rows))
    return snapshot


def _restore(snapshot: list[tuple[type, list[dict]]]) -> None:
    ContentType.objects.clear_cache()
    for model, rows in snapshot:
        objects = []
        for row in rows:
            if "content_type_id" in row:
                row = row | {"content_type_id": ContentType.objects.get_by_natural_key(*row["content_type_id"]).pk}
            objects.append(model(**row))
        model._base_manager.bulk_create(objects)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model for model, _ in snapshot]):
            cursor.execute(sql)
    # As the loader leaves them: past the keys fixture files use.
    reserve_keys()
    DataVersion.bump()


def load_seed() -> None:
    """Fill the test database with the seed data, as a new site has it."""
    if _snapshot:
        _restore(_snapshot)
    else:
        load_fixtures(fixture_files(settings.FIXTURE_DIR))
        _snapshot.extend(_take_snapshot())
