"""The copy as it is stored: a base in the shared cache with a journal of writes, and this
process's own view of it.

The shared cache (the database, or Redis) is the one truth; each process keeps the base it last
read and the view it built from it, so a warm page reads a few small keys in one round trip
instead of unpickling thousands of records.
"""

from __future__ import annotations

import pickle
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.core.cache import cache
from django.db import connections

from .. import datadog
from ..domain import Downtime

KEY_DATA = "downtimes:snapshot:data"
KEY_VERSION = "downtimes:snapshot:version"
KEY_FRESH = "downtimes:snapshot:fresh"
KEY_LOCK = "downtimes:snapshot:lock"
KEY_FAILURE = "downtimes:snapshot:failure"
KEY_FORCED = "downtimes:snapshot:forced"
# (version, when): a later fetch found the set as that version has it, so nothing was reshared.
KEY_CHECKED = "downtimes:snapshot:checked"
KEY_JOURNAL = "downtimes:journal"
KEY_JOURNAL_HEAD = "downtimes:journal:head"
# Last good data, and the writes laid over it, are kept long after they stop being fresh.
KEEP_SECONDS = 24 * 60 * 60
# Journal entries a reader looks past the recorded head for (two writers racing to set it).
JOURNAL_PROBE = 4


@dataclass(frozen=True)
class Snapshot:
    downtimes: tuple[Downtime, ...]
    fetched_at: datetime  # when its latest fetch began: it is at least this fresh
    version: str
    # The last journal entry written before its fetch began: later ones are laid over it.
    journal: int = 0
    # Each page's fingerprint as fetched: the next refresh skips reading pages that match.
    pages: tuple[str, ...] = ()
    # Where each id is in `downtimes`: worked out when first needed, never stored in the cache.
    positions: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def where(self) -> dict[str, int]:
        if not self.positions and self.downtimes:
            self.positions.update((d.id, i) for i, d in enumerate(self.downtimes))
        return self.positions

    def get(self, downtime_id: str) -> Downtime | None:
        at = self.where().get(downtime_id)
        return self.downtimes[at] if at is not None else None


@dataclass(frozen=True)
class Failure:
    message: str
    kind: str  # the error class: RateLimited, Unavailable, AuthError, ...
    at: datetime


@dataclass(frozen=True)
class Written:
    """One write through the dashboard: Datadog's answer to it, in journal order."""

    seq: int
    downtime: Downtime


class Local:
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


local = Local()


def in_background(name: str, work: Callable[[], object], *, finish: bool = False) -> None:
    """`work` on another thread; with `finish`, the process waits for it before it exits."""

    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()  # this thread's own (the database cache, a sandbox)

    threading.Thread(target=run, name=name, daemon=not finish).start()


