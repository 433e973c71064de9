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

Each process keeps the base it last read and the view it built from it, so a warm page reads a
few small keys instead of unpickling thousands of records.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from . import datadog
from .domain import Downtime
from .timekeeping import now

log = logging.getLogger(__name__)

KEY_DATA = "downtimes:snapshot:data"
KEY_VERSION = "downtimes:snapshot:version"
KEY_FRESH = "downtimes:snapshot:fresh"
KEY_LOCK = "downtimes:snapshot:lock"
KEY_FAILURE = "downtimes:snapshot:failure"
KEY_FORCED = "downtimes:snapshot:forced"
KEY_JOURNAL = "downtimes:journal"
KEY_JOURNAL_HEAD = "downtimes:journal:head"
# Last good data, and the writes laid over it, are kept long after they stop being fresh.
KEEP_SECONDS = 24 * 60 * 60
WAIT_STEP = 0.05
# Journal entries a reader looks past the recorded head for (two writers racing to set it).
JOURNAL_PROBE = 4


@dataclass(frozen=True)
class Snapshot:
    downtimes: tuple[Downtime, ...]
    fetched_at: datetime  # when its fetch began: it is at least this fresh
    version: str
    # The last journal entry written before its fetch began: later ones are laid over it.
    journal: int = 0
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
    # A forced refresh was asked for too soon after the last: seconds until one is allowed.
    forced_wait: float = 0.0

    @property
    def stale(self) -> bool:
        return self.failure is not None

    @property
    def downtimes(self) -> tuple[Downtime, ...]:
        return self.snapshot.downtimes if self.snapshot else ()


@dataclass(frozen=True)
class Written:
    """One write through the dashboard: Datadog's answer to it, in journal order."""

    seq: int
    downtime: Downtime


# --- this process's copy -----------------------------------------------------------------------


class _Local:
    """The base this process last read, and the view it built from it and the journal."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.finished = threading.Condition(self.lock)  # a refresh here published a base
        self.base: Snapshot | None = None
        self.view: Snapshot | None = None
        self.loading = False  # a newer shared base is being read on another thread
        self.sharing: str | None = None  # the version of a base fetched here, not yet shared

    def publish(self, base: Snapshot) -> None:
        with self.lock:
            if self.base is None or base.fetched_at >= self.base.fetched_at:
                self.base, self.view = base, None
            self.finished.notify_all()

    def forget(self) -> None:
        with self.lock:
            self.base = self.view = None


_local = _Local()


def _pack(snapshot: Snapshot) -> bytes:
    # Compressed: a fifth of the size to store, move and keep, for a few milliseconds.
    return zlib.compress(pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(data: bytes | None) -> Snapshot | None:
    return pickle.loads(zlib.decompress(data)) if data else None  # noqa: S301 - our own cache


def _read_shared(version: str) -> Snapshot | None:
    snapshot = _unpack(cache.get(KEY_DATA))
    return snapshot if snapshot is not None and snapshot.version == version else None


def _load_in_background(version: str) -> None:
    def load() -> None:
        try:
            snapshot = _read_shared(version)
            if snapshot is not None:
                _local.publish(snapshot)
        finally:
            with _local.lock:
                _local.loading = False

    _in_background("downtime-copy-load", load)


@dataclass(frozen=True)
class _Glance:
    """The shared cache's small keys read together, with the journal entries just past this
    process's view: a warm page makes one round trip to the cache."""

    version: str | None
    fresh: bool
    failure: Failure | None
    head: int
    after: int  # `found` holds the journal keys just after this one, where they exist
    found: dict[str, object]


def _glance() -> _Glance:
    with _local.lock:
        seen = _local.view or _local.base
    after = seen.journal if seen is not None else 0
    journal = [f"{KEY_JOURNAL}:{n}" for n in range(after + 1, after + 1 + JOURNAL_PROBE)]
    found = cache.get_many([KEY_VERSION, KEY_FRESH, KEY_FAILURE, KEY_JOURNAL_HEAD, *journal])
    version, fresh, failure = (found.get(key) for key in (KEY_VERSION, KEY_FRESH, KEY_FAILURE))
    return _Glance(version, bool(fresh), failure, found.get(KEY_JOURNAL_HEAD) or 0, after, found)


