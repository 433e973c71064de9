"""One cached copy of the whole downtime set, shared by every page, user and instance.

Datadog's list endpoint filters by nothing but `current_only`, so tabs, counts, search and
sorting all need the whole set. It is fetched (first page, then the rest concurrently) into the
Django cache, answered from there for `DOWNTIME_CACHE_TTL` seconds, refreshed by one request at
a time however many ask (a lock in the cache, so it holds across instances with Redis), and
invalidated by the dashboard's own writes.

When a refresh fails, pages keep the last good copy and say since when; a failure also holds off
the next attempt for a few seconds so that a page full of users does not hammer a struggling API.

Each process keeps the copy it last read, keyed by a version string, so a warm page view reads
one small key from the cache instead of unpickling thousands of records.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache

from . import datadog
from .domain import Downtime

KEY_DATA = "downtimes:snapshot:data"
KEY_VERSION = "downtimes:snapshot:version"
KEY_FRESH = "downtimes:snapshot:fresh"
KEY_LOCK = "downtimes:snapshot:lock"
KEY_FAILURE = "downtimes:snapshot:failure"
# Bumped by every write; a refresh that began before a write must not mark its copy fresh.
KEY_GENERATION = "downtimes:snapshot:generation"
# Last good data is kept long after it stops being fresh: stale data beats no data.
KEEP_SECONDS = 24 * 60 * 60
WAIT_STEP = 0.05


@dataclass(frozen=True)
class Snapshot:
    downtimes: tuple[Downtime, ...]
    fetched_at: datetime
    version: str
    by_id: dict[str, Downtime] = field(default_factory=dict, compare=False, repr=False)

    def get(self, downtime_id: str) -> Downtime | None:
        if not self.by_id and self.downtimes:
            self.by_id.update((d.id, d) for d in self.downtimes)
        return self.by_id.get(downtime_id)


@dataclass(frozen=True)
class Failure:
    message: str
    kind: str  # the error class: RateLimited, Unavailable, AuthError, ...
    at: datetime


@dataclass(frozen=True)
class Current:
    """What a page gets: the data (if any was ever fetched) and the last failure, if newer."""

    snapshot: Snapshot | None
    failure: Failure | None = None

    @property
    def stale(self) -> bool:
        return self.failure is not None

    @property
    def downtimes(self) -> tuple[Downtime, ...]:
        return self.snapshot.downtimes if self.snapshot else ()


_local_lock = threading.Lock()
_local: Snapshot | None = None


def _remember(snapshot: Snapshot | None) -> Snapshot | None:
    global _local
    if snapshot is not None:
        with _local_lock:
            _local = snapshot
    return snapshot


def _load() -> Snapshot | None:
    version = cache.get(KEY_VERSION)
    if version is None:
        return None
    with _local_lock:
        local = _local
    if local is not None and local.version == version:
        return local
    snapshot = cache.get(KEY_DATA)
    if snapshot is None or snapshot.version != version:
        return None
    return _remember(snapshot)


def _failure(snapshot: Snapshot | None) -> Failure | None:
    failure: Failure | None = cache.get(KEY_FAILURE)
    if failure is None or (snapshot is not None and failure.at < snapshot.fetched_at):
        return None
    return failure


def _refresh() -> Snapshot:
    started = datetime.now(UTC)
    generation = cache.get(KEY_GENERATION, 0)
    downtimes = datadog.list_all_downtimes(deadline_seconds=settings.DOWNTIME_REFRESH_DEADLINE)
    snapshot = Snapshot(downtimes=downtimes, fetched_at=started, version=uuid.uuid4().hex)
    # The data first, then the version that points at it, then the freshness mark.
    cache.set(KEY_DATA, snapshot, KEEP_SECONDS)
    cache.set(KEY_VERSION, snapshot.version, KEEP_SECONDS)
    if cache.get(KEY_GENERATION, 0) == generation:
        cache.set(KEY_FRESH, True, settings.DOWNTIME_CACHE_TTL)
    cache.delete(KEY_FAILURE)
    return _remember(snapshot)


def _record_failure(error: datadog.DatadogError) -> Failure:
    failure = Failure(message=str(error), kind=type(error).__name__, at=datetime.now(UTC))
    cache.set(KEY_FAILURE, failure, KEEP_SECONDS)
    # Hold off the next attempt; a rate limit says for how long.
    pause = settings.DOWNTIME_FAILURE_PAUSE
    if isinstance(error, datadog.RateLimited) and error.reset:
        pause = max(pause, min(error.reset, 60))
    cache.set(KEY_FRESH, True, pause)
    return failure


def current(*, force: bool = False) -> Current:
    """The downtime set for a page: from the cache when fresh, else refreshed (once)."""
    snapshot = _load()
    if snapshot is not None and not force and cache.get(KEY_FRESH):
        return Current(snapshot, _failure(snapshot))
    token = uuid.uuid4().hex
    if cache.add(KEY_LOCK, token, settings.DOWNTIME_REFRESH_LOCK_SECONDS):
        try:
            return Current(_refresh())
        except datadog.DatadogError as error:
            return Current(snapshot, _record_failure(error))
        finally:
            if cache.get(KEY_LOCK) == token:
                cache.delete(KEY_LOCK)
    if snapshot is not None:
        # Someone else is refreshing; this copy is at most a refresh old.
        return Current(snapshot, _failure(snapshot))
    return _wait_for_refresh()


def _wait_for_refresh() -> Current:
    """No data yet and another request is fetching it: wait for that fetch, not a second one."""
    deadline = time.monotonic() + settings.DOWNTIME_REFRESH_LOCK_SECONDS
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP)
        snapshot = _load()
        if snapshot is not None:
            return Current(snapshot, _failure(snapshot))
        if cache.get(KEY_LOCK) is None:
            failure = _failure(None)
            if failure is not None:
                return Current(None, failure)
            return current()
    return Current(None, _failure(None))


def peek() -> Snapshot | None:
    """The last copy fetched, however old, without ever asking Datadog: for fallbacks after a
    failed read, and for requests that must not cause upstream calls."""
    return _load()


def invalidate() -> None:
    """After a write through the dashboard: the next page view fetches a new copy."""
    # A refresh already under way read the set before this write; the new generation stops it
    # from marking that copy fresh.
    if not cache.add(KEY_GENERATION, 1, None):
        try:
            cache.incr(KEY_GENERATION)
        except ValueError:
            cache.set(KEY_GENERATION, 1, None)
    cache.delete(KEY_FRESH)
