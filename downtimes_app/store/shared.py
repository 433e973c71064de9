"""A copy as it is stored: a base in the shared cache with a journal of writes, and this
process's own view of it.

The shared cache (the database, or Redis) is the one truth; each process keeps the base it last
read and the view it built from it, so a warm page reads a few small keys in one round trip
instead of unpickling thousands of records.

Every copy is of one `Kind` (the downtime set, the monitor list): its keys in the cache, how it
is fetched, how long it counts as fresh, and this process's view of it. The mechanism is the
same for every kind; the records it holds need an `id` and a `modified` time.
"""

from __future__ import annotations

import logging
import pickle
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from downtimes_app import datadog
from downtimes_app.core.clock import now

log = logging.getLogger(__name__)

# Last good data, and the writes laid over it, are kept long after they stop being fresh.
KEEP_SECONDS = 24 * 60 * 60
# Journal entries a reader looks past the recorded head for (two writers racing to set it).
JOURNAL_PROBE = 4


class Named:
    """A copy's items by the name its readers use: `downtimes` or `monitors`."""

    items: tuple[Any, ...]

    @property
    def downtimes(self) -> tuple[Any, ...]:
        return self.items

    @property
    def monitors(self) -> tuple[Any, ...]:
        return self.items


@dataclass(frozen=True)
class Snapshot(Named):
    items: tuple[Any, ...]
    fetched_at: datetime  # when its latest fetch began: it is at least this fresh
    version: str
    # The last journal entry written before its fetch began: later ones are laid over it.
    journal: int = 0
    # Each page's fingerprint as fetched: the next refresh skips reading pages that match.
    pages: tuple[str, ...] = ()
    # Where each id is in `items`: worked out when first needed, never stored in the cache.
    positions: dict[Any, int] = field(default_factory=dict, compare=False, repr=False)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A copy an earlier release stored called its items `downtimes`.
        if "downtimes" in state:
            state["items"] = state.pop("downtimes")
        self.__dict__.update(state)

    def where(self) -> dict[Any, int]:
        if not self.positions and self.items:
            self.positions.update((item.id, i) for i, item in enumerate(self.items))
        return self.positions

    def get(self, item_id: Any) -> Any | None:
        at = self.where().get(item_id)
        return self.items[at] if at is not None else None


@dataclass(frozen=True)
class Failure:
    message: str
    kind: str  # the error class: RateLimited, Unavailable, AuthError, ...
    at: datetime


@dataclass(frozen=True)
class Written:
    """One write through the dashboard: Datadog's answer to it, in journal order."""

    seq: int
    item: Any

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "downtime" in state:  # an entry an earlier release wrote
            state["item"] = state.pop("downtime")
        self.__dict__.update(state)

    @property
    def downtime(self) -> Any:
        return self.item


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
        """Make `base` this process's, unless the one held was fetched later (a read that lost a
        race with a refresh); one fetched after "now" (the org's clock was set back) always
        gives way, or it would stay until the clock caught up with it."""
        with self.lock:
            held = self.base
            if held is None or base.fetched_at >= held.fetched_at or held.fetched_at > now():
                self.base, self.view = base, None
            self.finished.notify_all()

    def forget(self) -> None:
        with self.lock:
            self.base = self.view = None


KINDS: dict[str, Kind] = {}


