"""What is not a page of the record: the home page, the health check for
the load balancer, the favicon for clients that guess its address, and the
handler that tells a bug from a database outage."""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from ..models import DataVersion, Talk, TimelineEntry

# How many talks the home page shows, the latest first; the talks page has them all.
HOME_TALKS = 6

logger = logging.getLogger(__name__)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # The latest five of the dated entries, newest first: undated ones sort
    # last on the timeline, but say nothing about what is latest.
    latest = TimelineEntry.objects.filter(start_date__isnull=False).order_by("-start_date", "-sequence", "-title")
    talks = Talk.objects.for_cards().order_by(F("start_date").desc(nulls_last=True), "name")[:HOME_TALKS]
    return render(request, "talks/home.html", {"talks": talks, "latest": latest.for_display()[:5]})


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """For the load balancer and the operator: 200 only when the database
    answers, its schema has every migration this code has, and the record
    can be read; else 503 and one line saying why."""
    try:
        problem = schema_problem() or record_problem()
    except DatabaseError as error:
        if database_unavailable(error):
            logger.error("health check failed: database unavailable: %s", error)
            return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
        problem = f"database error: {first_line(error)}"
    if problem:
        logger.error("health check failed: %s", problem)
        return HttpResponse(f"{problem}\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def schema_problem() -> str | None:
    """What the schema lacks: every migration of every app, as `manage.py
    migrate` would apply them (a few milliseconds once the migration files
    are loaded)."""
    if not MigrationRecorder(connection).has_table():
        return "schema missing: the database has no tables (run manage.py migrate)"
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in plan[:3])
        more = ", …" if len(plan) > 3 else ""
        return f"schema not migrated: {len(plan)} migration(s) not applied ({names}{more})"
    return None


def record_problem() -> str | None:
    """Whether the record can be read: one row of each of its main tables."""
    for model in (Talk, TimelineEntry, DataVersion):
        model._base_manager.only("pk").first()
    return None


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """For the clients that ask for /favicon.ico rather than read the page's
    <link rel="icon">. Not a permanent redirect: the icon's address carries
    the hash of its content and changes with it."""
    response = HttpResponseRedirect(static("img/favicon.svg"))
    patch_cache_control(response, public=True, max_age=60 * 60 * 24)
    return response


# What a database says when it is out of reach rather than refusing what was
# asked of it: SQLite's lock held past the busy timeout, a file that cannot be
# opened; PostgreSQL refusing, dropping or timing out the connection.
UNAVAILABLE = ("database is locked", "unable to open database file", "connect", "server closed", "timeout", "timed out")


def database_unavailable(error: BaseException | None) -> bool:
    if isinstance(error, InterfaceError):
        return True
    return isinstance(error, OperationalError) and any(sign in str(error).lower() for sign in UNAVAILABLE)


# What SQLite and PostgreSQL say when a write fails for want of disk space.
DISK_FULL = ("database or disk is full", "no space left on device")


def disk_full(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError) and any(sign in str(error).lower() for sign in DISK_FULL)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler. A database that is locked, gone or refusing
    connections is not the reader's problem nor a bug: it gets a 503 page
    that says to come back, wherever in the request it failed. A disk that
    is full gets the 503 page that says so. Anything else, a constraint the
    database refused included, is the 500 page. Each page tells someone who
    sent a form that their change was not saved. The log line quotes what
    the client sent (the path), so that no request can forge the line the
    operator greps for an outage (docs/deploy.md)."""
    error = sys.exc_info()[1]
    context = {"unsaved": request.method not in ("GET", "HEAD", "OPTIONS")}
    if disk_full(error):
        logger.error("disk full: %s %r: %s", request.method, request.path, first_line(error))
        response = HttpResponse(render_to_string("503.html", context | {"disk_full": True}), status=503)
        response["Retry-After"] = "300"
        return response
    if database_unavailable(error):
        logger.error("database unavailable: %s %r: %s", request.method, request.path, error)
        response = HttpResponse(render_to_string("503.html", context), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(render_to_string("500.html", context))
