"""Refreshing the copy from Datadog: one refresh at a time across every process, by a lock in
the shared cache; its result shown here at once and stored for everyone else.

A refresh that finds the set exactly as the base has it (the usual case: downtimes change far
less often than the copy expires) stores nothing but the time it looked. Other processes keep
the base they have, and the list's indexes built from it stay valid.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace

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
    glance,
    in_background,
    journal_head,
    local,
    pack,
)

log = logging.getLogger(__name__)

WAIT_STEP = 0.05


def _fetch() -> tuple[Snapshot, bool]:
    """A new base from Datadog, shown by this process's pages at once, and whether it differs
    from the shared one."""
    started = now()
    journal = journal_head()
    shared = glance().version
    downtimes = datadog.list_all_downtimes(deadline_seconds=settings.DOWNTIME_REFRESH_DEADLINE)
    with local.lock:
        base = local.base
    if base is not None and base.version == shared and base.downtimes == downtimes:
        snapshot, changed = replace(base, fetched_at=started, by_id=base.by_id), False
    else:
        snapshot, changed = Snapshot(downtimes, started, uuid.uuid4().hex, journal), True
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


def take_lock() -> str | None:
    token = uuid.uuid4().hex
    return token if cache.add(KEY_LOCK, token, settings.DOWNTIME_REFRESH_LOCK_SECONDS) else None


def refresh_holding(token: str, *, share_behind: bool = False) -> Snapshot | Failure:
    """Refresh while holding the lock taken with `token`, and release it once shared.

    With `share_behind`, a waiting request goes on with the new base as soon as this process has
    it; storing it for everyone else (pickling thousands of records) goes on behind it, lock held.
    """
    try:
        snapshot, changed = _fetch()
    except datadog.DatadogError as error:
        log.warning("refreshing the downtime set failed: %s", error)
        _release(token)
        return _record_failure(error)
    except BaseException:
        _release(token)
        raise

    def share_then_release() -> None:
        try:
            _share(snapshot, changed)
        finally:
            with local.lock:
                if local.sharing == snapshot.version:
                    local.sharing = None
            _release(token)

    if share_behind and datadog.threads_allowed():
        in_background("downtime-share", share_then_release, finish=True)
    else:
        share_then_release()
    return snapshot


def refresh_in_background() -> None:
    """Start one refresh on another thread, unless one is under way anywhere already.

    Where threads cannot see this one's data (an in-process sandbox inside a transaction, as in
    tests), the refresh runs here instead.
    """
    token = take_lock()
    if token is None:
        return
    if not datadog.threads_allowed():
        refresh_holding(token)
        return
    in_background("downtime-refresh", lambda: refresh_holding(token))


def wait_unlocked() -> None:
    """Wait (bounded) until no refresh is under way anywhere."""
    deadline = time.monotonic() + settings.DOWNTIME_REFRESH_LOCK_SECONDS
    while cache.get(KEY_LOCK) is not None and time.monotonic() < deadline:
        with local.lock:
            local.finished.wait(WAIT_STEP)