class Kind:
    """One kind of copy: its keys in the shared cache, how it is fetched, and how long it
    counts as fresh.

    `fetch(deadline_seconds, known)` returns the whole set from Datadog as a `datadog.Loaded`
    (raising `DatadogError`); `known` are the page fingerprints of the copy it would replace, so
    that a fetch that can tell may answer "unchanged" without reading the set again. It is called
    on a refresh's own thread. `ttl_setting` names the setting that says, in seconds,
    how long a copy counts as fresh. `local` is this process's view of the copy.

    Every key, and this process's view, belong to one upstream (`datadog.upstream()`: the API
    and a fingerprint of the keys): a copy of one org is never read as another's, whether the
    keys changed, the shared cache outlived a restart, or two deployments share one Redis.
    """

    def __init__(
        self,
        name: str,
        prefix: str,
        fetch: Callable[[float, tuple[str, ...]], datadog.Loaded],
        *,
        ttl_setting: str,
    ) -> None:
        self.name = name  # in words ("the whole downtime set"), thread names and log lines
        self.prefix = prefix
        self.fetch = fetch
        self.ttl_setting = ttl_setting
        self._locals: dict[str, Local] = {}
        self._locals_lock = threading.Lock()
        KINDS[prefix] = self  # for the background worker, which is told a kind by its prefix

    @property
    def local(self) -> Local:
        upstream = datadog.upstream()
        with self._locals_lock:
            found = self._locals.get(upstream)
            if found is None:
                found = self._locals[upstream] = Local()
            return found

    @local.setter
    def local(self, view: Local) -> None:  # another process's view, in tests
        with self._locals_lock:
            self._locals[datadog.upstream()] = view

    def key(self, name: str) -> str:
        return f"{self.prefix}:{datadog.upstream()}:{name}"

    data = property(lambda self: self.key("snapshot:data"))
    version = property(lambda self: self.key("snapshot:version"))
    fresh = property(lambda self: self.key("snapshot:fresh"))
    lock = property(lambda self: self.key("snapshot:lock"))
    failure = property(lambda self: self.key("snapshot:failure"))
    forced = property(lambda self: self.key("snapshot:forced"))
    # (version, when): a later fetch found the set as that version has it: nothing reshared.
    checked = property(lambda self: self.key("snapshot:checked"))
    journal = property(lambda self: self.key("journal"))
    journal_head = property(lambda self: self.key("journal:head"))

    @property
    def ttl(self) -> int:
        return int(getattr(settings, self.ttl_setting))

    @property
    def unlabelled(self) -> timedelta:
        """The oldest a copy may be and still be shown without saying how old it is: its time to
        live plus the deadline a person waits for a new one."""
        return timedelta(seconds=self.ttl + settings.DOWNTIME_REFRESH_DEADLINE)

    def __repr__(self) -> str:
        return f"Kind({self.name!r})"


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
    """The copy stored as `data`; None when there is none, or it cannot be read (damaged, or
    pickled by a release whose classes this one does not have): it is then fetched anew."""
    if not data:
        return None
    try:
        return pickle.loads(zlib.decompress(data))  # noqa: S301 - our own cache
    except Exception as error:  # whatever unpickling raises: no copy, rather than no page
        log.warning(
            "the stored copy could not be read (%s: %s); fetching it anew",
            type(error).__name__,
            error,
        )
        return None


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


def glance(kind: Kind) -> Glance:
    local = kind.local
    with local.lock:
        seen = local.view or local.base
    after = seen.journal if seen is not None else 0
    journal = [f"{kind.journal}:{n}" for n in range(after + 1, after + 1 + JOURNAL_PROBE)]
    small = (kind.version, kind.fresh, kind.failure, kind.checked, kind.lock, kind.journal_head)
    found = cache.get_many([*small, *journal])
    version, fresh, failure, checked, lock, head = (found.get(key) for key in small)
    return Glance(version, bool(fresh), failure, checked, lock, head or 0, after, found)


def _read_shared(kind: Kind, version: str) -> Snapshot | None:
    snapshot = unpack(cache.get(kind.data))
    return snapshot if snapshot is not None and snapshot.version == version else None


def _load_in_background(kind: Kind, version: str) -> None:
    local = kind.local

    def load() -> None:
        try:
            snapshot = _read_shared(kind, version)
            if snapshot is not None:
                local.publish(snapshot)
        finally:
            with local.lock:
                local.loading = False

    in_background(f"{kind.name}-copy-load", load)


