"""Settings for Stride Screen: one file, read from the environment.

A checkout runs with no environment at all (DEBUG on, SQLite in the project
folder). Production sets DEBUG=False and must then give SECRET_KEY and
ALLOWED_HOSTS; a value that cannot be read is an error at start-up rather
than a silent default.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.logging import json_to_stdout

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value in ("True", "true", "1"):
        return True
    if value in ("False", "false", "0"):
        return False
    raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """A whole number of at least ``minimum`` (none of ours can be negative)."""
    value = os.environ.get(name)
    if not value:  # unset, or empty as .env.example writes "use the default"
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be {minimum} or more, not {value!r}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    items = [part.strip() for part in value.split(",") if part.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} must list at least one value")
    return items


def env_cache(name: str, default: str) -> dict:
    """One cache from a URL: redis:// or rediss:// (shared by every worker), or locmem://."""
    url = os.environ.get(name, default)
    if url.startswith(("redis://", "rediss://")):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # Fail fast when Redis is away or hangs: rate limits then fail open
            # (web.ratelimit). redis-py retries nothing on a connection of a pool
            # built this way, so one operation waits half a second at most.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    if url == "locmem://":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(f"{name} must be a redis://, rediss:// or locmem:// URL")


def env_database(name: str, default: str) -> dict:
    url = os.environ.get(name, default)
    if not url.startswith(("sqlite:", "postgres:", "postgresql:")):
        raise ImproperlyConfigured(f"{name} must be a sqlite:// or postgres:// URL")
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} cannot be read: {error}") from None
    if config["ENGINE"] == "django.db.backends.postgresql" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database")
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["OPTIONS"] = {
            # A server-side cursor (QuerySet.iterator) here always reads to the end
            # (an export, a backfill), so plan it for all its rows: with the default
            # 0.1, an export of a date window ordered by id walked the primary key
            # through every row (1.5 s) instead of sorting the window's (0.8 s).
            "options": "-c cursor_tuple_fraction=1",
        }
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # Every transaction takes the write lock when it begins. With SQLite's
            # default (deferred), two requests that both read and then write (two
            # tabs submitting one draft) can each hold what the other waits for,
            # until both time out with "database is locked".
            "transaction_mode": "IMMEDIATE",
            # Seconds a request waits for another's write before giving up (503).
            "timeout": 20,
            # Readers do not wait for a writer.
            "init_command": "PRAGMA journal_mode=WAL;",
        }
        # Tests use a file too, not Django's shared in-memory database, whose
        # table locks fail at once instead of waiting: concurrency tests then
        # see the locking that `make run` has.
        config["TEST"] = {
            "NAME": str(Path(tempfile.gettempdir()) / f"stride-test-{os.getpid()}.sqlite3")
        }
    return config


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=False")
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=False")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "screening",
    "web",
    "runner",
    "report",
    "reviewer",
    "interop",
    "axes",
    # Django's Tasks API (backport) and its database backend: always installed, so
    # that the schema is the same whichever backend TASKS_BACKEND picks; its one
    # table (django_tasks_database_dbtaskresult) stays empty under "immediate".
    "django_tasks",
    "django_tasks_db",
]

# A post refused by the CSRF check still answers an urgent "yes" first.
CSRF_FAILURE_VIEW = "runner.views.csrf_failure"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # One JSON line per request (method, route pattern, status, duration), no IP.
    "web.middleware.RequestLogMiddleware",
    # CORS for /api/ and /fhir/ only (any origin, no credentials): above every
    # layer that may refuse, so that its refusals reach a calling script too.
    "web.middleware.CorsMiddleware",
    # A database that cannot be reached gives the 503 page, not a traceback.
    "web.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their long cache lifetime.
    "web.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Gives the bodiless 405 of require_http_methods a page, JSON or OperationOutcome.
    "web.middleware.MethodNotAllowedMiddleware",
    # Before anything reads the body (the views, and CSRF's process_view, come
    # after every middleware here): refuse oversized requests with 413. This
    # late, the 413 gets the log line, the CSP, no-store and frame denial too.
    "web.middleware.BodySizeLimitMiddleware",
    # Last, as django-axes requires: refuses a locked-out username with 429.
    "axes.middleware.AxesMiddleware",
]

# django-axes first, so a locked-out username is refused before its password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
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

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Bodies larger than this are refused with 413 before any parsing
# (web.middleware.BodySizeLimitMiddleware); the API has its own, smaller limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

# Background work goes through Django's Tasks API (the django-tasks backport):
# the runner's PDF is rendered when their result is first shown (report.tasks),
# so that the download is served from its stored copy. TASKS_BACKEND picks where:
# - "database": queued in the database and run by `manage.py db_worker`, a process
#   of its own (Docker Compose's `worker` service), off every request;
# - "immediate" (the default, so that `make run` needs nothing else): run at once
#   in the request that shows the result, which then takes a render longer (the
#   download does not). Fine for one person on runserver; production sets "database".
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate")
if TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be immediate or database, not {TASKS_BACKEND!r}"
    )

