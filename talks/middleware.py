"""The reader's pages, served as cheaply as the data allows.

ReaderCacheMiddleware: a reader page is the same for every reader until the
record changes, so it is answered by the data version (DataVersion): an
ETag from the version answers a revalidation with 304 after one query, and
a page rendered once is kept in Django's cache under the version, the path,
the normalised query, the HTMX headers and the encoding. Readers who ask for
a page while another request renders it wait for that request's copy.

Downloads: a streamed response (open data, a whole timeline as JSON or CSV)
is too large for the cache; it is written to a file as it goes out, and
later readers of the same version are sent the file (those who ask while
it is written wait for it).

CompressionMiddleware: reader pages and open data in brotli where the client
takes it, else gzip; never the admin's pages, whose CSRF tokens compression
would expose to a BREACH attack.
"""

import contextlib
import fcntl
import gzip
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import brotli
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags
from django.utils.text import compress_sequence

from .models import DataVersion

# What a shared cache (a proxy, a CDN) may serve without asking again.
SHARED_MAX_AGE = 10
# Paths that are not reader pages: never cached, never compressed here.
NOT_READER = (f"/{settings.ADMIN_PATH}", settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/")
NOT_CACHED = ("/healthz", "/favicon.ico")
COMPRESSIBLE = (
    "text/html",
    "application/json",
    "text/csv",
    "text/plain",
    "text/calendar",
    "application/atom+xml",
    "application/xml",
)
# Below this, compression costs more than it saves.
SMALLEST = 200
# Brotli's quality for pages made on request: 5 of 11 compresses nearly as
# well as 11 at a small fraction of the time.
BROTLI_QUALITY = 5
HTMX_HEADERS = ("HX-Request", "HX-History-Restore-Request")
# How long a reader waits for another's build of the same download before
# building it too: longer than a build takes at scale 1,000 under load.
BUILD_WAIT = 30
# How long a reader waits for another's render of the same page: longer
# than the slowest page takes at scale 1,000 under load.
RENDER_WAIT = 10


def chosen_encoding(request: HttpRequest) -> str:
    """brotli or gzip, as the client's Accept-Encoding allows; "" for none."""
    offered = {}
    for part in request.headers.get("Accept-Encoding", "").split(","):
        name, _, params = part.strip().partition(";")
        quality = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            offered[name.strip().lower()] = float(quality)
        except ValueError:
            continue
    for encoding in ("br", "gzip"):
        if offered.get(encoding, 0) > 0:
            return encoding
    return ""


def current_version() -> DataVersion:
    """The data version, whose query also serves as the connection's health
    check: Django's check (CONN_HEALTH_CHECKS) is a `SELECT 1` of its own,
    which on PostgreSQL doubled the round trips of a cached page or a 304.
    A connection the database has dropped fails this query instead, and is
    replaced, as the check would have replaced it."""
    if not connection.health_check_enabled or connection.health_check_done or connection.connection is None:
        return DataVersion.current()
    connection.health_check_done = True
    try:
        return DataVersion.current()
    except (InterfaceError, OperationalError):
        connection.close()
    return DataVersion.current()


def is_reader_page(request: HttpRequest) -> bool:
    return not request.path.startswith(NOT_READER)


class ReaderCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not is_reader_page(request) or request.path in NOT_CACHED:
            return self.get_response(request)
        # The host check Django's CommonMiddleware makes, before a cached page
        # could answer for a host the site does not serve (DisallowedHost: 400).
        request.get_host()
        try:
            version = current_version()
        except DatabaseError:
            # The view meets the same error and answers it as always (the 503 page).
            return self.get_response(request)
        variant = self.variant(request)
        etag = f'"{version.token[:16]}-{variant[:16]}"'
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            return self.label(HttpResponseNotModified(), etag, version)
        key = f"parley:page:{version.token}:{variant}"
        downloads = Downloads()
        if (stored := cache.get(key)) is not None:
            response = self.stored(stored)
        elif (response := downloads.open(version.token, variant)) is None:
            response = self.rendered(request, key, version.token, variant, downloads)
        if response.status_code == 200:
            self.label(response, etag, version)
        return response

    def rendered(
        self, request: HttpRequest, key: str, token: str, variant: str, downloads: "Downloads"
    ) -> HttpResponse:
        """The page rendered and kept, or, if another request is rendering
        it already, that request's copy once it is kept.

        Readers who ask for a page nobody has yet (after every edit, for
        every page) would otherwise each render it: at scale 1,000 eight
        renders of the full-text search at once on two cores took 5 to 8 s
        each, where one takes 0.2 s. The mark is in the cache, so it holds
        among a process's threads with the local cache and among every
        server with Redis; it lapses after RENDER_WAIT if its renderer dies,
        and a reader who waited that long renders the page itself."""
        rendering = f"{key}:rendering"
        deadline, pause = time.monotonic() + RENDER_WAIT, 0.005
        while not (marked := cache.add(rendering, True, RENDER_WAIT)) and time.monotonic() < deadline:
            time.sleep(pause)
            pause = min(2 * pause, 0.1)
            if (stored := cache.get(key)) is not None:
                return self.stored(stored)
            # Else still rendering, or rendered but not kept (a 404, a
            # download), and this reader takes the mark and renders it.
        try:
            response = self.get_response(request)
            if self.keepable(request, response):
                headers = [(name, value) for name, value in response.items() if name.lower() != "content-length"]
                if response.streaming:
                    response.streaming_content = downloads.keep(token, variant, headers, response.streaming_content)
                else:
                    cache.set(key, (response.status_code, headers, response.content), settings.READER_CACHE_SECONDS)
            return response
        finally:
            if marked:
                cache.delete(rendering)

    @staticmethod
    def stored(stored: tuple) -> HttpResponse:
        status, headers, content = stored
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        return response

    @staticmethod
    def variant(request: HttpRequest) -> str:
        """What the page depends on besides the data, as a digest."""
        query = sorted((name, value) for name in request.GET for value in request.GET.getlist(name))
        # The host too: feeds, calendars and the sitemap carry absolute addresses.
        parts = [request.META.get("HTTP_HOST", ""), request.path, repr(query)]
        parts += [request.headers.get(name, "") for name in HTMX_HEADERS]
        parts.append(chosen_encoding(request))
        return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()

    @staticmethod
    def keepable(request: HttpRequest, response: HttpResponse) -> bool:
        """Whether every reader may be given this response later: a
        successful page that sets no cookie and does not depend on one."""
        return (
            request.method == "GET"
            and response.status_code == 200
            and not response.cookies
            and "Cookie" not in response.get("Vary", "")
        )

    @staticmethod
    def label(response: HttpResponse, etag: str, version: DataVersion) -> HttpResponse:
        response["ETag"] = etag
        response["Last-Modified"] = http_date(version.changed_at.timestamp())
        # Browsers ask again each time (a 304 costs one query); a shared
        # cache may keep the page for a few seconds.
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True, s_maxage=SHARED_MAX_AGE)
        patch_vary_headers(response, ("Accept-Encoding", *HTMX_HEADERS))
        return response


