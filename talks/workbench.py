"""The editor's workbench: Parley's admin site, and its pages for keeping
the record sound beside the lists of records that talks/admin.py registers.

- record_health: what a reader must never see, found in the whole record
  (talks/audit.py), each problem linked to the record to mend.
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse

from .audit import KINDS, problems


class ParleyAdminSite(admin.AdminSite):
    """The admin, with the workbench's pages. Django makes it the default
    site (talks.apps.ParleyAdminConfig), so admin.site is this; it lives
    here and not in talks/admin.py, which registers the models on it."""

    site_header = "Parley administration"
    site_title = "Parley"
    index_title = "The record"

    def get_urls(self):
        return [path("record-health/", self.admin_view(record_health), name="record_health"), *super().get_urls()]

    def index(self, request, extra_context=None):
        found = problems()
        drafts = sum(1 for problem in found if problem.kind == "unsourced")
        context = {"problem_count": len(found), "draft_count": drafts}
        return super().index(request, (extra_context or {}) | context)


def admin_url(record) -> str:
    try:
        return reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk])
    except NoReverseMatch:
        return ""


def record_health(request: HttpRequest) -> HttpResponse:
    """Every problem, or with ?kind=unsourced the queue of drafts: the facts
    that need a source before readers may see them."""
    kind = request.GET.get("kind")
    kinds = {kind: KINDS[kind]} if kind in KINDS else KINDS
    found = [problem for problem in problems() if problem.kind in kinds]
    groups = [
        (heading, [(problem, admin_url(problem.record)) for problem in found if problem.kind == name])
        for name, heading in kinds.items()
    ]
    context = admin.site.each_context(request) | {
        "title": "Needs a source" if kind == "unsourced" else "Record health",
        "groups": [(heading, items) for heading, items in groups if items],
        "count": len(found),
    }
    return TemplateResponse(request, "admin/talks/record_health.html", context)
