"""The project as an operator and a developer meet it: settings that refuse
to run unsafely, migrations in step with the models, a lock of the
dependencies in step with pyproject.toml."""

import os
import re
import secrets
import subprocess
import sys
import tomllib
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "parley.example",
    # Behind the nginx of docs/deploy.md.
    "DJANGO_TRUSTED_PROXY_COUNT": "1",
}


def start_django(*check_args: str, **environment) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | environment
    return subprocess.run(
        [sys.executable, "manage.py", "check", *check_args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_start_with_a_secret_key_and_hosts():
    assert start_django(**PRODUCTION).returncode == 0


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "a" * 60}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS must list"),
    ],
)
def test_production_settings_refuse_to_start_without_what_they_need(missing, message):
    result = start_django(**(PRODUCTION | missing))
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_pass_the_deploy_check_with_no_warning():
    result = start_django("--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_the_deploy_check_warns_until_the_trusted_proxy_count_is_set():
    unset = {name: value for name, value in PRODUCTION.items() if name != "DJANGO_TRUSTED_PROXY_COUNT"}
    result = start_django("--deploy", "--fail-level", "WARNING", **unset)
    assert result.returncode != 0
    assert "parley.W001" in result.stderr


@pytest.mark.django_db
def test_migrations_are_in_step_with_the_models():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


@pytest.mark.django_db
def test_editors_group_can_edit_the_record_but_not_users():
    from django.contrib.auth.models import Group

    codenames = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert {"add_talk", "change_citation", "delete_position", "view_source"} <= codenames
    assert not {"add_user", "change_user", "change_group", "view_fixtureload"} & codenames


# The lock: what `make` installs, with hashes, from pyproject.toml's pins.


def locked(path: str) -> dict[str, tuple[str, int]]:
    """{name: (version, number of hashes)} of a requirements file made by `make lock`."""
    entries: dict[str, tuple[str, int]] = {}
    name = ""
    for line in (settings.BASE_DIR / path).read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)", line):
            name = canonical(match.group(1))
            entries[name] = (match.group(2), 0)
        elif line.strip().startswith("--hash=sha256:") and name:
            version, hashes = entries[name]
            entries[name] = (version, hashes + 1)
    return entries


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        name, _, version = requirement.partition("==")
        pins[canonical(name.split("[")[0])] = version
    return pins


PYPROJECT = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.mark.parametrize(
    ("path", "requirements"),
    [
        ("requirements/runtime.txt", PYPROJECT["dependencies"]),
        ("requirements/test.txt", [*PYPROJECT["dependencies"], *PYPROJECT["optional-dependencies"]["test"]]),
    ],
)
def test_the_lock_holds_every_pin_of_pyproject_at_its_version_with_hashes(path, requirements):
    lock = locked(path)
    for name, version in pinned(requirements).items():
        assert name in lock, f"{name} is pinned in pyproject.toml but not in {path}: run make lock"
        assert lock[name][0] == version, f"{name}: {version} in pyproject.toml, {lock[name][0]} in {path}: make lock"
    assert all(hashes for _, hashes in lock.values()), f"{path} has a package without a hash"


def test_the_runtime_lock_has_no_test_tools_and_the_test_lock_agrees_with_it():
    runtime, test = locked("requirements/runtime.txt"), locked("requirements/test.txt")
    assert not set(pinned(PYPROJECT["optional-dependencies"]["test"])) & set(runtime)
    assert {name: version for name, (version, _) in runtime.items()} == {name: test[name][0] for name in runtime}


def test_make_installs_from_the_lock_checking_hashes():
    makefile = (settings.BASE_DIR / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes --no-deps -r requirements/runtime.txt" in makefile
    assert "--require-hashes --no-deps -r requirements/test.txt" in makefile
