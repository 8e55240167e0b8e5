from pathlib import Path

from django.core.management.base import BaseCommand

from talks.popolo import export_record


class Command(BaseCommand):
    help = (
        "Write the whole record (drafts included) as one Popolo-style JSON file, for import_record on another "
        "Parley site. The same record gives the same file. See docs/data.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", type=Path, help="The file to write; default: standard output.")
        parser.add_argument("--database", default="default")

    def handle(self, *args, output: Path | None, database: str, verbosity: int, **options):
        text = export_record(using=database)
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8")
        if verbosity:
            self.stderr.write(f"Wrote the record to {output}.")
