"""Talks, sessions and the events around them as iCalendar (RFC 5545), for
a reader's calendar: a talk's, or whatever the timeline's filter shows.

Written with the icalendar library rather than by hand: the format's
escaping, line folding and date forms are easy to get subtly wrong.

What a calendar cannot say, said honestly:
- a date known to the day is an all-day event (DATE, not a time of day the
  source never gave), ending the day after its last day, as the format wants;
- a date known only to the month or the year is an all-day event over the
  whole month or year, marked as free time (TRANSP:TRANSPARENT) and named
  for what is known ("some time in February 2017"), not pinned to a day;
- held, planned and cancelled are CONFIRMED, TENTATIVE and CANCELLED, and a
  date the source gives as expected, planned or approximate is TENTATIVE
  whatever the record's status;
- an entry with no date is left out, and the calendar's description says so.
"""

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event

from .dates import DatePrecision
from .forms import TimelineFilter
from .models import DataVersion, Talk, TimelineEntry

STATUS = {"held": "CONFIRMED", "planned": "TENTATIVE", "cancelled": "CANCELLED"}
CONTENT_TYPE = "text/calendar; charset=utf-8"


def vague(entry: TimelineEntry) -> str:
    """What is known of a date given only to the month or year, in words; "" for a day."""
    start, end = entry.start, entry.end
    imprecise = [date for date in (start, end) if date and date.precision != DatePrecision.DAY]
    if not imprecise:
        return ""
    shown = start if start.precision != DatePrecision.DAY else end
    known = f"{shown.date:%B %Y}" if shown.precision == DatePrecision.MONTH else str(shown.date.year)
    return f"some time in {known}"


def event_of(request: HttpRequest, entry: TimelineEntry, stamp: datetime.datetime) -> Event | None:
    """The entry as an all-day event, or None if it has no date."""
    if entry.first_day is None:
        return None
    event = Event()
    event.add("uid", f"{entry.anchor}@{request.get_host().split(':')[0]}")
    event.add("dtstamp", stamp)
    event.add("dtstart", entry.first_day)
    # The end of an all-day event is the day after its last.
    event.add("dtend", (entry.last_day or entry.first_day) + datetime.timedelta(days=1))
    title = entry.title
    if entry.talk and entry.kind != "talk":
        title = f"{entry.talk.name}: {title}"
    uncertain = any(date.qualifier for date in (entry.start, entry.end) if date)
    if when := vague(entry):
        title = f"{title} ({when})"
        event.add("transp", "TRANSPARENT")
    event.add("summary", title)
    event.add("status", "TENTATIVE" if uncertain and entry.status == "held" else STATUS[entry.status])
    event.add("categories", [entry.kind_label])
    event.add("url", request.build_absolute_uri(entry.url))
    if entry.talk and entry.talk.place:
        event.add("location", entry.talk.place)
    event.add("description", description(request, entry))
    return event


def description(request: HttpRequest, entry: TimelineEntry) -> str:
    """The entry's words, its dates as the source gives them, and its sources."""
    lines = [entry.description] if entry.description else []
    dates = str(entry.start) + (f" to {entry.end}" if entry.end else "")
    lines.append(f"{entry.status_badge}: {dates}.")
    for citation in entry.citations:
        if citation.source:
            url = request.build_absolute_uri(f"{citation.source.get_absolute_url()}#citation-{citation.pk}")
            lines.append(f"Source: “{citation.excerpt}” ({citation.source.title}, {url})")
        else:
            lines.append(f"Editor's note: {citation.note}")
    return "\n".join(lines)


def calendar_response(request: HttpRequest, entries, name: str, filename: str) -> HttpResponse:
    calendar = Calendar()
    calendar.add("prodid", "-//Parley//Open data//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # One line: the name repeats the reader's filter, which may hold a line
    # break (?q=a%0Ab), and icalendar leaves the X- properties unescaped.
    name = " ".join(name.split())
    calendar.add("x-wr-calname", name)
    # The time the record last changed: the same calendar for the same data.
    stamp = DataVersion.current().changed_at
    undated = 0
    for entry in entries:
        if (event := event_of(request, entry, stamp)) is None:
            undated += 1
        else:
            calendar.add_component(event)
    note = f" {undated} entr{'y' if undated == 1 else 'ies'} with no date known left out." if undated else ""
    calendar.add("x-wr-caldesc", f"From Parley: {name}.{note}")
    response = HttpResponse(calendar.to_ical(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="parley-{filename}.ics"'
    return response


@require_safe
def timeline_calendar(request: HttpRequest) -> HttpResponse:
    """The timeline's current filter result as a calendar."""
    form = TimelineFilter(request.GET)
    entries = form.filter(TimelineEntry.objects.all()).for_display()
    shown = form.describe(entries.count()).removeprefix("Showing ").removesuffix(".")
    return calendar_response(request, entries, f"Parley timeline: {shown}", "timeline")


@require_safe
def talk_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """A talk, its sessions and its milestones as a calendar."""
    talk = get_object_or_404(Talk.objects.published(), slug=slug)
    entries = TimelineEntry.objects.filter(talk=talk).for_display()
    return calendar_response(request, entries, talk.name, talk.slug)
