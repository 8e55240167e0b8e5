import json
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from talks.loading import FIXTURE_KEYS, fixture_files, load_fixtures, reserve_keys
from talks.models import Alias, Citation, FixtureLoad, FixtureRecord, Party, Talk

from .builders import make_party, make_source

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


TALK = {"model": "talks.talk", "pk": 900, "fields": {"name": "T", "slug": "t", "status": "planned"}}
SESSION_FIELDS = {"talk": 900, "title": "Opening", "kind": "opening"}


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


def changed_seed(tmp_path: Path, name: str, records: list[dict]) -> list[Path]:
    """The seed files, with records added to the one whose name has `name`."""
    copies = [Path(shutil.copy(path, tmp_path)) for path in SEED_FILES]
    changed = next(path for path in copies if name in path.name)
    write(changed, [*json.loads(changed.read_text(encoding="utf-8")), *records])
    return copies


def test_a_changed_fixture_file_never_brings_back_what_staff_deleted(seeded, tmp_path):
    fsa = Alias.objects.get(name="FSA")
    citations = list(fsa.citations.values_list("pk", flat=True))
    assert citations
    fsa.delete()  # its citations go with it

    report = load_fixtures(changed_seed(tmp_path, "parties", [PARTY]))

    assert report.added == 1
    assert report.left_deleted == 1 + len(citations)
    assert not Alias.objects.filter(name="FSA").exists()
    assert not Citation.objects.filter(pk__in=citations).exists()
    assert Party.objects.filter(slug="ruritania").exists()


def test_a_fixture_record_whose_key_staff_took_is_an_error_naming_both(seeded, tmp_path):
    staff = make_party(name="Made by staff", slug="made-by-staff", pk=900)
    alias = {"model": "talks.alias", "pk": 900, "fields": {"content_type": ["talks", "party"], "object_id": 900}}
    alias["fields"] |= {"name": "Ruritanian Republic"}
    files = changed_seed(tmp_path, "parties", [PARTY, alias])
    before = snapshot()

    with pytest.raises(CommandError) as caught:
        call_command("load_fixtures", *map(str, files))

    message = str(caught.value)
    assert "20_parties.json, record " in message
    assert "(talks.party pk=900): its key is taken by a record staff made, party “Made by staff” (pk=900)" in message
    assert "Nothing was loaded" in message
    assert snapshot() == before
    assert not staff.aliases.exists()


def test_a_fixture_citation_whose_key_staff_took_is_an_error(seeded, tmp_path, source):
    party = make_party()
    staff = Citation.objects.create(fact=party, source=source, excerpt="The talks opened in Astana", pk=900)
    files = changed_seed(tmp_path, "parties", [PARTY, SOURCE, citation()])
    with pytest.raises(CommandError, match=r"\(talks\.citation pk=900\): its key is taken by a record staff made"):
        call_command("load_fixtures", *map(str, files))
    assert Citation.objects.get(pk=900) == staff


def test_records_staff_add_are_numbered_past_every_key_a_fixture_may_use(db):
    # The test database was made by migrate, which moves the sequences on.
    assert make_party().pk > FIXTURE_KEYS
    assert make_source().pk > FIXTURE_KEYS


def test_moving_the_sequences_on_never_moves_them_back(db):
    make_party(pk=FIXTURE_KEYS + 500)
    reserve_keys()
    assert make_party().pk == FIXTURE_KEYS + 501


