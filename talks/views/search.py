"""Search across the record by any common spelling of a name (see
talks/names.py) and by the words of what readers read, ranked, with the
words found marked (see talks/search.py)."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from ..forms import SearchForm
from ..search import HEADINGS, PER_PAGE, Result, find


def grouped(results: list[Result]) -> list[tuple[str, str, list[Result]]]:
    """A page's results by kind, (kind, heading, results); a kind comes where
    its best result is, so the groups keep the ranking."""
    groups: dict[str, list[Result]] = {}
    for result in results:
        groups.setdefault(result.kind, []).append(result)
    return [(kind, HEADINGS[kind], items) for kind, items in groups.items()]


@require_safe
@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.applied.get("q", "")
    found = find(query, form.applied.get("kind")) if query else None
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page")) if found is not None else None
    context = {
        "form": form,
        "query": query,
        "found": found,
        "page": page,
        "groups": grouped(page.object_list) if page else [],
    }
    # An HTMX request (the reader typing) gets the results alone, and the
    # address bar the canonical address of what they show.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "talks/search.html#browse" if partial else "talks/search.html", context)
    if partial:
        canonical = form.query()
        if page and page.number > 1:
            canonical["page"] = page.number
        push_url(response, f"{request.path}?{canonical.urlencode()}" if canonical else request.path)
    return response
