"""The timeline as a picture: an overview drawn on the server as SVG, with
no script, for the timeline page (whatever its filter shows) and each talk's
page.

A time axis runs across; each talk is a lane with its band from start to
end, and its sessions and milestones are marks in the lane (milestones of no
talk share a lane of their own). Held is drawn solid, planned hollow and
dashed, cancelled faint; a date known only to the month or the year is drawn
over the whole month or year, hatched, never as a day. Every mark is a link
to its entry, and names it (its <title>) for a screen reader.

Horizontal positions are percentages of the picture's width and vertical
ones pixels, so the picture takes the width it is given, a phone's or a
desktop's, with its text at the size it was written in.

Many entries (a hundred talks over ten years) would be a thicket: past a
few dozen, the overview counts the entries by process and by year (or
month), each count a link that zooms the timeline to that process and
year or month, an ordinary URL (the filter's own Process, From and To).
The zoom links are repeated under the picture as a list.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, IntegerField, Max, Min, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import QueryDict

from .dates import DatePrecision, PartialDate
from .models import Process

# Entries drawn one by one, in at most this many lanes; more are counted.
MOST_ENTRIES = 80
MOST_LANES = 16
# A span this short is always drawn entry by entry: there is no closer zoom.
SHORTEST_ZOOM = datetime.timedelta(days=31)
# Left and right margins, in per cent of the width, so that the first and
# last labels stay inside the picture.
MARGIN = 3.0
# Below this many per cent apart, two marks would touch on a phone (10 px of about 330).
MIN_GAP = 3.2
# Pixels.
AXIS = 28
LANE_LABEL = 16
ROW = 18
LANE_GAP = 10
LABEL_CHARS = 40

# The lanes of a grouped overview that are not a process.
NO_PROCESS = "Talks of no process"
NO_TALK = "Events of no talk"
OTHERS = "Other processes"

STATUS_WORDS = {"held": "held", "planned": "planned", "cancelled": "cancelled"}


@dataclass
class Mark:
    anchor: str
    href: str
    label: str
    shape: str  # "band", "dot" (a session), "square" (a milestone), "span" (a date known to the month or year)
    status: str
    x: float
    width: float
    # Known only to the month or the year: drawn over all of it, hatched.
    vague: bool = False
    row: int = 0
    y: int = 0

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 2)

    @property
    def end(self) -> float:
        return round(self.x + self.width, 2)


@dataclass
class Lane:
    label: str
    marks: list[Mark] = field(default_factory=list)
    groups: list["Group"] = field(default_factory=list)
    y: int = 0
    height: int = 0

    @property
    def label_y(self) -> int:
        return self.y + LANE_LABEL - 4


@dataclass
class Group:
    label: str
    href: str
    count: int
    planned: int
    x: float
    width: float
    period: datetime.date
    y: int = 0

    @property
    def all_planned(self) -> bool:
        return self.planned == self.count

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 2)


@dataclass
class Tick:
    x: float
    label: str
    anchor: str


@dataclass
class Zoom:
    label: str
    href: str
    current: bool


@dataclass
class Overview:
    title: str
    description: str
    lanes: list[Lane]
    ticks: list[Tick]
    height: int
    zooms: list[Zoom]
    grouped: bool
    undated: int

    @property
    def marks(self) -> list[Mark]:
        return [mark for lane in self.lanes for mark in lane.marks]


def overview(
    entries: QuerySet,
    query: QueryDict,
    linked: set[str],
    link_to: str,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    name: str = "the timeline",
) -> Overview | None:
    """The picture of these (filtered) entries; None if none has a date.

    `query` is the page's applied filter, kept by the zoom links, which lead
    to `link_to` (the timeline); `linked` the anchors of the entries listed on
    the page, which a mark links to in the page rather than to the entry's
    own page. `start` and `end` are the filter's date range, if any."""
    dated = entries.filter(first_day__isnull=False)
    bounds = entries.aggregate(
        n=Count("pk", filter=Q(first_day__isnull=False)),
        undated=Count("pk", filter=Q(first_day__isnull=True)),
        first=Min("first_day"),
        last=Max("last_day", filter=Q(first_day__isnull=False)),
    )
    if not bounds["n"]:
        return None
    undated = bounds["undated"]
    first, last = rounded(max(start or bounds["first"], bounds["first"]), min(end or bounds["last"], bounds["last"]))
    if start and end:
        first, last = start, end
    scale = Scale(first, last)
    span = last - first
    # Counting the talks only when there are few entries to draw anyway.
    few = bounds["n"] <= MOST_ENTRIES and dated.aggregate(lanes=Count("talk", distinct=True))["lanes"] <= MOST_LANES
    period = f"from {when(bounds['first'])} to {when(bounds['last'])}"
    if few or span <= SHORTEST_ZOOM:
        lanes, years = lanes_of(dated, scale, linked)
        zooms = zoom_links(dated, years, query, link_to, start, end)
        height = place(lanes)
        drawn = sum(len(lane.marks) for lane in lanes)
        description = (
            f"{drawn} entr{'y' if drawn == 1 else 'ies'} of {name} {period}, one mark each, in a lane for each talk: "
            "talks as bands, sessions as circles, other events as squares; held drawn solid, planned hollow and "
            "dashed, cancelled faint; a date known only to the month or year drawn over all of it, hatched. "
            "Each mark links to its entry; the entries are listed in full below."
        )
        return Overview(f"Overview of {name}", description, lanes, scale.ticks(), height, zooms, False, undated)
    yearly = span > datetime.timedelta(days=2 * 366)
    lanes, height = groups_of(dated, scale, query, link_to, yearly)
    years = {group.period.year for lane in lanes for group in lane.groups}
    zooms = zoom_links(dated, years, query, link_to, start, end)
    description = (
        f"{bounds['n']} entries of {name} {period}, too many to draw one by one: counted by process and by "
        f"{'year' if yearly else 'month'}, each count a link that zooms in. "
        "The entries are listed in full below."
    )
    return Overview(f"Overview of {name}", description, lanes, scale.ticks(), height, zooms, True, undated)


