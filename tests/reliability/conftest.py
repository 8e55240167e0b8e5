"""Fixtures for the tests that run Parley as production runs it: a gunicorn
server in its own process, on its own SQLite file, with DEBUG off.

They are not pytest-django database tests: the server has its own database,
which the tests read and change only through the site, manage.py or sqlite3.
"""

import shutil
from pathlib import Path

import pytest

from .server import STAFF_PASSWORD, STAFF_USERNAME, Server, checkpoint, manage, production_env, sqlite_url

# The staff account the load test's editors sign in with: a member of the
# Editors group that every migrate creates, as the README tells operators to
# make editors, rather than a superuser who would skip the permission checks.
CREATE_EDITOR = f"""
import os
from django.contrib.auth.models import Group, User
user = User.objects.create_user({STAFF_USERNAME!r}, password=os.environ["PARLEY_EDITOR_PASSWORD"], is_staff=True)
user.groups.add(Group.objects.get(name="Editors"))
"""


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    """A database as a new site has it (schema, seed data) plus one editor,
    made once a session with manage.py; each test works on a copy."""
    path = tmp_path_factory.mktemp("template") / "parley.sqlite3"
    env = production_env(sqlite_url(path), PARLEY_EDITOR_PASSWORD=STAFF_PASSWORD)
    manage(env, "migrate", "--no-input")
    manage(env, "load_fixtures")
    manage(env, "shell", "-c", CREATE_EDITOR)
    checkpoint(path)
    return path


@pytest.fixture
def database(tmp_path, seeded_template) -> Path:
    """A fresh copy of the seeded database for one test."""
    path = tmp_path / "parley.sqlite3"
    shutil.copyfile(seeded_template, path)
    return path


@pytest.fixture
def start_server(tmp_path, static_root):
    """Start gunicorn on a database URL and wait until it answers; every
    server started is stopped when the test ends, pass or fail."""
    servers: list[Server] = []

    def start(database_url: str, workers: int = 3, ready_status: int = 200, **env: str) -> Server:
        # Downloads kept in the test's own folder: every test's database is a
        # copy of one template, with its data version.
        env = production_env(
            database_url, DJANGO_STATIC_ROOT=str(static_root), DJANGO_DOWNLOADS_DIR=str(tmp_path / "downloads"), **env
        )
        server = Server(env, tmp_path / f"gunicorn-{len(servers)}.log", workers)
        servers.append(server)
        server.wait_until_ready(ready_status)
        return server

    yield start
    for server in servers:
        server.stop()
