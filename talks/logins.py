"""The admin's sign-in, held against guessing, spraying and floods.

- Lockouts (django-axes) by three counts of failures within the cool-off:
  for one username from one address (LOGIN_PAIR_LIMIT), from one address
  whatever the usernames (LOGIN_ADDRESS_LIMIT: spraying), and for one
  username whatever the addresses (LOGIN_USERNAME_LIMIT: guessing from many
  machines). axes has one limit for all the counts it keeps, so
  failure_limit() applies each count's own.
- A password policy: Django's validators, and SiteWordsValidator for the
  site's own words and years ("Astana2017", "parley2026").
- SignInLimitMiddleware: checking a password costs about 0.4 s of a core
  (that is its point), so a few clients posting sign-ins could take every
  core from the readers. At most LOGIN_CONCURRENCY sign-ins are checked at
  once on the machine; the rest are answered 429 with Retry-After at once.
- IdleSessionMiddleware: an admin session ends SESSION_COOKIE_AGE after
  the editor's last request.
"""

import fcntl
import hashlib
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

# Returned by failure_limit() when no count has reached its limit: more
# failures than anyone can make within a cool-off.
NOT_LOCKED = 10**9


def failure_limit(request: HttpRequest, credentials: dict | None = None) -> int:
    """AXES_FAILURE_LIMIT: axes locks out when its largest count of failures
    reaches this. Each count (settings.AXES_LOCKOUT_PARAMETERS, in order)
    has its own limit here, so this is 1, which any failure reaches, when
    one of them has reached its own, and NOT_LOCKED when none has."""
    limits = [settings.LOGIN_PAIR_LIMIT, settings.LOGIN_ADDRESS_LIMIT, settings.LOGIN_USERNAME_LIMIT]
    attempts = AxesProxyHandler.get_implementation().get_user_attempts(request, credentials)
    for queryset, limit in zip(attempts, limits, strict=True):
        if (queryset.aggregate(failures=Sum("failures_since_start"))["failures"] or 0) >= limit:
            return 1
    return NOT_LOCKED


# What a password must not be made of: the site's own words, which are the
# first an attacker of this site tries, with years and digits around them.
SITE_WORDS = (
    "parley",
    "astana",
    "nursultan",
    "kazakhstan",
    "syria",
    "syrian",
    "damascus",
    "geneva",
    "negotiations",
    "negotiation",
    "negotiate",
    "talks",
    "ceasefire",
    "opposition",
    "editor",
    "admin",
    "staff",
)
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
YEAR = re.compile(r"(19|20)\d\d")


class SiteWordsValidator:
    """Refuses a password that has the site's words (in any case, with or
    without accents, with the common swaps of digits and symbols for
    letters) or years in it and, once they and every digit and symbol are
    taken out, leaves fewer than `rest` letters of its own."""

    def __init__(self, rest: int = 8):
        self.rest = rest

    def validate(self, password: str, user=None) -> None:
        decomposed = unicodedata.normalize("NFKD", password)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        years = [match.group() for match in YEAR.finditer(plain)]
        letters = re.sub(r"[^a-z]", "", YEAR.sub(" ", plain).translate(LEET))
        words = [word for word in SITE_WORDS if word in letters]
        if not words and not years:
            return
        rest = letters
        for word in sorted(SITE_WORDS, key=len, reverse=True):
            rest = rest.replace(word, "")
        if len(rest) < self.rest:
            raise ValidationError(
                f"This password is mostly words and years anyone would guess for this site "
                f"({', '.join([*words, *years])}). Add at least {self.rest} letters of your own, or choose another.",
                code="password_site_words",
            )

    def get_help_text(self) -> str:
        return (
            f"Your password cannot be mostly the site's own words (Parley, Astana, Syria, negotiation …) and "
            f"years: it needs at least {self.rest} letters besides them."
        )


# --- At most a few sign-ins checked at once -------------------------------------------------------------


def slot_paths() -> list[Path]:
    """One lock file a slot, the same for every worker of this site on the
    machine (named after the database), so the limit is the machine's."""
    site = hashlib.sha256(f"{settings.BASE_DIR}:{settings.DATABASES['default']['NAME']}".encode()).hexdigest()[:12]
    directory = Path(settings.LOGIN_LOCK_DIR or tempfile.gettempdir())
    return [directory / f"parley-sign-in-{site}-{slot}.lock" for slot in range(settings.LOGIN_CONCURRENCY)]


@contextmanager
def sign_in_slot() -> Iterator[bool]:
    """A free slot for checking one sign-in, held until the block ends
    (or the process dies: the kernel lets go of a dead process's locks);
    False when every slot is taken. Never waits."""
    for path in slot_paths():
        descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        try:
            yield True
        finally:
            os.close(descriptor)
        return
    yield False


# About what checking a few sign-ins takes; a person signing in again then gets in.
RETRY_AFTER = 2


class SignInLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not settings.LOGIN_CONCURRENCY or request.path != reverse("admin:login"):
            return self.get_response(request)
        with sign_in_slot() as free:
            if free:
                return self.get_response(request)
        response = HttpResponse(render_to_string("sign_in_busy.html", request=request), status=429)
        response["Retry-After"] = str(RETRY_AFTER)
        return response


# How often an editor's requests push their session's end on: each push is
# a write (SQLite has one writer at a time), so not on every request.
IDLE_PRECISION = 60


class IdleSessionMiddleware:
    """Pushes an admin session's end (SESSION_COOKIE_AGE from its last
    save) on when the editor makes a request, at most once a minute: the
    session ends after that long idle, give or take a minute. Only for
    requests to the admin that carry a session cookie, so that reader pages
    never touch the session (they are the same for every reader)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin = f"/{settings.ADMIN_PATH}"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.admin) and settings.SESSION_COOKIE_NAME in request.COOKIES:
            now = int(time.time())
            if now - request.session.get("_seen", 0) >= IDLE_PRECISION:
                request.session["_seen"] = now
        return self.get_response(request)