def _base(version: str | None) -> Snapshot | None:
    """This process's base, brought up to the shared one's `version`.

    A process that has a base keeps serving it while it reads the newer one on another thread;
    one with none reads it now.
    """
    with _local.lock:
        base = _local.base
        if base is not None and base.version in (version, _local.sharing):
            return base
    if version is None:
        _local.forget()  # the shared cache is the one truth: no copy there, none here
        return None
    if base is not None and datadog.threads_allowed():
        with _local.lock:
            start, _local.loading = not _local.loading, True
        if start:
            _load_in_background(version)
        return base
    snapshot = _read_shared(version)
    if snapshot is not None:
        _local.publish(snapshot)
    with _local.lock:
        return _local.base


def _entries(after: int, glance: _Glance | None = None) -> list[Written]:
    """Journal entries after `after`, in order, up to the first one missing."""
    head = glance.head if glance is not None else cache.get(KEY_JOURNAL_HEAD) or 0
    head = max(head, after)
    keys = [f"{KEY_JOURNAL}:{n}" for n in range(after + 1, head + 1 + JOURNAL_PROBE)]
    if glance is not None and glance.after == after and head == after:
        found = glance.found  # it read these very keys
    else:
        found = cache.get_many(keys)
    entries = []
    for key in keys:
        if key not in found:
            break
        entries.append(found[key])
    return entries


def _overlay(snapshot: Snapshot, entries: list[Written], base_version: str) -> Snapshot:
    """The journal's answers laid over a copy; a newer version in the copy wins."""
    written: dict[str, Downtime] = {}
    for entry in entries:
        written[entry.downtime.id] = entry.downtime
    downtimes = []
    for downtime in snapshot.downtimes:
        newer = written.pop(downtime.id, None)
        if newer is not None and (
            downtime.modified is None
            or newer.modified is None
            or newer.modified >= downtime.modified
        ):
            downtime = newer
        downtimes.append(downtime)
    downtimes.extend(written.values())  # made since the copy was fetched: newest last
    seq = entries[-1].seq
    return replace(
        snapshot, downtimes=tuple(downtimes), version=f"{base_version}.{seq}", journal=seq, by_id={}
    )


def _view(glance: _Glance | None = None) -> Snapshot | None:
    """What a page shows: the base with every journal entry since its fetch laid over it."""
    glance = glance or _glance()
    base = _base(glance.version)
    if base is None:
        return None
    with _local.lock:
        view = _local.view if _local.base is base and _local.view is not None else base
    newer = _entries(view.journal, glance)
    if not newer:
        return view
    view = _overlay(view, newer, base.version)
    with _local.lock:
        if _local.base is base:
            _local.view = view
    return view


# --- refreshing ----------------------------------------------------------------------------------


def _failure(snapshot: Snapshot | None, glance: _Glance | None = None) -> Failure | None:
    failure: Failure | None = glance.failure if glance else cache.get(KEY_FAILURE)
    if failure is None or (snapshot is not None and failure.at < snapshot.fetched_at):
        return None
    return failure


def _journal_head() -> int:
    """The last journal entry written so far."""
    entries = _entries(head := cache.get(KEY_JOURNAL_HEAD) or 0)
    return entries[-1].seq if entries else head


def _fetch() -> Snapshot:
    """A new base from Datadog, shown by this process's pages at once."""
    started = now()
    journal = _journal_head()
    downtimes = datadog.list_all_downtimes(deadline_seconds=settings.DOWNTIME_REFRESH_DEADLINE)
    snapshot = Snapshot(downtimes, started, uuid.uuid4().hex, journal)
    with _local.lock:
        _local.sharing = snapshot.version
    _local.publish(snapshot)
    return snapshot


def _share(snapshot: Snapshot) -> None:
    """The base for every other process: the data before the version that points at it."""
    cache.set_many({KEY_DATA: _pack(snapshot), KEY_VERSION: snapshot.version}, KEEP_SECONDS)
    cache.set(KEY_FRESH, True, settings.DOWNTIME_CACHE_TTL)
    cache.delete(KEY_FAILURE)


def _record_failure(error: datadog.DatadogError) -> Failure:
    failure = Failure(message=str(error), kind=type(error).__name__, at=now())
    cache.set(KEY_FAILURE, failure, KEEP_SECONDS)
    # Hold off the next attempt; a rate limit says for how long.
    pause = settings.DOWNTIME_FAILURE_PAUSE
    if isinstance(error, datadog.RateLimited) and error.reset:
        pause = max(pause, min(error.reset, 60))
    cache.set(KEY_FRESH, True, pause)
    return failure


