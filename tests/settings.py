"""Settings for the test suite: the real settings, read from a controlled environment.

A developer's own DD_* or SANDBOX_* variables must never point the tests at a real org or
change the sandbox's behaviour, so they are cleared before the settings are read.
"""

import os

for _name in list(os.environ):
    if _name.startswith(("DD_", "SANDBOX_", "DASHBOARD_", "SECURE_", "OIDC_")) or _name in (
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
    ):
        del os.environ[_name]
os.environ["SECRET_KEY"] = "tests-only-secret-key-not-used-anywhere-else"
# Production settings, served over plain HTTP by the test client and the live server.
os.environ["SECURE_SSL_REDIRECT"] = "false"
os.environ["SECURE_COOKIES"] = "false"

from dashboard.settings import *  # noqa: E402, F403

# Each test starts from an empty cache (tests/conftest.py), which a process-local cache makes
# cheap and free of database access; with REDIS_URL set (as in CI's second run) the suite runs on
# Redis instead. The database cache, the default without Redis, is tested across processes in
# tests/store/test_store_processes.py.
if not os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "VERSION": CACHE_FORMAT,  # noqa: F405
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    }

# Fail fast instead of waiting: timeouts and retries are exercised, not endured.
DATADOG_READ_TIMEOUT = 0.5
DATADOG_BACKOFF = 0.01
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tasks run where they are queued, on Huey's in-memory storage: a unit test sees a task's effect
# at once. The worker's real processes (a consumer, `make run`) are tested in their own files.
HUEY = {**HUEY, "immediate": True}  # noqa: F405
