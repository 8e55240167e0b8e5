"""Consistent copies of the live database, and putting one back.

SQLite is copied with its online backup API, which gives a snapshot of one
moment even while the site keeps writing; PostgreSQL with pg_dump, which
does the same inside one transaction.

A restore first checks that the file is a backup of Parley (sound, with the
record's tables and every migration of the talks app this code has), and
refuses, changing nothing, if it is not; then it keeps the database it
replaces as a safety copy, named with the time, before putting the backup
in its place."""

import datetime
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from django.db import connections
from django.db.migrations.loader import MigrationLoader

# Tables without which a file is not Parley's record, whatever else it holds.
RECORD_TABLES = ("talks_source", "talks_party", "talks_person", "talks_talk", "talks_citation")


class BackupError(Exception):
    pass


def default_name(vendor: str) -> str:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"parley-{stamp}.{'sqlite3' if vendor == 'sqlite' else 'dump'}"


def backup(destination: Path, using: str = "default") -> Path:
    connection = connections[using]
    destination.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        _sqlite_backup(Path(connection.settings_dict["NAME"]), destination)
    elif connection.vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={destination}"], connection.settings_dict)
    else:
        raise BackupError(f"No backup method for {connection.vendor}.")
    return destination


def restore(source: Path, using: str = "default") -> Path | None:
    """Replace the database's contents with a backup's, once the backup is
    known to be Parley's; return the safety copy of what it replaced (None
    when there was no database yet). Stop the site first."""
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file.")
    connection = connections[using]
    connection.close()
    if connection.vendor == "sqlite":
        check_sqlite_backup(source)
        live = Path(connection.settings_dict["NAME"])
        safety = None
        if live.is_file() and live.stat().st_size:
            safety = live.with_name(f"{live.name}.before-restore-{_stamp()}")
            _sqlite_backup(live, safety)
        _sqlite_backup(source, live)
        return safety
    if connection.vendor == "postgresql":
        check_postgresql_backup(source, connection.settings_dict)
        safety = source.resolve().parent / f"{connection.settings_dict['NAME']}.before-restore-{_stamp()}.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={safety}"], connection.settings_dict)
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
            connection.settings_dict,
            database_flag=True,
        )
        return safety
    raise BackupError(f"No restore method for {connection.vendor}.")


def _stamp() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def expected_migrations() -> set[str]:
    """The talks app's migrations that this code has, by name."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {name for app, name in loader.disk_migrations if app == "talks"}


def _not_parley(path: Path, why: str) -> BackupError:
    return BackupError(f"{path} is not a backup of Parley: {why}. Nothing was changed.")


def check_migrations(path: Path, applied: set[str]) -> None:
    missing = sorted(expected_migrations() - applied)
    if not applied:
        raise _not_parley(path, "it records no migration of Parley's talks app")
    if missing:
        raise _not_parley(
            path,
            f"it lacks {len(missing)} migration(s) of the talks app that this code has ({', '.join(missing[:3])}"
            f"{', …' if len(missing) > 3 else ''}); restore it with the version of Parley that made it, then upgrade",
        )


def check_sqlite_backup(path: Path) -> None:
    """Raise unless the file is a sound SQLite database holding Parley's
    record at this code's migration state."""
    try:
        check_sqlite(path)
    except BackupError as error:
        raise BackupError(f"{error} Nothing was changed.") from error
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "django_migrations" not in tables:
                raise _not_parley(path, "it has no django_migrations table (an empty file, or another application's)")
            applied = {name for (name,) in db.execute("SELECT name FROM django_migrations WHERE app = 'talks'")}
    except sqlite3.DatabaseError as error:
        raise _not_parley(path, f"it cannot be read ({error})") from error
    check_migrations(path, applied)
    if missing := [table for table in RECORD_TABLES if table not in tables]:
        raise _not_parley(path, f"it lacks the record's tables ({', '.join(missing)})")


def check_postgresql_backup(path: Path, settings: dict) -> None:
    """Raise unless pg_restore reads the file as a dump holding Parley's
    tables and a django_migrations table at this code's migration state."""
    listing = _run(["pg_restore", "--list", str(path)], settings, check=False)
    if listing.returncode != 0:
        raise _not_parley(path, f"pg_restore cannot read it ({_first_line(listing.stderr)})")
    tables = set(re.findall(r" TABLE DATA \S+ (\S+)", listing.stdout))
    if "django_migrations" not in tables:
        raise _not_parley(path, "it has no django_migrations table")
    if missing := [table for table in RECORD_TABLES if table not in tables]:
        raise _not_parley(path, f"it lacks the record's tables ({', '.join(missing)})")
    rows = _run(["pg_restore", "--data-only", "--table=django_migrations", "--file=-", str(path)], settings)
    applied = set()
    for line in rows.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[1] == "talks":
            applied.add(parts[2])
    check_migrations(path, applied)


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or ["no output"])[0]


def check_sqlite(path: Path) -> None:
    """Raise unless SQLite's own integrity check passes on the file."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            result = db.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path}: not a usable SQLite database ({error}).") from error
    if result != "ok":
        raise BackupError(f"{path}: integrity check failed: {result}")


def _sqlite_backup(source: Path, destination: Path) -> None:
    if not source.is_file():
        raise BackupError(f"{source}: no such database file.")
    partial = destination.with_name(destination.name + ".partial")
    try:
        with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(partial)) as dst:
            # One step: the copy is of a single moment, however busy the site.
            src.backup(dst, pages=-1)
            # One self-contained file: a copy left in WAL mode would grow
            # -wal and -shm files beside it whenever it is opened.
            dst.execute("PRAGMA journal_mode=DELETE")
        check_sqlite(partial)
    except (sqlite3.DatabaseError, BackupError) as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"Copying {source} failed: {error}") from error
    # A restore replaces the file whole, so a reader never sees half of it.
    for suffix in ("-wal", "-shm"):
        Path(f"{destination}{suffix}").unlink(missing_ok=True)
    os.replace(partial, destination)


def _run(
    command: list[str], settings: dict, database_flag: bool = False, check: bool = True
) -> subprocess.CompletedProcess:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).")
    env = os.environ | {
        "PGHOST": settings.get("HOST") or "",
        "PGPORT": str(settings.get("PORT") or ""),
        "PGUSER": settings.get("USER") or "",
        "PGPASSWORD": settings.get("PASSWORD") or "",
        "PGDATABASE": settings["NAME"],
    }
    if database_flag:
        command = [*command[:-1], f"--dbname={settings['NAME']}", command[-1]]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
    return result
