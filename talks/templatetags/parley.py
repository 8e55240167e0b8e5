from html import escape

from django import template
from django.db.models import Model
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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


@register.simple_tag
def cite(fact, fields="", prefix="", whole=False):
    """The footnote marker that opens the passages a fact comes from: those
    about any of the named fields ("start_date" or "venue,city,country"),
    with whole=True also those about the fact as a whole; given neither,
    all of them. The citations must be prefetched.

    The popover's id says what it cites (cite-talk-3-start_date), so it is
    the same however the page is put together from includes and fragments.
    Where one page cites the same fact and fields twice, the prefix (a word,
    or the fact the citation is shown within) tells the two apart.

    Phrasing content only, so that the marker can sit inside any sentence;
    the popover needs no script. Built here rather than in a template: a
    page can carry hundreds of citations (225 on a timeline page), and an
    included template took 26 ms to render them where this takes a few."""
    names = [name.strip() for name in fields.split(",") if name.strip()] if isinstance(fields, str) else list(fields)
    parts = ["cite"]
    if isinstance(prefix, Model):
        parts += [prefix._meta.model_name, str(prefix.pk)]
    elif prefix:
        parts.append(str(prefix))
    parts += [fact._meta.model_name, str(fact.pk), *names]
    if whole:
        parts.append("whole")
    citations = fact.citations_about(names, whole=whole)
    if not citations:
        return "\n\n"
    cite_id = escape("-".join(parts))
    items = "".join(map(passage, citations))
    return mark_safe(
        f'\n<span class="cite"><button type="button" class="cite__mark" popovertarget="{cite_id}">source'
        f'<span class="visually-hidden">{"" if len(citations) == 1 else "s"}: where this comes from</span></button>'
        f'<span popover id="{cite_id}" class="cite__body" role="note">\n    {items}\n'
        f'  <button type="button" class="cite__close" popovertarget="{cite_id}" popovertargetaction="hide">Close'
        "</button></span></span>\n"
    )


def passage(citation) -> str:
    """One citation in a popover, escaped: the passage and its source, or
    the editor's note for what no stored source says. (html.escape, which
    Django's escape calls, without the checks for lazy text that took a third
    of the time.)"""
    about = escape(citation.about_label()) if citation.about else ""
    if citation.source is None:
        return (
            '<span class="cite__item cite__item--outside"><strong>Not from a stored source'
            f"{f' ({about})' if about else ''}.</strong> Editor's note: {escape(citation.note)}</span>"
        )
    source = citation.source
    return (
        f'<span class="cite__item"><q class="cite__excerpt">{escape(citation.excerpt)}</q> '
        f'<span class="cite__by">{f"On {about}: " if about else ""}'
        f'<a href="{escape(source.get_absolute_url())}#citation-{citation.pk}">{escape(source.title)}</a>'
        f"{f', {escape(source.author)}' if source.author else ''}."
        f"{f" Editor's note: {escape(citation.note)}" if citation.note else ''}</span></span>"
    )


@register.simple_tag
def links(records) -> str:
    """The records' names, each a link to its page, separated by commas.
    Built here rather than in a loop in the template: a timeline page of
    large talks lists 1,700 parties, and the loop took about a fifth of
    the page's time."""
    return mark_safe(
        ", ".join(f'<a href="{escape(record.get_absolute_url())}">{escape(record.name)}</a>' for record in records)
    )


@register.inclusion_tag("talks/_last_changed.html")
def last_changed(record):
    """When the page's record last changed: a date for readers, never who."""
    return {"changed": record.last_changed()}


@register.simple_tag
def overview_lanes(lanes) -> str:
    """The overview's lanes (talks/overview.py) as SVG: each lane's label,
    its marks (an entry each) and its groups (a count a period), each a
    link. Built here rather than in a template: the whole timeline's
    overview at scale 1,000 has 237 groups, which the template took 12 ms
    to draw. Numbers are written as the template wrote them with
    localization off."""
    parts = []
    for lane in lanes:
        parts.append(
            f'<g class="ov-lane">\n      <text class="ov-lane-label" x="3%" y="{lane.label_y}">'
            f"{escape(lane.label)}</text>\n      "
        )
        for mark in lane.marks:
            status = escape(mark.status)
            parts.append(
                f'<a class="ov-link" href="{escape(mark.href)}" data-entry="{escape(mark.anchor)}">'
                f"<title>{escape(mark.label)}</title>"
            )
            if mark.shape == "band":
                parts.append(
                    f'<rect class="ov-mark ov-band ov-{status}{" ov-vague" if mark.vague else ""}" '
                    f'x="{number(mark.x)}%" y="{int(mark.y) - 6}" width="{number(mark.width)}%" height="12" rx="2"/>'
                )
            elif mark.shape == "span":
                parts.append(
                    f'<rect class="ov-mark ov-span ov-{status} ov-vague" x="{number(mark.x)}%" '
                    f'y="{int(mark.y) - 5}" width="{number(mark.width)}%" height="10" rx="2"/>'
                )
            elif mark.shape == "dot":
                parts.append(
                    f'<circle class="ov-mark ov-dot ov-{status}" cx="{number(mark.centre)}%" cy="{mark.y}" r="6"/>'
                )
            else:
                parts.append(
                    f'<rect class="ov-mark ov-square ov-{status}" x="{number(mark.centre)}%" y="{int(mark.y) - 5}" '
                    'width="10" height="10" transform="translate(-5 0)"/>'
                )
            parts.append("</a>\n      ")
        for group in lane.groups:
            parts.append(
                f'<a class="ov-link" href="{escape(group.href)}"><title>{escape(group.label)}</title>'
                f'<rect class="ov-group{" ov-planned" if group.all_planned else ""}" x="{number(group.x)}%" '
                f'y="{group.y}" width="{number(group.width)}%" height="18" rx="2"/>'
                f'<text class="ov-count" x="{number(group.centre)}%" y="{int(group.y) + 13}" text-anchor="middle">'
                f"{group.count}</text></a>\n      "
            )
        parts.append("\n    </g>")
    return mark_safe("".join(parts))


def number(value) -> str:
    # As a template writes a number with {% localize off %}.
    return localize(value, use_l10n=False)
