"""Needs attention: the rules of `attention.rules` over both cached copies, as pages read them.

Worked out once per pair of copies per minute in each process (the rules depend on the clock
only to the minute), from the copies as they are: no page, and no count in the top bar, ever
asks Datadog for it. Without a monitor copy yet, the two rules that need monitors are left out
and the page says so.

The top bar's count never makes a page wait: at ten thousand downtimes a review takes about a
tenth of a second, so when the copies or the minute have changed, the count shown is the last
one worked out (none on a process's first page) while a new review runs on its own thread,
a second later: the page that asked finishes first, and a burst of writes is counted once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.conf import settings

from downtimes_app import datadog, store
from downtimes_app.attention import rules
from downtimes_app.attention.rules import Concern, Item
from downtimes_app.muting import monitoring, mutes
from downtimes_app.store import monitors as monitor_store
from downtimes_app.store import shared
from downtimes_app.store.memo import Kept

__all__ = ["Concern", "Item", "Review", "count", "review"]


@dataclass(frozen=True)
class Review:
    items: tuple[Item, ...]
    monitors_known: bool  # the rules that need the monitor copy were judged


_reviews: Kept[Review] = Kept()
_counting = threading.Lock()  # one review behind the pages at a time in this process
_reviewing = threading.Lock()
COUNT_SETTLE = 1.0  # seconds a count waits before it is worked out behind the pages
# What the rules worked out, by (minute, stale days, id of the monitor index), with that index
# (held, so its identity is not reused while it is kept).
_rules: Kept[tuple[rules.Kept, Any]] = Kept()
# The last count worked out, by upstream: a count of one org's downtimes is never another's.
_last_count: dict[str, int] = {}


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
    found = _reviews.peek(key)
    if found is not None:
        return found

    def made() -> Review:
        made = _review(now, downtimes, monitors)
        _last_count[datadog.upstream()] = len(made.items)
        return made

    with _reviewing:  # one at a time: a page asking meanwhile gets the same review
        return _reviews.get(key, made)


def _review(
    now: datetime, downtimes: store.Snapshot | None, monitors: store.Snapshot | None
) -> Review:
    groups = monitoring.groups(monitors) if monitors is not None else None
    aftermath_of = None
    if monitors is not None:
        every = monitors.monitors

        @cache
        def together() -> mutes.Mutes:  # only when one ends within the hour
            return monitoring.mutes_for(monitors, downtimes)

        def aftermath_of(downtime):  # the whole sentence only for the few that would notify
            if not together().would_notify(downtime, now):
                return None
            return mutes.aftermath(downtime, every, now, others=together())

    minute, days = now.replace(second=0, microsecond=0), settings.DASHBOARD_STALE_DAYS
    # What the rules worked out holds for one minute, one setting and one monitor copy.
    kept, _ = _rules.get((minute, days, id(groups)), lambda: (rules.Kept(), groups))
    items = rules.review(
        downtimes.downtimes if downtimes else (),
        now,
        stale_days=days,
        monitors=groups,
        aftermath_of=aftermath_of,
        kept=kept,
    )
    return Review(tuple(items), monitors is not None)


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
    found = _reviews.peek(_key(now, downtimes, monitors))
    if found is not None:
        return len(found.items)
    if not datadog.threads_allowed():
        return len(review(now, downtimes, monitors).items)  # a thread could not see the data
    if _counting.acquire(blocking=False):

        def work() -> None:
            try:
                # A moment's pause: the page that asked finishes undisturbed, and a burst of
                # writes (a bulk cancel) is counted once.
                time.sleep(COUNT_SETTLE)
                review(now, downtimes, monitors)
            finally:
                _counting.release()

        shared.in_background("attention-count", work)
    return _last_count.get(datadog.upstream(), 0)  # a process's first page shows none yet
