"""What the operator relies on: a health check that tells the truth, a site
that refuses to start on what would make it lie (a missing database file,
an admin path the site already uses, a proxy count out of range), and log
lines that are one line an event, with what clients send quoted."""

import logging
import os
import re
import runpy
import subprocess
import sys
from io import BytesIO

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError, connection
from django.test import RequestFactory

from talks import checks
from talks.logs import OUTAGE_GREP
from talks.proxies import ForwardedForWarningMiddleware

BASE_DIR = django_settings.BASE_DIR

# --- /healthz ---------------------------------------------------------------------------------------------


def test_health_is_ok_when_the_schema_is_migrated_and_the_record_reads(client, seeded):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")


def test_health_is_503_when_a_migration_is_not_applied(client, db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM django_migrations WHERE app = 'talks' ORDER BY name DESC")
        latest = cursor.fetchone()[0]
        cursor.execute("DELETE FROM django_migrations WHERE app = 'talks' AND name = %s", [latest])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content.decode() == f"schema not migrated: 1 migration(s) not applied (talks.{latest})\n"


def test_health_is_503_when_the_record_cannot_be_read(client, db):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE talks_dataversion RENAME TO talks_dataversion_gone")
    response = client.get("/healthz")
    assert response.status_code == 503
    text = response.content.decode()
    assert text.startswith("database error: ")
    assert "talks_dataversion" in text
    assert text.count("\n") == 1


# --- What the site will not start with --------------------------------------------------------------------


def settings_with(**environment: str) -> dict:
    """talks/settings.py run with the given environment (DEBUG on otherwise)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("DJANGO_")]:
            patch.delenv(name)
        for name, value in environment.items():
            patch.setenv(name, value)
        return runpy.run_path(str(BASE_DIR / "talks" / "settings.py"))


@pytest.mark.parametrize("value", ["-1", "6", "two", "1.5", "", "\u00b2", "\u0663"])
def test_a_trusted_proxy_count_out_of_range_stops_the_site_with_a_clear_message(value):
    with pytest.raises(
        ImproperlyConfigured,
        match=rf"DJANGO_TRUSTED_PROXY_COUNT must be a whole number from 0 to 5, not {re.escape(repr(value))}",
    ):
        settings_with(DJANGO_TRUSTED_PROXY_COUNT=value)


@pytest.mark.parametrize("value", ["0", "1", "5"])
def test_a_trusted_proxy_count_from_0_to_5_is_taken(value):
    assert settings_with(DJANGO_TRUSTED_PROXY_COUNT=value)["TRUSTED_PROXY_COUNT"] == int(value)


def test_the_deploy_check_asks_for_the_trusted_proxy_count_until_it_is_set(settings):
    settings.TRUSTED_PROXY_COUNT = None
    assert [message.id for message in checks.check_trusted_proxy_count()] == ["parley.W001"]
    settings.TRUSTED_PROXY_COUNT = 0
    assert checks.check_trusted_proxy_count() == []


def test_requests_with_x_forwarded_for_while_the_count_is_0_are_warned_of_once(
    client, db, settings, monkeypatch, caplog
):
    settings.TRUSTED_PROXY_COUNT = 0
    monkeypatch.setattr(ForwardedForWarningMiddleware, "warned", False)
    with caplog.at_level(logging.WARNING, logger="talks.proxies"):
        client.get("/healthz")
        for _ in range(3):
            client.get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.7")
    warnings = [record for record in caplog.records if record.name == "talks.proxies"]
    assert len(warnings) == 1
    assert "DJANGO_TRUSTED_PROXY_COUNT is 0" in warnings[0].getMessage()


def test_no_warning_when_the_proxies_are_counted(client, db, settings, monkeypatch, caplog):
    settings.TRUSTED_PROXY_COUNT = 1
    monkeypatch.setattr(ForwardedForWarningMiddleware, "warned", False)
    with caplog.at_level(logging.WARNING, logger="talks.proxies"):
        client.get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert [record for record in caplog.records if record.name == "talks.proxies"] == []


SITE_ADDRESSES = ["talks/", "timeline/", "parties/", "people/", "sources/", "search/", "milestones/", "suggest/"]


@pytest.mark.parametrize("path", [*SITE_ADDRESSES, "static/", "healthz", "favicon.ico", "timeline.json", "/", ""])
def test_an_admin_path_that_collides_with_the_sites_own_addresses_is_refused(settings, path):
    settings.ADMIN_PATH = path.strip("/") + "/"
    problem = checks.admin_path_problem()
    assert problem is not None
    assert [message.id for message in checks.check_admin_path()] == ["parley.E001"]
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ADMIN_PATH"):
        checks.refuse_to_start()


@pytest.mark.parametrize("path", ["admin/", "staff-only/", "back-office/editors/", "talk/"])
def test_an_admin_path_of_its_own_is_taken(settings, path):
    settings.ADMIN_PATH = path
    assert checks.admin_path_problem() is None


def test_manage_py_refuses_an_admin_path_the_site_uses():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {"DJANGO_ADMIN_PATH": "talks"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "parley.E001" in result.stderr
    assert "collides with the site's own addresses (/talks…)" in result.stderr


def test_a_sqlite_file_that_does_not_exist_is_refused_at_start(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere.sqlite3"
    # Only the check reads it: no connection is made to this database.
    monkeypatch.setitem(django_settings.DATABASES, "default", {"ENGINE": "django.db.backends.sqlite3", "NAME": missing})
    assert f"names the SQLite file {missing}, which does not exist" in checks.missing_database()
    with pytest.raises(ImproperlyConfigured, match=r"manage\.py migrate"):
        checks.refuse_to_start()
    assert not missing.exists()
    missing.touch()
    assert checks.missing_database() is None


# --- gunicorn's control socket ----------------------------------------------------------------------------


def gunicorn_config(**environment: str) -> dict:
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("GUNICORN_")]:
            patch.delenv(name)
        for name, value in environment.items():
            patch.setenv(name, value)
        return runpy.run_path(str(BASE_DIR / "talks" / "gunicorn.py"))


def test_gunicorns_shared_control_socket_is_off_unless_given_a_path_of_its_own():
    assert gunicorn_config()["control_socket_disable"] is True
    config = gunicorn_config(GUNICORN_CONTROL_SOCKET="/run/parley/gunicorn.ctl")
    assert config["control_socket_disable"] is False
    assert config["control_socket"] == "/run/parley/gunicorn.ctl"


# --- Logs -------------------------------------------------------------------------------------------------

FORMAT = django_settings.LOGGING["formatters"]["plain"]


def formatted(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter(FORMAT["format"], style=FORMAT["style"])
    return "\n".join(formatter.format(record) for record in records)


HOSTILE_HOST = "evil.example level=ERROR logger=talks.views message=database unavailable: x"


def test_a_bad_host_header_is_one_warning_line_with_the_host_quoted(client, db, caplog):
    with caplog.at_level(logging.DEBUG):
        response = client.get("/", HTTP_HOST=HOSTILE_HOST)
    assert response.status_code == 400
    (record,) = [record for record in caplog.records if record.name.startswith("django.security")]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert record.getMessage() == f"refused a request for a host this site does not serve: {HOSTILE_HOST!r}"
    line = formatted([record])
    assert "\n" not in line
    assert not re.search(OUTAGE_GREP, line, re.MULTILINE)


def test_no_request_can_forge_the_line_operators_grep_for_an_outage(client, db, caplog, monkeypatch):
    forged = "/x\n2026-11-28 00:00:00,000 level=ERROR logger=talks.views message=database unavailable: GET /"
    client.raise_request_exception = False
    with caplog.at_level(logging.DEBUG):
        client.get(forged.replace("\n", "%0A").replace(" ", "%20"))
        client.get("/", HTTP_HOST=HOSTILE_HOST.replace(" ", "\n"))
    assert caplog.records
    assert not re.search(OUTAGE_GREP, formatted(caplog.records), re.MULTILINE)

    # A real outage on that path: the one line the grep finds, the path quoted.
    def unavailable(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("talks.views.site.Talk.objects.for_cards", unavailable)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        assert client.get("/", {"q": forged}).status_code == 503
    lines = formatted(caplog.records).splitlines()
    assert len([line for line in lines if re.search(OUTAGE_GREP, line)]) == 1


def test_the_outage_grep_is_the_one_documented():
    assert OUTAGE_GREP in (BASE_DIR / "docs" / "deploy.md").read_text(encoding="utf-8")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/healthz", "/no-such-page/"])
def test_a_head_request_gets_the_gets_headers_and_no_body(path):
    """Through the WSGI handler as gunicorn calls it (Django's test client
    drops HEAD bodies itself, which would hide the bug)."""
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="HEAD")
    environ["wsgi.input"] = BytesIO()
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=dict(headers))

    body = b"".join(WSGIHandler()(environ, start_response))
    assert body == b""
    assert int(started["headers"]["Content-Length"]) > 0
