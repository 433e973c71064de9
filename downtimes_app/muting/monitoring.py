"""What the monitor pages read: the two cached copies, the work done once per copy (or pair of
copies) in this process, and a monitor's page with Datadog's own word on what mutes it now.

A warm monitor list makes no upstream call; a monitor's page makes one (`downtime_matches`),
and reads the monitor from Datadog only when the copy does not have it yet.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache

from downtimes_app import datadog, store
from downtimes_app.core.domain import Downtime, DowntimeMatch, Monitor
from downtimes_app.muting import mutes
from downtimes_app.store import monitors as monitor_store
from downtimes_app.store import refresh
from downtimes_app.store.memo import Kept

# Enough downtimes that muted a monitor before to see a pattern; older ones are counted.
BEFORE_SHOWN = 20
MATCHES_ASKED = 100
# Seconds of waiting for the monitors after which a page does not wait for the downtimes too.
ONE_WAIT = 1.0

_mutes: Kept[mutes.Mutes] = Kept()
_groups: Kept[mutes.Groups] = Kept()


@dataclass(frozen=True)
class Overview:
    monitors: store.Current  # the monitor copy, with its failure if the last refresh failed
    downtimes: store.Current
    mutes: mutes.Mutes


def groups(monitors: store.Snapshot | None) -> mutes.Groups:
    """Every group of the monitor copy, indexed: once per copy, kept across downtime writes
    (with every scope it has judged)."""
    version = monitors.version if monitors else ""
    return _groups.get(version, lambda: mutes.Groups(monitors.monitors if monitors else ()))


def mutes_for(monitors: store.Snapshot | None, downtimes: store.Snapshot | None) -> mutes.Mutes:
    """Which downtimes could mute which monitors, per pair of copies (once per process)."""
    key = (monitors.version if monitors else "", downtimes.version if downtimes else "")
    return _mutes.get(
        key,
        lambda: mutes.Mutes(
            downtimes.downtimes if downtimes else (),
            monitors.monitors if monitors else (),
            groups(monitors),
        ),
    )


def _downtimes(waited: float) -> store.Current:
    """The downtime copy; not waited for again when the monitors' already took a while, so a
    page waits out one deadline at most (a moment later it has both)."""
    return store.current() if waited < ONE_WAIT else store.at_once()


def overview(*, force: bool = False) -> Overview:
    """Both copies as a page gets them (at once once they exist), and what is worked out once.

    Before any downtime copy exists, its first load starts behind the monitors' own."""
    started = time.monotonic()
    if store.peek() is None and not cache.get(store.DOWNTIMES.fresh):  # no failure's pause either
        refresh.start(store.DOWNTIMES)
    monitors = monitor_store.current(force=force)
    downtimes = _downtimes(time.monotonic() - started)
    return Overview(
        monitors,
        downtimes,
        mutes_for(monitors.snapshot, downtimes.snapshot),
    )


def carrying(tags: Iterable[str]) -> list[Monitor] | None:
    """The monitors of the copy that carry every one of `tags`, by name, as Datadog's
    `monitor_tags` filter picks them; None while there is no copy (the caller asks Datadog).
    Never waits: a copy past its time to live is refreshed behind the page."""
    snapshot = monitor_store.behind()
    if snapshot is None:
        return None
    found = (snapshot.get(monitor_id) for monitor_id in groups(snapshot).carrying(tags))
    return sorted((m for m in found if m is not None), key=lambda m: m.name.lower())


# --- one monitor ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Now:
    """A downtime muting the monitor now, as Datadog matched it: which groups, which window."""

    match: DowntimeMatch
    downtime: Downtime | None  # from the copy, when it has it
    whole: bool = False  # every group of the monitor


@dataclass(frozen=True)
class Page:
    monitor: Monitor
    overview: Overview
    now: list[Now]
    # Datadog could not say what mutes it now: the copy's reckoning, and why.
    now_failure: datadog.DatadogError | None
    reckoned: mutes.Muted | None
    later: list[mutes.Reach]
    missing: list[Downtime]  # aimed at it, but its scope matches none of its groups
    before: list[mutes.Reach]
    before_total: int
    muted_groups: frozenset[str]  # what mutes it now, by group ("*": every one)


def find_monitor(monitor_id: int, overview: Overview) -> Monitor:
    """From the copy; else (a monitor made since) from Datadog. Raises DatadogError."""
    snapshot = overview.monitors.snapshot
    found = snapshot.get(monitor_id) if snapshot is not None else None
    return found or datadog.get_monitor(monitor_id, group_states="all")


def _matched(monitor: Monitor, downtimes: store.Snapshot | None) -> list[Now]:
    page = datadog.list_monitor_downtimes(monitor.id, limit=MATCHES_ASKED)
    every = {g.name for g in mutes.groups_of(monitor)}

    def now(match: DowntimeMatch) -> Now:
        whole = "*" in match.groups or every <= set(match.groups)
        return Now(match, downtimes.get(match.id) if downtimes else None, whole)

    return [now(m) for m in page.matches]


def page(monitor_id: int, moment: datetime) -> Page:
    """Everything a monitor's page shows. Raises DatadogError when the monitor cannot be had."""
    seen = overview()
    monitor = find_monitor(monitor_id, seen)
    downtimes = seen.downtimes.snapshot
    try:
        matched, failure = _matched(monitor, downtimes), None
    except datadog.DatadogError as error:
        matched, failure = [], error
    reckoned = seen.mutes.muted(monitor, moment)
    if failure is None:
        names = frozenset(g for n in matched for g in n.match.groups)
    else:
        names = reckoned.groups if reckoned else frozenset()
    over = mutes.before(downtimes.downtimes if downtimes else (), monitor, moment)
    return Page(
        monitor=monitor,
        overview=seen,
        now=matched,
        now_failure=failure,
        reckoned=reckoned if failure is not None else None,
        later=seen.mutes.later(monitor, moment),
        missing=seen.mutes.missing(monitor),
        before=over[:BEFORE_SHOWN],
        before_total=len(over),
        muted_groups=names,
    )


def aftermath(downtime: Downtime, moment: datetime) -> tuple[mutes.Aftermath, Overview]:
    """What `downtime` mutes and what would notify if it ended now, from the copies."""
    seen = overview()
    monitors: Iterable[Monitor] = seen.monitors.monitors
    return mutes.aftermath(downtime, monitors, moment, others=seen.mutes), seen
