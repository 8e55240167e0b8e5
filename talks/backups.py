"""Consistent copies of the live database, and putting one back.

SQLite is copied with its online backup API, which gives a snapshot of one
moment even while the site keeps writing; PostgreSQL with pg_dump, which
does the same inside one transaction."""

import datetime
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from django.db import connections


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


def restore(source: Path, using: str = "default") -> None:
    """Replace the database's contents with a backup's. Stop the site first."""
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file.")
    connection = connections[using]
    connection.close()
    if connection.vendor == "sqlite":
        check_sqlite(source)
        _sqlite_backup(source, Path(connection.settings_dict["NAME"]))
    elif connection.vendor == "postgresql":
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
            connection.settings_dict,
            database_flag=True,
        )
    else:
        raise BackupError(f"No restore method for {connection.vendor}.")


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
        check_sqlite(partial)
    except (sqlite3.DatabaseError, BackupError) as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"Copying {source} failed: {error}") from error
    # A restore replaces the file whole, so a reader never sees half of it.
    for suffix in ("-wal", "-shm"):
        Path(f"{destination}{suffix}").unlink(missing_ok=True)
    os.replace(partial, destination)


def _run(command: list[str], settings: dict, database_flag: bool = False) -> None:
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
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
