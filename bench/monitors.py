"""`python -m bench.monitors`: the monitor list costs about the same at 5,000 monitors as at 100.

The sandbox is seeded with the demo org grown to 100 monitors, then to 5,000 (each with its
groups' states, and the demo downtimes muting some of them); the monitor list is rendered warm,
server side, with Django's test client signed in: its first page, a state filter (muted now),
and a new search each time. Upstream calls of the warm views are counted (there should be none).

`monitor_page_figures()` gives the rows for `make bench`'s table; run alone, this module sets up
its own throwaway database first.
"""

from __future__ import annotations

import statistics
import time

from .inprocess import print_rows, signed_in, standalone, upstream_calls

REQUESTS = 40
SMALL, LARGE = 100, 5_000


def _median_ms(client, urls: list[str], *, fresh: bool = False) -> float:
    samples = []
    for round_number in range(REQUESTS):
        for url in urls:
            if fresh:
                url = f"{url}{round_number}"  # a search not seen before
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples) * 1000


def _warm_list(count: int) -> tuple[float, float, int]:
    """Median ms of warm list views and of new searches at `count` monitors, and the upstream
    calls warm views made."""
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("seed_sandbox", "--reset", "--monitors", str(count), verbosity=0)
    cache.clear()
    browser = signed_in()
    with upstream_calls() as calls:
        views = ["/monitors/", "/monitors/?state=muted", "/monitors/?state=alert&page=2"]
        for url in views:
            browser.get(url)  # the first loads both copies, and the work done once per copy
        calls.clear()
        pages = _median_ms(browser, views)
        searches = _median_ms(browser, ["/monitors/?q=svc-"], fresh=True)
        warm_calls = len(calls)
    return pages, searches, warm_calls


def monitor_page_figures() -> list[tuple[str, str, str]]:
    """(measurement, result, target) rows. Needs Django set up on a migrated sandbox database."""
    small, small_search, small_calls = _warm_list(SMALL)
    large, large_search, large_calls = _warm_list(LARGE)
    return [
        (f"warm monitor list, {SMALL:,} monitors", f"{small:.1f} ms", ""),
        (f"warm monitor list, {LARGE:,} monitors", f"{large:.1f} ms", ""),
        (f"ratio {LARGE:,} / {SMALL:,}", f"{large / small:.2f}x", "within 2x"),
        (
            f"new monitor search, {SMALL:,} / {LARGE:,} monitors",
            f"{small_search:.1f} / {large_search:.1f} ms",
            "",
        ),
        ("upstream calls, warm monitor list views", f"{small_calls + large_calls}", "0"),
    ]


def main() -> None:
    standalone()
    print_rows(f"Medians of {REQUESTS} rounds of warm views each", monitor_page_figures())


if __name__ == "__main__":
    main()
