"""Reader pages cached and revalidated by the data version, compressed, and
the same for every reader: no cookie."""

import gzip
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from types import SimpleNamespace

import brotli
import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from talks import middleware
from talks.middleware import Downloads
from talks.models import DataVersion, Party

from .builders import make_editor
from .pages import HTMX, PAGES, names

pytestmark = pytest.mark.django_db

TIMELINE = "/timeline/"


@pytest.fixture
def page_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def queries(client, url: str, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    return response, len(captured)


@pytest.mark.parametrize("page", PAGES, ids=names(PAGES))
def test_a_reader_page_sets_no_cookie_and_does_not_vary_by_cookie(client, seeded, page):
    response = client.get(page.path)
    assert response.cookies == {} or not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_a_reader_page_says_how_to_revalidate_it(client, seeded):
    response = client.get(TIMELINE)
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=0", "must-revalidate"} <= control
    assert any(part.startswith("s-maxage=") for part in control)
    assert {"Accept-Encoding", "HX-Request"} <= {part.strip() for part in response["Vary"].split(",")}


def test_a_revalidation_of_an_unchanged_page_is_a_304_after_one_query(client, seeded):
    etag = client.get(TIMELINE)["ETag"]
    response, count = queries(client, TIMELINE, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert count == 1


def test_the_version_query_is_the_connections_health_check_so_a_304_is_one_round_trip(client, seeded, monkeypatch):
    etag = client.get(TIMELINE)["ETag"]
    # As every request begins (Django's close_if_unusable_or_obsolete): the
    # kept connection is due a health check.
    connection.health_check_done = False
    checks = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append("SELECT 1") or True)
    response, count = queries(client, TIMELINE, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert (count, checks) == (1, [])


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_database_dropped_is_replaced_not_answered_with_an_error(client, monkeypatch):
    assert client.get("/talks/").status_code == 200
    connection.health_check_done = False
    if connection.vendor == "postgresql":
        # The server ends this connection, as a restart or an idle timeout would.
        pid = connection.connection.info.backend_pid
        server = connection.settings_dict
        with psycopg.connect(
            host=server["HOST"], port=server["PORT"], user=server["USER"], dbname="postgres", autocommit=True
        ) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    else:
        # SQLite's connections are not dropped: the error a dropped one gives.
        real = DataVersion.current.__func__
        failures = [OperationalError("server closed the connection unexpectedly")]

        def dropped(cls, *args, **kwargs):
            if failures:
                raise failures.pop()
            return real(cls, *args, **kwargs)

        monkeypatch.setattr(DataVersion, "current", classmethod(dropped))
    response = client.get("/talks/")
    assert response.status_code == 200
    assert "<h1>Talks</h1>" in response.content.decode()
    # Labelled with the version, which only a replaced connection could read:
    # a page served without it would carry no ETag.
    assert response.has_header("ETag")


def test_the_full_page_and_its_htmx_fragment_have_their_own_etags(client, seeded):
    assert client.get(TIMELINE)["ETag"] != client.get(TIMELINE, **HTMX)["ETag"]
    etag = client.get(TIMELINE)["ETag"]
    assert client.get(TIMELINE, HTTP_IF_NONE_MATCH=etag, **HTMX).status_code == 200


def test_a_page_rendered_once_is_served_from_the_cache_after_one_query(client, seeded, page_cache):
    first, rendering = queries(client, TIMELINE)
    again, count = queries(client, TIMELINE)
    assert rendering > 5
    assert count == 1
    assert again.content == first.content


def test_an_edit_in_the_admin_is_on_the_next_readers_request(client, seeded, page_cache):
    party = Party.objects.get(slug="egypt")
    url = party.get_absolute_url()
    before = client.get(url)
    assert "Edited in the admin." not in before.content.decode()

    editor = type(client)()
    editor.force_login(make_editor())
    change = reverse("admin:talks_party_change", args=[party.pk])
    form = editor.get(change).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {"description": "Edited in the admin.", "member_of": []}
    for prefix in ("talks-alias-content_type-object_id", "memberships", "talks-citation-content_type-object_id"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    assert editor.post(change, data).status_code == 302

    revalidated = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert revalidated.status_code == 200
    assert "Edited in the admin." in revalidated.content.decode()
    assert revalidated["ETag"] != before["ETag"]


def test_every_write_changes_the_data_version(db):
    before = DataVersion.current().token
    Party.objects.create(name="Newland", slug="newland", kind="state")
    assert DataVersion.current().token != before


def test_the_version_read_for_every_request_is_the_one_stored_with_its_time_in_utc(db):
    Party.objects.create(name="Newland", slug="newland", kind="state")
    stored = DataVersion.objects.get(pk=1)
    read = DataVersion.current()
    assert (read.token, read.changed_at) == (stored.token, stored.changed_at)
    assert read.changed_at.utcoffset() is not None
    # The Last-Modified of every reader page comes from it.
    assert DataVersion.objects.count() == 1


def test_a_database_without_a_version_gets_one_on_the_first_read(db):
    DataVersion.objects.all().delete()
    version = DataVersion.current()
    assert DataVersion.objects.get(pk=1).token == version.token


@pytest.mark.parametrize(("accept", "encoding"), [("br, gzip", "br"), ("gzip", "gzip"), ("", None)])
def test_reader_pages_are_compressed_as_the_client_allows(client, seeded, accept, encoding):
    plain = client.get(TIMELINE).content
    response = client.get(TIMELINE, HTTP_ACCEPT_ENCODING=accept)
    assert response.get("Content-Encoding") == encoding
    body = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda content: content}[encoding](response.content)
    assert body == plain
    if encoding:
        assert len(response.content) < len(plain) / 3


def test_streamed_open_data_is_compressed_too(client, seeded):
    response = client.get("/timeline.json", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    data = json.loads(gzip.decompress(b"".join(response.streaming_content)))
    assert data["entries"]


@pytest.fixture
def downloads(settings, tmp_path):
    settings.READER_DOWNLOADS_DIR = str(tmp_path / "downloads")
    settings.READER_DOWNLOADS_BYTES = 64 * 1024 * 1024
    return tmp_path / "downloads"


def download(client, url: str, **headers):
    """A streamed response read to the end, which closes it, as a server's
    last read does (Django's test client)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
        body = b"".join(response.streaming_content)
    return response, body, len(captured)


def test_a_download_is_kept_and_the_next_reader_is_sent_it_after_one_query(client, seeded, downloads):
    first, made, rendering = download(client, "/timeline.json", HTTP_ACCEPT_ENCODING="br")
    again, sent, count = download(client, "/timeline.json", HTTP_ACCEPT_ENCODING="br")
    assert rendering > 5
    assert count == 1
    assert sent == made
    assert json.loads(brotli.decompress(sent))["entries"]
    for name in ("Content-Type", "Content-Encoding", "Content-Disposition", "ETag", "Vary"):
        assert again[name] == first[name]
    # Nothing of the file's own name (FileResponse would guess from it).
    assert {name.lower() for name in again.headers} == {name.lower() for name in first.headers} | {"content-length"}
    assert again["Content-Length"] == str(len(sent))


def test_a_kept_download_is_one_encoding_and_one_query_string(client, seeded, downloads):
    plain = download(client, "/timeline.json")[1]
    assert json.loads(plain)["entries"]
    assert download(client, "/timeline.json", HTTP_ACCEPT_ENCODING="gzip")[1] != plain
    russia = download(client, "/timeline.json?party=russia")[1]
    assert russia != plain
    assert download(client, "/timeline.json?party=russia")[1] == russia


def test_an_edit_is_in_the_next_download(client, seeded, downloads):
    assert "Egyptland" not in download(client, "/parties.json")[1].decode()
    party = Party.objects.get(slug="egypt")
    party.name = "Egyptland"
    party.save()
    assert "Egyptland" in download(client, "/parties.json")[1].decode()
    # The older version's file is gone with the newer one kept.
    assert len([path for path in downloads.iterdir() if path.suffix != ".headers"]) == 1


# Closing a response ends its request, which closes a database connection
# inside a transaction: a test of its own, outside one.
@pytest.mark.django_db(transaction=True)
def test_a_download_the_reader_abandons_leaves_nothing_kept(client, downloads):
    response = client.get("/timeline.json")
    next(iter(response.streaming_content))
    response.close()
    assert list(downloads.iterdir()) == []
    assert download(client, "/timeline.json")[2] > 1


def test_kept_downloads_take_no_more_room_than_allowed_the_oldest_going_first(client, seeded, downloads, settings):
    settings.READER_DOWNLOADS_BYTES = 0
    sizes = [len(download(client, url)[1]) for url in ("/timeline.json", "/parties.json")]
    settings.READER_DOWNLOADS_BYTES = sum(sizes) - 1
    download(client, "/timeline.json")
    download(client, "/parties.json")
    kept = [path.stat().st_size for path in downloads.iterdir() if path.suffix != ".headers"]
    assert kept == sizes[1:]
    assert len(list(downloads.iterdir())) == 2


def test_a_folder_that_cannot_be_written_costs_the_copy_not_the_download(client, seeded, settings, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    settings.READER_DOWNLOADS_DIR = str(tmp_path / "a-file" / "downloads")
    settings.READER_DOWNLOADS_BYTES = 64 * 1024 * 1024
    response, body, _ = download(client, "/timeline.json")
    assert response.status_code == 200
    assert json.loads(body)["entries"]
    assert download(client, "/timeline.json")[1] == body


class Builds:
    """Downloads being built as readers ask for the same one together: the
    first reader's build, held after its first chunk, and a second
    reader's, in a thread of its own, as a gunicorn worker's thread would
    ask (its own chunks are recorded if they are ever made)."""

    def __init__(self, monkeypatch):
        self.made = []
        self.waiting = threading.Event()
        real = middleware.time

        def pause(seconds):
            self.waiting.set()
            real.sleep(seconds)

        monkeypatch.setattr(middleware, "time", SimpleNamespace(time=real.time, monotonic=real.monotonic, sleep=pause))

    def chunks(self, name: str):
        self.made.append(name)
        yield f"{name}: one, ".encode()
        yield f"{name}: two".encode()

    def keep(self, name: str):
        return Downloads().keep("v1", "variant", [("Content-Type", "application/json")], self.chunks(name))

    def second(self) -> list:
        """The second reader's download, once its thread has finished."""
        body = []
        thread = threading.Thread(target=lambda: body.append(b"".join(self.keep("second"))))
        thread.start()
        assert self.waiting.wait(5), "the second reader did not wait"
        self.thread = thread
        return body


def test_readers_who_ask_while_a_download_is_built_wait_for_it_and_build_nothing(downloads, monkeypatch):
    builds = Builds(monkeypatch)
    first = builds.keep("first")
    sent = [next(first)]
    second = builds.second()
    sent += list(first)
    builds.thread.join(5)
    assert second == [b"".join(sent)] == [b"first: one, first: two"]
    assert builds.made == ["first"]
    assert not [path for path in downloads.iterdir() if path.name.startswith(".")]


def test_a_reader_waiting_for_a_build_the_builder_abandons_builds_it_itself(downloads, monkeypatch):
    builds = Builds(monkeypatch)
    first = builds.keep("first")
    next(first)
    second = builds.second()
    first.close()
    builds.thread.join(5)
    assert second == [b"second: one, second: two"]
    assert builds.made == ["first", "second"]
    assert (downloads / "v1-variant").read_bytes() == second[0]


def test_a_reader_waits_for_another_build_no_longer_than_the_limit(downloads, monkeypatch):
    monkeypatch.setattr(middleware, "BUILD_WAIT", 0.1)
    builds = Builds(monkeypatch)
    first = builds.keep("first")
    next(first)
    second = builds.second()
    builds.thread.join(5)
    assert second == [b"second: one, second: two"]
    assert b"".join(first) == b"first: two"
    assert builds.made == ["first", "second"]


def test_admin_pages_are_not_compressed_for_their_csrf_tokens_sake(client, db):
    client.force_login(make_editor())
    response = client.get(reverse("admin:index"), HTTP_ACCEPT_ENCODING="br, gzip")
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert not response.has_header("ETag")


def test_several_app_servers_share_the_cache_in_redis_when_told_to(redis_server):
    """In a process of its own, as an operator sets DJANGO_CACHE_URL."""
    script = (
        "from django.core.cache import cache; cache.set('parley-test', 'shared', 30); print(cache.get('parley-test'))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env |= {"DJANGO_CACHE_URL": redis_server}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", script],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "shared"


@pytest.mark.usefixtures("page_cache")
@pytest.mark.parametrize("headers", [{}, {"HTTP_IF_NONE_MATCH": "*"}])
def test_a_host_the_site_does_not_serve_is_refused_even_when_the_page_is_cached(client, seeded, headers):
    assert client.get("/").status_code == 200
    etag = client.get("/")["ETag"]
    headers = {"HTTP_IF_NONE_MATCH": etag} if headers else {}
    assert client.get("/", HTTP_HOST="evil.example", **headers).status_code == 400


class Renders:
    """The reader-cache middleware around a view that takes a while and
    counts its renders, asked by several readers at once, each in a thread."""

    def __init__(self, monkeypatch, status: int = 200, seconds: float = 0.3):
        version = DataVersion(token=uuid.uuid4().hex, changed_at=timezone.now())
        monkeypatch.setattr(middleware, "current_version", lambda: version)
        self.status, self.seconds, self.made, self.spans = status, seconds, [], []
        self.pages = middleware.ReaderCacheMiddleware(self.view)

    def view(self, request):
        self.made.append(request)
        number, started = len(self.made), time.monotonic()
        time.sleep(self.seconds)
        self.spans.append((started, time.monotonic()))
        return HttpResponse(f"page {number}", status=self.status)

    def one_at_a_time(self) -> bool:
        spans = sorted(self.spans)
        return all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))

    def ask(self, readers: int, apart: float = 0.02) -> list:
        answers = [None] * readers

        def read(index):
            answers[index] = self.pages(RequestFactory().get("/timeline/", {"party": "russia"}))

        threads = [threading.Thread(target=read, args=(index,)) for index in range(readers)]
        for thread in threads:
            thread.start()
            time.sleep(apart)
        for thread in threads:
            thread.join(10)
        return answers


@pytest.mark.usefixtures("page_cache")
def test_readers_asking_at_once_for_a_page_nobody_has_share_one_render(monkeypatch):
    renders = Renders(monkeypatch)
    answers = renders.ask(4)
    assert len(renders.made) == 1
    assert [(answer.status_code, answer.content) for answer in answers] == [(200, b"page 1")] * 4


@pytest.mark.usefixtures("page_cache")
def test_a_page_that_is_not_kept_is_rendered_for_each_reader_in_turn(monkeypatch):
    renders = Renders(monkeypatch, status=404, seconds=0.05)
    answers = renders.ask(3)
    assert len(renders.made) == 3
    assert sorted(answer.content for answer in answers) == [b"page 1", b"page 2", b"page 3"]
    assert renders.one_at_a_time()


@pytest.mark.usefixtures("page_cache")
def test_a_reader_waits_for_another_render_no_longer_than_the_limit(monkeypatch):
    monkeypatch.setattr(middleware, "RENDER_WAIT", 0.2)
    renders = Renders(monkeypatch, seconds=1.0)
    started = time.monotonic()
    answers = renders.ask(2)
    assert len(renders.made) == 2
    assert sorted(answer.content for answer in answers) == [b"page 1", b"page 2"]
    assert time.monotonic() - started < 2
