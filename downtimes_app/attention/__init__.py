"""Needs attention: the rules of `attention.rules` over both cached copies, as pages read them.

Worked out once per pair of copies per minute in each process (the rules depend on the clock
only to the minute), from the copies as they are: no page, and no count in the top bar, ever
asks Datadog for it. Without a monitor copy yet, the two rules that need monitors are left out
and the page says so.

The top bar's count never makes a page wait: at ten thousand downtimes a review takes about a
tenth of a second, so when the copies or the minute have changed, the count shown is the last
one worked out (none on a process's first page) while a new review runs on its own thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from .. import datadog, monitoring, mutes, store
from ..store import monitors as monitor_store
from ..store import shared
from . import rules
from .rules import Concern, Item

__all__ = ["Concern", "Item", "Review", "count", "review"]


@dataclass(frozen=True)
class Review:
    items: tuple[Item, ...]
    monitors_known: bool  # the rules that need the monitor copy were judged


_kept: dict[tuple, Review] = {}
_counting = threading.Lock()  # one review behind the pages at a time in this process
_last_count: list[int] = []


def review(
    now: datetime,
    downtimes: store.Snapshot | None = None,
    monitors: store.Snapshot | None = None,
) -> Review:
    """The downtimes that need attention now, most urgent first (from the copies given, else
    the copies as they are)."""
    downtimes = downtimes if downtimes is not None else store.peek()
    monitors = monitors if monitors is not None else monitor_store.peek()
    key = _key(now, downtimes, monitors)
    found = _kept.get(key)
    if found is not None:
        return found
    known, aftermath_of = monitors is not None, None
    if monitors is not None:
        together = monitoring.mutes_for(monitors, downtimes)
        every = monitors.monitors

        def aftermath_of(downtime):  # the whole sentence only for the few that would notify
            if not together.would_notify(downtime, now):
                return None
            return mutes.aftermath(downtime, every, now, others=together)

    items = rules.review(
        downtimes.downtimes if downtimes else (),
        now,
        stale_days=settings.DASHBOARD_STALE_DAYS,
        monitors=monitoring.groups(monitors) if monitors is not None else None,
        aftermath_of=aftermath_of,
    )
    found = Review(tuple(items), known)
    _kept.clear()
    _kept[key] = found
    _last_count[:] = [len(found.items)]
    return found


def _key(now: datetime, downtimes: store.Snapshot | None, monitors: store.Snapshot | None):
    return (
        downtimes.version if downtimes else "",
        monitors.version if monitors else "",
        now.replace(second=0, microsecond=0),
    )


def count(now: datetime) -> int:
    """How many downtimes need attention, for the top bar: from this process's copies at once
    (each refreshed behind the page when old), never waiting and never asking Datadog itself."""
    downtimes, monitors = store.behind(), monitor_store.behind()
    found = _kept.get(_key(now, downtimes, monitors))
    if found is not None:
        return len(found.items)
    if not datadog.threads_allowed():
        return len(review(now, downtimes, monitors).items)  # a thread could not see the data
    if _counting.acquire(blocking=False):

        def work() -> None:
            try:
                review(now, downtimes, monitors)
            finally:
                _counting.release()

        shared.in_background("attention-count", work)
    return _last_count[0] if _last_count else 0  # the first page of a process shows none yet
