"""The lists across the record: a filter form bound to request.GET, facet
counts, and for an HTMX request the "browse" partial of the same template."""

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from ..forms import FilterForm, TalkFilter, TimelineFilter
from ..models import Talk, TimelineEntry

PER_PAGE = 50


def paginate(request: HttpRequest, items) -> Page:
    """The page of a list the query string asks for (the first, or the last
    for a number past the end)."""
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


def render_browse(request: HttpRequest, template: str, context: dict, form: FilterForm) -> HttpResponse:
    """The full page, or for an HTMX request its "browse" partial, with the
    canonical URL (the applied filters only) pushed to the address bar."""
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, f"{template}#browse" if partial else template, context)
    if partial:
        query = form.query()
        if (page := context.get("page")) and page.number > 1:
            query["page"] = page.number
        push_url(response, f"{request.path}?{query.urlencode()}" if query else request.path)
    return response


@require_safe
@vary_on_headers("HX-Request")
def talk_list(request: HttpRequest) -> HttpResponse:
    form = TalkFilter(request.GET)
    talks = Talk.objects.published()
    page = paginate(request, form.filter(Talk.objects.for_cards()))
    context = {
        "form": form,
        "page": page,
        "talks": page.object_list,
        "facets": form.facet_counts(talks),
        "summary": form.describe(page.paginator.count),
    }
    return render_browse(request, "talks/talk_list.html", context, form)


@require_safe
@vary_on_headers("HX-Request")
def timeline_view(request: HttpRequest) -> HttpResponse:
    form = TimelineFilter(request.GET)
    entries = TimelineEntry.objects.all()
    page = paginate(request, form.filter(entries).for_display())
    context = {
        "form": form,
        "page": page,
        "facets": form.facet_counts(entries),
        "summary": form.describe(page.paginator.count),
    }
    return render_browse(request, "talks/timeline.html", context, form)
