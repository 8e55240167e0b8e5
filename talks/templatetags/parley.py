from django import template
from django.db.models import Model
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


@register.inclusion_tag("talks/_citations.html")
def cite(fact, fields="", prefix="", whole=False):
    """The footnote marker that opens the passages a fact comes from: those
    about any of the named fields ("start_date" or "venue,city,country"),
    with whole=True also those about the fact as a whole; given neither,
    all of them. The citations must be prefetched.

    The popover's id says what it cites (cite-talk-3-start_date), so it is
    the same however the page is put together from includes and fragments.
    Where one page cites the same fact and fields twice, the prefix (a word,
    or the fact the citation is shown within) tells the two apart."""
    names = [name.strip() for name in fields.split(",") if name.strip()] if isinstance(fields, str) else list(fields)
    parts = ["cite"]
    if isinstance(prefix, Model):
        parts += [prefix._meta.model_name, str(prefix.pk)]
    elif prefix:
        parts.append(str(prefix))
    parts += [fact._meta.model_name, str(fact.pk), *names]
    if whole:
        parts.append("whole")
    return {"citations": fact.citations_about(names, whole=whole), "cite_id": "-".join(parts)}


@register.inclusion_tag("talks/_last_changed.html")
def last_changed(record):
    """When the page's record last changed: a date for readers, never who."""
    return {"changed": record.last_changed()}
