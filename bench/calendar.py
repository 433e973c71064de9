"""`python -m bench.calendar`: the calendar's week view at 10,000 downtimes, warm, against the
warm list page in the same run.

The sandbox is seeded with 10,000 downtimes; both pages are rendered server side with Django's
test client signed in, after one view of each has built the per-snapshot work (the list's index;
the calendar's windows, rows and a page's overlaps). The figure is the median of the warm views,
and the target is the week view within 2x of the list page. The first week view after a new copy
is reported too: it works out every downtime's windows in the week.

`calendar_figures()` gives the rows for `make bench`'s table; run alone, this module sets up its
own throwaway database first.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REQUESTS = 40
COUNT = 10_000
WEEK = "/calendar/?tz=Europe/Berlin"
LIST = "/downtimes/?tz=Europe/Berlin"


def _median_ms(browser, url: str) -> float:
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = browser.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples) * 1000


def calendar_figures(count: int = COUNT) -> list[tuple[str, str, str]]:
    """(measurement, result, target) rows. Needs Django set up on a migrated sandbox database."""
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from downtimes_app.views import calendar

    call_command("seed_sandbox", "--reset", "--downtimes", str(count), verbosity=0)
    cache.clear()
    user, _ = User.objects.get_or_create(username="bench", defaults={"is_superuser": True})
    browser = Client()
    browser.force_login(user)
    assert browser.get(LIST).status_code == 200  # the copy, fetched once
    calendar._indexes.clear()
    started = time.perf_counter()
    page = browser.get(WEEK)
    first_ms = (time.perf_counter() - started) * 1000
    assert page.status_code == 200 and b'class="bar ' in page.content
    list_ms = _median_ms(browser, LIST)
    week_ms = _median_ms(browser, WEEK)
    return [
        (
            f"calendar week view, first after a new copy, {count:,} downtimes",
            f"{first_ms:,.0f} ms",
            "",
        ),
        (f"warm list page, {count:,} downtimes", f"{list_ms:.1f} ms", ""),
        (f"warm calendar week view, {count:,} downtimes", f"{week_ms:.1f} ms", ""),
        ("ratio week view / list page", f"{week_ms / list_ms:.2f}x", "within 2x"),
    ]


def _standalone() -> None:
    """A throwaway SQLite database in sandbox mode, as `make bench` runs it."""
    workdir = Path(tempfile.mkdtemp(prefix="downtime-bench-calendar-"))
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


def main() -> None:
    _standalone()
    rows = calendar_figures()
    print(f"Medians of {REQUESTS} warm page views each")
    print()
    print("| measurement | result | target |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
