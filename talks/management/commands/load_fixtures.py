from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from talks.loading import FixtureError, fixture_files, load_fixtures


class Command(BaseCommand):
    help = (
        "Load Parley's fixtures (by default every fixtures/*.json) in one transaction. "
        "Records already in the database are left as they are, and files loaded before are skipped, "
        "so it is safe to run on a live site. A broken file loads nothing and names the record."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="Fixture files; default: every fixtures/*.json.")
        parser.add_argument("--database", default="default")

    def handle(self, *args, paths: list[Path], database: str, verbosity: int, **options):
        paths = paths or fixture_files(Path(settings.FIXTURE_DIR))
        if not paths:
            raise CommandError(f"No fixture files found in {settings.FIXTURE_DIR}.")
        try:
            report = load_fixtures(paths, using=database)
        except FixtureError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        if verbosity:
            self.stdout.write(str(report))
