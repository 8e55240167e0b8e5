"""What Parley refuses to start with, and what the deploy check warns of.

The system checks run with every manage.py command (and `check --deploy`
in `make deploy`); gunicorn runs none, so talks/wsgi.py calls
refuse_to_start() as each worker loads the site, and a worker that cannot
start stops the server with the message."""

from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def site_prefixes() -> set[str]:
    """The first segment of every address the site answers besides the
    admin's, read from talks/urls.py, and the static files'."""
    from django.urls import URLResolver, get_resolver

    prefixes = {settings.STATIC_URL.strip("/").split("/")[0]}
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "admin":
            continue
        first = str(pattern.pattern).split("/")[0]
        if first and not first.startswith("<"):
            prefixes.add(first)
    return prefixes


def admin_path_problem() -> str | None:
    first = settings.ADMIN_PATH.strip("/").split("/")[0]
    if not first:
        return "DJANGO_ADMIN_PATH is empty: the admin would take the home page's address. Choose e.g. staff-only/."
    if first in site_prefixes():
        return (
            f"DJANGO_ADMIN_PATH={settings.ADMIN_PATH!r} collides with the site's own addresses (/{first}…), "
            f"so the admin could not be reached there. Choose another, e.g. staff-only/."
        )
    return None


def missing_database() -> str | None:
    """SQLite creates a database file that does not exist on first use: a
    mistyped DATABASE_URL would serve an empty site. Only `manage.py
    migrate` may make a new one."""
    database = settings.DATABASES["default"]
    name = str(database["NAME"])
    if database["ENGINE"] != "django.db.backends.sqlite3" or name == ":memory:" or name.startswith("file:"):
        return None
    if Path(name).is_file():
        return None
    return (
        f"DATABASE_URL names the SQLite file {name}, which does not exist. Correct DATABASE_URL; "
        f"for a new site, create the database first with `manage.py migrate` (make deploy does)."
    )


def refuse_to_start() -> None:
    """Raise ImproperlyConfigured, with every reason, unless the site can
    start: called by talks/wsgi.py as each server process loads the site."""
    problems = [problem for problem in (missing_database(), admin_path_problem()) if problem]
    if problems:
        raise ImproperlyConfigured(" ".join(problems))


@checks.register(checks.Tags.urls)
def check_admin_path(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problem = admin_path_problem()
    return [checks.Error(problem, id="parley.E001")] if problem else []


@checks.register(checks.Tags.security, deploy=True)
def check_trusted_proxy_count(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.TRUSTED_PROXY_COUNT is not None:
        return []
    return [
        checks.Warning(
            "DJANGO_TRUSTED_PROXY_COUNT is not set. Say how many reverse proxies in front of the site append "
            "to X-Forwarded-For: 1 behind the nginx of docs/deploy.md, 0 if clients reach gunicorn directly. "
            "Too few, and every client shares the proxy's address, so one attacker can lock every editor out "
            "of the admin; too many, and a client chooses its own address.",
            id="parley.W001",
        )
    ]
