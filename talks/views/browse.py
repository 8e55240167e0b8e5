"""The lists across the record: a filter form bound to request.GET, facet
counts, and for an HTMX request the "browse" partial of the same template."""

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from ..forms import MAX_TEXT, FilterForm, TalkFilter, TimelineFilter
from ..models import Party, Process, Talk, TimelineEntry, Topic
from ..overview import overview
from ..text import fold

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
    on_page = {entry.anchor for entry in page.object_list}
    context = {
        "form": form,
        "page": page,
        "facets": form.facet_counts(entries),
        "summary": form.describe(page.paginator.count),
        "overview": overview(
            form.filter(entries), form.query(), on_page, reverse("timeline"), *map(form.applied.get, ("start", "end"))
        ),
    }
    return render_browse(request, "talks/timeline.html", context, form)


# The records a filter's text box can name, and the lists that filter by them.
SUGGESTED = {"talk": Talk, "party": Party, "topic": Topic, "process": Process}
LISTINGS = {"timeline": TimelineFilter, "talk_list": TalkFilter}
SUGGESTIONS = 10


@require_safe
def suggest(request: HttpRequest, kind: str) -> HttpResponse:
    """The records whose name or other name holds what the reader has typed
    in a filter's text box, each a link that applies the filter with the
    others kept: the text box's suggestions, fetched with htmx as one types."""
    model, listing, field = SUGGESTED.get(kind), request.GET.get("listing", ""), request.GET.get("field", "")
    form_class = LISTINGS.get(listing)
    if model is None or form_class is None or field not in form_class.base_fields:
        return HttpResponseBadRequest("unknown suggestion", content_type="text/plain")
    typed = request.GET.get(field, "").strip()[:MAX_TEXT]
    found, key = [], fold(typed)
    if key:
        records = model.objects.published()
        if hasattr(model, "folded"):
            records = records.filter(Q(folded__contains=key) | Q(aliases__folded__contains=key)).distinct()
        else:
            records = records.filter(name__icontains=typed)
        found = list(records.order_by("name")[: SUGGESTIONS + 1])
    # The filters as they stand, but the one being typed.
    form = form_class(request.GET)
    query = form.query()
    query.pop(field, None)
    links = []
    for record in found[:SUGGESTIONS]:
        chosen = query.copy()
        chosen[field] = record.slug
        links.append((record, f"{reverse(listing)}?{chosen.urlencode()}"))
    context = {"typed": typed, "links": links, "more": len(found) > SUGGESTIONS, "noun": model._meta.verbose_name}
    return render(request, "talks/_suggestions.html", context)
