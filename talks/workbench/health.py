"""The record's health in the admin: what a reader must never see, found in
the whole record (talks/audit.py), each problem linked to the record to mend."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse

from ..audit import KINDS, problems


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
