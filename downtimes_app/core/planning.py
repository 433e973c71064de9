"""Pure helpers for the schedule form: where Datadog's errors belong, which existing downtimes
already cover a draft, and whether a downtime is the one a timed-out create made.

Everything here works on records and typed attributes (`Definition.attributes()`); no Django,
no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from downtimes_app.core.domain import (
    ACTIVE,
    SCHEDULED,
    Downtime,
    OneTimeSchedule,
    Schedule,
    comparable,
)
from downtimes_app.core.scope import ScopeError, scope_terms

# --- placing Datadog's error messages beside the fields they concern ---------------------------

_RECURRENCE_FIELD = re.compile(r"recurrences\[([0-9]{1,2})\]\.(start|duration|rrule)")


def place_error(message: str, *, monitor_field: str = "monitor_id") -> str | None:
    """The form field a Datadog 400 message is about, or None to show it above the form."""
    text = message.lower()
    found = _RECURRENCE_FIELD.search(message)
    if found:
        return f"r-{found.group(1)}-{found.group(2)}"
    if "monitor" in text and "downtime" not in text:
        return monitor_field
    if "scope" in text or "must have a key" in text:
        return "scope"
    if "timezone" in text:
        return "timezone"
    if "change the start" in text:
        return "start"
    if "schedule.end" in text or "in the past" in text:
        return "end"
    if "schedule.start" in text:
        return "start"
    for name in ("notify_end_states", "notify_end_types", "mute_first_recovery_notification"):
        if name in text:
            return name
    if text.startswith("message"):
        return "message"
    return None


# --- existing downtimes that already cover a draft -------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """What a draft mutes: one monitor (with its tags, when known), or monitors by tags."""

    monitor_id: int | None = None
    monitor_tags: tuple[str, ...] = ()  # the chosen monitor's own tags
    tags: tuple[str, ...] = ()  # ("*",) means every monitor

    @property
    def everything(self) -> bool:
        return self.monitor_id is None and self.tags == ("*",)


def target_of(downtime: Downtime) -> Target:
    """What an existing downtime mutes, as a draft's target would say it."""
    if downtime.monitor_id is not None:
        tags = downtime.monitor.tags if downtime.monitor is not None else ()
        return Target(monitor_id=downtime.monitor_id, monitor_tags=tags)
    return Target(tags=downtime.monitor_tags or ("*",))


def _target_covered(existing: Downtime, draft: Target) -> bool:
    if existing.monitor_id is not None:
        return draft.monitor_id == existing.monitor_id
    tags = set(existing.monitor_tags)
    if not tags or tags == {"*"}:
        return True
    if draft.monitor_id is not None:
        return tags <= set(draft.monitor_tags)
    if draft.everything:
        return False
    return tags <= set(draft.tags)


def _scope_covered(existing: str, draft: str) -> bool:
    """True when every group the draft scope matches is matched by the existing scope too.

    An existing scope whose AND-parts are a subset of the draft's is at least as wide; that is
    the case worth a warning and the one that can be decided without evaluating tags.
    """
    try:
        have, want = _terms(existing), _terms(draft)
    except ScopeError:
        return existing.strip() == draft.strip()
    return have == {"*"} or have <= want


@lru_cache(maxsize=8192)
def _terms(scope: str) -> frozenset[str]:
    return scope_terms(scope)


def covers(existing: Downtime, target: Target, scope: str) -> bool:
    """Whether `existing` mutes every monitor of `target` over every group of `scope`: the one
    rule for "already covered", shared by the form's warning and the calendar's overlaps."""
    return _target_covered(existing, target) and _scope_covered(existing.scope, scope)


def covering(
    downtimes: Iterable[Downtime],
    *,
    scope: str,
    target: Target,
    starts: datetime | None,
    ends: datetime | None = None,
    exclude_id: str | None = None,
) -> list[Downtime]:
    """Active or scheduled downtimes that already mute the draft's monitors over its scope.

    Ones that cannot meet the draft in time do not count: a one-time downtime that ends before
    the draft starts, or any downtime whose current window starts after a one-time draft ends.
    """
    found = []
    for downtime in downtimes:
        if downtime.id == exclude_id or downtime.status not in (ACTIVE, SCHEDULED):
            continue
        window = downtime.window
        if (
            starts is not None
            and not downtime.is_recurring
            and window is not None
            and window.end is not None
            and window.end <= starts
        ):
            continue
        if ends is not None and window is not None and window.start >= ends:
            continue
        if covers(downtime, target, scope):
            found.append(downtime)
    return found


# --- did a create that timed out happen after all? -------------------------------------------

# Datadog's clock and ours may disagree a little.
CLOCK_SKEW = timedelta(minutes=2)


def _same_schedule(have: Schedule, want: Schedule) -> bool:
    """`want` as sent, `have` as stored: a start left out means "when Datadog received it"."""
    if have.is_recurring != want.is_recurring:
        return False
    if isinstance(want, OneTimeSchedule):
        assert isinstance(have, OneTimeSchedule)
        return (want.start is None or have.start == want.start) and have.end == want.end
    if have.timezone != want.timezone or len(have.recurrences) != len(want.recurrences):
        return False
    return all(
        (w.start is None or h.start == w.start)
        and (h.duration, h.rrule.upper())
        == (
            w.duration,
            w.rrule.upper(),
        )
        for h, w in zip(have.recurrences, want.recurrences, strict=True)
    )


def made_by(downtime: Downtime, sent: Mapping[str, Any], *, since: datetime) -> bool:
    """Whether `downtime` is what a create that sent `sent` (typed attributes) at `since` made."""
    if downtime.created is None or downtime.created < since - CLOCK_SKEW:
        return False
    have = downtime.definition.attributes()
    for name, value in sent.items():
        if name == "schedule":
            if not _same_schedule(have["schedule"], value):
                return False
        elif comparable(name, have.get(name)) != comparable(name, value):
            return False
    return True
