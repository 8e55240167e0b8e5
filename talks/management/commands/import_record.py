import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from talks.popolo import ImportProblem, import_record


class Command(BaseCommand):
    help = (
        "Read a record written by export_record into this site's database. The whole file is checked first and "
        "imported in one transaction: a file with any problem changes nothing, and each problem names its record "
        "and field. The database must hold no record yet, unless --replace is given. See docs/data.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file export_record wrote; - for standard input.")
        parser.add_argument(
            "--replace", action="store_true", help="Delete the record this site holds, in the same transaction."
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, path: str, replace: bool, database: str, verbosity: int, **options):
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Nothing was imported. {path} cannot be read: {error}") from error
        try:
            report = import_record(text, replace=replace, using=database)
        except ImportProblem as problem:
            raise CommandError(f"Nothing was imported.\n{problem}") from problem
        if verbosity:
            self.stdout.write(str(report))
