"""Refreshing the copy from Datadog: one refresh at a time across every process, by a lock in
the shared cache; its result shown here at once and stored for everyone else.

Every refresh runs behind the pages, on a thread of its own, with a long deadline
(`DOWNTIME_REFRESH_BEHIND_DEADLINE`): long enough to wait out a rate limit's reset or a page that
hangs once. A person who needs a new copy (the first page, the Refresh button, a save whose
outcome is unknown) waits for it at most `DOWNTIME_REFRESH_DEADLINE`; past that the page shows
what there is and the refresh goes on.

A refresh that finds the set exactly as the base has it (the usual case: downtimes change far
less often than the copy expires) stores nothing but the time it looked. Other processes keep
the base they have, and the list's indexes built from it stay valid.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.core.cache import cache

from .. import datadog
from ..timekeeping import now
from .shared import (
    KEEP_SECONDS,
    KEY_CHECKED,
    KEY_DATA,
    KEY_FAILURE,
    KEY_FRESH,
    KEY_LOCK,
    KEY_VERSION,
    Failure,
    Snapshot,
    failure,
    glance,
    in_background,
    journal_head,
    local,
    pack,
    view,
)

log = logging.getLogger(__name__)

WAIT_STEP = 0.05


def _fetch() -> tuple[Snapshot, bool]:
    """A new base from Datadog, shown by this process's pages at once, and whether it differs
    from the shared one."""
    started = now()
    journal = journal_head()
    shared = glance().version
    with local.lock:
        base = local.base if local.base is not None and local.base.version == shared else None
    loaded = datadog.load_all_downtimes(
        known=base.pages if base is not None else (),
        deadline_seconds=settings.DOWNTIME_REFRESH_BEHIND_DEADLINE,
    )
    if base is not None and (loaded.downtimes is None or loaded.downtimes == base.downtimes):
        snapshot = replace(base, fetched_at=started, pages=loaded.prints, positions=base.positions)
        changed = False
    else:
        assert loaded.downtimes is not None
        snapshot = Snapshot(loaded.downtimes, started, uuid.uuid4().hex, journal, loaded.prints)
        changed = True
        with local.lock:
            local.sharing = snapshot.version
    local.publish(snapshot)
    return snapshot, changed


def _share(snapshot: Snapshot, changed: bool) -> None:
    """The base for every other process: the data before the version that points at it; or,
    when nothing changed, only when it was last found so."""
    if changed:
        cache.set_many({KEY_DATA: pack(snapshot), KEY_VERSION: snapshot.version}, KEEP_SECONDS)
    else:
        cache.set(KEY_CHECKED, (snapshot.version, snapshot.fetched_at), KEEP_SECONDS)
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


def _refresh_holding(token: str) -> None:
    """Refresh while holding the lock taken with `token`; this process's pages show the result
    at once, and the lock is released once it is stored for everyone else."""
    snapshot = None
    try:
        snapshot, changed = _fetch()
        _share(snapshot, changed)
    except datadog.DatadogError as error:
        log.warning("refreshing the downtime set failed: %s", error)
        _record_failure(error)
    finally:
        if snapshot is not None:
            with local.lock:
                if local.sharing == snapshot.version:
                    local.sharing = None
        _release(token)


def start() -> str | None:
    """Start one refresh on another thread, unless one is under way anywhere already; the token
    of its lock, if it started.

    Where threads cannot see this one's data (an in-process sandbox inside a transaction, as in
    tests), the refresh runs here instead.
    """
    token = uuid.uuid4().hex
    if not cache.add(KEY_LOCK, token, settings.DOWNTIME_REFRESH_LOCK_SECONDS):
        return None
    if datadog.threads_allowed():
        in_background("downtime-refresh", lambda: _refresh_holding(token), finish=True)
    else:
        _refresh_holding(token)
    return token


@dataclass(frozen=True)
class Waited:
    copy: Snapshot | None  # the newest there is
    failure: Failure | None  # the last refresh failed, and the copy is older than that
    arrived: bool  # a copy fetched after the moment asked for


def wait_for_copy(after: datetime | None) -> Waited:
    """Wait for a copy fetched after `after` (any copy, if None), within
    `DOWNTIME_REFRESH_DEADLINE` (or what is left of the request's budget, if less): one under way
    may have begun too early, so once it is done this starts another, and what that one brings
    is the newest there can be."""
    waiting = datadog.seconds_left(settings.DOWNTIME_REFRESH_DEADLINE)
    began, until = now(), time.monotonic() + waiting
    mine = None
    while True:
        seen = glance()
        copy = view(seen, read_now=True)
        last = failure(copy, seen)
        if copy is not None and (after is None or copy.fetched_at > after):
            return Waited(copy, last, arrived=True)
        if mine is not None and seen.lock != mine:
            return Waited(copy, last, arrived=last is None)  # mine is done
        if last is not None and last.at >= began:
            return Waited(copy, last, arrived=False)
        left = until - time.monotonic()
        if left <= 0:
            return Waited(copy, None, arrived=False)
        if seen.lock is None:
            mine = start()
        with local.lock:
            local.finished.wait(min(WAIT_STEP, left))
