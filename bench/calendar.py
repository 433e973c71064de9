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

import statistics
import time

from .inprocess import print_rows, signed_in, standalone

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
    from django.core.cache import cache
    from django.core.management import call_command

    from downtimes_app.calendar import views as calendar

    call_command("seed_sandbox", "--reset", "--downtimes", str(count), verbosity=0)
    cache.clear()
    browser = signed_in()
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


def main() -> None:
    standalone()
    print_rows(f"Medians of {REQUESTS} warm page views each", calendar_figures())


if __name__ == "__main__":
    main()