def _checked(kind: Kind, base: Snapshot, checked: tuple[str, datetime] | None) -> Snapshot:
    """The base, as fresh as the latest fetch that found it unchanged."""
    if checked is None or checked[0] != base.version or checked[1] <= base.fetched_at:
        return base
    base = replace(base, fetched_at=checked[1], positions=base.positions)
    kind.local.publish(base)
    return base


def _base(kind: Kind, seen: Glance, read_now: bool) -> Snapshot | None:
    """This process's base, brought up to the shared one's version.

    A process that has a base keeps serving it while it reads the newer one on another thread,
    unless told to `read_now`; one with none reads it now.
    """
    local, version = kind.local, seen.version
    with local.lock:
        base = local.base
        current = base is not None and base.version in (version, local.sharing)
    if base is not None and current:
        return _checked(kind, base, seen.checked)
    if version is None:
        local.forget()  # the shared cache is the one truth: no copy there, none here
        return None
    if base is not None and not read_now and datadog.threads_allowed():
        with local.lock:
            start, local.loading = not local.loading, True
        if start:
            _load_in_background(kind, version)
        return base
    snapshot = _read_shared(kind, version)
    if snapshot is not None:
        local.publish(snapshot)
        return _checked(kind, snapshot, seen.checked)
    with local.lock:
        return local.base


def entries(kind: Kind, after: int, seen: Glance | None = None) -> list[Written]:
    """Journal entries after `after`, in order, up to the first one missing."""
    if seen is not None and seen.after == after:
        # The glance read the keys just after this one; if the run of entries ends among
        # them, that is all there is (the usual case: none, or a write or two since).
        keys = [f"{kind.journal}:{n}" for n in range(after + 1, after + 1 + JOURNAL_PROBE)]
        if any(key not in seen.found for key in keys) and seen.head < after + JOURNAL_PROBE:
            return _run(keys, seen.found)
    head = seen.head if seen is not None else cache.get(kind.journal_head) or 0
    top = max(head, after) + 1 + JOURNAL_PROBE
    keys = [f"{kind.journal}:{n}" for n in range(after + 1, top)]
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
    goes where its item already is (made since the copy was fetched: at the end)."""
    answers: dict[Any, Any] = {}
    for entry in written:
        answers[entry.item.id] = entry.item
    where = snapshot.where()
    items = list(snapshot.items)
    added: dict[Any, int] = {}
    for item_id, newer in answers.items():
        at = where.get(item_id)
        if at is None:
            added[item_id] = len(items)
            items.append(newer)
            continue
        shown = items[at]
        if shown.modified is None or newer.modified is None or newer.modified >= shown.modified:
            items[at] = newer
    seq = written[-1].seq
    return replace(
        snapshot,
        items=tuple(items),
        version=f"{base_version}.{seq}",
        journal=seq,
        positions={**where, **added} if added else where,
    )


def view(kind: Kind, seen: Glance | None = None, *, read_now: bool = False) -> Snapshot | None:
    """What a page shows: the base with every journal entry since its fetch laid over it."""
    seen = seen or glance(kind)
    base = _base(kind, seen, read_now)
    if base is None:
        return None
    local = kind.local
    with local.lock:
        shown = local.view if local.base is base and local.view is not None else base
    newer = entries(kind, shown.journal, seen)
    if not newer:
        return shown
    shown = _overlay(shown, newer, base.version)
    with local.lock:
        if local.base is base:
            local.view = shown
    return shown


def failure(kind: Kind, snapshot: Snapshot | None, seen: Glance | None = None) -> Failure | None:
    """The last failed refresh, unless a copy fetched since has superseded it."""
    last: Failure | None = seen.failure if seen else cache.get(kind.failure)
    if last is None or (snapshot is not None and last.at < snapshot.fetched_at):
        return None
    return last


def journal_head(kind: Kind) -> int:
    """The last journal entry written so far."""
    written = entries(kind, head := cache.get(kind.journal_head) or 0)
    return written[-1].seq if written else head
