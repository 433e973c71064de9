"""Needs attention: the rules of `attention.rules` over both cached copies, as pages read them.

Worked out once per pair of copies per minute (the rules depend on the clock only to the
minute), from the copies as they are: no page, and no count in the top bar, ever asks Datadog
for it. Without a monitor copy yet, the two rules that need monitors are left out and the page
says so.

The top bar's count (`attention.counting`) never makes a page wait, and is worked out once for
every process.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from downtimes_app import store
from downtimes_app.attention import rules
from downtimes_app.attention.rules import Concern, Item
from downtimes_app.muting import monitoring, mutes
from downtimes_app.policy import judging
from downtimes_app.store import monitors as monitor_store
from downtimes_app.store.memo import Kept

__all__ = ["Concern", "Item", "Review", "review", "review_key", "reviewed"]


@dataclass(frozen=True)
class Review:
    items: tuple[Item, ...]
    monitors_known: bool  # the rules that need the monitor copy were judged


_reviews: Kept[Review] = Kept()
_reviewing = threading.Lock()
# What the rules worked out, by (minute, stale days, id of the monitor index), with that index
# (held, so its identity is not reused while it is kept).
_rules: Kept[tuple[rules.Kept, Any]] = Kept()


def review(
    now: datetime,
    downtimes: store.Snapshot | None = None,
    monitors: store.Snapshot | None = None,
) -> Review:
    """The downtimes that need attention now, most urgent first (from the copies given, else
    the copies as they are)."""
    downtimes = downtimes if downtimes is not None else store.peek()
    monitors = monitors if monitors is not None else monitor_store.peek()
    key = review_key(now, downtimes, monitors)
    found = _reviews.peek(key)
    if found is not None:
        return found
    with _reviewing:  # one at a time: a page asking meanwhile gets the same review
        return _reviews.get(key, lambda: _review(now, downtimes, monitors))


def reviewed(key: tuple) -> Review | None:
    """The review this process made for `key` (`review_key`), if it did."""
    return _reviews.peek(key)


def _review(
    now: datetime, downtimes: store.Snapshot | None, monitors: store.Snapshot | None
) -> Review:
    groups = monitoring.groups(monitors) if monitors is not None else None
    aftermath_of = None
    if monitors is not None:
        every = monitors.monitors

        @functools.cache
        def together() -> mutes.Mutes:  # only when one ends within the hour
            return monitoring.mutes_for(monitors, downtimes)

        def aftermath_of(downtime):  # the whole sentence only for the few that would notify
            if not together().would_notify(downtime, now):
                return None
            return mutes.aftermath(downtime, every, now, others=together())

    minute, days = now.replace(second=0, microsecond=0), settings.DASHBOARD_STALE_DAYS
    # Without a policy in force, its rule is not asked at all (ten thousand times a review).
    loosest = judging.loosest() if judging.in_force() else None
    policy = rules.Policy(loosest, _targets(monitors, groups)) if loosest else None
    # What the rules worked out holds for one minute, one setting, one monitor copy and one
    # policy (a policy is read at start-up; tests and the bench change it).
    key = (minute, days, id(groups), loosest)
    kept, _ = _rules.get(key, lambda: (rules.Kept(), groups))
    items = rules.review(
        downtimes.downtimes if downtimes else (),
        now,
        stale_days=days,
        monitors=groups,
        aftermath_of=aftermath_of,
        kept=kept,
        policy=policy,
    )
    return Review(tuple(items), monitors is not None)


def _targets(monitors: store.Snapshot | None, groups: mutes.Groups | None) -> rules.Targets | None:
    """The monitors of the copy a downtime targets, for the policy's allowed tags."""
    if monitors is None or groups is None:
        return None

    def targets_of(downtime):
        if downtime.monitor_id is not None:
            found = monitors.get(downtime.monitor_id)
            return [found] if found is not None else []
        carrying = (monitors.get(i) for i in groups.carrying(downtime.monitor_tags))
        return [m for m in carrying if m is not None]

    return targets_of


def review_key(now: datetime, downtimes: store.Snapshot | None, monitors: store.Snapshot | None):
    """What a review holds for: the two copies' versions and the minute."""
    return (
        downtimes.version if downtimes else "",
        monitors.version if monitors else "",
        now.replace(second=0, microsecond=0),
    )