def test_a_site_loaded_before_the_ledger_keeps_staff_deletions(seeded, tmp_path):
    """Loaded by an earlier version, which kept no ledger: an unchanged file's
    records are all taken into it, those staff deleted as deleted."""
    FixtureRecord.objects.all().delete()
    Alias.objects.filter(name="FSA").delete()
    before = snapshot()

    report = load_fixtures(SEED_FILES)

    assert report.added == 0
    assert report.left_deleted >= 1
    ledgers = {"talks.FixtureRecord", "talks.FixtureLoad", "talks.DataVersion"}
    assert {k: v for k, v in snapshot().items() if k not in ledgers} == {
        k: v for k, v in before.items() if k not in ledgers
    }
    assert FixtureRecord.objects.filter(model="talks.alias", file="20_parties.json").count() == 17

    # And from now on a change to the file does not bring the alias back.
    load_fixtures(changed_seed(tmp_path, "parties", [PARTY]))
    assert not Alias.objects.filter(name="FSA").exists()


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
    # Hostile shapes: each named by file, record and field, none a traceback.
    pytest.param(
        [SOURCE, PARTY | {"fields": ["name", "Ruritania"]}],
        'record 2 (talks.party pk=900): "fields" must be an object of field names and values, not list',
        id="fields not an object",
    ),
    pytest.param(
        [SOURCE, PARTY | {"model": ["talks", "party"]}],
        """record 2 (['talks', 'party'] pk=900): "model" must be text such as "talks.party\"""",
        id="model not text",
    ),
    pytest.param(
        [SOURCE, PARTY | {"fields": PARTY["fields"] | {"capital": "Strelsau"}}],
        "record 2 (talks.party pk=900): capital: a party has no such field",
        id="unknown field",
    ),
    pytest.param(
        [SOURCE, PARTY, TALK | {"fields": TALK["fields"] | {"convened_by": 900}}],
        "record 3 (talks.talk pk=900): convened_by: must be a list of keys, not 900",
        id="many-to-many not a list",
    ),
    pytest.param(
        [SOURCE, PARTY | {"pk": {"id": 900}}],
        "record 2 (talks.party pk={'id': 900}): \"pk\" must be a whole number from 1 to 999,999",
        id="pk an object",
    ),
    pytest.param(
        [SOURCE, PARTY | {"pk": 1_000_001}],
        '"pk" must be a whole number from 1 to 999,999, not 1000001',
        id="pk in the range staff records take",
    ),
    pytest.param(
        [SOURCE, TALK | {"fields": TALK["fields"] | {"start_date": 20170123}}],
        "record 2 (talks.talk pk=900): start_date: must be a date written as text (2017-01-23), not 20170123",
        id="date a number",
    ),
    pytest.param(
        [SOURCE, TALK, {"model": "talks.session", "pk": 900, "fields": SESSION_FIELDS | {"sequence": 10**30}}],
        "record 3 (talks.session pk=900): sequence: must be a whole number from 0 to 32767",
        id="number too large",
    ),
    pytest.param(
        [SOURCE, PARTY | {"fields": PARTY["fields"] | {"name": {"en": "Ruritania"}}}],
        "record 2 (talks.party pk=900): name: must be text, not {'en': 'Ruritania'}",
        id="text an object",
    ),
    pytest.param(
        [SOURCE, PARTY | {"fields": PARTY["fields"] | {"description": "Ruri\u0000tania"}}],
        "record 2 (talks.party pk=900): description: contains a NUL character (\\x00)",
        id="NUL in text",
    ),
    pytest.param(
        [SOURCE, PARTY, citation(excerpt="", source=None, note="Told by \u0000 a diplomat")],
        "record 3 (talks.citation pk=900): note: contains a NUL character",
        id="NUL in a note",
    ),
    pytest.param(
        [SOURCE, {"model": "talks.fixtureload", "pk": 900, "fields": {"name": "30_people.json", "sha256": "0" * 64}}],
        "record 2 (talks.fixtureload pk=900): model: fixtures may hold only Parley's record",
        id="the loader's file ledger",
    ),
    pytest.param(
        [SOURCE, {"model": "talks.fixturerecord", "pk": 900, "fields": {"model": "talks.party", "object_id": 1}}],
        "record 2 (talks.fixturerecord pk=900): model: fixtures may hold only Parley's record",
        id="the loader's record ledger",
    ),
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
