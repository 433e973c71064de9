"""Settings come from the environment, and a bad value stops start-up with a clear sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from dashboard.env import Env
from downtimes_app.datadog.sites import SITES, find_site
from tests.web.support import _start

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "api_url"),
    [
        ("datadoghq.com", "https://api.datadoghq.com"),
        ("US1", "https://api.datadoghq.com"),
        ("us3.datadoghq.com", "https://api.us3.datadoghq.com"),
        ("us5", "https://api.us5.datadoghq.com"),
        ("datadoghq.eu", "https://api.datadoghq.eu"),
        ("app.datadoghq.eu", "https://api.datadoghq.eu"),
        ("ap1.datadoghq.com", "https://api.ap1.datadoghq.com"),
        ("AP2", "https://api.ap2.datadoghq.com"),
        ("ddog-gov.com", "https://api.ddog-gov.com"),
        ("US1-FED", "https://api.ddog-gov.com"),
        ("us2.ddog-gov.com", "https://api.us2.ddog-gov.com"),
        ("https://api.us3.datadoghq.com/", "https://api.us3.datadoghq.com"),
    ],
)
def test_site_maps_to_its_api_host(value, api_url):
    assert find_site(value).api_url == api_url


def test_every_site_has_distinct_hosts():
    assert len({s.api_host for s in SITES}) == len(SITES) == 8


def test_unknown_site_lists_accepted_values():
    with pytest.raises(ValueError, match=r"unknown Datadog site 'datadog\.org'.*us5\.datadoghq"):
        find_site("datadog.org")


@pytest.mark.parametrize("raw", ["maybe", "2", "enabled"])
def test_boolean_variable_rejects_other_words(raw):
    with pytest.raises(ImproperlyConfigured, match=f"DEBUG={raw!r} is not a boolean"):
        Env({"DEBUG": raw}).bool("DEBUG")


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("0", False), ("YES", True), ("off", False)]
)
def test_boolean_variable_reads_common_spellings(raw, expected):
    assert Env({"DEBUG": raw}).bool("DEBUG") is expected


@pytest.mark.parametrize(
    "raw", ["ftp://example.com", "example.com", "https://", "https://h:99999", "https://h/?q=1"]
)
def test_url_variable_rejects_malformed_urls(raw):
    with pytest.raises(ImproperlyConfigured, match=r"DD_API_URL=.* is not a valid base URL"):
        Env({"DD_API_URL": raw}).url("DD_API_URL")


def test_url_variable_keeps_path_and_drops_trailing_slash():
    assert Env({"U": "http://127.0.0.1:8000/sandbox/"}).url("U") == "http://127.0.0.1:8000/sandbox"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY is required when DEBUG is off"),
        ({"DEBUG": "perhaps"}, "DEBUG='perhaps' is not a boolean"),
        (
            {"DEBUG": "1", "DD_SITE": "datadog.org"},
            "DD_SITE: unknown Datadog site 'datadog.org'; accepted values: datadoghq.com (US1)",
        ),
        (
            {"DEBUG": "1", "DD_API_KEY": "k", "DD_APP_KEY": "a", "DD_API_URL": "api.datadoghq.com"},
            "DD_API_URL='api.datadoghq.com' is not a valid base URL",
        ),
        ({"DEBUG": "1", "DD_API_KEY": "k"}, "DD_APP_KEY is required when DD_API_KEY is set"),
        (
            {"DEBUG": "1", "DD_API_URL": "http://127.0.0.1:9/sandbox"},
            "DD_API_URL is set but DD_API_KEY is not",
        ),
        (
            {"DEBUG": "1", "REDIS_URL": "http://cache:6379"},
            "REDIS_URL='http://cache:6379' is not a valid base URL",
        ),
        ({"DEBUG": "1", "DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL:"),
        (
            {"DEBUG": "1", "SANDBOX_FAULTS": "429=lots"},
            "SANDBOX_FAULTS: '429=lots' should be KIND=FRACTION",
        ),
        ({"DEBUG": "1", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' must be one of"),
        (  # it would be accepted, and no reminder would ever be sent
            {"DEBUG": "1", "DASHBOARD_REMINDER_MINUTES": "0.5"},
            "DASHBOARD_REMINDER_MINUTES='0.5' must be a number of at least 1: a reminder with "
            "less than 30 seconds left is not sent",
        ),
        (
            {"DEBUG": "1", "DASHBOARD_RECOVERY_SETTLE_MINUTES": "-1"},
            "DASHBOARD_RECOVERY_SETTLE_MINUTES='-1' must be a number of at least 0",
        ),
        (  # a wait that never ends would leave every "until it recovers" to its cap
            {"DEBUG": "1", "DASHBOARD_RECOVERY_SETTLE_MINUTES": "inf"},
            "DASHBOARD_RECOVERY_SETTLE_MINUTES='inf' must be a number of at least 0",
        ),
    ],
)
def test_bad_environment_stops_start_up_naming_the_variable(env, message):
    result = _start(env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_plain_http_with_secure_cookies_by_default_stops_start_up_naming_the_fix():
    result = _start({"DEBUG": "false", "SECRET_KEY": "x" * 50, "SECURE_SSL_REDIRECT": "false"})
    assert result.returncode != 0
    assert "set SECURE_COOKIES=false for a plain-HTTP deployment" in result.stderr
    assert "SECURE_COOKIES=true when a proxy in front serves HTTPS" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("cookies", "secure"), [("false", "False"), ("true", "True")])
def test_plain_http_starts_once_secure_cookies_are_chosen(cookies, secure):
    env = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "SECURE_SSL_REDIRECT": "false"}
    code = "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE)"
    result = _start({**env, "SECURE_COOKIES": cookies}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [secure]


def test_production_settings_start_with_a_secret_key():
    result = _start({"DEBUG": "false", "SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr


def test_environment_selects_datadog_site_database_and_cache():
    code = (
        "from django.conf import settings as s;"
        "print(s.DATADOG_API_URL, s.DATADOG_APP_URL, s.DATADOG_SANDBOX,"
        " s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'])"
    )
    result = _start(
        {
            "DEBUG": "1",
            "DD_API_KEY": "k",
            "DD_APP_KEY": "a",
            "DD_SITE": "datadoghq.eu",
            "DATABASE_URL": "postgres://u:p@db.internal:5432/dash",
            "REDIS_URL": "redis://cache.internal:6379/1",
        },
        code,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "https://api.datadoghq.eu",
        "https://app.datadoghq.eu",
        "False",
        "django.db.backends.postgresql",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_no_api_key_means_the_in_process_sandbox():
    code = "from django.conf import settings as s; print(s.DATADOG_SANDBOX, s.DATADOG_API_KEY)"
    result = _start({"DEBUG": "1"}, code)
    assert result.stdout.split() == ["True", "sandbox-api-key"]


def test_the_sandbox_api_is_not_served_next_to_a_real_org():
    code = (
        "from django.urls import Resolver404, resolve\n"
        "try:\n    resolve('/sandbox/api/v2/downtime'); print('served')\n"
        "except Resolver404:\n    print('absent')"
    )
    real = {"DEBUG": "1", "DD_API_KEY": "k", "DD_APP_KEY": "a"}
    assert _start(real, code).stdout.split() == ["absent"]
    assert _start({**real, "SANDBOX_ENABLED": "true"}, code).stdout.split() == ["served"]
    assert _start({"DEBUG": "1"}, code).stdout.split() == ["served"]


def test_the_workers_queue_is_redis_with_redis_url_else_a_sqlite_file_beside_the_database(
    tmp_path,
):
    code = (
        "from django.conf import settings as s; from huey.contrib.djhuey import HUEY as h;"
        "print(type(h.storage).__name__, s.HUEY['connection'], h.immediate)"
    )
    redis = _start({"DEBUG": "1", "REDIS_URL": "redis://cache.internal:6379/1"}, code)
    assert redis.stdout.split(maxsplit=1) == [
        "RedisStorage",
        "{'url': 'redis://cache.internal:6379/1'} False\n",
    ]
    database = tmp_path / "dash.sqlite3"
    local = _start({"DEBUG": "1", "DATABASE_URL": f"sqlite:///{database}"}, code)
    queue = tmp_path / "dash-queue.sqlite3"
    assert local.stdout.split(maxsplit=1) == ["SqliteStorage", f"{{'filename': '{queue}'}} False\n"]
