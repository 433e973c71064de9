"""`python -m bench.history`: what the history costs a refresh, and a moment over a year of it.

At 10,000 downtimes (the sandbox seeded, the copy loaded, the history's first sight recorded):

- a refresh that finds nothing changed, with the history and without it (DASHBOARD_HISTORY_DAYS
  0), alternated, and the versions each wrote;
- a refresh after 100 downtimes were changed in the sandbox, and the versions it wrote;
- `/history/?at=` over a year of history, a million versions generated for 10,000 downtimes
  (100 each, one-time and recurring, changed at random moments), warm, against the warm list
  page, both through Django's test client, signed in.

`history_figures()` gives the rows for `make bench`'s table; run alone, this module sets up its
own throwaway database first.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from .inprocess import print_rows, signed_in, standalone

DOWNTIMES = 10_000
CHANGES = 100
ROUNDS = 20
GENERATED = 1_000_000
PER_DOWNTIME = 100
YEAR = timedelta(days=365)


def _refresh() -> float:
    """One whole refresh, on this thread, with what listens to it (the history): its seconds."""
    from downtimes_app import store
    from downtimes_app.store import refresh

    store.mark_stale()
    started = time.perf_counter()
    refresh._refresh_holding(store.DOWNTIMES, "bench")
    return time.perf_counter() - started


def _versions(**only: str) -> int:
    from downtimes_app.models import DowntimeVersion

    return DowntimeVersion.objects.filter(**only).count()


def _unchanged() -> tuple[float, float, int]:
    """Median ms of an unchanged refresh with the history and without; rows the former wrote."""
    from django.test import override_settings

    with_history, without, before = [], [], _versions()
    for _ in range(ROUNDS):
        with override_settings(DASHBOARD_HISTORY_DAYS=0):
            without.append(_refresh())
        with_history.append(_refresh())
    written = _versions() - before
    return statistics.median(with_history) * 1000, statistics.median(without) * 1000, written


def _changed() -> tuple[float, int]:
    """A refresh after CHANGES downtimes changed in the sandbox: its ms and the versions written."""
    from sandbox import clock
    from sandbox.models import SandboxDowntime

    picked = list(SandboxDowntime.objects.order_by("?")[:CHANGES])
    moment = clock.now()
    for row in picked:
        row.message = f"{row.message or ''} (changed for the bench)".strip()
        row.modified = moment
    SandboxDowntime.objects.bulk_update(picked, ["message", "modified"])
    before = _versions()
    seconds = _refresh()
    return seconds * 1000, _versions() - before


def _state(template: dict, downtime_id: str, start: datetime, end: datetime, n: int) -> dict:
    attributes = dict(template["data"]["attributes"])
    attributes["schedule"] = {"start": start.isoformat(), "end": end.isoformat()}
    attributes["message"] = f"Maintenance {n} of {downtime_id[:8]}"
    data = {**template["data"], "id": downtime_id, "attributes": attributes}
    return {"data": data, "included": template.get("included", [])}


def generate(now: datetime) -> int:
    """GENERATED versions of GENERATED // PER_DOWNTIME downtimes over the year before `now`:
    each changed PER_DOWNTIME times at random moments, each version a one-time window of 30
    minutes to 8 hours that starts within a day of it. Written as the recording writes them."""
    from downtimes_app import datadog
    from downtimes_app.history import recording, spans
    from downtimes_app.models import DowntimeVersion

    count, per = GENERATED, PER_DOWNTIME
    rng = random.Random(7)
    upstream = datadog.upstream()
    template = DowntimeVersion.objects.filter(upstream=upstream).first().state
    made, batch = 0, []
    for _ in range(count // per):
        downtime_id = str(uuid.UUID(int=rng.getrandbits(128)))
        moments = sorted(now - YEAR * rng.random() for _ in range(per))
        for seq, valid_from in enumerate(moments, 1):
            valid_until = moments[seq] if seq < per else None
            start = valid_from + timedelta(minutes=rng.randint(0, 24 * 60))
            end = start + timedelta(minutes=rng.choice([30, 60, 120, 240, 480]))
            mutes_from, mutes_until, reach = spans.mutes(valid_from, valid_until, (start, end))
            batch.append(
                DowntimeVersion(
                    upstream=upstream, downtime_id=downtime_id, seq=seq,
                    event="created" if seq == 1 else "changed", changed=["message", "schedule"],
                    seen_at=valid_from, valid_from=valid_from, valid_until=valid_until,
                    digest=f"{seq:040d}", state=_state(template, downtime_id, start, end, seq),
                    mutes_from=mutes_from, mutes_until=mutes_until, reach=reach,
                    target="tags:team:payments",
                )
            )  # fmt: skip
        if len(batch) >= 20_000:
            DowntimeVersion.objects.bulk_create(batch, batch_size=2_000)
            made, batch = made + len(batch), []
    DowntimeVersion.objects.bulk_create(batch, batch_size=2_000)
    recording.changed_record(upstream)  # as every write to the record does
    return made + len(batch)


def _warm_pair(browser, first: str, second: str) -> tuple[float, float]:
    """Median ms of two warm pages, requested in turn so that both meet the same machine."""
    for path in (first, second):
        assert browser.get(path).status_code == 200
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(ROUNDS * 2):
        for path, kept in zip((first, second), samples, strict=True):
            started = time.perf_counter()
            assert browser.get(path).status_code == 200
            kept.append(time.perf_counter() - started)
    return statistics.median(samples[0]) * 1000, statistics.median(samples[1]) * 1000


def _moment(now: datetime) -> tuple[float, float, int, float]:
    """Warm ms of the list page and of a moment half a year back over the generated year; how
    many downtimes that moment shows; seconds to generate."""
    from downtimes_app.history import reading

    started = time.perf_counter()
    generate(now)
    took = time.perf_counter() - started
    _refresh()  # a fresh copy: no refresh behind either page while they are timed
    browser = signed_in()
    at = (now - YEAR / 2).astimezone(UTC).replace(second=0, microsecond=0)
    shown = len(reading.muting_rows(at))
    listing, moment = _warm_pair(browser, "/downtimes/", f"/history/?at={at:%Y-%m-%dT%H:%MZ}")
    return listing, moment, shown, took


def history_figures() -> list[tuple[str, str, str]]:
    """(measurement, result, target) rows. Needs Django set up on a migrated sandbox database."""
    from django.core.cache import cache
    from django.core.management import call_command

    from downtimes_app import store
    from downtimes_app.core.clock import now

    call_command("seed_sandbox", "--reset", "--downtimes", str(DOWNTIMES), verbosity=0)
    cache.clear()
    # What the parts before this one recorded (make bench runs them first, each its own org).
    before = _versions(event="seen")
    store.current()  # the copy
    for thread in threading.enumerate():  # and what its refresh's thread records
        if thread.name.endswith("-refresh"):
            thread.join()
    _refresh()  # the history's first sight of it, if that thread did not record it
    first = _versions(event="seen") - before
    kept, bare, written = _unchanged()
    changed_ms, changed_rows = _changed()
    listing, moment, shown, took = _moment(now())
    scale = f"{DOWNTIMES:,} downtimes"
    return [
        (f"history's first sight of {scale}", f"{first:,} versions", ""),
        (f"refresh finding nothing changed, {scale}, without the history", f"{bare:.0f} ms", ""),
        (
            "the same with the history",
            f"{kept:.0f} ms ({kept / bare:.2f}x)",
            "within 1.2x",
        ),
        (f"versions written by {ROUNDS} unchanged refreshes", f"{written}", "0"),
        (f"refresh after {CHANGES} changes", f"{changed_ms:.0f} ms", ""),
        ("versions written by it", f"{changed_rows}", f"{CHANGES}"),
        (f"warm list page, {scale}, in process", f"{listing:.1f} ms", ""),
        (
            f"warm /history/?at= over {GENERATED:,} generated versions ({shown} muting then)",
            f"{moment:.1f} ms ({moment / listing:.2f}x)",
            "within 2x of the warm list page",
        ),
        ("generating the million versions", f"{took:.0f} s", ""),
    ]


def main() -> None:
    standalone()
    print_rows(f"Medians of {ROUNDS} rounds", history_figures())


if __name__ == "__main__":
    main()
