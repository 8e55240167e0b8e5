"""What a browser is told to enforce, and what an attacker or an unlucky
reader gets back: security headers on every kind of response, cookies,
pages free of inline code (so that the CSP needs no nonces), error pages
that give nothing away, and the admin's brute-force lockout."""

import datetime
import json
import os
import re
import runpy
import secrets
import subprocess
import sys
import time
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from talks.logins import sign_in_slot

from .builders import make_editor, make_party
from .pages import BY_NAME, HTML, HTMX, NOT_FOUND, names

HOST = "parley.example"
ONE_YEAR = 60 * 60 * 24 * 365


@pytest.fixture(scope="module")
def production_values() -> dict:
    """The security settings talks/settings.py gives a production site, read
    by running it with the environment production has, so that these tests
    follow the settings file rather than a copy of its values."""
    with pytest.MonkeyPatch.context() as environment:
        for name in [name for name in os.environ if name.startswith("DJANGO_")]:
            environment.delenv(name)
        environment.setenv("DJANGO_DEBUG", "false")
        environment.setenv("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
        environment.setenv("DJANGO_ALLOWED_HOSTS", HOST)
        values = runpy.run_path(str(django_settings.BASE_DIR / "talks" / "settings.py"))
    # Not STORAGES: the production storage needs collectstatic's manifest.
    security = ("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_", "X_FRAME_OPTIONS")
    return {name: value for name, value in values.items() if name.startswith(security)} | {
        "DEBUG": values["DEBUG"],
        "ALLOWED_HOSTS": values["ALLOWED_HOSTS"],
    }


@pytest.fixture
def fast_hashing(settings):
    """Signing in hashes passwords, and the default hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def production(settings, production_values, fast_hashing):
    """Production's security settings for this test. SecurityMiddleware reads
    its settings when the client's first request loads it, so this must come
    before any request."""
    assert production_values["DEBUG"] is False
    for name, value in production_values.items():
        setattr(settings, name, value)
    return settings


def fetch(client: Client, url: str, **extra):
    """A GET as a browser makes it of the production site: over HTTPS, by its name."""
    return client.get(url, secure=True, **({"HTTP_HOST": HOST} | extra))


# One of each kind of response: (url, headers, status).
RESPONSES = {
    "full page": (BY_NAME["timeline"].path, {}, 200),
    "htmx fragment": (BY_NAME["timeline"].filtered_path, HTMX, 200),
    "error page": (NOT_FOUND, {}, 404),
    "plain text": (BY_NAME["health"].path, {}, 200),
    "json export": (BY_NAME["timeline.json"].filtered_path, {}, 200),
    "csv export": (BY_NAME["timeline.csv"].path, {}, 200),
}


@pytest.fixture(params=RESPONSES)
def response(request, client, db, production):
    url, headers, status = RESPONSES[request.param]
    make_party(slug="syrian-opposition", name="Syrian opposition")
    response = fetch(client, url, **headers)
    assert response.status_code == status
    if request.param == "htmx fragment":
        assert "<html" not in response.content.decode()
    return response


def csp_directives(response) -> dict[str, list[str]]:
    assert "Content-Security-Policy" in response, "no Content-Security-Policy header"
    parts = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def test_content_security_policy_allows_only_the_sites_own_code_and_no_framing(response):
    policy = csp_directives(response)
    assert "'self'" in policy["default-src"]
    for directive, sources in policy.items():
        assert "'unsafe-inline'" not in sources, directive
        assert "'unsafe-eval'" not in sources, directive
        assert "*" not in sources, directive
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_browsers_are_told_to_use_https_for_a_year_on_every_subdomain(response):
    directives = [part.strip() for part in response.get("Strict-Transport-Security", "").split(";")]
    max_age = next((d.removeprefix("max-age=") for d in directives if d.startswith("max-age=")), "0")
    assert int(max_age) >= ONE_YEAR, response.get("Strict-Transport-Security")
    assert "includeSubDomains" in directives


def test_no_other_site_may_frame_a_response(response):
    assert response.get("X-Frame-Options") == "DENY"


def test_browsers_may_not_guess_the_content_type(response):
    assert response.get("X-Content-Type-Options") == "nosniff"


def test_the_referrer_is_sent_to_the_site_only(response):
    assert response.get("Referrer-Policy") == "same-origin"


def test_windows_opened_from_other_sites_are_isolated(response):
    assert response.get("Cross-Origin-Opener-Policy") == "same-origin"


# Cookies.


@pytest.fixture
def staff(django_user_model, production):
    return django_user_model.objects.create_user("editor", password="a-long-editor-password", is_staff=True)


def test_csrf_cookie_is_secure_and_hidden_from_scripts_in_production(client, db, production):
    response = fetch(client, reverse("admin:login"))
    cookie = response.cookies[django_settings.CSRF_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True


def test_session_cookie_is_secure_and_hidden_from_scripts_in_production(client, staff):
    response = client.post(
        reverse("admin:login"),
        {"username": "editor", "password": "a-long-editor-password", "next": "/admin/"},
        secure=True,
        HTTP_HOST=HOST,
    )
    assert response.status_code == 302
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True


# Pages without inline code, so that the CSP can forbid it without nonces.


class InlineCode(HTMLParser):
    """Collects whatever a CSP without 'unsafe-inline' or 'unsafe-eval' would block."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        text = self.get_starttag_text()
        if tag == "script" and "src" not in names:
            self.found.append(f"inline script: {text}")
        if tag == "style":
            self.found.append(f"<style> element: {text}")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style attribute: {text}")
            elif name.startswith(("on", "hx-on")):
                self.found.append(f"event handler attribute: {text}")
            elif (value or "").strip().lower().startswith(("javascript:", "js:")):
                self.found.append(f"script in an attribute: {text}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.parametrize("url", [*(page.path for page in HTML), NOT_FOUND], ids=[*names(HTML), "not-found"])
def test_page_has_no_inline_script_or_style(client, seeded, url):
    response = client.get(url)
    assert response.status_code in {200, 404}
    assert inline_code(response.content.decode()) == []


def test_htmx_neither_adds_inline_styles_nor_evaluates_code(client, db):
    html = client.get("/").content.decode()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert meta, "no htmx-config meta element"
    config = json.loads(meta.group(1))
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False


# Error pages in production: the site's own, and nothing about its insides.


def raise_in_the_timeline(monkeypatch, error: Exception) -> None:
    """Make /timeline/ fail the way a bug or a database outage would."""

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr("talks.forms.TimelineFilter.facet_counts", fail)


def bad_host(client, monkeypatch):
    return fetch(client, "/timeline/", HTTP_HOST="evil.example")


def csrf_failure(client, monkeypatch):
    # From the site's own login page (a right Referer), but without the CSRF token.
    client = Client(enforce_csrf_checks=True)
    data = {"username": "editor", "password": "a-long-editor-password", "this_is_the_login_form": "1"}
    login = reverse("admin:login")
    return client.post(login, data, secure=True, HTTP_HOST=HOST, HTTP_REFERER=f"https://{HOST}{login}")


def not_allowed(client, monkeypatch):
    client.force_login(make_editor())
    return fetch(client, reverse("admin:auth_user_changelist"))


def not_found(client, monkeypatch):
    return fetch(client, "/no-such-page/")


def server_error(client, monkeypatch):
    raise_in_the_timeline(monkeypatch, ValueError("secret detail of the failure"))
    client.raise_request_exception = False
    return fetch(client, "/timeline/")


def database_unavailable(client, monkeypatch):
    raise_in_the_timeline(monkeypatch, OperationalError("database is locked"))
    client.raise_request_exception = False
    response = fetch(client, "/timeline/")
    assert response["Retry-After"] == "30"
    return response


def refused_write(client, monkeypatch):
    raise_in_the_timeline(monkeypatch, IntegrityError("UNIQUE constraint failed: talks_party.slug"))
    client.raise_request_exception = False
    return fetch(client, "/timeline/")


ERRORS = [
    (400, bad_host),
    (403, csrf_failure),
    (403, not_allowed),
    (404, not_found),
    (500, server_error),
    (500, refused_write),
    (503, database_unavailable),
]
GIVE_AWAY = [
    "Traceback",
    "SECRET_KEY",
    "DATABASES",
    "settings.py",
    "site-packages",
    "secret detail",
    "is locked",
    "UNIQUE",
]


@pytest.mark.parametrize(("status", "cause"), ERRORS, ids=[cause.__name__ for _, cause in ERRORS])
def test_error_page_is_the_sites_own_and_gives_nothing_away(client, db, production, monkeypatch, status, cause):
    response = cause(client, monkeypatch)
    assert response.status_code == status
    html = response.content.decode()
    assert '<main id="main"' in html, f"{status} is not the site's own page:\n{html[:300]}"
    assert "Parley" in html
    for secret in [*GIVE_AWAY, str(django_settings.BASE_DIR)]:
        assert secret not in html
    assert not re.search(r"[\w/]+\.py\b", html), "a Python file is named"
    assert inline_code(html) == []


def save_the_party_and_fail_with(client, monkeypatch, error: Exception):
    """An editor saves a party's change form, and the save fails as given."""
    party = make_party(slug="egypt", name="Egypt")
    client.force_login(make_editor())
    client.raise_request_exception = False

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr("talks.models.Party.save", fail)
    data = {"name": "Egypt", "slug": "egypt", "kind": "state", "description": "Changed."}
    for prefix in ("talks-alias-content_type-object_id", "memberships", "talks-citation-content_type-object_id"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    url = reverse("admin:talks_party_change", args=[party.pk])
    return client.post(url, data, secure=True, HTTP_HOST=HOST)


def test_a_save_the_database_refuses_shows_the_500_page_and_says_nothing_was_saved(client, db, production, monkeypatch):
    response = save_the_party_and_fail_with(client, monkeypatch, IntegrityError("UNIQUE constraint failed"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "it was not saved" in page
    assert "briefly unavailable" not in page
    assert "nothing was lost" not in page.lower()


def test_a_save_while_the_database_is_locked_shows_the_503_page_and_says_it_was_not_saved(
    client, db, production, monkeypatch
):
    response = save_the_party_and_fail_with(client, monkeypatch, OperationalError("database is locked"))
    assert response.status_code == 503
    page = response.content.decode()
    assert "Parley is briefly unavailable" in page
    assert "what you sent was not saved" in page
    assert "Nothing you did caused this" not in page


@pytest.mark.parametrize(
    "message",
    [
        "database or disk is full",  # SQLite
        'could not extend file "base/16384/16523": No space left on device',  # PostgreSQL
    ],
)
def test_a_save_on_a_full_disk_says_the_disk_is_full_and_the_change_was_not_saved(
    client, db, production, monkeypatch, message
):
    response = save_the_party_and_fail_with(client, monkeypatch, OperationalError(message))
    assert response.status_code == 503
    page = response.content.decode()
    assert "The server's disk is full" in page
    assert "what you sent was not saved" in page
    assert "briefly unavailable" not in page
    assert "nothing was lost" not in page.lower()
    assert "Nothing you did caused this" not in page


# The admin's lockout after repeated failed sign-ins.


def sign_in(client, username: str, password: str, address: str = "127.0.0.1"):
    data = {"username": username, "password": password, "this_is_the_login_form": "1", "next": "/admin/"}
    return client.post(reverse("admin:login"), data, REMOTE_ADDR=address)


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_hashing")
def test_five_wrong_passwords_lock_that_user_out_from_that_address(client, django_user_model):
    django_user_model.objects.create_user("editor", password="the-right-password", is_staff=True)
    django_user_model.objects.create_user("colleague", password="another-right-password", is_staff=True)
    limit = django_settings.LOGIN_PAIR_LIMIT
    assert limit == 5
    answers = [sign_in(client, "editor", f"wrong-{attempt}") for attempt in range(limit + 1)]
    for attempt in answers[: limit - 1]:
        assert attempt.status_code == 200
        assert "Please enter the correct username and password" in attempt.content.decode()
    # The failure that reaches the limit is already answered with the lockout.
    assert [attempt.status_code for attempt in answers[limit - 1 :]] == [429, 429]
    locked = answers[limit]
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert '<main id="main"' in locked.content.decode()

    right_password = sign_in(client, "editor", "the-right-password")
    assert right_password.status_code == 429
    assert "_auth_user_id" not in client.session

    other_user = sign_in(client, "colleague", "another-right-password")
    assert other_user.status_code == 302
    assert other_user["Location"] == "/admin/"


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_hashing")
def test_someone_not_staff_cannot_sign_in_to_the_admin(client, django_user_model):
    django_user_model.objects.create_user("reader", password="a-long-reader-password")
    response = sign_in(client, "reader", "a-long-reader-password")
    assert response.status_code == 200
    assert "correct username and password for a staff account" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_someone_not_staff_who_is_signed_in_is_sent_to_the_admins_login_page(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader", password="a-long-reader-password"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_is_served_under_the_configured_path():
    assert reverse("admin:index") == "/" + django_settings.ADMIN_PATH


def test_admin_path_comes_from_the_environment():
    # The URLconf reads ADMIN_PATH once, at import, so a fresh process is the honest check.
    script = (
        "import django; django.setup(); from django.urls import resolve, reverse, Resolver404\n"
        "print(reverse('admin:index'))\n"
        "try: resolve('/admin/'); print('admin still at /admin/')\n"
        "except Resolver404: print('nothing at /admin/')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env |= {"DJANGO_SETTINGS_MODULE": "talks.settings", "DJANGO_ADMIN_PATH": "/back-office/"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["/back-office/", "nothing at /admin/"]


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_hashing")
def test_spraying_many_usernames_from_one_address_locks_that_address_out(client, django_user_model):
    django_user_model.objects.create_user("editor", password="the-right-password", is_staff=True)
    limit = django_settings.LOGIN_ADDRESS_LIMIT
    assert limit == 20
    # 25 usernames with 4 passwords each, as the sprayer tried: locked long before the 100th.
    answers = [
        sign_in(client, f"user{user}", f"Password{guess}!", "198.51.100.9").status_code
        for guess in range(4)
        for user in range(25)
    ]
    assert answers[: limit - 1] == [200] * (limit - 1)
    assert set(answers[limit - 1 :]) == {429}
    assert sign_in(client, "editor", "the-right-password", "198.51.100.9").status_code == 429
    assert sign_in(client, "editor", "the-right-password", "192.0.2.44").status_code == 302


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_hashing")
def test_guessing_one_username_from_many_addresses_locks_that_username_out(client, django_user_model):
    django_user_model.objects.create_user("editor", password="the-right-password", is_staff=True)
    django_user_model.objects.create_user("colleague", password="another-right-password", is_staff=True)
    limit = django_settings.LOGIN_USERNAME_LIMIT
    # 48 guesses spread over as many addresses: no pair and no address reaches its limit.
    answers = [sign_in(client, "editor", f"guess-{n}", f"203.0.113.{n}").status_code for n in range(48)]
    assert answers[: limit - 1] == [200] * (limit - 1)
    assert set(answers[limit - 1 :]) == {429}
    assert sign_in(client, "editor", "the-right-password", "192.0.2.1").status_code == 429
    assert sign_in(client, "colleague", "another-right-password", "192.0.2.1").status_code == 302


@pytest.mark.parametrize(
    "password",
    ["Astana2017", "parley2026", "P@rl3y-Astana-2017!", "syria negotiations 2017", "Geneva-Talks-2017", "winter2017"],
)
def test_weak_and_site_specific_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_the_sites_own_words_are_refused_even_when_long_enough():
    with pytest.raises(ValidationError) as caught:
        validate_password("Parley-Astana-Syria-2026")
    assert "anyone would guess for this site" in " ".join(caught.value.messages)


@pytest.mark.parametrize("password", ["a-long-editor-password", "correct horse battery staple", "Tb7#qL9!vX2$mK"])
def test_passwords_of_ones_own_are_taken(password):
    validate_password(password)


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_hashing")
def test_sign_ins_beyond_the_concurrency_limit_are_answered_429_at_once(client, django_user_model, settings, tmp_path):
    settings.LOGIN_CONCURRENCY, settings.LOGIN_LOCK_DIR = 1, str(tmp_path)
    django_user_model.objects.create_user("editor", password="the-right-password", is_staff=True)
    with sign_in_slot() as held:
        assert held
        busy = sign_in(client, "editor", "the-right-password")
        assert client.get(reverse("admin:login")).status_code == 200
    assert busy.status_code == 429
    assert busy["Retry-After"] == "2"
    assert "Too many sign-ins at once" in busy.content.decode()
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "editor", "the-right-password").status_code == 302


@pytest.mark.django_db
def test_an_admin_session_ends_after_the_idle_time_and_requests_push_it_on(client, settings):
    assert settings.SESSION_COOKIE_AGE == 60 * 60
    client.force_login(make_editor())
    assert client.get(reverse("admin:index")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = (session.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 60 < remaining <= settings.SESSION_COOKIE_AGE

    # A minute on, the next request pushes the end on again.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + datetime.timedelta(minutes=5))
    with mock.patch("talks.logins.time.time", return_value=time.time() + 61):
        assert client.get(reverse("admin:index")).status_code == 200
    pushed = Session.objects.get(pk=session.pk).expire_date - timezone.now()
    assert pushed.total_seconds() > settings.SESSION_COOKIE_AGE - 60

    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_idle_time_comes_from_the_environment():
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("DJANGO_SESSION_IDLE_MINUTES", "20")
        values = runpy.run_path(str(django_settings.BASE_DIR / "talks" / "settings.py"))
    assert values["SESSION_COOKIE_AGE"] == 20 * 60
    assert "talks.logins.IdleSessionMiddleware" in values["MIDDLEWARE"]
