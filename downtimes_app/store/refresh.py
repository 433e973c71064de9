"""Refreshing a copy from Datadog: one refresh at a time across every process, by a lock in
the shared cache; its result shown here at once and stored for everyone else.

Every kind of copy (`shared.Kind`) is renewed the same way; the settings that bound a refresh
(`DOWNTIME_REFRESH_*`, `DOWNTIME_FAILURE_PAUSE`) are the same for all of them, since they are
about how long Datadog may take, not about what is fetched.

Every refresh runs behind the pages with a long deadline (`DOWNTIME_REFRESH_BEHIND_DEADLINE`):
long enough to wait out a rate limit's reset or a page that hangs once. A person who needs a new
copy (the first page, the Refresh button, a save whose outcome is unknown) waits for it at most
`DOWNTIME_REFRESH_DEADLINE`; past that the page shows what there is and the refresh goes on.

Where it runs: a refresh a person waits for runs on a thread of the page's own process (a queue
would add a hop to a wait). One that only renews an old copy (`start(kind, behind=True)`) is
handed to the background worker while a consumer of the task queue says it is there (a key in
the shared cache, renewed every minute by each `manage.py run_huey`): even a refresh that finds
nothing changed reads every page of the set, and on a web process that work shares the
process's time with the requests it serves. With no consumer, or a queue that refuses the task,
it runs on a thread, as the person's would, so the dashboard needs nothing else running.

A refresh that finds the set exactly as the base has it (the usual case: downtimes change far
less often than the copy expires) stores nothing but the time it looked. Other processes keep
the base they have, and the list's indexes built from it stay valid.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.dispatch import Signal
from huey import crontab
from huey.contrib.djhuey import close_db, db_periodic_task, db_task, on_shutdown, on_startup

from downtimes_app import datadog
from downtimes_app.core.clock import now
from downtimes_app.store.shared import (
    KEEP_SECONDS,
    KINDS,
    Failure,
    Kind,
    Snapshot,
    failure,
    glance,
    in_background,
    journal_head,
    pack,
    view,
)

log = logging.getLogger(__name__)

WAIT_STEP = 0.05

# Sent once a refresh has stored its copy, from the process that ran it: `kind`, `snapshot` (the
# new base) and `changed` (whether it differs from the base before it). The history listens, so
# a refresh reaches no layer above the store.
refreshed = Signal()


def _fetch(kind: Kind) -> tuple[Snapshot, bool]:
    """A new base from Datadog, shown by this process's pages at once, and whether it differs
    from the shared one."""
    started = now()
    journal = journal_head(kind)
    shared = glance(kind).version
    local = kind.local
    with local.lock:
        base = local.base if local.base is not None and local.base.version == shared else None
    loaded = kind.fetch(settings.DOWNTIME_REFRESH_BEHIND_DEADLINE, base.pages if base else ())
    if base is not None and (loaded.items is None or loaded.items == base.items):
        snapshot = replace(base, fetched_at=started, pages=loaded.prints, positions=base.positions)
        changed = False
    else:
        assert loaded.items is not None
        snapshot = Snapshot(loaded.items, started, uuid.uuid4().hex, journal, loaded.prints)
        changed = True
        with local.lock:
            local.sharing = snapshot.version
    local.publish(snapshot)
    return snapshot, changed


def _share(kind: Kind, snapshot: Snapshot, changed: bool) -> None:
    """The base for every other process: the data before the version that points at it; or,
    when nothing changed, only when it was last found so."""
    if changed:
        cache.set_many({kind.data: pack(snapshot), kind.version: snapshot.version}, KEEP_SECONDS)
    else:
        cache.set(kind.checked, (snapshot.version, snapshot.fetched_at), KEEP_SECONDS)
    cache.set(kind.fresh, True, kind.ttl)
    cache.delete(kind.failure)


def _record_failure(kind: Kind, error: datadog.DatadogError) -> Failure:
    failure = Failure(message=str(error), kind=type(error).__name__, at=now())
    cache.set(kind.failure, failure, KEEP_SECONDS)
    # Hold off the next attempt; a rate limit says for how long.
    pause = settings.DOWNTIME_FAILURE_PAUSE
    if isinstance(error, datadog.RateLimited) and error.reset:
        pause = max(pause, min(error.reset, 60))
    cache.set(kind.fresh, True, pause)
    return failure


def _release(kind: Kind, token: str) -> None:
    if cache.get(kind.lock) == token:
        cache.delete(kind.lock)


def _refresh_holding(kind: Kind, token: str) -> None:
    """Refresh while holding the lock taken with `token`; this process's pages show the result
    at once, and the lock is released once it is stored for everyone else."""
    snapshot = None
    stored = False
    local = kind.local
    try:
        snapshot, changed = _fetch(kind)
        _share(kind, snapshot, changed)
        stored = True
    except datadog.DatadogError as error:
        log.warning("refreshing the %s set failed: %s", kind.name, error)
        _record_failure(kind, error)
    finally:
        if snapshot is not None:
            with local.lock:
                if local.sharing == snapshot.version:
                    local.sharing = None
        _release(kind, token)
    if stored:
        # After the lock is released: what listens takes its time without holding up the next.
        for listener, outcome in refreshed.send_robust(
            _refresh_holding, kind=kind, snapshot=snapshot, changed=changed
        ):
            if isinstance(outcome, Exception):
                log.error("After the %s refresh, %s failed", kind.name, listener, exc_info=outcome)


def start(kind: Kind, *, behind: bool = False) -> str | None:
    """Start one refresh, unless one is under way anywhere already; the token of its lock, if
    it started. `behind`: nobody waits for it, so a consumer of the task queue may run it.

    Where threads cannot see this one's data (an in-process sandbox inside a transaction, as in
    tests), the refresh runs here instead.
    """
    token = uuid.uuid4().hex
    if not cache.add(kind.lock, token, settings.DOWNTIME_REFRESH_LOCK_SECONDS):
        return None
    if not datadog.threads_allowed():
        _refresh_holding(kind, token)
    elif not (behind and hand_over(f"the {kind.name} refresh", refresh_behind, kind.prefix, token)):
        in_background(f"{kind.name}-refresh", lambda: _refresh_holding(kind, token), finish=True)
    return token


def hand_over(what: str, task: Callable[..., Any], *args: Any) -> bool:
    """`task(*args)` queued for the background worker, when a consumer of the task queue says it
    is there; whether it was. When not (no consumer, or a queue that refuses it) the caller does
    the work itself, so nothing needs the worker to be running."""
    if not cache.get(_alive_key()):
        return False
    try:
        task(*args)
    except Exception as error:  # any queue's failure: the caller does it
        log.warning("could not hand %s to the worker: %s", what, error)
        return False
    return True


# --- in the background worker ------------------------------------------------------------------

# A consumer renews this every minute; one that died stops counting within this many seconds
# (its refreshes then wait out their lock, DOWNTIME_REFRESH_LOCK_SECONDS, and run on threads).
ALIVE_SECONDS = 150


def _alive_key() -> str:
    # Per upstream: a consumer with other keys than the pages' could not take their refreshes.
    return f"store:consumer:{datadog.upstream()}"


@db_periodic_task(crontab(minute="*"))
def consumer_here() -> None:
    """Every minute on every consumer: pages may hand their refreshes to the queue."""
    cache.set(_alive_key(), True, ALIVE_SECONDS)


@on_startup()
@close_db
def _consumer_started() -> None:
    cache.set(_alive_key(), True, ALIVE_SECONDS)


@on_shutdown()
@close_db
def _consumer_stopping() -> None:
    # Another consumer still running says so again within a minute; meanwhile threads refresh.
    cache.delete(_alive_key())


@db_task()
def refresh_behind(prefix: str, token: str) -> None:
    """A refresh a page handed over, holding the lock it took (`token`): nothing if that lock
    expired meanwhile (another refresh may be under way, or done)."""
    kind = KINDS.get(prefix)
    if kind is None or cache.get(kind.lock) != token:
        return
    # This process's base is the shared one, so that a set found unchanged stays one version
    # and no page process reads the whole set again from the cache.
    view(kind, read_now=True)
    _refresh_holding(kind, token)


@dataclass(frozen=True)
class Waited:
    copy: Snapshot | None  # the newest there is
    failure: Failure | None  # the last refresh failed, and the copy is older than that
    arrived: bool  # a copy fetched after the moment asked for


def wait_for_copy(kind: Kind, after: datetime | None) -> Waited:
    """Wait for a copy fetched after `after` (any copy, if None), within
    `DOWNTIME_REFRESH_DEADLINE` (or what is left of the request's budget, if less): one under way
    may have begun too early, so once it is done this starts another, and what that one brings
    is the newest there can be."""
    waiting = datadog.seconds_left(settings.DOWNTIME_REFRESH_DEADLINE)
    began, until = now(), time.monotonic() + waiting
    mine = None
    while True:
        seen = glance(kind)
        copy = view(kind, seen, read_now=True)
        last = failure(kind, copy, seen)
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
            mine = start(kind)
        with kind.local.lock:
            kind.local.finished.wait(min(WAIT_STEP, left))
