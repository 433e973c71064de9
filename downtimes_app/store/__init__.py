"""One copy of the whole downtime set, shared by every page, user, worker and instance.

Datadog's list endpoint filters by nothing but `current_only`, so tabs, counts, search and
sorting all need the whole set. It is kept in the shared cache (the database, or Redis) as a
*base*, fetched from Datadog, and a *journal* of the dashboard's own writes since, each one
Datadog's answer to that write. A page reads the base with the journal laid over it:

- **Nobody waits for a refresh once a copy exists.** A copy older than `DOWNTIME_CACHE_TTL` is
  served at once while one refresh runs on a background thread; a lock in the shared cache keeps
  it to one at a time across workers and instances. Only the very first load waits.
- **Writes show at once, everywhere.** A write through the dashboard appends Datadog's answer to
  the journal; every worker lays new entries over its base before its next page, without a list
  call. A refresh that began before a write keeps that write laid over its result, so it never
  brings the old version back; the next refresh after it reconciles.
- **Failures keep the last good copy.** A failed refresh leaves the copy as it was, records the
  failure for pages to show, and holds off the next attempt for a few seconds (longer when a
  rate limit says so).
- **Forced refreshes are bounded.** The Refresh button reloads the set at most once per
  `DOWNTIME_FORCED_REFRESH_INTERVAL` across all users and instances.

`shared` holds how the copy is stored and read; `refresh` how it is renewed; this module what
pages and writes use.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache

from .. import datadog
from ..domain import Downtime
from . import refresh, shared
from .shared import (
    KEEP_SECONDS,
    KEY_CHECKED,
    KEY_DATA,
    KEY_FORCED,
    KEY_FRESH,
    KEY_JOURNAL,
    KEY_JOURNAL_HEAD,
    KEY_LOCK,
    KEY_VERSION,
    Failure,
    Snapshot,
    Written,
    glance,
)
from .shared import failure as _failure
from .shared import view as _view

__all__ = [
    "KEY_DATA",
    "KEY_FORCED",
    "KEY_FRESH",
    "KEY_JOURNAL_HEAD",
    "KEY_LOCK",
    "KEY_VERSION",
    "Current",
    "Failure",
    "Snapshot",
    "current",
    "fetched_since",
    "invalidate",
    "mark_stale",
    "peek",
    "record_write",
]


@dataclass(frozen=True)
class Current:
    """What a page gets: the data (if any was ever fetched) and the last failure, if newer."""

    snapshot: Snapshot | None
    failure: Failure | None = None
    # A forced refresh was asked for too soon after the last: seconds until one is allowed.
    forced_wait: float = 0.0
    # A refresh this page waited for is still under way: the page shows what there was.
    loading: bool = False

    @property
    def stale(self) -> bool:
        return self.failure is not None

    @property
    def downtimes(self) -> tuple[Downtime, ...]:
        return self.snapshot.downtimes if self.snapshot else ()


def _refresh_now(view: Snapshot | None) -> Current:
    """A new copy this request waits for, within `DOWNTIME_REFRESH_DEADLINE`."""
    waited = refresh.wait_for_copy(view.fetched_at if view else None)
    loading = not waited.arrived and waited.failure is None  # it goes on behind the page
    return Current(waited.copy, waited.failure, loading=loading)


# --- what pages and writes use -------------------------------------------------------------------


def current(*, force: bool = False) -> Current:
    """The downtime set for a page: the copy at once (refreshed behind it when old)."""
    seen = glance()
    view = _view(seen)
    if force:
        return _forced(view)
    if view is None:
        return _first_copy()
    if seen.fresh:
        return Current(view, _failure(view, seen))
    refresh.start()
    view = _view()  # where it ran here (without threads), what it made
    return Current(view, _failure(view))


def _first_copy() -> Current:
    """No copy anywhere yet: this request waits for the first one (once per cache)."""
    failure = _failure(None)
    if failure is not None and cache.get(KEY_FRESH):
        return Current(None, failure)  # a failure's pause is on: do not ask again yet
    return _refresh_now(None)


def _forced(view: Snapshot | None) -> Current:
    """The Refresh button: a reload now, at most once an interval across everyone."""
    interval = settings.DOWNTIME_FORCED_REFRESH_INTERVAL
    if interval > 0 and view is not None:
        moment = time.time()
        if not cache.add(KEY_FORCED, moment, interval):
            since = cache.get(KEY_FORCED)
            wait = interval - (moment - since) if since is not None else interval
            return Current(view, _failure(view), forced_wait=max(0.0, wait))
    return _refresh_now(view)


def peek() -> Snapshot | None:
    """The copy as it is, however old, without ever asking Datadog: for fallbacks after a
    failed read, and for requests that must not cause upstream calls."""
    return _view()


def fetched_since(moment: datetime) -> Snapshot:
    """A copy whose fetch began after `moment`: this one if it did, else a new one, waited for
    within `DOWNTIME_REFRESH_DEADLINE`. Raises DatadogError when none can be had in time."""
    view = _view()
    if view is not None and view.fetched_at > moment:
        return view
    waited = refresh.wait_for_copy(moment)
    if waited.arrived and waited.copy is not None:
        return waited.copy
    if waited.failure is not None:
        raise datadog.Unavailable(waited.failure.message)
    seconds = settings.DOWNTIME_REFRESH_DEADLINE
    raise datadog.Unavailable(f"the whole downtime set did not arrive from Datadog in {seconds:g}s")


def record_write(downtime: Downtime) -> None:
    """After a write through the dashboard: Datadog's answer, laid over every copy at once."""
    head = cache.get(KEY_JOURNAL_HEAD) or 0
    for seq in range(head + 1, head + 1000):
        if cache.add(f"{KEY_JOURNAL}:{seq}", Written(seq, downtime), KEEP_SECONDS):
            break
    else:  # pragma: no cover - a thousand writers racing
        mark_stale()
        return
    if seq > (cache.get(KEY_JOURNAL_HEAD) or 0):
        cache.set(KEY_JOURNAL_HEAD, seq, None)  # never expires: bases remember where they were


def mark_stale() -> None:
    """After a write whose outcome is unknown (a timeout, say): refresh behind the next page."""
    cache.delete(KEY_FRESH)


def invalidate() -> None:
    """Forget the copy: the next page waits for a new one (for tests and tools that change
    Datadog behind the dashboard's back)."""
    shared.local.forget()
    cache.delete_many([KEY_DATA, KEY_VERSION, KEY_FRESH, KEY_CHECKED])
