"""The benchmark's measurements, each on a deployment of its own (`stack.Stack`).

Every function returns a dict of figures; `__main__` prints them as README's table.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import requests

from . import people
from .stack import KEYS, FakeDatadog, Stack

LIST = "/downtimes/?status=all"


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _say(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def official_client_load(base_url: str) -> tuple[float, int]:
    """Seconds for Datadog's official Python client to list the whole set, and how many."""
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.v2.api.downtimes_api import DowntimesApi

    configuration = Configuration(host=base_url)
    configuration.api_key["apiKeyAuth"] = KEYS["DD-API-KEY"]
    configuration.api_key["appKeyAuth"] = KEYS["DD-APPLICATION-KEY"]
    started = time.perf_counter()
    with ApiClient(configuration) as api_client:
        pages = DowntimesApi(api_client).list_downtimes_with_pagination(
            include="created_by,monitor"
        )
        count = sum(1 for _ in pages)
    return time.perf_counter() - started, count


LOADING = "Loading the downtimes from Datadog"


def _cold_page(stack: Stack, person: requests.Session) -> float:
    """Seconds until a person who opens the list with nothing cached sees it filled: past
    `DOWNTIME_REFRESH_DEADLINE` the page says it is loading and asks again every 2 s, as the
    browser would (here every 0.1 s, so the figure is not rounded up to the poll)."""
    stack.forget_copy()
    started = time.perf_counter()
    response = person.get(stack.url + LIST, timeout=120)
    while response.status_code == 200 and LOADING in response.text:
        time.sleep(0.1)
        response = person.get(stack.url + LIST, timeout=120, headers={"HX-Request": "true"})
    took = time.perf_counter() - started
    if response.status_code != 200 or "No downtimes to show yet" in response.text:
        raise SystemExit(f"the cold page failed: {response.status_code}")
    return took


def copy_bytes(stack: Stack) -> int:
    """The stored copy's size in the shared cache (the database table keeps it base64). Its key
    names the cache format and the upstream: `:2:downtimes:<host>/<fingerprint>:snapshot:data`."""
    with sqlite3.connect(stack.database) as db:
        row = db.execute(
            "SELECT length(value) FROM dashboard_cache"
            " WHERE cache_key LIKE '%:downtimes:%:snapshot:data'"
        ).fetchone()
    return int(row[0] * 3 / 4) if row else 0


