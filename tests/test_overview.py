"""The timeline as a picture: an SVG drawn on the server, one mark per entry,
held and planned told apart, every mark a link that leads somewhere, the
filter applied, and with a hundred talks over ten years still legible by
grouping and zooming through ordinary URLs."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest

from talks import timeline
from talks.models import Citation, Process, Session, Source, Talk, TimelineEntry
from talks.overview import MOST_LANES, NO_PROCESS, NO_TALK, OTHERS

from .builders import make_session, make_talk
from .pages import ASTANA, HTMX
from .test_views import Structure

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def picture(html: str) -> ET.Element:
    """The overview's SVG, parsed as XML (which it must be)."""
    found = re.search(r'<svg class="overview__picture".*?</svg>', html, flags=re.S)
    assert found, "no overview on the page"
    return ET.fromstring(found.group(0))


def marks(svg: ET.Element) -> dict[str, ET.Element]:
    """Each entry's mark (the shape inside its link), by the entry's anchor."""
    found = {}
    for link in svg.iter(f"{SVG}a"):
        if anchor := link.get("data-entry"):
            assert anchor not in found, f"two marks for {anchor}"
            (shape,) = [child for child in link if child.tag != f"{SVG}title"]
            found[anchor] = shape
    return found


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def test_the_timeline_opens_with_a_picture_of_one_mark_per_dated_entry(client, seeded):
    svg = picture(client.get("/timeline/").content.decode())
    expected = set(TimelineEntry.objects.filter(first_day__isnull=False).values_list("anchor", flat=True))
    assert set(marks(svg)) == expected
    assert svg.find(f"{SVG}title").text == "Overview of the timeline"
    assert "5 entries of the timeline from 30 December 2016 to 8 February 2017" in svg.find(f"{SVG}desc").text


def test_talks_are_bands_sessions_circles_and_other_events_squares(client, seeded):
    found = marks(picture(client.get("/timeline/").content.decode()))
    assert "ov-band" in classes(found["talk-astana-2017-01"])
    assert found["session-1"].tag == f"{SVG}circle"
    assert "ov-square" in classes(found["milestone-ceasefire-2016-12-30"])


def test_held_and_planned_are_drawn_differently(client, seeded):
    found = marks(picture(client.get("/timeline/").content.decode()))
    assert {"ov-held"} < classes(found["talk-astana-2017-01"])
    assert {"ov-planned"} < classes(found["talk-geneva-2017-02"])
    assert "ov-planned" not in classes(found["talk-astana-2017-01"])


def test_every_mark_is_a_named_link_that_leads_to_its_entry(client, seeded):
    html = client.get("/timeline/").content.decode()
    ids = set(Structure(html).ids)
    svg = picture(html)
    for link in svg.iter(f"{SVG}a"):
        assert link.find(f"{SVG}title").text, "a mark without a name"
        href = link.get("href")
        if href.startswith("#"):
            assert href[1:] in ids, href
            assert href[1:] == link.get("data-entry")
        else:
            assert client.get(href).status_code == 200, href