# The cache holds only what may be lost: rate-limit counters and a few admin
# values (web.cache). Nothing of a screening is kept there, and every page works
# without it (rate limits then fail open). Production must name a cache every
# worker shares (Redis); a development checkout uses local memory, and locmem://
# in production only suits a single worker process.
CACHE_URL = os.environ.get("CACHE_URL", "")
if not DEBUG and not CACHE_URL:
    raise ImproperlyConfigured(
        "CACHE_URL must be set when DEBUG=False (redis://..., or locmem:// for one process)"
    )
CACHES = {"default": env_cache("CACHE_URL", "locmem://")}

# Rate limits: "requests/seconds" per client, counted in the shared cache.
# Clients are told apart by IP address, which is only ever kept as a keyed hash.
# Behind N trusted proxies the client is the Nth address from the right of
# X-Forwarded-For; with 0 the header is ignored (anyone can forge it).
NUM_PROXIES = env_int("NUM_PROXIES", 0)
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
RATELIMITS = {
    "draft": os.environ.get("RATELIMIT_DRAFT", "20/3600"),
    "resume": os.environ.get("RATELIMIT_RESUME", "10/600"),
    "api": os.environ.get("RATELIMIT_API", "120/60"),
    # A PDF costs the better part of a second of CPU: its own, smaller budget.
    "report": os.environ.get("RATELIMIT_REPORT", "20/60"),
    "login": os.environ.get("RATELIMIT_LOGIN", "30/600"),
}

# Strict CSP: our own static files only, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions (staff only: a runner's link is a signed cookie) live in the database
# alone. Read through the cache (cached_db), every admin page, the login
# included, failed with a 500 when Redis could not be reached: the cache's read
# is not guarded. One indexed query per staff request is the price.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# A one-time notice to a runner lives in a signed cookie in their own browser,
# never in a server-side session row (see runner.views on what a session would keep).
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8, minimum=1)
# Staff sessions end with the browser as well as after SESSION_COOKIE_AGE.
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)

# The admin lives at a configurable path ("admin/" by default), e.g. ADMIN_URL=staff-7f3k/.
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/")
if not ADMIN_URL.endswith("/") or ADMIN_URL.startswith("/") or "//" in ADMIN_URL:
    raise ImproperlyConfigured("ADMIN_URL must be a relative path ending in /, e.g. admin/")

# Shared (consented) submissions are kept this many days; purge_expired deletes older ones.
RETENTION_DAYS = env_int("RETENTION_DAYS", 5 * 365, minimum=1)

# Admin login lockout (django-axes 8). Locked by username only: after
# AXES_FAILURE_LIMIT failures that username is refused (HTTP 429) for
# AXES_COOLOFF_TIME hours, whatever address the attempts come from.
# No client detail is stored: screening.audit.PrivateAxesHandler blanks the IP
# address and user agent before axes writes its AccessAttempt row (username,
# path and time remain), successful logins are not logged (AXES_DISABLE_ACCESS_LOG)
# and the failure log stays off. Axes still resolves the address in memory
# (AXES_CLIENT_IP_CALLABLE): behind NUM_PROXIES trusted proxies it takes the
# address from X-Forwarded-For exactly as the rate limiter does. The ipware
# settings below apply if django-ipware is ever installed instead.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "screening.audit.PrivateAxesHandler"
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_CLIENT_IP_CALLABLE = "web.ratelimit.client_address"
# axes.W006 warns that username-only lockout lets one client try many usernames.
# That is deliberate (no IP address is stored); admin login attempts per client
# are throttled instead by the cache-based rate limiter (RATELIMITS["login"]),
# which keeps only a keyed hash of the address, for minutes.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_IPWARE_PROXY_COUNT = NUM_PROXIES or None
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if NUM_PROXIES else ("REMOTE_ADDR",)
)
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The health check is called over plain HTTP by the container runtime.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Only a load test on loopback (bench/) turns these off: its client speaks plain HTTP.
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# One JSON object per line on stdout. Logs carry no IP address, user agent,
# resume code or answer: config.logging.JsonFormatter writes a fixed set of
# fields, replaces request paths by their route pattern and never writes an
# exception's message (see docs/deploy.md).
LOG_LEVEL = (os.environ.get("LOG_LEVEL") or "INFO").upper()
LOG_LEVEL = {"WARN": "WARNING"}.get(LOG_LEVEL, LOG_LEVEL)  # Python's logging takes both
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}"
    )
LOGGING = json_to_stdout(
    root={"handlers": ["console"], "level": "WARNING"},
    loggers={
        "screening": {"level": LOG_LEVEL, "propagate": True},
        "django.server": {"level": "ERROR", "propagate": True},
        # Without HarfBuzz's subsetter WeasyPrint subsets fonts with fontTools,
        # which logs the glyph names at INFO: the set of characters a runner typed.
        "fontTools": {"level": "WARNING", "propagate": True},
    },
)