def _release(token: str) -> None:
    if cache.get(KEY_LOCK) == token:
        cache.delete(KEY_LOCK)


def _refresh_holding(token: str, *, share_behind: bool = False) -> Snapshot | Failure:
    """Refresh while holding the lock taken with `token`, and release it once shared.

    With `share_behind`, a waiting request goes on with the new base as soon as this process has
    it; storing it for everyone else (pickling thousands of records) goes on behind it, lock held.
    """
    try:
        snapshot = _fetch()
    except datadog.DatadogError as error:
        log.warning("refreshing the downtime set failed: %s", error)
        _release(token)
        return _record_failure(error)
    except BaseException:
        _release(token)
        raise
    if share_behind and datadog.threads_allowed():
        _in_background("downtime-share", lambda: _share_then_release(snapshot, token), finish=True)
    else:
        _share_then_release(snapshot, token)
    return snapshot


def _share_then_release(snapshot: Snapshot, token: str) -> None:
    try:
        _share(snapshot)
    finally:
        with _local.lock:
            if _local.sharing == snapshot.version:
                _local.sharing = None
        _release(token)


def _in_background(name: str, work: Callable[[], object], *, finish: bool = False) -> None:
    """`work` on another thread; with `finish`, the process waits for it before it exits."""

    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()  # this thread's own (the database cache, a sandbox)

    threading.Thread(target=run, name=name, daemon=not finish).start()


def _take_lock() -> str | None:
    token = uuid.uuid4().hex
    return token if cache.add(KEY_LOCK, token, settings.DOWNTIME_REFRESH_LOCK_SECONDS) else None


def _refresh_in_background() -> None:
    """Start one refresh on another thread, unless one is under way anywhere already.

    Where threads cannot see this one's data (an in-process sandbox inside a transaction, as in
    tests), the refresh runs here instead.
    """
    token = _take_lock()
    if token is None:
        return
    if not datadog.threads_allowed():
        _refresh_holding(token)
        return
    _in_background("downtime-refresh", lambda: _refresh_holding(token))


def _wait_unlocked() -> None:
    """Wait (bounded) until no refresh is under way anywhere."""
    deadline = time.monotonic() + settings.DOWNTIME_REFRESH_LOCK_SECONDS
    while cache.get(KEY_LOCK) is not None and time.monotonic() < deadline:
        with _local.lock:
            _local.finished.wait(WAIT_STEP)


def _refresh_now(view: Snapshot | None) -> Current:
    """A refresh this request waits for: run here, or the one under way elsewhere (and if that
    one left no copy at all, one more here)."""
    for _ in range(2):
        token = _take_lock()
        if token is not None:
            result = _refresh_holding(token, share_behind=True)
            fresh = _view()
            return Current(fresh, result if isinstance(result, Failure) else None)
        _wait_unlocked()
        fresh = _view()
        if fresh is not None and (view is None or fresh.version != view.version):
            return Current(fresh, _failure(fresh))
        if _failure(fresh) is not None:
            return Current(fresh, _failure(fresh))
    last = _view()
    return Current(last, _failure(last))


# --- what pages and writes use -------------------------------------------------------------------


def current(*, force: bool = False) -> Current:
    """The downtime set for a page: the copy at once (refreshed behind it when old)."""
    glance = _glance()
    view = _view(glance)
    if force:
        return _forced(view)
    if view is None:
        return _first_copy()
    if glance.fresh:
        return Current(view, _failure(view, glance))
    _refresh_in_background()
    view = _view()  # where it ran here, what it made
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
    """A copy whose fetch began after `moment`: this one if it did, else one fetched now (after
    any refresh under way, which may have begun too early). Raises DatadogError when none can be
    had."""
    view = _view()
    if view is not None and view.fetched_at > moment:
        return view
    for _ in range(2):
        token = _take_lock()
        if token is None:
            _wait_unlocked()
            continue
        result = _refresh_holding(token)
        if isinstance(result, Failure):
            raise datadog.Unavailable(result.message)
        fresh = _view()
        assert fresh is not None
        return fresh
    raise datadog.Unavailable("another refresh of the downtime set is still under way")


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
    _local.forget()
    cache.delete_many([KEY_DATA, KEY_VERSION, KEY_FRESH])
