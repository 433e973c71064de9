"""The top bar's "Needs attention" count: worked out once for every process, never on a page.

At ten thousand downtimes a review takes about a tenth of a second and makes a few hundred
thousand objects; on a web process that time, and the garbage collection it brings on, stall
every request the process serves meanwhile. So when the copies or the minute have changed, a
page shows the newest count known this minute (none on a process's first page until one is)
while one review works out the new one for everyone, asked for a second later on a thread (the
page that asked finishes first, and a burst of writes is counted once): on the background worker
while a consumer says it is there, else on that thread. The count is shared through the cache,
keyed by the copies' versions and the minute, so every other process takes it from there.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.core.cache import cache
from huey.contrib.djhuey import db_task

from downtimes_app import attention, datadog, store
from downtimes_app.core.clock import now as clock_now
from downtimes_app.store import monitors as monitor_store
from downtimes_app.store import refresh, shared

COUNT_SETTLE = 1.0  # seconds between a page needing a count and asking for it
# One review per key is asked for across every process; a count is shared this long.
ASKED_SECONDS, SHARED_SECONDS = 60, 120
# By upstream (one org's count is never another's): the last count known here, with its key,
# and the key this process last asked a review for.
_counted: dict[str, tuple[tuple, int]] = {}
_asked: dict[str, tuple] = {}


def count(now: datetime) -> int:
    """How many downtimes need attention, for the top bar: from this process's copies at once
    (each refreshed behind the page when old), never waiting and never asking Datadog itself."""
    downtimes, monitors = store.behind(), monitor_store.behind()
    key = attention.review_key(now, downtimes, monitors)
    found = attention.reviewed(key)
    if found is not None:
        return len(found.items)
    upstream = datadog.upstream()
    known = _counted.get(upstream)
    if known is not None and known[0] == key:
        return known[1]
    if not datadog.threads_allowed():  # a thread could not see the data
        return len(attention.review(now, downtimes, monitors).items)
    shared_count = cache.get(_shared_key())
    if shared_count is not None and shared_count[0] == key:
        _counted[upstream] = shared_count
        return shared_count[1]
    if _asked.get(upstream) != key:
        _asked[upstream] = key
        shared.in_background("attention-count", lambda: _ask(now, downtimes, monitors))
    if shared_count is not None and shared_count[0][2] == key[2]:
        # Worked out this minute from copies this process has not read yet (the worker counts
        # the newest): truer than the last count known here, though not kept as this key's.
        return shared_count[1]
    return known[1] if known is not None else 0


def share(now: datetime, downtimes: store.Snapshot | None, monitors: store.Snapshot | None):
    """Review the copies at `now`, and give every process the count."""
    found = attention.review(now, downtimes, monitors)
    counted = (attention.review_key(now, downtimes, monitors), len(found.items))
    _counted[datadog.upstream()] = counted
    cache.set(_shared_key(), counted, SHARED_SECONDS)


def _ask(now: datetime, downtimes: store.Snapshot | None, monitors: store.Snapshot | None):
    """A moment after a page needed a count (the page finishes undisturbed, and a burst of writes
    is counted once): one review for everyone, asked once across every process, of the worker
    when a consumer is there, else worked out here."""
    time.sleep(COUNT_SETTLE)
    key = attention.review_key(now, downtimes, monitors)
    if _asked.get(datadog.upstream()) != key:
        return  # a page has since asked for newer copies (a burst of writes): counted once
    if cache.add(_asked_key(key), True, ASKED_SECONDS) and not refresh.hand_over(
        "the attention count", count_behind, now.isoformat(), datadog.upstream()
    ):
        share(now, downtimes, monitors)


@db_task(expires=ASKED_SECONDS)
def count_behind(at: str, upstream: str) -> None:
    """A count a page asked for, on the background worker, from the copies as they are shared
    now (the page's, or newer). Nothing for a minute gone by, or for another org's pages (a
    consumer with other keys on the same queue)."""
    moment, minute = datetime.fromisoformat(at), clock_now().replace(second=0, microsecond=0)
    if upstream != datadog.upstream() or moment.replace(second=0, microsecond=0) < minute:
        return
    share(moment, store.latest(), monitor_store.latest())


def _shared_key() -> str:
    return f"attention:{datadog.upstream()}:count"


def _asked_key(key: tuple) -> str:
    downtimes, monitors, minute = key
    return f"attention:{datadog.upstream()}:asked:{downtimes}:{monitors}:{minute:%Y%m%d%H%M}"


def forget() -> None:
    """This process's counts and asks, gone (tests start each from nothing)."""
    _counted.clear()
    _asked.clear()
