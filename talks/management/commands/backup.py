from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from talks.backups import BackupError, backup, default_name


class Command(BaseCommand):
    help = "Write a consistent copy of the live database (SQLite backup API, or pg_dump) while the site runs."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="File to write; default: backups/parley-<UTC time>.")
        parser.add_argument("--database", default="default")

    def handle(self, *args, output: Path | None, database: str, **options):
        output = output or Path("backups") / default_name(connections[database].vendor)
        try:
            written = backup(output, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup written to {written} ({written.stat().st_size} bytes).")