def worker_rss_mb(stack: Stack) -> float:
    """The largest resident memory of the dashboard's workers."""
    sizes = []
    for pid in stack.worker_pids():
        status = Path(f"/proc/{pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        sizes.append(kb / 1024)
    return max(sizes, default=0.0)


def cold(downtimes: int, latency_ms: int, rounds: int, official_rounds: int) -> dict:
    """The first list page with nothing cached, against the official client, same fake Datadog."""
    with Stack(downtimes, latency_ms=latency_ms, workers=2, threads=4) as stack:
        person = stack.session("viewer-0")
        stack.settle()
        ours, theirs, counts = [], [], set()
        for round_number in range(max(rounds, official_rounds)):
            if round_number < rounds:
                ours.append(_cold_page(stack, person))
                _say(f"cold page at {downtimes:,}/{latency_ms} ms: {ours[-1]:.2f}s")
            if round_number < official_rounds:
                seconds, count = official_client_load(stack.datadog_url)
                theirs.append(seconds)
                counts.add(count)
                _say(f"official client at {downtimes:,}/{latency_ms} ms: {seconds:.1f}s")
        stack.settle()
        if counts != {downtimes}:
            raise SystemExit(f"the official client saw {counts}, not {downtimes}")
        return {
            "ours_ms": _median_ms(ours),
            "theirs_ms": _median_ms(theirs),
            "copy_mb": copy_bytes(stack) / 1e6,
            "rss_mb": worker_rss_mb(stack),
        }


def _warm_views(stack: Stack, person: requests.Session, count: int = 40) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        person.get(stack.url + LIST, timeout=60)
        samples.append(time.perf_counter() - started)
    return samples


def after_a_write(stack: Stack) -> dict:
    """A warm list page, and the first one after a create through the form."""
    editor, viewer = stack.session("editor-0"), stack.session("viewer-0")
    viewer.get(stack.url + LIST, timeout=120)
    stack.settle()
    warm = _warm_views(stack, viewer)
    after = []
    record = people.Record()
    for _ in range(5):
        people.create(stack.url, editor, record)
        started = time.perf_counter()
        viewer.get(stack.url + LIST, timeout=60)
        after.append(time.perf_counter() - started)
        _warm_views(stack, viewer, 5)
    return {"warm_ms": _median_ms(warm), "after_write_ms": _median_ms(after)}


def crowd_of(stack, browsers: int, editors: int, seconds: float, url: str = "") -> people.Record:
    """`browsers` people watching the list and `editors` at work for `seconds`, at `url` (the
    stack's own address unless given: a balancer's, or one instance's)."""
    url = url or stack.url
    record = people.Record()
    sessions = [stack.session(f"viewer-{n}") for n in range(browsers)]
    sessions += [stack.session(f"editor-{n}") for n in range(editors)]
    until = time.time() + seconds  # after signing in: hashing passwords is not browsing
    threads = [
        threading.Thread(target=people.browse, args=(url, s, record, until, n))
        for n, s in enumerate(sessions[:browsers])
    ]
    threads += [
        threading.Thread(target=people.edit, args=(url, s, record, until, 100 + n))
        for n, s in enumerate(sessions[browsers:])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return record


def crowd(downtimes: int = 10_000, seconds: float = 60, ttl: int = 5) -> dict:
    """Twenty people for a minute while the copy expires every `ttl` seconds; first a warm page
    and the page after a write on the same deployment, and one person browsing alone as each of
    the twenty does (the same pages, the same pauses): what the crowd adds is the difference."""
    with Stack(downtimes, latency_ms=50, workers=2, threads=4, ttl=ttl) as stack:
        figures = after_a_write(stack)
        alone = _list_ms(crowd_of(stack, 1, 0, seconds * 0.75))
        before = stack.upstream_requests()
        started = time.monotonic()
        record = crowd_of(stack, 20, 0, seconds)
        elapsed = time.monotonic() - started
        lists = _list_ms(record)
        pages = -(-downtimes // 100)  # one refresh asks for this many pages
        figures.update(
            alone_p50_ms=people.percentile(alone, 0.5),
            alone_p95_ms=people.percentile(alone, 0.95),
            p50_ms=people.percentile(lists, 0.5),
            p95_ms=people.percentile(lists, 0.95),
            views=len(lists),
            per_hour=(stack.upstream_requests() - before) * 3600 / elapsed,
            per_hour_default=pages * 3600 / 30,
            rss_mb=worker_rss_mb(stack),
            copy_mb=copy_bytes(stack) / 1e6,
        )
        return figures


def _list_ms(record: people.Record) -> list[float]:
    return [v.seconds * 1000 for v in record.views if v.kind == "list"]


FAULTS = "429=0.05,500=0.05,503=0.03,timeout=0.01,malformed=0.02"


def _datadog_state(fake: FakeDatadog, downtime_id: str) -> dict:
    url = f"{fake.url}/api/v2/downtime/{downtime_id}"
    for _ in range(20):  # the fake's own faults apply to this check too
        response = requests.get(url, headers=KEYS, timeout=60)
        if response.status_code == 200:
            try:
                return response.json()["data"]["attributes"]
            except ValueError:
                pass
        time.sleep(0.2)
    raise SystemExit(f"could not read {downtime_id} back from the fake Datadog")


def writes_kept(fake: FakeDatadog, record: people.Record) -> tuple[int, int]:
    """(duplicates, lost writes): downtimes made twice for one form, or changes not in Datadog."""
    with sqlite3.connect(fake.database) as db:
        made = dict(
            db.execute(
                "SELECT message, count(*) FROM sandbox_sandboxdowntime "
                "WHERE message LIKE 'bench-%' GROUP BY message"
            ).fetchall()
        )
    duplicates = sum(n - 1 for n in made.values() if n > 1)
    lost = sum(1 for token, found in record.made.items() if found and f"bench-{token}" not in made)
    for downtime_id, what in record.changed.items():
        state = _datadog_state(fake, downtime_id)
        if what == "cancel" and state["canceled"] is None:
            lost += 1
        if what == "extend":
            start, end = (datetime.fromisoformat(state["schedule"][k]) for k in ("start", "end"))
            lost += end - start != timedelta(hours=2, minutes=30)  # made for 2 h, extended 30 min
    return duplicates, lost


def faults(seconds: float = 60) -> dict:
    """Production as a new user runs it, while Datadog fails now and then: 30 browse, 5 edit."""
    with Stack(2_000, latency_ms=50, faults=FAULTS, workers=2, threads=4) as stack:
        record = crowd_of(stack, 30, 5, seconds)
        lists = [v for v in record.views if v.kind == "list"]
        duplicates, lost = writes_kept(stack.fake, record)
        return {
            "stale_share": sum(v.stale for v in lists) / max(1, len(lists)),
            "p95_ms": people.percentile([v.seconds for v in lists], 0.95) * 1000,
            "server_errors": sum(1 for v in record.views if v.status >= 500),
            "over_10s": sum(1 for v in record.views if v.seconds > 10),
            "views": len(record.views),
            "creates": sum(1 for made in record.made.values() if made),
            "found": sum(record.found_after_save),
            "searched": len(record.found_after_save),
            "duplicates": duplicates,
            "lost": lost,
        }
