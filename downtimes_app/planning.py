"""Pure helpers for the schedule form: what an edit changes, where Datadog's errors belong,
which existing downtimes already cover a draft, and whether a downtime is the one a timed-out
create made.

Everything here works on writable attributes (the dicts `datadog.attributes_of` returns and the
form builds) and on records; no Django, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .datadog import ACTIVE, SCHEDULED, Downtime, attributes_of
from .datadog.errors import MalformedResponse
from .datadog.records import parse_time, parse_wall_time
from .scope import ScopeError, scope_terms

# --- comparing attributes ---------------------------------------------------------------------


def _time(value: Any, *, wall: bool = False) -> datetime | None:
    try:
        return parse_wall_time(value) if wall else parse_time(value)
    except MalformedResponse:
        return None


def _schedule_key(schedule: Any) -> tuple:
    schedule = schedule if isinstance(schedule, Mapping) else {}
    if "recurrences" in schedule:
        return (
            "recurring",
            schedule.get("timezone") or "UTC",
            tuple(
                (
                    _time(r.get("start"), wall=True),
                    r.get("duration"),
                    (r.get("rrule") or "").upper(),
                )
                for r in schedule.get("recurrences") or ()
            ),
        )
    return ("once", _time(schedule.get("start")), _time(schedule.get("end")))


def _identifier_key(identifier: Any) -> tuple:
    identifier = identifier if isinstance(identifier, Mapping) else {}
    if identifier.get("monitor_id") is not None:
        return ("monitor", int(identifier["monitor_id"]))
    return ("tags", frozenset(identifier.get("monitor_tags") or ()))


def comparable(name: str, value: Any) -> Any:
    """A value that compares equal when Datadog would store the same thing.

    Lists Datadog treats as sets (it reorders them), empty and missing messages, and times
    written with or without fractions or offsets all compare by meaning, not by spelling.
    """
    if name == "schedule":
        return _schedule_key(value)
    if name == "monitor_identifier":
        return _identifier_key(value)
    if name in ("notify_end_states", "notify_end_types"):
        return frozenset(value or ())
    if name == "message":
        return value or None
    if name == "display_timezone":
        return value or "UTC"
    if name == "scope":
        return (value or "").strip()
    if name == "mute_first_recovery_notification":
        return bool(value)
    return value


def changed_attributes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes of `after` that differ from `before`: the body of an edit's PATCH."""
    return {
        name: value
        for name, value in after.items()
        if comparable(name, value) != comparable(name, before.get(name))
    }


# --- placing Datadog's error messages beside the fields they concern ---------------------------

_RECURRENCE_FIELD = re.compile(r"recurrences\[(\d+)\]\.(start|duration|rrule)")


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
        have, want = scope_terms(existing), scope_terms(draft)
    except ScopeError:
        return existing.strip() == draft.strip()
    return have == {"*"} or have <= want


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
        if _target_covered(downtime, target) and _scope_covered(downtime.scope, scope):
            found.append(downtime)
    return found


# --- did a create that timed out happen after all? -------------------------------------------

# Datadog's clock and ours may disagree a little.
CLOCK_SKEW = timedelta(minutes=2)


def _same_schedule(have: Any, want: Any) -> bool:
    have_key, want_key = _schedule_key(have), _schedule_key(want)
    if have_key[0] != want_key[0]:
        return False
    if want_key[0] == "once":
        # A start of null means "when Datadog received it": any start matches.
        return (want_key[1] is None or have_key[1] == want_key[1]) and have_key[2] == want_key[2]
    if have_key[1] != want_key[1] or len(have_key[2]) != len(want_key[2]):
        return False
    return all(
        (w[0] is None or h[0] == w[0]) and h[1:] == w[1:]
        for h, w in zip(have_key[2], want_key[2], strict=True)
    )


def made_by(downtime: Downtime, sent: Mapping[str, Any], *, since: datetime) -> bool:
    """Whether `downtime` is what a create that sent `sent` at `since` would have made."""
    if downtime.created is None or downtime.created < since - CLOCK_SKEW:
        return False
    have = attributes_of(downtime)
    for name, value in sent.items():
        if name == "schedule":
            if not _same_schedule(have.get("schedule"), value):
                return False
        elif comparable(name, have.get(name)) != comparable(name, value):
            return False
    return True
