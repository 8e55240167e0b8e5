from django.core.management.base import BaseCommand, CommandError

from talks.audit import KINDS, problems


class Command(BaseCommand):
    help = (
        "Check the record for what a reader must never see: facts with neither a citation nor an editor's "
        "note, excerpts missing from their source, statuses that contradict their dates, delegation roles that "
        "disagree with the talk's lists, citations on records that cannot carry one. Fails if it finds any."
    )

    def handle(self, *args, **options):
        found = problems()
        for kind, heading in KINDS.items():
            mine = [problem for problem in found if problem.kind == kind]
            if mine:
                self.stdout.write(f"{heading} ({len(mine)}):")
                for problem in mine:
                    self.stdout.write(f"  {problem.label}: {problem.message}")
        if found:
            raise CommandError(f"The record has {len(found)} problem(s); see above.")
        self.stdout.write("The record is sound: every fact is sourced, and nothing contradicts itself.")