def when(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def rounded(first: datetime.date, last: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The span widened to whole months (or years, for a long one), so that
    the axis starts and ends where its labels do."""
    if last - first > datetime.timedelta(days=3 * 366):
        return first.replace(month=1, day=1), last.replace(month=12, day=31)
    if last - first < datetime.timedelta(days=20):
        return first - datetime.timedelta(days=1), last + datetime.timedelta(days=1)
    return first.replace(day=1), month_end(last)


def month_end(day: datetime.date) -> datetime.date:
    following = day.replace(day=28) + datetime.timedelta(days=4)
    return following - datetime.timedelta(days=following.day)


class Scale:
    """Days to per cent of the width: a day is the stretch from its start to the next day's."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self.first, self.last = first, last
        self.days = (last - first).days + 1

    def x(self, day: datetime.date) -> float:
        offset = min(max((day - self.first).days, 0), self.days)
        return round(MARGIN + offset / self.days * (100 - 2 * MARGIN), 2)

    def span(self, first: datetime.date, last: datetime.date) -> tuple[float, float]:
        """Where a stretch of days starts, and how wide it is (at least a sliver)."""
        x = self.x(first)
        return x, max(round(self.x(last + datetime.timedelta(days=1)) - x, 2), 0.6)

    def ticks(self) -> list[Tick]:
        """At most six labels, so that they fit a phone: days, months or years."""
        first, last = self.first, self.last
        if self.days <= 45:
            step = max(1, -(-self.days // 6))
            days = [first + datetime.timedelta(days=n) for n in range(0, self.days, step)]
            marks = [(day, f"{day.day} {day:%b}") for day in days]
        elif self.days <= 3 * 366:
            months = []
            day = first.replace(day=1) if first.day == 1 else month_end(first) + datetime.timedelta(days=1)
            while day <= last:
                months.append(day)
                day = month_end(day) + datetime.timedelta(days=1)
            step = max(1, -(-len(months) // 5))
            months = months[::step]
            marks = [(m, f"{m:%b %Y}" if i == 0 or m.month == 1 else f"{m:%b}") for i, m in enumerate(months)]
        else:
            years = list(range(first.year if first.month == 1 and first.day == 1 else first.year + 1, last.year + 1))
            step = max(1, -(-len(years) // 6))
            marks = [(datetime.date(year, 1, 1), str(year)) for year in years[::step]]
        ticks = []
        for day, label in marks:
            x = self.x(day)
            anchor = "start" if x < 12 else "end" if x > 88 else "middle"
            ticks.append(Tick(x, label, anchor))
        return ticks


ENTRY_FIELDS = (
    "anchor",
    "url",
    "title",
    "kind",
    "status",
    "start_date",
    "start_precision",
    "start_qualifier",
    "end_date",
    "end_precision",
    "end_qualifier",
    "first_day",
    "last_day",
    "talk_id",
    "talk__name",
)


def lanes_of(entries: QuerySet, scale: Scale, linked: set[str]) -> tuple[list[Lane], set[int]]:
    """A lane for each talk (in order of its first entry), its band first;
    the events of no talk in a lane of their own, last. And the years the
    entries begin in."""
    lanes: dict[int | None, Lane] = {}
    years = set()
    for row in entries.order_by("first_day", "sequence", "title", "pk").values(*ENTRY_FIELDS):
        talk = row["talk_id"]
        if talk not in lanes:
            label = row["talk__name"] or NO_TALK
            lanes[talk] = Lane(label if len(label) <= LABEL_CHARS else f"{label[: LABEL_CHARS - 1]}…")
        lanes[talk].marks.append(mark_of(row, scale, linked))
        years.add(row["first_day"].year)
    ordered = [lane for talk, lane in lanes.items() if talk is not None]
    if None in lanes:
        ordered.append(lanes[None])
    for lane in ordered:
        lane.marks.sort(key=lambda mark: (mark.shape != "band", mark.x))
    return ordered, years


def mark_of(row: dict, scale: Scale, linked: set[str]) -> Mark:
    start = PartialDate(row["start_date"], row["start_precision"], row["start_qualifier"])
    end = PartialDate(row["end_date"], row["end_precision"], row["end_qualifier"])
    vague = any(date and date.precision != DatePrecision.DAY for date in (start, end))
    x, width = scale.span(row["first_day"], row["last_day"] or row["first_day"])
    if row["kind"] == "talk":
        shape = "band"
    elif vague:
        shape = "span"
    else:
        shape = "square" if row["anchor"].startswith("milestone-") else "dot"
    dates = f"{start}" + (f" to {end}" if end else "")
    label = f"{row['title']}, {dates}, {STATUS_WORDS[row['status']]}"
    href = f"#{row['anchor']}" if row["anchor"] in linked else row["url"]
    return Mark(row["anchor"], href, label, shape, row["status"], x, width, vague)


def place(lanes: list[Lane]) -> int:
    """Give each lane its height and each mark its row, no two marks of a
    row closer than a phone could tell apart; the picture's height."""
    y = AXIS
    for lane in lanes:
        rows: list[list[tuple[float, float]]] = []
        for mark in lane.marks:
            reach = (
                (mark.x, max(mark.end, mark.x + MIN_GAP))
                if mark.shape in ("band", "span")
                else (
                    mark.centre - MIN_GAP / 2,
                    mark.centre + MIN_GAP / 2,
                )
            )
            for number, taken in enumerate(rows):
                # The band has the first row to itself, so that marks do not hide it.
                if mark.shape != "band" and number == 0 and lane.marks[0].shape == "band":
                    continue
                if all(reach[1] <= a or reach[0] >= b for a, b in taken):
                    taken.append(reach)
                    mark.row = number
                    break
            else:
                rows.append([reach])
                mark.row = len(rows) - 1
        lane.y = y
        for mark in lane.marks:
            mark.y = y + LANE_LABEL + mark.row * ROW + ROW // 2
        lane.height = LANE_LABEL + max(len(rows), 1) * ROW
        y += lane.height + LANE_GAP
    return y


# The keys of the lanes that are not a process's.
NO_TALK_KEY, NO_PROCESS_KEY, OTHERS_KEY = -1, 0, -2


def groups_of(entries: QuerySet, scale: Scale, query: QueryDict, link_to: str, yearly: bool) -> tuple[list[Lane], int]:
    """The entries counted by process and by year or month, in the
    database; each count a link that zooms in on its process's year or
    month. The processes with most entries have a lane each, the rest
    share one, whose counts zoom in on the year or month of every process."""
    entries = entries.order_by().annotate(
        key=Case(
            When(talk__isnull=True, then=Value(NO_TALK_KEY)),
            default=Coalesce("process", Value(NO_PROCESS_KEY)),
            output_field=IntegerField(),
        )
    )
    # The lanes first, so that the counts come grouped by lane rather than
    # by every process (thousands of rows at scale 1,000).
    largest = [row["key"] for row in entries.values("key").annotate(n=Count("pk")).order_by("-n", "key")[:MOST_LANES]]
    if len(largest) == MOST_LANES:
        largest.pop()
        lane_of = Case(When(key__in=largest, then="key"), default=Value(OTHERS_KEY), output_field=IntegerField())
    else:
        lane_of = F("key")
    processes = list(
        Process.objects.filter(pk__in=[key for key in largest if key > 0]).values_list("pk", "name", "slug")
    )
    names = {pk: name for pk, name, _ in processes}
    names |= {NO_TALK_KEY: NO_TALK, NO_PROCESS_KEY: NO_PROCESS, OTHERS_KEY: OTHERS}
    # A process's counts zoom into that process; the other lanes' into the period alone.
    zooms = {pk: Zoomer(query, link_to, process=slug) for pk, _, slug in processes}
    every = Zoomer(query, link_to)
    rows = (
        entries.annotate(lane=lane_of, period=F("first_year") if yearly else F("first_month"))
        .values("lane", "period")
        .annotate(n=Count("pk"), planned=Count("pk", filter=Q(status="planned")))
        .order_by("period", "lane")
    )
    lanes: dict[str, Lane] = {}
    for row in rows:
        process = names[row["lane"]]
        lane = lanes.setdefault(
            process, Lane(process if len(process) <= LABEL_CHARS else f"{process[: LABEL_CHARS - 1]}…")
        )
        period = datetime.date(row["period"], 1, 1) if yearly else row["period"]
        last = period.replace(month=12, day=31) if yearly else month_end(period)
        x, width = scale.span(period, last)
        words = str(period.year) if yearly else f"{period:%B %Y}"
        counted = f"{words}: {row['n']} entr{'y' if row['n'] == 1 else 'ies'} in {process}"
        if zoom := zooms.get(row["lane"]):
            label = f"{counted}, zoom in"
        else:
            zoom, label = every, f"{counted}, zoom in on all of {words}"
        lane.groups.append(Group(label, zoom(period, last), row["n"], row["planned"], x, width, period))
    y = AXIS
    ordered = sorted(lanes.values(), key=lambda lane: (lane.label in (NO_PROCESS, NO_TALK, OTHERS), lane.groups[0].x))
    for lane in ordered:
        lane.y, lane.height = y, LANE_LABEL + ROW
        for group in lane.groups:
            group.y = y + LANE_LABEL
        y += lane.height + LANE_GAP
    return ordered, y


class Zoomer:
    """The timeline with the same filters (and those given as `also`),
    from `first` to `last`: the query encoded once, the dates (which need
    no quoting) put in after. The markers hold a NUL, which no applied
    filter can (forms refuse it)."""

    def __init__(self, query: QueryDict, link_to: str, **also: str):
        chosen = query.copy()
        chosen.pop("page", None)
        for name, value in also.items():
            chosen[name] = value
        chosen["start"], chosen["end"] = "\x00start", "\x00end"
        self.pattern = f"{link_to}?{chosen.urlencode()}"

    def __call__(self, first: datetime.date, last: datetime.date) -> str:
        return self.pattern.replace("%00start", first.isoformat()).replace("%00end", last.isoformat())


def zoom_links(entries: QuerySet, years: set[int], query: QueryDict, link_to: str, start, end) -> list[Zoom]:
    """The whole span, each year with entries and, zoomed into a year, each of its months with entries."""
    whole = query.copy()
    for name in ("start", "end", "page"):
        whole.pop(name, None)
    links = [Zoom("All dates", f"{link_to}?{whole.urlencode()}" if whole else link_to, not (start or end))]
    zoomed = Zoomer(query, link_to)
    for year in sorted(years):
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        links.append(Zoom(str(year), zoomed(first, last), (start, end) == (first, last)))
    if start and end and start.year == end.year:
        months = entries.filter(first_year=start.year).order_by("first_month")
        for first in months.values_list("first_month", flat=True).distinct():
            last = month_end(first)
            links.append(Zoom(f"{first:%B %Y}", zoomed(first, last), (start, end) == (first, last)))
    return links
