"""The editor's workbench: Parley's admin site, and its pages beside the
lists of records that talks/admin.py registers.

- record_health (health.py): what a reader must never see, found in the
  whole record (talks/audit.py), each problem linked to the record to mend.
- read_and_cite (views.py): a source's text to read, where selecting a
  passage cites it for a fact or creates the fact, and where a round of talks
  is entered in one place.
"""

from django.contrib import admin
from django.urls import path

from ..audit import problems
from .health import record_health


class ParleyAdminSite(admin.AdminSite):
    """The admin, with the workbench's pages. Django makes it the default
    site (talks.apps.ParleyAdminConfig), so admin.site is this; it lives
    here and not in talks/admin.py, which registers the models on it."""

    site_header = "Parley administration"
    site_title = "Parley"
    index_title = "The record"

    def get_urls(self):
        # Imported here: the workbench's forms build on talks/admin.py's,
        # which registers the models on this site, so it cannot be imported
        # while this module is.
        from .views import read_and_cite

        return [
            path("record-health/", self.admin_view(record_health), name="record_health"),
            path(
                "talks/source/<int:pk>/workbench/",
                self.admin_view(read_and_cite),
                name="talks_source_workbench",
            ),
            *super().get_urls(),
        ]

    def index(self, request, extra_context=None):
        found = problems()
        drafts = sum(1 for problem in found if problem.kind == "unsourced")
        context = {"problem_count": len(found), "draft_count": drafts}
        return super().index(request, (extra_context or {}) | context)
