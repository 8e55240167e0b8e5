"""A milestone's page: a dated happening around the talks (an agreement, a
ceasefire, an announcement) at an address of its own, which the timeline's
entries and the open data link to whatever the timeline's filters show."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from ..models import Milestone, Party, TimelineEntry, Topic


@require_safe
def milestone_detail(request: HttpRequest, slug: str) -> HttpResponse:
    milestone = get_object_or_404(
        Milestone.objects.published()
        .cited()
        .select_related("talk")
        .prefetch_related(
            Prefetch("parties", queryset=Party.objects.published()),
            Prefetch("topics", queryset=Topic.objects.published()),
        ),
        slug=slug,
    )
    # Its entry says how the timeline shows it; a milestone of a draft talk has none, and is not shown.
    entry = get_object_or_404(TimelineEntry, anchor=f"milestone-{milestone.slug}")
    return render(request, "talks/milestone_detail.html", {"milestone": milestone, "entry": entry})
