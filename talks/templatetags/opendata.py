"""Links to a page's open data: the same records, with the same filter, as
JSON and CSV (and, where there is one, a calendar or a feed)."""

from django import template
from django.http import QueryDict
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("talks/_data_links.html")
def data_links(name: str, query: QueryDict | None = None, noun: str = "these records", **kwargs):
    """`name` is the export's URL name, which takes the format; kwargs its other arguments (a talk's slug)."""
    suffix = f"?{query.urlencode()}" if query else ""
    return {
        "noun": noun,
        "json": reverse(name, kwargs={**kwargs, "format": "json"}) + suffix,
        "csv": reverse(name, kwargs={**kwargs, "format": "csv"}) + suffix,
    }
