"""Talks and sessions as iCalendar, read back with the library that wrote them."""

import datetime

import pytest
from icalendar import Calendar

from talks.models import Citation, Session, Talk

from .builders import make_session, make_talk
from .pages import ASTANA

pytestmark = pytest.mark.django_db

TALK_ICS = f"{ASTANA[:-1]}.ics"


def events(client, url: str, **params) -> dict[str, dict]:
    """The calendar's events by UID, as the library reads them back."""
    response = client.get(url, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0"
    found = {}
    for event in calendar.walk("VEVENT"):
        found[str(event["uid"]).split("@")[0]] = {
            "summary": str(event["summary"]),
            "start": event.decoded("dtstart"),
            "end": event.decoded("dtend"),
            "start_type": event["dtstart"].params.get("VALUE"),
            "status": str(event["status"]),
            "url": str(event["url"]),
            "description": str(event["description"]),
            "transp": str(event.get("transp", "")),
        }
    return found


def test_a_talks_calendar_holds_the_talk_its_sessions_and_its_milestones(client, seeded):
    found = events(client, TALK_ICS)
    assert set(found) == {"talk-astana-2017-01", "session-1", "session-2", "milestone-ceasefire-2016-12-30"}
    talk = found["talk-astana-2017-01"]
    assert talk["summary"] == "Astana talks on Syria, January 2017"
    assert talk["url"] == "http://testserver/talks/astana-2017-01/"


def test_dates_known_to_the_day_are_all_day_events_ending_the_day_after(client, seeded):
    talk = events(client, TALK_ICS)["talk-astana-2017-01"]
    assert talk["start_type"] == "DATE"
    assert talk["start"] == datetime.date(2017, 1, 23)
    assert talk["end"] == datetime.date(2017, 1, 25)
    assert not isinstance(talk["start"], datetime.datetime)


def test_held_planned_and_cancelled_are_confirmed_tentative_and_cancelled(client, seeded):
    talk = Talk.objects.get(slug="astana-2017-01")
    make_session(talk=talk, title="Called off", sequence=9, status=Session.Status.CANCELLED, start_date=talk.start_date)
    Citation.objects.create(fact=Session.objects.get(title="Called off"), note="Invented for the test.")
    found = events(client, "/timeline.ics")
    assert found["talk-astana-2017-01"]["status"] == "CONFIRMED"
    assert found["talk-geneva-2017-02"]["status"] == "TENTATIVE"
    (called_off,) = [event for event in found.values() if "Called off" in event["summary"]]
    assert called_off["status"] == "CANCELLED"


def test_a_date_known_only_to_the_month_spans_the_month_and_says_so(client, seeded):
    talk = make_talk(
        slug="vienna", name="Talks in Vienna", start_date=datetime.date(2017, 3, 1), start_precision="month"
    )
    Citation.objects.create(fact=talk, note="Invented for the test.")
    vienna = events(client, "/timeline.ics")["talk-vienna"]
    assert vienna["start"] == datetime.date(2017, 3, 1)
    assert vienna["end"] == datetime.date(2017, 4, 1)
    assert vienna["summary"] == "Talks in Vienna (some time in March 2017)"
    assert vienna["transp"] == "TRANSPARENT"


def test_a_date_known_only_to_the_year_spans_the_year(client, seeded):
    talk = make_talk(slug="later", name="Later talks", start_date=datetime.date(2018, 1, 1), start_precision="year")
    Citation.objects.create(fact=talk, note="Invented for the test.")
    later = events(client, "/timeline.ics")["talk-later"]
    assert (later["start"], later["end"]) == (datetime.date(2018, 1, 1), datetime.date(2019, 1, 1))
    assert later["summary"].endswith("(some time in 2018)")


def test_the_timeline_calendar_applies_the_timelines_filter(client, seeded):
    assert set(events(client, "/timeline.ics", status="planned")) == {"talk-geneva-2017-02"}
    assert set(events(client, "/timeline.ics", kind="ceasefire")) == {"milestone-ceasefire-2016-12-30"}


def test_a_filter_value_with_a_line_break_gives_a_calendar_named_on_one_line(client, seeded):
    response = client.get("/timeline.ics?q=Astana%0Atalks")
    assert response.status_code == 200
    name = Calendar.from_ical(response.content)["X-WR-CALNAME"]
    assert "\n" not in name
    assert name.startswith("Parley timeline:")


def test_an_event_carries_its_sources_and_a_session_names_its_talk(client, seeded):
    opening = events(client, TALK_ICS)["session-1"]
    assert opening["summary"] == "Astana talks on Syria, January 2017: Opening"
    assert (
        "http://testserver/sources/syrian-government-and-opposition-factions-begin-talks/#citation-"
        in (opening["description"])
    )


def test_an_entry_with_no_date_is_left_out_and_the_calendar_says_so(client, seeded):
    talk = make_talk(slug="undated", name="Undated talks", start_date=None)
    Citation.objects.create(fact=talk, note="Invented for the test.")
    response = client.get("/timeline.ics")
    calendar = Calendar.from_ical(response.content)
    assert "talk-undated" not in {str(event["uid"]).split("@")[0] for event in calendar.walk("VEVENT")}
    assert "1 entry with no date known left out" in str(calendar["x-wr-caldesc"])


def test_an_unknown_or_draft_talk_has_no_calendar(client, seeded):
    make_talk(slug="draft-talk", name="Draft talk")
    assert client.get("/talks/draft-talk.ics").status_code == 404
    assert client.get("/talks/nowhere.ics").status_code == 404
    assert "Draft talk" not in client.get("/timeline.ics").content.decode()


def test_the_talk_and_timeline_pages_link_their_calendars(client, seeded):
    assert f'href="{TALK_ICS}"' in client.get(ASTANA).content.decode()
    assert 'href="/timeline.ics?party=russia"' in client.get("/timeline/", {"party": "russia"}).content.decode()
