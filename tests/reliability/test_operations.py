"""What the operator sees of a real server (gunicorn with the production
settings): it will not start on a database file that does not exist, its
health check says when the schema is missing, and its log is one line an
event: no warning for HEAD requests, one WARNING line for a bad Host header,
no control socket shared with other instances."""

import subprocess
import sys
import time

import pytest

from .server import BASE_DIR, production_env, request, sqlite_url

pytestmark = pytest.mark.slow


def test_gunicorn_will_not_start_on_a_sqlite_file_that_does_not_exist(tmp_path, static_root):
    missing = tmp_path / "typo.sqlite3"
    env = production_env(sqlite_url(missing), DJANGO_STATIC_ROOT=str(static_root))
    env |= {"GUNICORN_BIND": "127.0.0.1:0", "GUNICORN_WORKERS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "python:talks.gunicorn", "talks.wsgi"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert f"DATABASE_URL names the SQLite file {missing}, which does not exist" in result.stdout + result.stderr
    assert not missing.exists()


def test_health_is_503_on_an_empty_database(tmp_path, start_server):
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    server = start_server(sqlite_url(empty), workers=1, ready_status=503)
    health = request(server.port, "/healthz")
    assert (health.status, health.text) == (503, "schema missing: the database has no tables (run manage.py migrate)\n")


def test_the_log_has_one_line_an_event_and_no_warning_for_head(database, start_server):
    server = start_server(sqlite_url(database), workers=1)
    for path in ("/", "/talks/", "/healthz", "/no-such-page/"):
        response = request(server.port, path, method="HEAD")
        assert response.body == b""
        assert int(response.headers["Content-Length"]) > 0
    assert request(server.port, "/", headers={"Host": "evil.example"}).status == 400
    for _ in range(2):
        assert request(server.port, "/healthz", headers={"X-Forwarded-For": "203.0.113.7"}).status == 200
    server.stop()
    log = server.log_path.read_text()

    assert "no-body response" not in log
    assert "Traceback" not in log
    (bad_host,) = [line for line in log.splitlines() if "refused a request for a host" in line]
    assert "level=WARNING" in bad_host
    assert bad_host.endswith("message=refused a request for a host this site does not serve: 'evil.example'")
    assert log.count("DJANGO_TRUSTED_PROXY_COUNT is 0") == 1
    assert "level=ERROR" not in log
    assert "Control socket" not in log


def test_two_instances_stop_without_touching_each_others_control_socket(database, start_server, tmp_path):
    own = tmp_path / "first.ctl"
    first = start_server(sqlite_url(database), workers=1, GUNICORN_CONTROL_SOCKET=str(own))
    second = start_server(sqlite_url(database), workers=1)
    deadline = time.monotonic() + 10
    while not own.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert own.exists()
    second.stop()
    assert own.exists()
    assert request(first.port, "/healthz").status == 200
