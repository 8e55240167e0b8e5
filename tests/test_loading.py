import json
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from talks.loading import fixture_files, load_fixtures
from talks.models import Alias, FixtureLoad, Party, Talk

from .builders import make_party

pytestmark = pytest.mark.django_db

SEED_FILES = fixture_files(settings.FIXTURE_DIR)


def snapshot() -> dict[str, list]:
    """Every row of the record, field by field."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_app_config("talks").get_models()
    }


def write(path: Path, records) -> Path:
    path.write_text(records if isinstance(records, str) else json.dumps(records), encoding="utf-8")
    return path


SOURCE = {"model": "talks.source", "pk": 900, "fields": {"title": "Note", "slug": "note", "text": "Talks began."}}
PARTY = {"model": "talks.party", "pk": 900, "fields": {"name": "Ruritania", "slug": "ruritania", "kind": "state"}}


def citation(**fields) -> dict:
    defaults = {"content_type": ["talks", "party"], "object_id": 900, "source": 900, "excerpt": "Talks began."}
    return {"model": "talks.citation", "pk": 900, "fields": defaults | fields}


def test_load_fills_a_new_database_with_the_seed(db):
    report = load_fixtures(SEED_FILES)
    assert report.added > 100
    assert Talk.objects.filter(slug="astana-2017-01").exists()
    assert FixtureLoad.objects.count() == len(SEED_FILES)


def test_the_setup_command_loads_the_fixtures(db, capsys):
    call_command("load_fixtures")
    assert "Added" in capsys.readouterr().out
    assert Party.objects.filter(slug="syrian-government").exists()


def test_loading_again_adds_and_changes_nothing(seeded):
    before = snapshot()
    report = load_fixtures(SEED_FILES)
    assert report.added == 0
    assert report.files_skipped == [path.name for path in SEED_FILES]
    assert snapshot() == before


def test_loading_again_keeps_what_staff_changed_added_and_deleted(seeded):
    government = Party.objects.get(slug="syrian-government")
    government.name = "Government of the Syrian Arab Republic"
    government.save()
    Alias.objects.filter(name="FSA").delete()
    make_party(name="Egyptian Government", slug="egyptian-government")
    before = snapshot()
    load_fixtures(SEED_FILES)
    assert snapshot() == before


def test_a_changed_fixture_file_adds_its_new_records_and_leaves_existing_ones_alone(seeded, tmp_path):
    copies = [Path(shutil.copy(path, tmp_path)) for path in SEED_FILES]
    parties_file = next(path for path in copies if "parties" in path.name)
    records = json.loads(parties_file.read_text(encoding="utf-8"))
    for record in records:
        if record["model"] == "talks.party" and record["fields"]["slug"] == "syrian-government":
            record["fields"]["name"] = "Renamed by the fixture"
    records.append(PARTY)
    write(parties_file, records)
    government_before = Party.objects.get(slug="syrian-government").name

    report = load_fixtures(copies)

    assert report.added == 1
    assert Party.objects.get(slug="ruritania")
    assert Party.objects.get(slug="syrian-government").name == government_before


def test_a_record_staff_created_with_a_fixtures_key_is_kept(db, tmp_path):
    make_party(name="Made by staff", slug="made-by-staff", pk=900)
    report = load_fixtures([write(tmp_path / "10.json", [PARTY])])
    assert report.kept == 1
    assert Party.objects.get(pk=900).name == "Made by staff"


BROKEN = [
    pytest.param("[{", "is not valid JSON: Expecting property name", id="bad JSON"),
    pytest.param("{}", "must hold a JSON list", id="not a list"),
    pytest.param([SOURCE, {"pk": 901}], 'record 2 (? pk=901): is not a record: it needs "model"', id="not a record"),
    pytest.param([SOURCE, {"model": "talks.party", "fields": {}}], 'needs a "pk"', id="no primary key"),
    pytest.param(
        [SOURCE, {"model": "talks.planet", "pk": 1, "fields": {}}], "record 2 (talks.planet pk=1)", id="unknown model"
    ),
    pytest.param(
        [SOURCE, PARTY | {"fields": PARTY["fields"] | {"kind": "planet"}}],
        "record 2 (talks.party pk=900): kind: Value 'planet' is not a valid choice.",
        id="unknown choice",
    ),
    pytest.param(
        [SOURCE, PARTY, citation(excerpt="Talks ended.")],
        "record 3 (talks.citation pk=900): excerpt: This excerpt does not occur in the text of “Note”",
        id="excerpt not in source",
    ),
    pytest.param(
        [SOURCE, PARTY, citation(source=999)],
        "record 3 (talks.citation pk=900): source: no source with pk 999",
        id="unknown source",
    ),
    pytest.param(
        [SOURCE, PARTY, citation(object_id=999)],
        "record 3 (talks.citation pk=900): object_id: There is no party with the id 999",
        id="citation of a missing fact",
    ),
    pytest.param(
        [
            SOURCE,
            PARTY,
            {
                "model": "talks.talk",
                "pk": 900,
                "fields": {"name": "T", "slug": "t", "status": "planned", "convened_by": [900, 998]},
            },
        ],
        "record 3 (talks.talk pk=900): convened_by: no party with pk 998",
        id="unknown many-to-many reference",
    ),
    pytest.param(
        [
            PARTY,
            {
                "model": "talks.talk",
                "pk": 900,
                "fields": {
                    "name": "T",
                    "slug": "t",
                    "status": "planned",
                    "start_date": "2017-01-24",
                    "end_date": "2017-01-23",
                },
            },
        ],
        "record 2 (talks.talk pk=900)",
        id="end before start",
    ),
    pytest.param([PARTY, PARTY | {"pk": 901}], "record 2 (talks.party pk=901): cannot be saved", id="duplicate slug"),
]


@pytest.mark.parametrize(("content", "message"), BROKEN)
def test_a_broken_fixture_names_file_and_record_and_loads_nothing(seeded, tmp_path, content, message):
    good = write(tmp_path / "10_good.json", [{**PARTY, "pk": 950, "fields": PARTY["fields"] | {"slug": "good"}}])
    broken = write(tmp_path / "20_broken.json", content)
    before = snapshot()

    with pytest.raises(CommandError) as caught:
        call_command("load_fixtures", str(good), str(broken))

    assert str(broken) in str(caught.value)
    assert message in str(caught.value)
    assert "Nothing was loaded" in str(caught.value)
    assert snapshot() == before


def test_a_missing_fixture_file_is_named(db, tmp_path):
    with pytest.raises(CommandError, match=r"missing\.json: cannot be read"):
        call_command("load_fixtures", str(tmp_path / "missing.json"))