class Downloads:
    """Streamed responses kept as files, by data version and variant, in
    READER_DOWNLOADS_DIR (each app server its own): the whole timeline as
    JSON is 15 MB at scale 1,000 and takes seconds to build, and the page
    cache (in memory, or Redis) is no place for it. A file is whole or
    absent: written under a temporary name as the response goes out, and
    named only once the last byte has gone; a download the reader abandons
    leaves nothing. The files take at most READER_DOWNLOADS_BYTES (0: none
    kept), the oldest removed first; those of an older version go once a
    newer one is kept."""

    def __init__(self):
        self.directory = Path(settings.READER_DOWNLOADS_DIR)
        self.budget = settings.READER_DOWNLOADS_BYTES

    def body(self, token: str, variant: str) -> Path:
        """Where the download of this version and variant is kept."""
        return self.directory / f"{token}-{variant}"

    def open(self, token: str, variant: str) -> FileResponse | None:
        if not self.budget:
            return None
        body = self.body(token, variant)
        try:
            # The headers are named before the body, so a body has them.
            headers = json.loads(body.with_suffix(".headers").read_text())
            response = FileResponse(open(body, "rb"))  # noqa: SIM115 (closed with the response)
        except (OSError, ValueError):
            return None
        # FileResponse's own guesses from the file's name give way to the
        # headers the response was first sent with.
        kept = {name.lower() for name, _ in headers} | {"content-length"}
        for name in [name for name in response.headers if name.lower() not in kept]:
            del response[name]
        for name, value in headers:
            response[name] = value
        return response

    def keep(self, token: str, variant: str, headers: list, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """The response's chunks, as they come; written to a file as well,
        while the directory takes them. Readers who ask for the same
        download while another builds it wait for that one's file rather
        than build it too: at scale 1,000 the whole timeline takes seconds
        of a core, and eight readers arriving together took eight times
        as long each."""
        if not self.budget:
            yield from chunks
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            lock = open(self.directory / f".{token}-{variant}.lock", "ab")  # noqa: SIM115 (closed below)
        except OSError:
            # An unwritable directory: served as it would be without one.
            yield from chunks
            return
        held = False
        try:
            held = self.wait_for(lock)
            try:
                body = open(self.body(token, variant), "rb")  # noqa: SIM115 (closed below)
            except OSError:
                body = None
            if body is None:
                yield from self.write(token, variant, headers, chunks)
            else:
                # Built while this reader waited: its own chunks are never made.
                with body:
                    close = getattr(chunks, "close", None)
                    if close is not None:
                        close()
                    yield from iter(lambda: body.read(FileResponse.block_size), b"")
        finally:
            # Removed while still held, so that no lock file outlives its
            # build: a reader who opened it meanwhile finds the file made.
            if held:
                with contextlib.suppress(OSError):
                    os.unlink(lock.name)
            lock.close()

    @staticmethod
    def wait_for(lock) -> bool:
        """Whether this process now holds the lock; False after BUILD_WAIT
        seconds of another's build (a reader downloading slowly), when it
        is this reader's turn to build anyway."""
        deadline = time.monotonic() + BUILD_WAIT
        pause = 0.01
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.2)
            except OSError:
                return False

    def write(self, token: str, variant: str, headers: list, chunks: Iterator[bytes]) -> Iterator[bytes]:
        started = time.time()
        try:
            descriptor, part = tempfile.mkstemp(dir=self.directory, prefix=f".{token}-", suffix=".part")
        except OSError:
            yield from chunks
            return
        out, whole = os.fdopen(descriptor, "wb"), False
        try:
            for chunk in chunks:
                if out is not None:
                    try:
                        out.write(chunk)
                    except OSError:
                        # A full disk costs the copy, never the reader's download.
                        with contextlib.suppress(OSError):
                            out.close()
                        out = None
                yield chunk
            if out is not None:
                try:
                    out.close()
                    body = self.body(token, variant)
                    written = Path(part).with_suffix(".headers")
                    written.write_text(json.dumps(headers))
                    os.replace(written, body.with_suffix(".headers"))
                    os.replace(part, body)
                    whole = True
                    self.tidy(token, started)
                except OSError:
                    pass  # the copy lost or left untidy; the download went out whole
        finally:
            if out is not None and not out.closed:
                with contextlib.suppress(OSError):
                    out.close()
            if not whole:
                for leftover in (Path(part), Path(part).with_suffix(".headers")):
                    with contextlib.suppress(OSError):
                        leftover.unlink(missing_ok=True)

    def tidy(self, token: str, started: float) -> None:
        """Older versions' files made before this one began (a newer
        version's, written meanwhile, stay), temporary files no writer has
        touched for an hour, then the oldest files past the budget."""
        bodies = []
        for path in self.directory.iterdir():
            try:
                made = path.stat()
            except OSError:
                continue
            if path.name.startswith("."):
                if made.st_mtime < started - 3600:
                    path.unlink(missing_ok=True)
            elif path.suffix == ".headers":
                # Named before its body, which a crash between the two never named.
                if not path.with_suffix("").exists() and made.st_mtime < started - 3600:
                    path.unlink(missing_ok=True)
            else:
                if not path.name.startswith(token) and made.st_mtime < started:
                    self.remove(path)
                else:
                    bodies.append((made.st_mtime, made.st_size, path))
        total = sum(size for _, size, _ in bodies)
        for _, size, path in sorted(bodies):
            if total <= self.budget:
                break
            self.remove(path)
            total -= size

    @staticmethod
    def remove(body: Path) -> None:
        # The body first: a body never lacks its headers.
        body.unlink(missing_ok=True)
        body.with_suffix(".headers").unlink(missing_ok=True)


class CompressionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Encoding",))
        encoding = chosen_encoding(request)
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if (
            not encoding
            or not is_reader_page(request)
            or response.has_header("Content-Encoding")
            or content_type not in COMPRESSIBLE
        ):
            return response
        if response.streaming:
            response.streaming_content = compress_stream(response.streaming_content, encoding)
            del response["Content-Length"]
        else:
            if len(response.content) < SMALLEST:
                return response
            compressed = compress(response.content, encoding)
            if len(compressed) >= len(response.content):
                return response
            response.content = compressed
            response["Content-Length"] = str(len(compressed))
        response["Content-Encoding"] = encoding
        return response


def compress(content: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(content, quality=BROTLI_QUALITY)
    return gzip.compress(content, compresslevel=6, mtime=0)


def compress_stream(chunks: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    if encoding == "br":
        compressor = brotli.Compressor(quality=BROTLI_QUALITY)
        for chunk in chunks:
            if part := compressor.process(chunk):
                yield part
        yield compressor.finish()
    else:
        yield from compress_sequence(chunks)


class HeadMiddleware:
    """A HEAD request gets the headers a GET would, Content-Length included,
    and no body. Django's WSGI handler leaves dropping the body to the
    server, and gunicorn 27 logs a warning for every body it drops."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                response.streaming_content = []
            else:
                response.content = b""
        return response
