"""What every in-process benchmark shares: a throwaway database to run alone on, a signed-in
test client, the count of upstream calls, and the printed table.

`make bench` sets Django up once (bench/__main__.py) and calls each module's figures function;
`python -m bench.<module>` runs one alone through `standalone()` and `print_rows()`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def standalone(workdir: Path | None = None) -> Path:
    """Django in sandbox mode on a migrated throwaway SQLite database, as `make bench` runs it."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="downtime-bench-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
            "DEBUG": "false",
            "SECRET_KEY": "benchmark-only-secret-key-" + "x" * 30,
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "LOG_LEVEL": "WARNING",
        }
    )
    for name in [n for n in os.environ if n.startswith(("DD_", "SANDBOX_", "REDIS_"))]:
        del os.environ[name]
    import django

    django.setup()
    from django.core.management import call_command

    print(f"Migrating a throwaway database in {workdir} ...", file=sys.stderr)
    call_command("migrate", verbosity=0)
    return workdir


def signed_in():
    """Django's test client, signed in as a superuser named bench."""
    from django.contrib.auth.models import User
    from django.test import Client

    user, _ = User.objects.get_or_create(username="bench", defaults={"is_superuser": True})
    browser = Client()
    browser.force_login(user)
    return browser


@contextmanager
def upstream_calls() -> Iterator[list[str]]:
    """The path of every call the service module makes to Datadog (here the sandbox) meanwhile."""
    from downtimes_app.datadog import client as service

    calls: list[str] = []
    original = service._request

    def counting(method, path, **kwargs):
        calls.append(path)
        return original(method, path, **kwargs)

    service._request = counting
    try:
        yield calls
    finally:
        service._request = original


def print_rows(heading: str, rows: Sequence[tuple[str, str, str]]) -> None:
    print(heading)
    print()
    print("| measurement | result | target |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
