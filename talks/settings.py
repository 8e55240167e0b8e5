"""Parley's settings, read from the environment.

Development needs nothing set: DEBUG is on, the database is SQLite in the
project folder and the secret key is a fixed, public development one. With
DJANGO_DEBUG off the site refuses to start unless it is given a real secret
key and the host names it answers to.
"""

import datetime
import os
import re
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)

DEVELOPMENT_SECRET_KEY = "django-insecure-parley-development-only"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]

if DEBUG:
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    # The same bar as Django's own deploy check (security.W009).
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random string of at least 50 characters when DJANGO_DEBUG is off "
            '(python3 -c "import secrets; print(secrets.token_urlsafe(50))").'
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must list the host names the site answers to "
            "(comma-separated) when DJANGO_DEBUG is off."
        )

INSTALLED_APPS = [
    "talks.apps.ParleyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles, so runserver serves static files the way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The sitemap's template (talks/sitemaps.py).
    "django.contrib.sitemaps",
    # Django's own form widget templates, for the renderer below.
    "django.forms",
    "django_htmx",
    "axes",
    "simple_history",
    "talks",
]

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out login is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

MIDDLEWARE = [
    # HEAD gets the GET's headers and no body (talks/middleware.py).
    "talks.middleware.HeadMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # A few sign-ins checked at once, the rest answered 429 (talks/logins.py).
    "talks.logins.SignInLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Reader pages by data version (ETag, 304, cache), then compressed: the
    # cache keeps the compressed bytes. See talks/middleware.py.
    "talks.middleware.ReaderCacheMiddleware",
    "talks.middleware.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "talks.logins.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Says once when X-Forwarded-For arrives and DJANGO_TRUSTED_PROXY_COUNT is 0.
    "talks.proxies.ForwardedForWarningMiddleware",
    # Records which editor made each change the history keeps.
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "talks.urls"
# Form widgets rendered from the site's templates too (templates/talks/widgets/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "talks.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # A connection kept by each worker thread between requests: opening
        # one a request halved the rate of cached pages (382-444 against
        # 764-782 req/s for /talks/ at scale 1,000 on SQLite, 8 clients);
        # the health check replaces one the database closed.
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite as a server database: readers never wait for the writer (WAL),
    # a commit does not wait for the disk twice (NORMAL is safe with WAL),
    # writers queue for up to DJANGO_SQLITE_TIMEOUT (20 s) instead of failing
    # at once, and a write transaction takes its lock at BEGIN, so it cannot
    # deadlock half-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": float(os.environ.get("DJANGO_SQLITE_TIMEOUT", "20")),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered reader pages, kept under the data version (talks/middleware.py):
# in each worker's memory by default, which needs no server; in Redis, shared
# by every worker and every app server, when DJANGO_CACHE_URL names one
# (redis://127.0.0.1:6379/0).
CACHE_URL = os.environ.get("DJANGO_CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"DJANGO_CACHE_URL must be a redis:// URL, not {CACHE_URL!r}.")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("DJANGO_CACHE_ENTRIES", "2000"))},
        }
    }
# A page's cache entry outlives no data version, whatever this says: its key
# names the version. This only bounds how long an unused one takes up room.
READER_CACHE_SECONDS = 60 * 60
# Streamed downloads (open data) kept as files by data version, on this app
# server's disk (talks/middleware.py, Downloads); at most this many bytes.
READER_DOWNLOADS_DIR = os.environ.get("DJANGO_DOWNLOADS_DIR", str(Path(tempfile.gettempdir()) / "parley-downloads"))
READER_DOWNLOADS_BYTES = int(os.environ.get("DJANGO_DOWNLOADS_MB", "256")) * 1024 * 1024

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Staff accounts guard the record: longer than Django's default of 8.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not mostly the site's own words and years ("Astana2017"): talks/logins.py.
    {"NAME": "talks.logins.SiteWordsValidator"},
]

# An admin session ends after this long without a request (requests push
# the end on: talks/logins.py): an editor who walks away is signed out.
SESSION_COOKIE_AGE = 60 * int(os.environ.get("DJANGO_SESSION_IDLE_MINUTES", "60"))

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security headers. The site sits behind a reverse proxy that ends TLS and
# says so in X-Forwarded-Proto; see docs/deploy.md.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere, so no nonces, and pages stay cacheable.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Brute-force protection for the admin's login, answered with 429 for the
# cool-off (15 minutes): five failures for one username from one address
# lock that pair out; twenty from one address lock it out for every
# username (spraying); twenty for one username lock it out from every
# address (guessing from many machines). The last lets anyone lock an
# editor out for the cool-off, hence its higher limit; docs/deploy.md says
# what each costs. Each count's own limit: talks/logins.py.
LOGIN_PAIR_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_LIMIT = int(os.environ.get("DJANGO_LOGIN_ADDRESS_LIMIT", "20"))
LOGIN_USERNAME_LIMIT = int(os.environ.get("DJANGO_LOGIN_USERNAME_LIMIT", "20"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_FAILURE_LIMIT = "talks.logins.failure_limit"
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", "15")))
# Sign-ins checked at once on the machine (password hashing takes a core
# for ~0.4 s each); more are answered 429 at once. 0: no limit.
LOGIN_CONCURRENCY = int(os.environ.get("DJANGO_LOGIN_CONCURRENCY", str(max(1, (os.cpu_count() or 2) // 2))))
LOGIN_LOCK_DIR = os.environ.get("DJANGO_LOGIN_LOCK_DIR", "")
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "lockout.html"
AXES_CLIENT_IP_CALLABLE = "talks.proxies.client_ip"
AXES_VERBOSE = False
# How many reverse proxies stand in front of the site and append to
# X-Forwarded-For; 0 means the connection's own address is the client's.
# Unset, it counts as 0 and the deploy check asks for it (talks/checks.py).
_proxies = os.environ.get("DJANGO_TRUSTED_PROXY_COUNT")
TRUSTED_PROXY_COUNT = None if _proxies is None else (int(_proxies) if re.fullmatch(r"\s*[0-9]+\s*", _proxies) else -1)
if TRUSTED_PROXY_COUNT is not None and not 0 <= TRUSTED_PROXY_COUNT <= 5:
    raise ImproperlyConfigured(
        f"DJANGO_TRUSTED_PROXY_COUNT must be a whole number from 0 to 5, not {_proxies!r}: how many reverse "
        f"proxies in front of the site append to X-Forwarded-For (1 behind the nginx of docs/deploy.md)."
    )

# The admin lives where the operator says, so that it is not where bots look.
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"

# The source documents the fixtures were made from; see talks/loading.py.
SEEDS_DIR = BASE_DIR / "seeds"
FIXTURE_DIR = BASE_DIR / "fixtures"

# One line an event on standard output, for journald and grep:
# "2026-11-28 04:50:00,123 level=ERROR logger=django.request message=..."
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} level={levelname} logger={name} message={message}", "style": "{"}},
    "filters": {"bad_host": {"()": "talks.logs.BadHostFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # A request for a host the site does not serve: one line at WARNING, not an ERROR with a traceback.
    "loggers": {"django.security.DisallowedHost": {"filters": ["bad_host"]}},
}
