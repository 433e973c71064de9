"""`python -m bench.attention`: what needs attention, worked out at 10,000 downtimes.

The sandbox is seeded with 10,000 downtimes and 1,000 monitors (with their groups' states).
Measured, server side: one review of the whole copy (what the top bar's count starts behind a
page once per minute or per change), the attention page warm (signed in, through Django's test
client), and the upstream calls warm pages made (there should be none).

`attention_figures()` gives the rows for `make bench`'s table; run alone, this module sets up
its own throwaway database first (as bench/monitors.py does).
"""

from __future__ import annotations

import statistics
import time

from .inprocess import print_rows, signed_in, standalone, upstream_calls

DOWNTIMES, MONITORS = 10_000, 1_000
ROUNDS = 20


def _review_ms() -> tuple[float, int]:
    """Median ms of a whole review (nothing kept from the last), and how many rows it found."""
    from downtimes_app import attention
    from downtimes_app.core.clock import now
    from downtimes_app.muting import monitoring

    seen = monitoring.overview()
    samples, found = [], 0
    for _ in range(ROUNDS):
        attention._reviews.clear()  # as after a change to either copy
        started = time.perf_counter()
        found = len(attention.review(now(), seen.downtimes.snapshot, seen.monitors.snapshot).items)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, found


POLICY = {
    "max_duration": "1d",
    "message_pattern": "(INC|CHG)-[0-9]+",
    "allowed_monitor_tags": ["team:payments", "team:search"],
}


def _with_policy() -> tuple[float, int]:
    """The review with a policy whose every rule reads each downtime (the monitors a target
    matches included), as the attention view then judges what the policy refuses."""
    from django.test import override_settings

    from downtimes_app.policy.config import parse

    with override_settings(DASHBOARD_POLICY=parse(POLICY)):
        return _review_ms()


def attention_figures() -> list[tuple[str, str, str]]:
    """(measurement, result, target) rows. Needs Django set up on a migrated sandbox database."""
    from django.core.cache import cache
    from django.core.management import call_command

    call_command(
        "seed_sandbox",
        "--reset",
        "--downtimes",
        str(DOWNTIMES),
        "--monitors",
        str(MONITORS),
        verbosity=0,
    )
    cache.clear()
    browser = signed_in()
    with upstream_calls() as calls:
        browser.get("/attention/")  # the first loads both copies
        review, rows = _review_ms()
        browser.get("/attention/")
        calls.clear()
        samples = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            assert browser.get("/attention/").status_code == 200
            samples.append(time.perf_counter() - started)
        page = statistics.median(samples) * 1000
        warm_calls = len(calls)
        ruled, ruled_rows = _with_policy()
    scale = f"{DOWNTIMES:,} downtimes, {MONITORS:,} monitors"
    return [
        (f"attention review of the whole copy, {scale} ({rows:,} rows)", f"{review:.0f} ms", ""),
        (
            f"the same with a policy in force ({ruled_rows:,} rows; {ruled / review:.2f}x)",
            f"{ruled:.0f} ms",
            "",
        ),
        (f"warm attention page, {scale}", f"{page:.1f} ms", ""),
        ("upstream calls, warm attention pages and their counts", f"{warm_calls}", "0"),
    ]


def main() -> None:
    standalone()
    print_rows(f"Medians of {ROUNDS} rounds", attention_figures())


if __name__ == "__main__":
    main()
