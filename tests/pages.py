"""The reader's pages, once: every test that walks the site (views, security
headers, fuzzing, load, browser, deploy) takes its pages from here, so a new
page is added in one place and every such test visits it.

Each page is given by an address on the seed data. A filtered page names its
filter form, whose fields are the query-string parameters it reads, and a
filter value that keeps some of its results but not all.
"""

from dataclasses import dataclass, field

from talks.forms import CompareForm, FilterForm, PositionFilter, SearchForm, TalkFilter, TimelineFilter

ASTANA = "/talks/astana-2017-01/"
SOURCE = "/sources/syrian-government-and-opposition-factions-begin-talks/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass(frozen=True)
class ReaderPage:
    name: str
    # The address on the seed data, query string included where the page needs one.
    path: str
    # "html" for a page in the site's look, "data" for open data, "plain" for
    # text, "part" for a piece of a page that htmx fetches.
    kind: str = "html"
    form: type[FilterForm] | None = None
    # A filter that keeps some of the page's results but not all.
    example: dict[str, str] = field(default_factory=dict)
    # Whether an HTMX request gets the "browse" partial instead of the page.
    fragment: bool = False
    # The address with its slug left out ("/talks/{}/"), for pages of one record.
    pattern: str = ""
    paginated: bool = False

    @property
    def parameters(self) -> list[str]:
        """The query-string parameters the page reads."""
        names = list(self.form.base_fields) if self.form else []
        return [*names, "page"] if self.paginated else names

    @property
    def filtered_path(self) -> str:
        """The address with the example filter applied."""
        query = "&".join(f"{name}={value}" for name, value in self.example.items())
        base = self.path.split("?", 1)[0]
        return f"{base}?{query}" if query else self.path


PAGES = [
    ReaderPage("home", "/"),
    ReaderPage("talks", "/talks/", form=TalkFilter, example={"status": "planned"}, fragment=True),
    ReaderPage("talk", ASTANA, pattern="/talks/{}/"),
    ReaderPage("delegations", f"{ASTANA}delegations/", pattern="/talks/{}/delegations/"),
    ReaderPage(
        "positions",
        f"{ASTANA}positions/",
        form=PositionFilter,
        example={"party": "syrian-government"},
        fragment=True,
        pattern="/talks/{}/positions/",
    ),
    ReaderPage(
        "compare",
        f"{ASTANA}positions/compare/?a=syrian-government&b=syrian-opposition",
        form=CompareForm,
        pattern="/talks/{}/positions/compare/",
    ),
    ReaderPage(
        "timeline",
        "/timeline/",
        form=TimelineFilter,
        example={"party": "syrian-opposition"},
        fragment=True,
        paginated=True,
    ),
    ReaderPage("timeline.json", "/timeline.json", "data", form=TimelineFilter, example={"party": "syrian-opposition"}),
    ReaderPage("timeline.csv", "/timeline.csv", "data", form=TimelineFilter, example={"status": "planned"}),
    # Every list's open data, with the list's own filter (talks/exports.py).
    ReaderPage("talks.json", "/talks.json", "data", form=TalkFilter, example={"status": "planned"}),
    ReaderPage("talks.csv", "/talks.csv", "data", form=TalkFilter, example={"year": "2017"}),
    ReaderPage("delegations.json", f"{ASTANA[:-1]}/delegations.json", "data", pattern="/talks/{}/delegations.json"),
    ReaderPage("delegations.csv", f"{ASTANA[:-1]}/delegations.csv", "data", pattern="/talks/{}/delegations.csv"),
    ReaderPage(
        "positions.json",
        f"{ASTANA[:-1]}/positions.json",
        "data",
        form=PositionFilter,
        example={"party": "syrian-government"},
        pattern="/talks/{}/positions.json",
    ),
    ReaderPage("positions.csv", f"{ASTANA[:-1]}/positions.csv", "data", form=PositionFilter),
    ReaderPage("parties.json", "/parties.json", "data"),
    ReaderPage("parties.csv", "/parties.csv", "data"),
    ReaderPage("people.json", "/people.json", "data"),
    ReaderPage("people.csv", "/people.csv", "data"),
    ReaderPage("sources.json", "/sources.json", "data"),
    ReaderPage("sources.csv", "/sources.csv", "data"),
    ReaderPage("search.json", "/search.json?q=Alloush", "data", form=SearchForm, example={"q": "Astana"}),
    ReaderPage("search.csv", "/search.csv?q=Astana", "data", form=SearchForm),
    # Calendars: the timeline's filter result, and one talk's (talks/calendars.py).
    ReaderPage("timeline.ics", "/timeline.ics", "data", form=TimelineFilter, example={"status": "planned"}),
    ReaderPage("talk.ics", f"{ASTANA[:-1]}.ics", "data", pattern="/talks/{}.ics"),
    # What is new and what changed, as Atom (talks/feeds.py).
    ReaderPage("changes.atom", "/changes.atom", "data"),
    ReaderPage("talk changes.atom", f"{ASTANA}changes.atom", "data", pattern="/talks/{}/changes.atom"),
    ReaderPage(
        "party changes.atom", "/parties/syrian-opposition/changes.atom", "data", pattern="/parties/{}/changes.atom"
    ),
    ReaderPage("milestone", "/milestones/ceasefire-2016-12-30/", pattern="/milestones/{}/"),
    ReaderPage("parties", "/parties/"),
    ReaderPage("party", "/parties/syrian-opposition/", pattern="/parties/{}/"),
    ReaderPage("people", "/people/"),
    ReaderPage("person", "/people/mohammad-aloush/", pattern="/people/{}/"),
    ReaderPage("place", "/places/astana/", pattern="/places/{}/"),
    ReaderPage("sources", "/sources/"),
    ReaderPage("source", SOURCE, pattern="/sources/{}/"),
    ReaderPage("search", "/search/?q=Alloush", form=SearchForm, example={"q": "Astana"}, paginated=True),
    ReaderPage("health", "/healthz", "plain"),
    # For search engines (talks/sitemaps.py).
    ReaderPage("sitemap", "/sitemap.xml", "data"),
    ReaderPage("robots", "/robots.txt", "data"),
    # A filter's suggestions as the reader types: a part of a page, for htmx.
    ReaderPage("suggest", "/suggest/party/?listing=timeline&field=party&party=syr", "part"),
]

BY_NAME = {page.name: page for page in PAGES}
HTML = [page for page in PAGES if page.kind == "html"]
FILTERED = [page for page in PAGES if page.example]
FRAGMENTS = [page for page in PAGES if page.fragment]
ONE_RECORD = [page for page in PAGES if page.pattern]
NOT_FOUND = "/no-such-page/"


# What a browser visits: every page in the site's look, the filtered list
# pages, and the page for an address that leads nowhere, each with the
# status it must answer: (name, path, status).
VISITS = [
    *((page.name, page.path, 200) for page in HTML),
    *((f"{page.name}-filtered", page.filtered_path, 200) for page in FRAGMENTS),
    ("not-found", NOT_FOUND, 404),
]


def names(pages: list[ReaderPage]) -> list[str]:
    """Test ids."""
    return [page.name for page in pages]


def body(response) -> str:
    """A response's text, streamed (open data) or not."""
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()
