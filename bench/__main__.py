"""`make bench`: no one waits for Datadog, and nothing it does hides a write.

Each part runs on a deployment of its own (bench/stack.py: a fake Datadog, which is the sandbox
served alone with added latency and faults, and the dashboard against it, each under gunicorn):

1. The first list page with nothing cached, at 10,000 downtimes and 50 ms of latency and at
   50,000 and 150 ms, against Datadog's official client listing the same set in the same run.
2. A warm list page, and the first one after a create through the form.
3. Twenty people browsing for a minute while the copy expires every five seconds: p50 and p95,
   upstream requests per hour, memory; and the same crowd with no expiry, for what the load
   alone costs on this machine.
4. Production while Datadog fails now and then: 30 people browse and 5 edit for a minute.
5. Warm pages at 100 and 10,000 downtimes in this process, and the upstream calls of warm views.
6. A downtime's page when Datadog holds something hostile (bench/hostile.py) against an
   ordinary one.
7. The calendar's week view at 10,000 downtimes, warm, against the warm list page
   (bench/calendar.py).
8. The monitor list warm at 5,000 monitors against 100 (bench/monitors.py).
9. What needs attention at 10,000 downtimes: one review of the copy, the warm page
   (bench/attention.py).
9b. The history at 10,000 downtimes: an unchanged refresh with it and without, 100 changes, and
   `/history/?at=` over a million generated versions against the warm list page
   (bench/history.py).
10. The production shape: two instances behind haproxy on PostgreSQL and Redis, two workers,
   quiet minutes with one instance and two, the fault mix, creates across instances and the
   messages (bench/deployment.py; `make bench` runs under `.ci/with-services` for it).

Every deployment runs a background worker beside gunicorn, as production does: refreshes behind
the pages go to it.

Prints a Markdown table; README keeps the latest one.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from pathlib import Path

from . import attention, calendar, deployment, figures, history, hostile, inprocess, monitors, warm


def _in_process(workdir: Path) -> dict:
    inprocess.standalone(workdir)
    small, small_search, _, _ = warm.warm_page(100)
    large, large_search, view_calls, change_calls = warm.warm_page(10_000)
    back_to_back, paused = warm.paused_page()
    return {
        "hostile_rows": hostile.hostile_page_figures(),
        "calendar_rows": calendar.calendar_figures(),
        "monitor_rows": monitors.monitor_page_figures(),
        "attention_rows": attention.attention_figures(),
        "history_rows": history.history_figures(),
        "small_ms": small,
        "large_ms": large,
        "small_search_ms": small_search,
        "large_search_ms": large_search,
        "back_to_back_ms": back_to_back,
        "paused_ms": paused,
        "view_calls": view_calls,
        "change_calls": change_calls,
    }


def _speed_rows(c10: dict, c50: dict, crowd: dict, calm: dict) -> list:
    write = crowd  # the page after a write was measured on the crowd's deployment
    ten = c10["theirs_ms"] / c10["ours_ms"]
    fifty = c50["theirs_ms"] / c50["ours_ms"]
    return [
        ("cold list page, 10,000 downtimes, 50 ms latency", f"{c10['ours_ms']:,.0f} ms", ""),
        ("official client, whole set, 10,000 / 50 ms", f"{c10['theirs_ms']:,.0f} ms", ""),
        ("speed-up at 10,000 / 50 ms", f"{ten:.1f}x", "at least 25x"),
        ("cold list page, 50,000 downtimes, 150 ms latency", f"{c50['ours_ms']:,.0f} ms", ""),
        ("official client, whole set, 50,000 / 150 ms", f"{c50['theirs_ms']:,.0f} ms", ""),
        ("speed-up at 50,000 / 150 ms", f"{fifty:.1f}x", ""),
        ("warm list page over HTTP, 10,000", f"{write['warm_ms']:.1f} ms", ""),
        (
            "first list page after a create through the form",
            f"{write['after_write_ms']:.1f} ms",
            f"within 2x of warm ({write['after_write_ms'] / write['warm_ms']:.2f}x)",
        ),
        (
            "one person alone, the same pages 0.3 to 1 s apart: p50 / p95",
            f"{crowd['alone_p50_ms']:.0f} / {crowd['alone_p95_ms']:.0f} ms",
            "",
        ),
        (
            "20 people for 60 s, copy expiring every 5 s: p50 / p95",
            f"{crowd['p50_ms']:.0f} / {crowd['p95_ms']:.0f} ms",
            f"p95 within 3x of warm ({crowd['p95_ms'] / write['warm_ms']:.2f}x back to back; "
            f"{crowd['p95_ms'] / crowd['alone_p50_ms']:.2f}x one person's view)",
        ),
        (
            "the same 20 people, no expiry: p50 / p95",
            f"{calm['p50_ms']:.0f} / {calm['p95_ms']:.0f} ms",
            f"p95 with expiries over p95 without: {crowd['p95_ms'] / calm['p95_ms']:.2f}x",
        ),
        (
            "upstream requests per hour, steady state (TTL 5 s measured; TTL 30 s)",
            f"{crowd['per_hour']:,.0f}; {crowd['per_hour_default']:,.0f}",
            "",
        ),
    ]


def _fault_and_memory_rows(c10: dict, c50: dict, fault: dict, local: dict) -> list:
    return [
        (
            "faults: list views showing the stale banner",
            f"{fault['stale_share']:.1%}",
            "at most 10%",
        ),
        ("faults: list p95", f"{fault['p95_ms']:,.0f} ms", "at most 1,500 ms"),
        (
            "faults: 5xx answers / answers over 10 s",
            f"{fault['server_errors']} / {fault['over_10s']}",
            "0 / 0",
        ),
        (
            "faults: creator found a just-saved downtime",
            f"{fault['found']} of {fault['searched']}",
            "every time",
        ),
        ("faults: duplicated / lost writes", f"{fault['duplicates']} / {fault['lost']}", "0 / 0"),
        (
            "memory: copy in the cache, 10,000 / 50,000",
            f"{c10['copy_mb']:.1f} / {c50['copy_mb']:.1f} MB",
            "",
        ),
        (
            "memory: a worker's resident size, 10,000 / 50,000",
            f"{c10['rss_mb']:.0f} / {c50['rss_mb']:.0f} MB",
            "",
        ),
        (
            "warm list page in process, 100 / 10,000",
            f"{local['small_ms']:.1f} / {local['large_ms']:.1f} ms",
            f"within 1.5x ({local['large_ms'] / local['small_ms']:.2f}x)",
        ),
        (
            "the same warm page in process, back to back / 0.3 s apart, 10,000",
            f"{local['back_to_back_ms']:.1f} / {local['paused_ms']:.1f} ms",
            f"a pause costs {local['paused_ms'] / local['back_to_back_ms']:.2f}x",
        ),
        (
            "new search over the whole set, 100 / 10,000",
            f"{local['small_search_ms']:.1f} / {local['large_search_ms']:.1f} ms",
            "",
        ),
        (
            "upstream calls: warm view / tab + search + page change",
            f"{local['view_calls']} / {local['change_calls']}",
            "0 / 0",
        ),
    ]


def main() -> None:
    say = figures._say
    say("cold list pages against the official client ...")
    c10 = figures.cold(10_000, 50, rounds=3, official_rounds=3)
    c50 = figures.cold(50_000, 150, rounds=3, official_rounds=1)
    say("a warm page, the page after a write, and twenty people ...")
    crowd = figures.crowd(ttl=5)
    calm = figures.crowd(ttl=24 * 60 * 60)
    say("thirty people and five editors while Datadog fails now and then ...")
    fault = figures.faults()
    say("two instances behind a balancer, on PostgreSQL and Redis, with two workers ...")
    several = deployment.rows(deployment.figures())
    say("warm pages in process ...")
    local = _in_process(Path(tempfile.mkdtemp(prefix="downtime-bench-")))
    print()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; medians unless said; "
        f"{fault['views']:,} page loads in the fault run, {crowd['views']:,} list views in the crowd"
    )
    print()
    print("| measurement | result | target |")
    print("| --- | --- | --- |")
    rows = _speed_rows(c10, c50, crowd, calm) + _fault_and_memory_rows(c10, c50, fault, local)
    extra = ("hostile_rows", "calendar_rows", "monitor_rows", "attention_rows", "history_rows")
    for row in rows + several + [row for key in extra for row in local[key]]:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
