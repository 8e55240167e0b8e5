from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from talks.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace the database's contents with a backup made by `backup`, once the file is checked to be a "
        "backup of Parley; the database it replaces is kept as a safety copy. Stop the site first."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path)
        parser.add_argument("--database", default="default")
        parser.add_argument("--no-input", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, backup: Path, database: str, no_input: bool, **options):
        if not no_input:
            answer = input(f"This replaces everything in the '{database}' database with {backup}. Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            safety = restore(backup, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {backup}.")
        if safety:
            self.stdout.write(f"The database it replaced is kept in {safety}.")
