"""The demo record (talks/demo.py, manage.py make_demo_data): the seed's
shape N times over, the same every time, every fact cited, and never poured
into a database that holds a record already."""

import json
import random
import re
from collections import Counter
from contextlib import suppress

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction

from talks import audit, demo
from talks.dates import DatePrecision, DateQualifier
from talks.models import Alias, Citation, Cited, Delegation, Party, Session, Talk, Topic
from talks.text import find_excerpt

pytestmark = pytest.mark.django_db

RECORD = [model for model in apps.get_app_config("talks").get_models() if model in demo.SEED or model is Citation]
ARABIC = re.compile(r"[\u0600-\u06ff]")


class Discard(Exception):
    pass


def counts() -> dict[str, int]:
    return {model._meta.label_lower: model._base_manager.count() for model in RECORD}


def snapshot() -> dict[str, list]:
    """Every row of the record and of its link tables, field by field (the
    link tables' own keys left out: they are the database's to number)."""
    links = {
        field.remote_field.through
        for model in RECORD
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    }
    rows = {model._meta.label: list(model._base_manager.order_by("pk").values()) for model in RECORD}
    for link in links:
        names = sorted(f.attname for f in link._meta.concrete_fields if not f.primary_key)
        rows[link._meta.label] = sorted(link.objects.values_list(*names))
    return rows


def measured(scale: int, measure=counts):
    """What `measure` finds in the demo record of a scale, written and then
    rolled back, so that one test can compare scales."""
    result = None
    with suppress(Discard), transaction.atomic():
        call_command("make_demo_data", scale=scale, verbosity=0)
        result = measure()
        raise Discard
    return result


@pytest.fixture
def record():
    call_command("make_demo_data", scale=2, verbosity=0)


def test_counts_are_the_seeds_times_the_scale():
    one, three = measured(1), measured(3)
    assert all(one[label] > 0 for label in one)
    assert three == {label: 3 * count for label, count in one.items()}


def test_scale_one_is_about_the_seed_records_size():
    seed = Counter()
    for path in sorted(settings.FIXTURE_DIR.glob("*.json")):
        seed.update(record["model"] for record in json.loads(path.read_text(encoding="utf-8")))
    for label, count in measured(1).items():
        assert seed[label] / 2 <= count <= seed[label] * 2, label


def test_the_same_scale_gives_the_same_record():
    assert measured(2, snapshot) == measured(2, snapshot)


def test_every_fact_has_a_citation(record):
    for model in RECORD:
        if issubclass(model, Cited):
            assert model.objects.drafts().count() == 0, model
    assert Citation.objects.filter(source=None).exclude(note="").exists()


def test_every_excerpt_occurs_in_its_source_where_it_says(record):
    quoted = Citation.objects.exclude(source=None).select_related("source")
    assert quoted.count() > Citation.objects.filter(source=None).count()
    for citation in quoted:
        assert citation.source.text[citation.start : citation.end] == citation.excerpt
        assert find_excerpt(citation.source.text, citation.excerpt) == (citation.start, citation.end)


def test_check_record_finds_nothing_wrong(record):
    assert audit.problems() == []


def test_every_record_has_its_first_history_entry(record):
    for model in RECORD:
        assert model.history.count() == model._base_manager.count(), model


def test_a_sample_passes_full_clean(record):
    rng = random.Random(0)
    for model in RECORD:
        rows = list(model._base_manager.order_by("pk"))
        for row in rng.sample(rows, min(len(rows), 15)):
            row.full_clean()


def test_it_has_the_shapes_that_make_pages_slow_or_long():
    def shapes():
        sizes = sorted(Session.objects.filter(talk=talk).count() for talk in Talk.objects.all())
        return {
            "largest talk": Talk.objects.get(slug="demo-talks-1").delegations.count(),
            "delegations at most talks": Delegation.objects.filter(talk__slug="demo-talks-2").count(),
            "sessions": sizes,
            "talk statuses": set(Talk.objects.values_list("status", flat=True)),
            "session statuses": set(Session.objects.values_list("status", flat=True)),
            "precisions": set(Talk.objects.values_list("start_precision", flat=True)),
            "qualifiers": set(Session.objects.values_list("start_qualifier", flat=True))
            | set(Talk.objects.values_list("start_qualifier", flat=True)),
            "longest name": max(len(name) for name in Party.objects.values_list("name", flat=True)),
            "arabic": [a.name for a in Alias.objects.filter(kind=Alias.Kind.ORIGINAL, language="ar")],
            "heads": Delegation.objects.filter(members__role="head").count(),
            "components": Delegation.objects.filter(components__isnull=False).exists(),
        }

    found = measured(3, shapes)
    assert found["largest talk"] >= 3 * found["delegations at most talks"]
    assert max(found["sessions"]) >= 3
    assert found["sessions"][len(found["sessions"]) // 2] <= 1
    assert found["talk statuses"] == set(Talk.Status.values)
    assert found["session statuses"] == set(Session.Status.values)
    assert found["precisions"] == set(DatePrecision.values)
    assert found["qualifiers"] == set(DateQualifier.values)
    assert found["longest name"] > 150
    assert found["arabic"]
    assert all(ARABIC.search(name) for name in found["arabic"])
    assert found["heads"]
    assert found["components"]


def test_refuses_a_database_that_holds_the_record(seeded):
    before = counts()
    with pytest.raises(CommandError, match="database of its own"):
        call_command("make_demo_data", scale=1, verbosity=0)
    assert counts() == before


def test_refuses_a_database_that_holds_only_the_history_of_a_record():
    Topic.objects.create(name="Gone", slug="gone").delete()
    with pytest.raises(CommandError, match="database of its own"):
        call_command("make_demo_data", scale=1, verbosity=0)
