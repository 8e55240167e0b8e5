"""Places: each one's page with its other names and the dates they held,
and the talks held there."""

from django.db.models import F, Prefetch
from django.db.models.expressions import OrderBy
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from ..models import Alias, Place, Talk


def first(field: str) -> OrderBy:
    return F(field).asc(nulls_first=True)


@require_safe
def place_detail(request: HttpRequest, slug: str) -> HttpResponse:
    place = get_object_or_404(
        Place.objects.published()
        .cited()
        .prefetch_related(
            # Names without a start first on every database (SQLite and PostgreSQL place NULL differently).
            Prefetch("aliases", queryset=Alias.objects.published().cited().order_by(first("start_date"), "name", "pk")),
            Prefetch("talks", queryset=Talk.objects.published().order_by(first("start_date"), "name", "pk")),
        ),
        slug=slug,
    )
    talks = [(talk, place.name_on(talk.start_date)) for talk in place.talks.all()]
    return render(request, "talks/place_detail.html", {"place": place, "talks": talks})
