"""The operator's procedures, run as the operator runs them: manage.py in
a fresh process against a real database file or server."""

import os
import re
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from .pages import HTML

pytestmark = pytest.mark.slow

# Every page in the site's look, as it is and filtered.
PAGES = [*(page.path for page in HTML), *(page.filtered_path for page in HTML if page.example)]

# Renders each page in the process's own database and prints it, without the
# per-request CSRF token, so two databases' pages can be compared.
RENDER = """
import re, sys
from django.test import Client
client = Client()
for url in sys.argv[1:]:
    html = client.get(url).content.decode()
    print(re.sub(r'"X-CSRFToken": "[^"]*"', "", html))
"""


def manage(database_url: str, *args: str, input: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {"DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        input=input,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def render(database_url: str) -> str:
    return manage(database_url, "shell", "-c", f"import sys; sys.argv = ['x', *{PAGES!r}]\n{RENDER}")


def new_site(path: Path) -> str:
    url = f"sqlite:///{path}"
    manage(url, "migrate", "--no-input", "-v0")
    manage(url, "load_fixtures", "-v0")
    return url


@pytest.fixture
def postgres_database(postgres_databases) -> str:
    """A new, empty PostgreSQL database, dropped afterwards."""
    return postgres_databases("parley_safe_deploy")


EDIT = (
    "from talks.models import Party; p = Party.objects.get(slug='egypt'); "
    "p.description = 'Edited by staff before the move.'; p.save()"
)


def test_moving_from_sqlite_to_postgresql_keeps_every_page_the_same(tmp_path, postgres_database):
    sqlite_url = new_site(tmp_path / "parley.sqlite3")
    manage(sqlite_url, "shell", "-c", EDIT)
    dump = tmp_path / "parley.json"
    # The documented procedure (README, "Moving to PostgreSQL").
    manage(
        sqlite_url,
        "dumpdata",
        "--natural-foreign",
        "--natural-primary",
        "--exclude=contenttypes",
        "--exclude=auth.permission",
        "--exclude=sessions",
        "--exclude=admin.logentry",
        "--exclude=axes",
        f"--output={dump}",
    )
    manage(postgres_database, "migrate", "--no-input", "-v0")
    manage(postgres_database, "loaddata", str(dump), "-v0")

    assert render(postgres_database) == render(sqlite_url)
    assert "Edited by staff before the move." in manage(
        postgres_database,
        "shell",
        "-c",
        "from talks.models import Party; print(Party.objects.get(slug='egypt').description)",
    )
    # Loading the fixtures again on the new server adds nothing.
    assert "Added 0 records" in manage(postgres_database, "load_fixtures")


def test_postgresql_takes_new_rows_after_the_move(tmp_path, postgres_database):
    sqlite_url = new_site(tmp_path / "parley.sqlite3")
    dump = tmp_path / "parley.json"
    manage(sqlite_url, "dumpdata", "talks", "--natural-foreign", f"--output={dump}")
    manage(postgres_database, "migrate", "--no-input", "-v0")
    manage(postgres_database, "loaddata", str(dump), "-v0")
    # As docs/deploy.md says: loaddata resets the sequences to the largest
    # keys, and load_fixtures moves them past the keys fixture files use.
    assert "Added 0 records" in manage(postgres_database, "load_fixtures")
    created = manage(
        postgres_database,
        "shell",
        "-c",
        "from talks.models import Party; print(Party.objects.create(name='New', slug='new', kind='state').pk)",
    )
    assert int(created.split()[-1]) > 1_000_000


def rows(path: Path) -> dict[str, list]:
    with closing(sqlite3.connect(path)) as db:
        tables = [
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'talks_%'")
        ]
        return {table: db.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall() for table in tables}


def test_sqlite_backup_restores_the_database_as_it_was(tmp_path):
    live = tmp_path / "parley.sqlite3"
    url = new_site(live)
    before = rows(live)
    backup = tmp_path / "backups" / "copy.sqlite3"
    assert "Backup written to" in manage(url, "backup", f"--output={backup}")
    manage(url, "shell", "-c", "from talks.models import Party; Party.objects.filter(slug='egypt').delete()")
    assert rows(live) != before

    manage(url, "restore", str(backup), "--no-input")

    assert rows(live) == before
    with closing(sqlite3.connect(live)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def refused_restore(url: str, backup: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {"DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(backup), "--no-input"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    return result


def foreign_sqlite(path: Path) -> Path:
    """A sound SQLite database of another application."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO notes (body) VALUES ('not Parley')")
        db.commit()
    return path


def older_backup(url: str, path: Path) -> Path:
    """A real backup of Parley, but without the talks app's latest migration."""
    manage(url, "backup", f"--output={path}")
    with closing(sqlite3.connect(path)) as db:
        latest = "SELECT max(id) FROM django_migrations WHERE app = 'talks'"
        db.execute(f"DELETE FROM django_migrations WHERE id = ({latest})")
        db.commit()
    return path


NOT_BACKUPS = {
    "junk": (lambda url, path: path.write_bytes(b"not a database" * 100) and path, "not a usable SQLite database"),
    "empty file": (lambda url, path: path.write_bytes(b"") or path, "no django_migrations table"),
    "another application's database": (lambda url, path: foreign_sqlite(path), "no django_migrations table"),
    "an older Parley's backup": (older_backup, "lacks 1 migration(s) of the talks app"),
}


@pytest.mark.parametrize("kind", NOT_BACKUPS)
def test_restore_refuses_a_file_that_is_not_a_backup_of_parley_and_changes_nothing(tmp_path, kind):
    live = tmp_path / "parley.sqlite3"
    url = new_site(live)
    make, message = NOT_BACKUPS[kind]
    candidate = tmp_path / "candidate.sqlite3"
    make(url, candidate)
    before = rows(live)
    files = sorted(tmp_path.iterdir())

    result = refused_restore(url, candidate)

    assert f"{candidate}" in result.stderr
    assert message in result.stderr
    assert "Nothing was changed" in result.stderr
    assert rows(live) == before
    assert sorted(tmp_path.iterdir()) == files, "a refused restore left a file behind"


def test_restore_keeps_the_database_it_replaces_as_a_safety_copy(tmp_path):
    live = tmp_path / "parley.sqlite3"
    url = new_site(live)
    backup = tmp_path / "copy.sqlite3"
    manage(url, "backup", f"--output={backup}")
    manage(url, "shell", "-c", "from talks.models import Party; Party.objects.filter(slug='egypt').delete()")
    edited = rows(live)

    output = manage(url, "restore", str(backup), "--no-input")

    (safety,) = tmp_path.glob("parley.sqlite3.before-restore-*")
    assert str(safety) in output
    assert rows(safety) == edited
    assert rows(live) != edited


def test_postgresql_restore_refuses_a_dump_of_another_database(postgres_databases, tmp_path):
    live = postgres_databases("parley_safe_live")
    manage(live, "migrate", "--no-input", "-v0")
    manage(live, "load_fixtures", "-v0")
    pages = render(live)
    other = postgres_databases("parley_safe_other")
    with psycopg.connect(other, autocommit=True) as db:
        db.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text)")
    dump = tmp_path / "other.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", other], check=True, timeout=60)
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"")

    for candidate, message in [(dump, "no django_migrations table"), (junk, "pg_restore cannot read it")]:
        result = refused_restore(live, candidate)
        assert f"{candidate} is not a backup of Parley" in result.stderr
        assert message in result.stderr
    assert render(live) == pages


def test_postgresql_backup_restores_the_database_as_it_was(postgres_database):
    manage(postgres_database, "migrate", "--no-input", "-v0")
    manage(postgres_database, "load_fixtures", "-v0")
    pages = render(postgres_database)
    backup = Path(settings.BASE_DIR) / "backups" / f"test-{uuid.uuid4().hex[:8]}.dump"
    try:
        manage(postgres_database, "backup", f"--output={backup}")
        manage(postgres_database, "shell", "-c", "from talks.models import Talk; Talk.objects.all().delete()")
        assert render(postgres_database) != pages
        output = manage(postgres_database, "restore", str(backup), "--no-input")
        assert render(postgres_database) == pages
        safety = Path(output.split("is kept in ")[1].strip().rstrip("."))
        assert safety.parent == backup.parent
        assert safety.stat().st_size > 0
    finally:
        backup.unlink(missing_ok=True)
        for copy in backup.parent.glob(f"{postgres_database.rsplit('/', 1)[1]}.before-restore-*.dump"):
            copy.unlink()


def test_production_settings_serve_compressed_hashed_static_files(static_root):
    """collectstatic with production settings (the static_root fixture runs
    it as `make deploy` does) writes hashed names and gzip and brotli copies,
    which whitenoise serves with far-future caching."""
    css = list((static_root / "css").glob("parley.*.css"))
    assert any(re.fullmatch(r"parley\.[0-9a-f]{12}\.css", path.name) for path in css)
    assert any(path.name.endswith(".css.gz") for path in (static_root / "css").iterdir())
    assert any(path.name.endswith(".css.br") for path in (static_root / "css").iterdir())
