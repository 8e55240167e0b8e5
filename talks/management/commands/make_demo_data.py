from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from talks import demo


class Command(BaseCommand):
    help = (
        "Fill a new, empty database with a synthetic record N times the size of the seed record, the same for "
        "the same N, to see how the reader's pages hold up as the record grows. Refuses a database that holds "
        "any record of Parley: point DATABASE_URL at a database of its own (see docs/performance.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="Times the seed record's size (default 1).")

    def handle(self, *args, scale: int, verbosity: int, **options):
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        if "talks_talk" not in connection.introspection.table_names():
            raise CommandError("This database has no tables for Parley yet: run manage.py migrate on it first.")
        try:
            demo.make(scale, report=self.stdout.write if verbosity else lambda message: None)
        except demo.DatabaseNotEmpty as error:
            raise CommandError(f"Nothing was written. {error}") from error
