from django import template
from django.utils.html import format_html

from talks.dates import PartialDate

register = template.Library()


@register.simple_tag
def when(date: PartialDate, empty: str = "date not known"):
    """A partial date as a <time> element; planned and expected dates are
    marked so that they read differently from dates that are facts."""
    if not date:
        return format_html('<span class="date date--unknown">{}</span>', empty)
    modifier = f" date--{date.qualifier}" if date.qualifier else ""
    return format_html('<time class="date{}" datetime="{}">{}</time>', modifier, date.iso, str(date))


@register.inclusion_tag("talks/_citations.html", takes_context=True)
def cite(context, fact, citations=None):
    """The footnote marker that reveals where a fact comes from. Pass the
    citations when only some of the fact's apply; they must be prefetched."""
    # One fact can be cited more than once on a page, so ids count per page.
    render_context = context.render_context
    number = render_context.get("cite_counter", 0) + 1
    render_context["cite_counter"] = number
    return {
        "citations": list(fact.citations.all()) if citations is None else citations,
        "cite_id": f"cite-{number}",
    }


@register.filter
def about(fact, words: str):
    """The fact's citations that support one part of it: those whose "about"
    mentions any of the comma-separated words. Uses the prefetched citations."""
    wanted = [word.strip() for word in words.split(",")]
    return [c for c in fact.citations.all() if any(word in c.about for word in wanted)]
