"""Django settings, read from environment variables (README lists every one)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dashboard.env import Env
from downtimes_app.datadog.sites import DEFAULT_SITE, find_site
from downtimes_app.policy.config import read_policy
from downtimes_app.signin.config import read_oidc

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
# Checked by the sandbox app when Django starts: a typo stops start-up, not the first request.
SANDBOX_FAULTS = env.str("SANDBOX_FAULTS")
# Requests per 10-second window before the sandbox answers 429, as Datadog's limits do.
SANDBOX_RATE_LIMIT = env.number("SANDBOX_RATE_LIMIT", 6000, minimum=1)
# How long a simulated timeout keeps an HTTP client waiting (in-process it raises at once).
SANDBOX_TIMEOUT_SECONDS = env.number("SANDBOX_TIMEOUT_SECONDS", 30)
# How long the sandbox, like Datadog, keeps canceled downtimes readable (Datadog: about two
# days), and ended ones (Datadog gives no figure; 0 keeps them until they are canceled).
SANDBOX_CANCELED_RETENTION_DAYS = env.number("SANDBOX_CANCELED_RETENTION_DAYS", 2)
SANDBOX_ENDED_RETENTION_DAYS = env.number("SANDBOX_ENDED_RETENTION_DAYS", 0)

# With no API key the dashboard runs on its built-in sandbox, reached in-process.
DATADOG_SANDBOX = not DATADOG_API_KEY
# The one place the product is wired to the sandbox: by dotted path, never by import. The
# transport is a requests adapter mounted for DATADOG_API_URL; the clock is the org's "now".
DATADOG_TRANSPORT = "sandbox.transport.InProcessAdapter" if DATADOG_SANDBOX else ""
DASHBOARD_CLOCK = "sandbox.clock.now" if DATADOG_SANDBOX else ""
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
# The sandbox's HTTP API (/sandbox/) is served when the dashboard runs on it, or when asked for;
# next to a real org it would be an API anyone could write to with its published default keys.
SANDBOX_ENABLED = DATADOG_SANDBOX or env.bool("SANDBOX_ENABLED", False)
SANDBOX_URLCONF = "sandbox.urls"
SANDBOX_URL_PREFIX = "sandbox/"

DATADOG_CONNECT_TIMEOUT = env.number("DD_CONNECT_TIMEOUT", 3.05, minimum=0.1)
DATADOG_READ_TIMEOUT = env.number("DD_READ_TIMEOUT", 10, minimum=0.1)
# One call, retries included, gives up after this many seconds, so a page answers well inside a
# worker's timeout (gunicorn's default is 30 s) even while Datadog hangs.
DATADOG_CALL_DEADLINE = env.number("DD_CALL_DEADLINE", 8, minimum=1)
DATADOG_RETRIES = 2
DATADOG_BACKOFF = 0.5
DATADOG_RATE_LIMIT_WAIT_CAP = 5.0
DATADOG_PAGE_SIZE = 100
DATADOG_MAX_WORKERS = 16

# The whole downtime set is cached this many seconds; pages, tabs and searches read the copy.
DOWNTIME_CACHE_TTL = int(env.number("DOWNTIME_CACHE_TTL", 30, minimum=1))
# The org's monitors, with each group's state, are cached this many seconds (the monitor list
# and pages, muted-now, what would page when a downtime ends); refreshed the same way.
MONITOR_CACHE_TTL = int(env.number("MONITOR_CACHE_TTL", 30, minimum=1))
# After a failed refresh, wait this long before asking Datadog again.
DOWNTIME_FAILURE_PAUSE = 10
# A person waits at most this many seconds for a new copy of the whole set (the first page, the
# Refresh button); past it the page shows what there is and the refresh goes on behind it.
DOWNTIME_REFRESH_DEADLINE = env.number("DOWNTIME_REFRESH_DEADLINE", 8, minimum=1)
# A refresh behind the pages may take this long, every page and retry included: long enough to
# wait out a rate limit's reset or a page that hangs once, so one bad page rarely costs a refresh.
DOWNTIME_REFRESH_BEHIND_DEADLINE = max(30.0, DOWNTIME_REFRESH_DEADLINE)
# One refresh at a time everywhere; a worker that dies mid-refresh holds it this long at most.
DOWNTIME_REFRESH_LOCK_SECONDS = int(DOWNTIME_REFRESH_BEHIND_DEADLINE) + 10
# The Refresh button reloads the set at most once in this many seconds, across everyone.
DOWNTIME_FORCED_REFRESH_INTERVAL = env.number("DOWNTIME_FORCED_REFRESH_INTERVAL", 10)
# A downtime with no end that has muted longer than this many days needs attention (/attention/).
DASHBOARD_STALE_DAYS = int(env.number("DASHBOARD_STALE_DAYS", 7, minimum=1))

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
    "axes",
    "huey.contrib.djhuey",
    "downtimes_app",
    "sandbox",
]

# --- accounts ---------------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "downtimes:list"
LOGOUT_REDIRECT_URL = "login"
# Read-only access without signing in, for trusted networks; writes still need an editor, and the
# audit trail, e-mail addresses and the bulk-cancel page still need sign-in.
DASHBOARD_ANONYMOUS_READ = env.bool("DASHBOARD_ANONYMOUS_READ", False)
# Creators' avatars from Gravatar, the links Datadog gives. Off: initials drawn by the page, so
# no page view tells a third party who looked at whom, and nothing breaks offline.
DASHBOARD_GRAVATAR = env.bool("DASHBOARD_GRAVATAR", False)
# Whom a signed-in person without a role is told to ask ("#sre-tools on Slack"); plain text.
DASHBOARD_ACCESS_CONTACT = env.str("DASHBOARD_ACCESS_CONTACT", "an administrator of this dashboard")
# Unsigned requests to a downtime's permalink get only its link preview (status, scope, window)
# and a sign-in link, so chat tools can unfurl shared links.
DASHBOARD_LINK_PREVIEWS = env.bool("DASHBOARD_LINK_PREVIEWS", False)
# Password sign-in with the dashboard's own accounts (the admin's included).
DASHBOARD_LOCAL_ACCOUNTS = env.bool("DASHBOARD_LOCAL_ACCOUNTS", True)
# A header set by an SSO reverse proxy naming the user, e.g. X-Forwarded-User.
DASHBOARD_PROXY_USER_HEADER = env.str("DASHBOARD_PROXY_USER_HEADER")
DASHBOARD_PROXY_DEFAULT_ROLE = env.choice(
    "DASHBOARD_PROXY_DEFAULT_ROLE", ("viewer", "editor"), "viewer"
)
# Whether the header may name a superuser, a staff member or an account with a password. Off, a
# forged or mistaken header can at worst be an ordinary account that only the header uses.
DASHBOARD_PROXY_LOCAL_ACCOUNTS = env.bool("DASHBOARD_PROXY_LOCAL_ACCOUNTS", False)
# How many reverse proxies in front append to X-Forwarded-For; 0 means REMOTE_ADDR is the client.
DASHBOARD_PROXY_COUNT = int(env.number("DASHBOARD_PROXY_COUNT", 0))

# Single sign-on with OpenID Connect (mozilla-django-oidc), read and checked in one place.
OIDC = read_oidc(env)
OIDC_ENABLED = OIDC is not None
if not DASHBOARD_LOCAL_ACCOUNTS and not (OIDC_ENABLED or DASHBOARD_PROXY_USER_HEADER):
    raise ImproperlyConfigured(
        "DASHBOARD_LOCAL_ACCOUNTS=false leaves no way to sign in: configure OIDC_ISSUER (or "
        "DASHBOARD_PROXY_USER_HEADER) as well, or leave local accounts on"
    )
# PKCE, a nonce, and the ID token kept in the session for the provider's sign-out.
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
OIDC_OP_LOGOUT_URL_METHOD = "downtimes_app.signin.oidc.provider_logout_url"

AUTHENTICATION_BACKENDS = [
    # Refuses a password sign-in while its name or address is locked out; passes everything else.
    "axes.backends.AxesStandaloneBackend",
    *(["django.contrib.auth.backends.ModelBackend"] if DASHBOARD_LOCAL_ACCOUNTS else []),
    # Answers only the provider's callback, and only when OIDC is configured.
    "downtimes_app.signin.oidc.SsoBackend",
]
if DASHBOARD_PROXY_USER_HEADER:
    AUTHENTICATION_BACKENDS.insert(1, "downtimes_app.signin.proxy.ProxyUserBackend")

# Password guessing (django-axes, counting in the database every worker shares): after
# DASHBOARD_LOCKOUT_FAILURES failures for one name or from one address, password sign-in is
# refused for DASHBOARD_LOCKOUT_SECONDS, doubled with each further failure up to the maximum.
# Failures are remembered for a day after the last one; a successful sign-in forgets them.
DASHBOARD_LOCKOUT_FAILURES = int(env.number("DASHBOARD_LOCKOUT_FAILURES", 5, minimum=1))
DASHBOARD_LOCKOUT_SECONDS = int(env.number("DASHBOARD_LOCKOUT_SECONDS", 60, minimum=1))
DASHBOARD_LOCKOUT_MAX_SECONDS = int(
    env.number("DASHBOARD_LOCKOUT_MAX_SECONDS", 3600, minimum=DASHBOARD_LOCKOUT_SECONDS)
)
AXES_FAILURE_LIMIT = DASHBOARD_LOCKOUT_FAILURES
AXES_HANDLER = "downtimes_app.signin.guessing.GrowingLockoutHandler"
AXES_COOLOFF_TIME = timedelta(hours=24)  # how long failures are remembered, not the cool-down
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# A refused attempt during a lockout neither counts nor extends it: only failures that were
# allowed to try grow the cool-down, so hammering cannot lock someone out for longer.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_WHITELIST_CALLABLE = "downtimes_app.signin.guessing.not_a_password_attempt"
AXES_LOCKOUT_CALLABLE = "downtimes_app.signin.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "downtimes_app.signin.addresses.client_address"
# The audit trail records sign-ins; axes keeps only what it counts, and logs nothing per attempt.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "downtimes_app.web.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    *(["downtimes_app.signin.proxy.ProxyUserMiddleware"] if DASHBOARD_PROXY_USER_HEADER else []),
    # Turns a locked-out sign-in into the sign-in page saying when to try again.
    "axes.middleware.AxesMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "downtimes_app.web.zones.ViewerZoneMiddleware",
    "downtimes_app.web.access.SignInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# --- security headers and cookies ------------------------------------------------------------
# Production (DEBUG off) assumes HTTPS, usually terminated by a proxy that says so in
# X-Forwarded-Proto; each default can be turned off for a plain-HTTP internal deployment.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(env.number("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# The preload directive only matters once someone submits the domain to browsers' list.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
if env.bool("SECURE_PROXY_SSL_HEADER", not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", not DEBUG)
if SESSION_COOKIE_SECURE and not SECURE_SSL_REDIRECT and not env.given("SECURE_COOKIES"):
    # Browsers never send a secure cookie back over plain HTTP (localhost aside), so signing in
    # would fail with a misleading "form has expired". Say which of the two is meant.
    raise ImproperlyConfigured(
        "SECURE_SSL_REDIRECT=false with secure cookies (on by default when DEBUG is off) means "
        "nobody can sign in over plain HTTP: set SECURE_COOKIES=false for a plain-HTTP "
        "deployment, or SECURE_COOKIES=true when a proxy in front serves HTTPS"
    )
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# htmx reads the token from the page (hx-headers on <body>), so the cookie can stay HttpOnly.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 60 * 60

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
                "downtimes_app.web.context.dashboard",
                "downtimes_app.attention.context.attention_count",
                "downtimes_app.approvals.context.approvals_waiting",
            ],
            # Each feature keeps its own template tags; templates load them by these names.
            "libraries": {
                "dashboard": "downtimes_app.web.tags",
                "downtime_tags": "downtimes_app.downtimes.tags",
                "calendar_tags": "downtimes_app.calendar.tags",
                "recovery_tags": "downtimes_app.recovery.tags",
            },
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
# One cache for every worker and instance: the copy of the downtime set, its refresh lock and the
# journal of writes must be shared, or each worker would fetch and show its own. Without Redis it
# is a table in the database (created by `migrate`); Redis is faster under load.
CACHE_TABLE = "dashboard_cache"
# What the cache holds is pickled: the copies' records, the journal's writes, an edit's baseline.
# A release that moves or reshapes one of those classes raises this, and reads none of what an
# earlier release stored (it could not unpickle it): the copies are fetched anew, once. Version
# 2: the classes moved into packages ("A tree that tells the product").
CACHE_FORMAT = 2
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
            "VERSION": CACHE_FORMAT,
        }
        if _redis_url
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "VERSION": CACHE_FORMAT,
            # The copy and its journal must never be culled to make room.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    )
}

# --- messages and the background worker ----------------------------------------------------------
# Named destinations for reminders and messages: `sre=slack:https://hooks.slack.com/…,ops=webhook:
# https://…`. The URLs are secrets: `Destination` never prints them, and this setting's name is
# among those Django's error pages blank (DEFAULT_EXCEPTION_REPORTER_FILTER below).
DASHBOARD_NOTIFY = env.destinations("DASHBOARD_NOTIFY")
# Which of those destinations hear of changes made outside the dashboard (`sre,ops`): a
# downtime created, changed or canceled in Datadog's UI, by Terraform or by a script.
DASHBOARD_NOTIFY_OUTSIDE = env.names(
    "DASHBOARD_NOTIFY_OUTSIDE",
    tuple(d.name for d in DASHBOARD_NOTIFY),
    "the destinations DASHBOARD_NOTIFY names",
)
# How many days of every downtime's versions the dashboard keeps (`history`); 0 records none.
DASHBOARD_HISTORY_DAYS = env.number("DASHBOARD_HISTORY_DAYS", 400, minimum=0)
# Minutes before a window ends that its reminder is sent (fractions are allowed, for tests). At
# least one: a reminder with less than 30 s left is not sent (`notify.reminders.LEAST_NOTICE`),
# and the worker wakes a moment after it is due, so a lead of 30 s or less would never send one.
DASHBOARD_REMINDER_LEAST_MINUTES = 1
DASHBOARD_REMINDER_MINUTES = env.number(
    "DASHBOARD_REMINDER_MINUTES",
    15,
    minimum=DASHBOARD_REMINDER_LEAST_MINUTES,
    why="a reminder with less than 30 seconds left is not sent, so a shorter lead would never "
    "send one",
)
# "Until it recovers": how long everything a downtime mutes must have been OK before the worker
# ends it (fractions are allowed, for tests; 0 ends it on the first look that finds all OK).
DASHBOARD_RECOVERY_SETTLE_MINUTES = env.number("DASHBOARD_RECOVERY_SETTLE_MINUTES", 5, minimum=0)
# --- guardrails -----------------------------------------------------------------------------
# The policy (TOML, `policy/config.py`): read and checked here, so a bad file stops start-up.
DASHBOARD_POLICY = read_policy(env.str("DASHBOARD_POLICY_FILE"))
# How long a request for approval waits for a second editor before it expires.
DASHBOARD_APPROVAL_MINUTES = env.number("DASHBOARD_APPROVAL_MINUTES", 60, minimum=1)
# Slack's signing secret (the app's Basic Information page): with it, /slack/commands and
# /slack/actions answer the /downtime command and the reminders' buttons. A secret: never shown.
DASHBOARD_SLACK_SIGNING_SECRET = env.str("DASHBOARD_SLACK_SIGNING_SECRET")
# Where the dashboard may post an answer to a button (Slack's response_url); tests add theirs.
SLACK_RESPONSE_URL_PREFIXES = ("https://hooks.slack.com/",)
# The address people open the dashboard at: messages link to it. `make run` sets it.
DASHBOARD_URL = env.url("DASHBOARD_URL")
if DASHBOARD_SLACK_SIGNING_SECRET and not DASHBOARD_URL and not DEBUG:
    raise ImproperlyConfigured(
        "DASHBOARD_SLACK_SIGNING_SECRET needs DASHBOARD_URL, the address people open the "
        "dashboard at (e.g. https://downtimes.example.com), for the links in Slack's answers"
    )
if DASHBOARD_NOTIFY and not DASHBOARD_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DASHBOARD_NOTIFY needs DASHBOARD_URL, the address people open the dashboard at "
            "(e.g. https://downtimes.example.com), for the links in its messages"
        )
    DASHBOARD_URL = "http://127.0.0.1:8000"
# A destination that fails is tried again with growing pauses for this long, then recorded as
# failed; one attempt waits this long for an answer.
NOTIFY_RETRY_FOR = timedelta(hours=1)
NOTIFY_TIMEOUT = (3.05, 10)
# A worker that claimed a message and died without saying how the send went holds it this long;
# then another worker may send it again (README: delivery guarantees).
NOTIFY_LEASE = timedelta(minutes=2)

# The task queue (Huey): Redis with REDIS_URL, else a SQLite file beside the database, which a
# worker on the same machine shares. `manage.py run_huey` is the worker; `make run` starts one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _database_file = Path(str(DATABASES["default"]["NAME"]))
    HUEY_FILE = _database_file.with_name(f"{_database_file.stem}-queue.sqlite3")
else:
    HUEY_FILE = BASE_DIR / "queue.sqlite3"
HUEY = {
    "name": "downtime-dashboard",
    "huey_class": "huey.RedisHuey" if _redis_url else "huey.SqliteHuey",
    "connection": {"url": _redis_url} if _redis_url else {"filename": str(HUEY_FILE)},
    # djhuey runs tasks in the web process when DEBUG is on unless told otherwise: never here.
    "immediate": False,
    "results": False,  # nothing reads a task's return value
    "utc": True,
    # An idle worker looks at the queue at least every second (Huey's default backs off to 10 s).
    "consumer": {"workers": 2, "worker_type": "thread", "periodic": True, "max_delay": 1.0},
}
# Webhook URLs live in DASHBOARD_NOTIFY: a debug page's settings and environment blank it.
DEFAULT_EXCEPTION_REPORTER_FILTER = "downtimes_app.web.logs.SecretsFilter"

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
    # A calendar feed's URL carries its secret token: no log line may (dashboard/logs.py).
    # A refused request (4xx) is one line: its traceback says nothing an operator can act on.
    "filters": {
        "feed_tokens": {"()": "dashboard.logs.RedactFeedTokens"},
        "webhooks": {"()": "dashboard.logs.RedactWebhooks"},
        "refusals": {"()": "downtimes_app.web.logs.RefusalsOnOneLine"},
        "one_line": {"()": "downtimes_app.web.logs.ControlsEscaped"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["feed_tokens", "webhooks", "refusals", "one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # runserver prints its own "watching for changes" line; the log need not say it again.
    "loggers": {
        # Django's own configuration gives its loggers a handler of their own when DEBUG is on,
        # which would print "Not Found: <a feed's path>" unfiltered: through this one only.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "INFO"},
        "django.utils.autoreload": {"level": "WARNING"},
        # runserver's request lines, through the handler that blanks feed tokens.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Sign-in events have their own line (downtimes_app.signin); axes would add several more.
        "axes": {"level": "ERROR"},
        "mozilla_django_oidc": {"level": "ERROR"},
        # The worker's lines through the same handler (run_huey adds its own otherwise).
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # urllib3's debug lines print request paths, and a webhook's path is its secret.
        "urllib3": {"level": "INFO"},
    },
}