def pack(snapshot: Snapshot) -> bytes:
    bare = replace(snapshot, positions={})
    return zlib.compress(pickle.dumps(bare, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack(data: bytes | None) -> Snapshot | None:
    return pickle.loads(zlib.decompress(data)) if data else None  # noqa: S301 - our own cache


@dataclass(frozen=True)
class Glance:
    """The shared cache's small keys read together, with the journal entries just past this
    process's view: a warm page makes one round trip to the cache."""

    version: str | None
    fresh: bool
    failure: Failure | None
    checked: tuple[str, datetime] | None
    lock: str | None  # the token of the refresh under way, if one is
    head: int
    after: int  # `found` holds the journal keys just after this one, where they exist
    found: dict[str, object]


def glance() -> Glance:
    with local.lock:
        seen = local.view or local.base
    after = seen.journal if seen is not None else 0
    journal = [f"{KEY_JOURNAL}:{n}" for n in range(after + 1, after + 1 + JOURNAL_PROBE)]
    small = (KEY_VERSION, KEY_FRESH, KEY_FAILURE, KEY_CHECKED, KEY_LOCK, KEY_JOURNAL_HEAD)
    found = cache.get_many([*small, *journal])
    version, fresh, failure, checked, lock, head = (found.get(key) for key in small)
    return Glance(version, bool(fresh), failure, checked, lock, head or 0, after, found)


def _read_shared(version: str) -> Snapshot | None:
    snapshot = unpack(cache.get(KEY_DATA))
    return snapshot if snapshot is not None and snapshot.version == version else None


def _load_in_background(version: str) -> None:
    def load() -> None:
        try:
            snapshot = _read_shared(version)
            if snapshot is not None:
                local.publish(snapshot)
        finally:
            with local.lock:
                local.loading = False

    in_background("downtime-copy-load", load)


def _checked(base: Snapshot, checked: tuple[str, datetime] | None) -> Snapshot:
    """The base, as fresh as the latest fetch that found it unchanged."""
    if checked is None or checked[0] != base.version or checked[1] <= base.fetched_at:
        return base
    base = replace(base, fetched_at=checked[1], positions=base.positions)
    local.publish(base)
    return base


def _base(seen: Glance, read_now: bool) -> Snapshot | None:
    """This process's base, brought up to the shared one's version.

    A process that has a base keeps serving it while it reads the newer one on another thread,
    unless told to `read_now`; one with none reads it now.
    """
    version = seen.version
    with local.lock:
        base = local.base
        current = base is not None and base.version in (version, local.sharing)
    if base is not None and current:
        return _checked(base, seen.checked)
    if version is None:
        local.forget()  # the shared cache is the one truth: no copy there, none here
        return None
    if base is not None and not read_now and datadog.threads_allowed():
        with local.lock:
            start, local.loading = not local.loading, True
        if start:
            _load_in_background(version)
        return base
    snapshot = _read_shared(version)
    if snapshot is not None:
        local.publish(snapshot)
        return _checked(snapshot, seen.checked)
    with local.lock:
        return local.base


def entries(after: int, seen: Glance | None = None) -> list[Written]:
    """Journal entries after `after`, in order, up to the first one missing."""
    if seen is not None and seen.after == after:
        # The glance read the keys just after this one; if the run of entries ends among
        # them, that is all there is (the usual case: none, or a write or two since).
        keys = [f"{KEY_JOURNAL}:{n}" for n in range(after + 1, after + 1 + JOURNAL_PROBE)]
        if any(key not in seen.found for key in keys) and seen.head < after + JOURNAL_PROBE:
            return _run(keys, seen.found)
    head = seen.head if seen is not None else cache.get(KEY_JOURNAL_HEAD) or 0
    keys = [f"{KEY_JOURNAL}:{n}" for n in range(after + 1, max(head, after) + 1 + JOURNAL_PROBE)]
    return _run(keys, cache.get_many(keys))


def _run(keys: list[str], found: dict) -> list[Written]:
    written = []
    for key in keys:
        if key not in found:
            break
        written.append(found[key])
    return written


def _overlay(snapshot: Snapshot, written: list[Written], base_version: str) -> Snapshot:
    """The journal's answers laid over a copy; a newer version in the copy wins. Each answer
    goes where its downtime already is (made since the copy was fetched: at the end)."""
    answers: dict[str, Downtime] = {}
    for entry in written:
        answers[entry.downtime.id] = entry.downtime
    where = snapshot.where()
    downtimes = list(snapshot.downtimes)
    added: dict[str, int] = {}
    for downtime_id, newer in answers.items():
        at = where.get(downtime_id)
        if at is None:
            added[downtime_id] = len(downtimes)
            downtimes.append(newer)
            continue
        shown = downtimes[at]
        if shown.modified is None or newer.modified is None or newer.modified >= shown.modified:
            downtimes[at] = newer
    seq = written[-1].seq
    return replace(
        snapshot,
        downtimes=tuple(downtimes),
        version=f"{base_version}.{seq}",
        journal=seq,
        positions={**where, **added} if added else where,
    )


def view(seen: Glance | None = None, *, read_now: bool = False) -> Snapshot | None:
    """What a page shows: the base with every journal entry since its fetch laid over it."""
    seen = seen or glance()
    base = _base(seen, read_now)
    if base is None:
        return None
    with local.lock:
        shown = local.view if local.base is base and local.view is not None else base
    newer = entries(shown.journal, seen)
    if not newer:
        return shown
    shown = _overlay(shown, newer, base.version)
    with local.lock:
        if local.base is base:
            local.view = shown
    return shown


def failure(snapshot: Snapshot | None, seen: Glance | None = None) -> Failure | None:
    """The last failed refresh, unless a copy fetched since has superseded it."""
    last: Failure | None = seen.failure if seen else cache.get(KEY_FAILURE)
    if last is None or (snapshot is not None and last.at < snapshot.fetched_at):
        return None
    return last


def journal_head() -> int:
    """The last journal entry written so far."""
    written = entries(head := cache.get(KEY_JOURNAL_HEAD) or 0)
    return written[-1].seq if written else head
