"""The sitemap (django.contrib.sitemaps) and robots.txt: what a search
engine should find, which is every reader's page of a published record and
the lists, and what it should leave alone, which is every filter
combination of the lists, each of which is already reachable as a record's
page."""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from .models import Milestone, Party, Person, Place, Source, Talk


class Lists(Sitemap):
    def items(self) -> list[str]:
        return ["home", "talk_list", "timeline", "party_list", "person_list", "source_list"]

    def location(self, name: str) -> str:
        return reverse(name)


class Records(Sitemap):
    """The published records of a kind that have a page of their own."""

    def __init__(self, queryset):
        self.queryset = queryset

    def items(self):
        return self.queryset


class TalkPages(Sitemap):
    """Each talk's page, and the pages of its delegations and positions."""

    def items(self) -> list[tuple[str, str]]:
        slugs = Talk.objects.published().order_by("start_date", "slug").values_list("slug", flat=True)
        return [(name, slug) for slug in slugs for name in ("talk", "delegations", "positions")]

    def location(self, item: tuple[str, str]) -> str:
        return reverse(item[0], args=[item[1]])


SITEMAPS = {
    "lists": Lists(),
    "talks": TalkPages(),
    "milestones": Records(Milestone.objects.published().exclude(talk__in=Talk.objects.drafts()).order_by("slug")),
    "parties": Records(Party.objects.published().order_by("slug")),
    "people": Records(Person.objects.published().order_by("slug")),
    "places": Records(Place.objects.published().order_by("slug")),
    "sources": Records(Source.objects.defer("text").order_by("slug")),
}


@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    response = sitemap_view(request, SITEMAPS)
    # Rendered here rather than lazily, so that the page cache can keep it.
    return response.render()


@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    # Not the admin: naming its address here would tell every bot where it is.
    lines = [
        "User-agent: *",
        # A list's filters combine into endlessly many addresses, every one
        # of them a view of records that have pages of their own.
        "Disallow: /*?",
        "Disallow: /suggest/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
