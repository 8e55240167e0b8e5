from django.core.management.base import BaseCommand

from talks import search


class Command(BaseCommand):
    help = (
        "Make the search index afresh from the record: every record's names and words, and the database's "
        "full-text index of them. Every save keeps the index current; this mends one out of step, e.g. after "
        "rows were written without Django's signals."
    )

    def handle(self, *args, **options):
        count = search.rebuild()
        self.stdout.write(f"Search index rebuilt: {count} entr{'y' if count == 1 else 'ies'}.")
