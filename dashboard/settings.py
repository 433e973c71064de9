"""Django settings, read from environment variables (README lists every one)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dashboard.env import Env
from downtimes_app.datadog.sites import DEFAULT_SITE, find_site
from downtimes_app.sandbox.faults import parse_rates as parse_fault_rates

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

DEBUG = env.bool("DEBUG", False)
SECRET_KEY = env.str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off; set it to a long random string, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")

# --- Datadog ---------------------------------------------------------------------------------
try:
    DATADOG_SITE = find_site(env.str("DD_SITE") or DEFAULT_SITE)
except ValueError as exc:
    raise ImproperlyConfigured(f"DD_SITE: {exc}") from None

DATADOG_API_KEY = env.str("DD_API_KEY")
DATADOG_APP_KEY = env.str("DD_APP_KEY")
_api_url = env.url("DD_API_URL")

SANDBOX_API_KEY = env.str("SANDBOX_API_KEY") or "sandbox-api-key"
SANDBOX_APP_KEY = env.str("SANDBOX_APP_KEY") or "sandbox-app-key"
SANDBOX_LATENCY_MS = env.number("SANDBOX_LATENCY_MS", 0)
SANDBOX_FAULTS = env.str("SANDBOX_FAULTS")
parse_fault_rates(SANDBOX_FAULTS)  # a typo should stop start-up, not the first request
# Requests per 10-second window before the sandbox answers 429, as Datadog's limits do.
SANDBOX_RATE_LIMIT = env.number("SANDBOX_RATE_LIMIT", 6000, minimum=1)
# How long a simulated timeout keeps an HTTP client waiting (in-process it raises at once).
SANDBOX_TIMEOUT_SECONDS = env.number("SANDBOX_TIMEOUT_SECONDS", 30)

# With no API key the dashboard runs on its built-in sandbox, reached in-process.
DATADOG_SANDBOX = not DATADOG_API_KEY
if DATADOG_SANDBOX:
    if _api_url:
        raise ImproperlyConfigured(
            "DD_API_URL is set but DD_API_KEY is not; set DD_API_KEY and DD_APP_KEY to use that "
            "API, or unset DD_API_URL to use the built-in sandbox"
        )
    DATADOG_API_URL = "http://sandbox.in-process"
    DATADOG_API_KEY, DATADOG_APP_KEY = SANDBOX_API_KEY, SANDBOX_APP_KEY
elif not DATADOG_APP_KEY:
    raise ImproperlyConfigured("DD_APP_KEY is required when DD_API_KEY is set")
else:
    DATADOG_API_URL = _api_url or DATADOG_SITE.api_url
DATADOG_APP_URL = DATADOG_SITE.app_url

DATADOG_CONNECT_TIMEOUT = env.number("DD_CONNECT_TIMEOUT", 3.05, minimum=0.1)
DATADOG_READ_TIMEOUT = env.number("DD_READ_TIMEOUT", 10, minimum=0.1)
DATADOG_RETRIES = 2
DATADOG_BACKOFF = 0.5
DATADOG_RATE_LIMIT_WAIT_CAP = 5.0
DATADOG_PAGE_SIZE = 100
DATADOG_MAX_WORKERS = 8

# --- Django ----------------------------------------------------------------------------------
INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "downtimes_app",
    "downtimes_app.sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

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
                "downtimes_app.context_processors.dashboard",
            ],
        },
    },
]

try:
    DATABASES = {
        "default": dj_database_url.parse(
            env.str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            conn_max_age=60,
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL: {exc}; expected e.g. postgres://user:pass@host:5432/name or "
        "sqlite:////absolute/path.sqlite3"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the sandbox's page fetches read while a write is under way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

_redis_url = env.url("REDIS_URL", schemes=("redis", "rediss", "unix"))
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
        if _redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Whitenoise serves straight from the source folders, so `gunicorn dashboard.wsgi` works without
# collectstatic; set STATIC_ROOT to collect them into one folder for a proxy to serve instead.
STATIC_ROOT = env.str("STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True

LOG_LEVEL = env.choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