def test_a_mark_of_an_entry_on_another_page_of_the_list_leads_to_its_records_page(client, seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    source = Source.objects.get()
    for number in range(55):
        session = make_session(talk=talk, title=f"Round {number}", sequence=10 + number, start_date=talk.start_date)
        Citation.objects.create(fact=session, source=source, excerpt="Astana")
    urls = dict(TimelineEntry.objects.values_list("anchor", "url"))
    html = client.get("/timeline/").content.decode()
    ids = set(Structure(html).ids)
    elsewhere = []
    for link in picture(html).iter(f"{SVG}a"):
        href, anchor = link.get("href"), link.get("data-entry")
        if anchor not in ids:
            assert href == urls[anchor]
            elsewhere.append(anchor)
    assert "talk-geneva-2017-02" in elsewhere


def test_the_picture_shows_the_current_filter(client, seeded):
    found = marks(picture(client.get("/timeline/", {"party": "syrian-opposition"}).content.decode()))
    assert set(found) == {"talk-astana-2017-01", "session-1", "session-2"}
    found = marks(picture(client.get("/timeline/", {"status": "planned"}, **HTMX).content.decode()))
    assert set(found) == {"talk-geneva-2017-02"}


def test_a_date_known_only_to_the_month_is_drawn_over_the_month_not_as_a_day(client, seeded):
    talk = Talk.objects.get(slug="geneva-2017-02")
    session = make_session(
        talk=talk, title="Some day in March", start_date=datetime.date(2017, 3, 1), start_precision="month"
    )
    Citation.objects.create(fact=session, note="Invented for the test.")
    svg = picture(client.get("/timeline/").content.decode())
    shape = marks(svg)[f"session-{session.pk}"]
    assert shape.tag == f"{SVG}rect"
    assert {"ov-span", "ov-vague"} <= classes(shape)
    day = marks(svg)["talk-geneva-2017-02"]
    # 31 days wide against the one day of the talk in Geneva.
    assert float(shape.get("width").rstrip("%")) > 20 * float(day.get("width").rstrip("%"))


def test_the_talk_page_shows_its_own_entries_each_linked_on_the_page(client, seeded):
    html = client.get(ASTANA).content.decode()
    found = marks(picture(html))
    assert set(found) == set(TimelineEntry.objects.filter(talk__slug="astana-2017-01").values_list("anchor", flat=True))
    ids = set(Structure(html).ids)
    for link in picture(html).iter(f"{SVG}a"):
        assert link.get("href")[1:] in ids


def test_entries_with_no_date_are_not_drawn_and_the_caption_says_so(client, seeded):
    Citation.objects.create(fact=make_talk(slug="undated", name="Undated talks", start_date=None), note="Invented.")
    html = client.get("/timeline/").content.decode()
    assert "talk-undated" not in marks(picture(html))
    assert "1 entry with no date known is not drawn." in html


def test_no_picture_when_nothing_has_a_date(client, seeded):
    html = client.get("/timeline/", {"q": "no such words anywhere"}).content.decode()
    assert "overview__picture" not in html


def hundred_talks_over_ten_years() -> None:
    """A hundred talks in five processes, 2010 to 2019, each with a session, in bulk."""
    source = Source.objects.get()
    processes = Process.objects.bulk_create(Process(name=f"Process {n}", slug=f"process-{n}") for n in range(5))
    talks = Talk.objects.bulk_create(
        Talk(
            name=f"Round {n}",
            slug=f"round-{n}",
            folded=f"round {n}",
            process=processes[n % 5],
            status="concluded" if n < 90 else "planned",
            start_date=datetime.date(2010 + n // 10, 1 + n % 10, 10),
            end_date=datetime.date(2010 + n // 10, 1 + n % 10, 12),
        )
        for n in range(100)
    )
    sessions = Session.objects.bulk_create(
        Session(talk=talk, title="Plenary", kind="plenary", sequence=1, start_date=talk.start_date) for talk in talks
    )
    Citation.objects.bulk_create(
        Citation(fact=fact, source=source, excerpt="Astana", about=[]) for fact in [*processes, *talks, *sessions]
    )
    timeline.rebuild()


def test_a_hundred_talks_over_ten_years_are_counted_by_process_and_year_each_count_a_zoom(client, seeded):
    hundred_talks_over_ten_years()
    html = client.get("/timeline/").content.decode()
    svg = picture(html)
    assert marks(svg) == {}
    lanes = list(svg.iter(f"{SVG}g"))[1:]
    assert len(lanes) <= MOST_LANES
    counts = [int(text.text) for text in svg.iter(f"{SVG}text") if "ov-count" in classes(text)]
    assert sum(counts) == TimelineEntry.objects.count()
    zooms = {link.get("href") for link in svg.iter(f"{SVG}a")}
    assert "/timeline/?process=process-0&start=2015-01-01&end=2015-12-31" in zooms
    for href in zooms:
        assert client.get(href).status_code == 200


def twenty_processes() -> None:
    source = Source.objects.get()
    # Process n has n + 1 talks, each a year apart: twenty processes, 210 talks.
    processes = Process.objects.bulk_create(Process(name=f"Process {n:02}", slug=f"process-{n}") for n in range(20))
    talks = Talk.objects.bulk_create(
        Talk(
            name=f"Round {n}-{k}",
            slug=f"round-{n}-{k}",
            folded=f"round {n} {k}",
            process=process,
            status="concluded",
            start_date=datetime.date(2000 + k, 1 + n % 12, 10),
        )
        for n, process in enumerate(processes)
        for k in range(n + 1)
    )
    Citation.objects.bulk_create(
        Citation(fact=fact, source=source, excerpt="Astana", about=[]) for fact in [*processes, *talks]
    )
    timeline.rebuild()


def test_past_fifteen_processes_the_smallest_share_one_lane_whose_counts_are_theirs(client, seeded):
    twenty_processes()
    svg = picture(client.get("/timeline/").content.decode())
    counts = {}
    for lane in list(svg.iter(f"{SVG}g"))[1:]:
        label = next(text.text for text in lane.iter(f"{SVG}text") if "ov-lane-label" in classes(text))
        counts[label] = sum(int(text.text) for text in lane.iter(f"{SVG}text") if "ov-count" in classes(text))
    assert len(counts) == MOST_LANES
    assert {f"Process {n:02}": n + 1 for n in range(5, 20)}.items() <= counts.items()
    # The five smallest, and the seed's few entries.
    dated = TimelineEntry.objects.filter(first_day__isnull=False).count()
    assert counts["Other processes"] == dated - sum(n + 1 for n in range(5, 20)) >= sum(n + 1 for n in range(5))


def test_a_count_leads_to_the_entries_it_counts(client, seeded):
    """Clicked as a reader would: a process's count opens that process's
    entries of that year, as many as it said; the shared lane's count says
    that it opens the year of every process, and does."""
    twenty_processes()
    svg = picture(client.get("/timeline/").content.decode())
    by_year: dict[str, int] = {}
    groups = []
    for link in svg.iter(f"{SVG}a"):
        label = link.find(f"{SVG}title").text
        count = int(next(text.text for text in link.iter(f"{SVG}text") if "ov-count" in classes(text)))
        year = label.split(":", 1)[0]
        by_year[year] = by_year.get(year, 0) + count
        groups.append((label, count, link.get("href")))

    def of_no_process(label: str) -> bool:
        return any(f" in {lane}, " in label for lane in (NO_PROCESS, NO_TALK, OTHERS))

    assert 0 < sum(of_no_process(label) for label, _, _ in groups) < len(groups)
    for label, count, href in groups:
        html = client.get(href).content.decode()
        shown = int(re.search(r"Showing (\d+) entr", html).group(1))
        year = label.split(":", 1)[0]
        if of_no_process(label):
            assert label.endswith(f", zoom in on all of {year}")
            assert shown == by_year[year]
        else:
            assert label.endswith(", zoom in")
            assert shown == count, label
            process = label.split(" in ", 1)[1].removesuffix(", zoom in")
            assert f"in the {process}" in html


def test_zooming_into_a_year_draws_its_entries_and_offers_its_months(client, seeded):
    hundred_talks_over_ten_years()
    html = client.get("/timeline/", {"start": "2015-01-01", "end": "2015-12-31"}).content.decode()
    found = marks(picture(html))
    assert len(found) == 20
    assert "talk-round-50" in found
    zoom = html.split('aria-label="Zoom the timeline"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/timeline/?start=2015-01-01&amp;end=2015-12-31" aria-current="page">2015<' in zoom
    assert 'href="/timeline/?start=2015-03-01&amp;end=2015-03-31">March 2015<' in zoom
    assert 'href="/timeline/">All dates<' in zoom


def test_a_zoom_keeps_the_other_filters(client, seeded):
    hundred_talks_over_ten_years()
    html = client.get("/timeline/", {"status": "planned"}).content.decode()
    zoom = html.split('aria-label="Zoom the timeline"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/timeline/?status=planned&amp;start=2019-01-01&amp;end=2019-12-31"' in zoom
