"""Warm list pages, rendered in this process (Django's test client) on the in-process sandbox.

A page at 100 downtimes against one at 10,000, a new search each time, the upstream calls of
views that should make none, and the same page back to back against the same page after a
pause. Django must be set up (`__main__` does it).
"""

from __future__ import annotations

import statistics
import time

from .inprocess import signed_in, upstream_calls

PAGE_REQUESTS = 40


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _time_pages(client, urls: list[str], *, fresh: bool = False) -> float:
    samples = []
    for round_number in range(PAGE_REQUESTS):
        for url in urls:
            if fresh:
                url = f"{url}-{round_number}"  # a search not seen before
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
    return _median_ms(samples)


def paused_page(pause: float = 0.3, count: int = 40) -> tuple[float, float]:
    """Median ms of the same warm page back to back, and `pause` seconds apart: what a moment
    of idle costs this machine, with no server, no network and nobody else asking."""
    browser = signed_in()
    url = "/downtimes/?status=all"
    browser.get(url)
    timed = []
    for wait in (0.0, pause):
        samples = []
        for _ in range(count):
            time.sleep(wait)
            started = time.perf_counter()
            browser.get(url)
            samples.append(time.perf_counter() - started)
        timed.append(_median_ms(samples))
    return timed[0], timed[1]


def warm_page(count: int) -> tuple[float, float, int, int]:
    """Median ms of warm list views and of new searches at `count` downtimes, and upstream calls."""
    from django.core.cache import cache
    from django.core.management import call_command

    from downtimes_app.store import monitors as monitor_store

    call_command("seed_sandbox", "--reset", "--downtimes", str(count), verbosity=0)
    cache.clear()
    browser = signed_in()
    with upstream_calls() as calls:
        browser.get("/downtimes/?status=all")  # cold: fetches the set
        # Warm means both copies: the monitors' (which the top bar's count reads) loads behind
        # the first page; here it is waited for, so that its one call is not counted below.
        monitor_store.current()
        calls.clear()
        browser.get("/downtimes/?status=all")
        view_calls = len(calls)
        for url in (
            "/downtimes/?status=ended",
            "/downtimes/?status=all&q=payments",
            "/downtimes/?status=all&page=2",
        ):
            browser.get(url)
        change_calls = len(calls) - view_calls
        pages = _time_pages(browser, ["/downtimes/", "/downtimes/?status=all&page=3"])
        # A new search each time: the first view of a search scans the whole set.
        searches = _time_pages(
            browser, [f"/downtimes/?status=all&q=svc{n}" for n in range(3)], fresh=True
        )
    return pages, searches, view_calls, change_calls
