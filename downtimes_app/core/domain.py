"""The records everything speaks: downtimes, their schedules and windows, monitors and users.

Frozen dataclasses that import nothing of the project or of Django. The client parses Datadog's
JSON into them and writes them back out (`datadog/codec.py`, the only place JSON is read or
written); the sandbox computes its answers with the same shapes; `schedules` finds their
windows; forms validate into them; presenters describe them.

A `Definition` is what a person writes (every attribute Datadog lets you set); a `Downtime` is a
definition as Datadog holds it, with its id, status, times and related records.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

ACTIVE = "active"
SCHEDULED = "scheduled"
ENDED = "ended"
CANCELED = "canceled"
STATUSES = (ACTIVE, SCHEDULED, ENDED, CANCELED)


class _Record:
    """Frozen records pickle as (class, field values): twice as fast both ways as the default
    for frozen, slotted dataclasses, which matters for a copy of thousands of downtimes."""

    __slots__ = ()

    def __reduce__(self) -> tuple:
        return type(self), tuple(getattr(self, name) for name in self.__slots__)


# Datadog's own defaults for a new downtime.
DEFAULT_NOTIFY_END_STATES = ("alert", "no data", "warn")
DEFAULT_NOTIFY_END_TYPES = ("expired",)


@dataclass(frozen=True, slots=True)
class User(_Record):
    id: str
    name: str | None = None
    handle: str | None = None
    email: str | None = None
    icon: str | None = None
    title: str | None = None
    disabled: bool = False

    @property
    def display_name(self) -> str:
        """A name to show anyone: never an e-mail address (Datadog's handles usually are one,
        and pages may be open to anonymous readers), so a person without a name reads as the
        part of their handle before the `@`, or "someone"."""
        if self.name and "@" not in self.name:
            return self.name
        for known in (self.name, self.handle, self.email):
            if known and known.split("@", 1)[0].strip():
                return known.split("@", 1)[0].strip()
        return "someone"


# Datadog's monitor states, overall and per group; the first three notify.
ALERT = "Alert"
WARN = "Warn"
NO_DATA = "No Data"
OK = "OK"
MONITOR_STATES = (ALERT, WARN, NO_DATA, OK, "Ignored", "Skipped", "Unknown")
# A downtime's `notify_end_states` name them in lower case.
NOTIFY_STATE_NAMES = {"alert": ALERT, "warn": WARN, "no data": NO_DATA}


@dataclass(frozen=True, slots=True)
class MonitorGroup(_Record):
    """One group a monitor evaluates on its own, named by its tags (`host:web-3`,
    `env:prod,host:web-3`; `*` for a monitor that is not grouped), and its state."""

    name: str
    status: str | None = None
    last_triggered: datetime | None = None
    last_resolved: datetime | None = None
    last_nodata: datetime | None = None

    @property
    def tags(self) -> tuple[str, ...]:
        """The `key:value` tags its name is made of (none for `*`)."""
        return tuple(part for part in (p.strip() for p in self.name.split(",")) if ":" in part)


@dataclass(frozen=True, slots=True)
class Monitor(_Record):
    id: int
    name: str
    type: str | None = None
    overall_state: str | None = None
    tags: tuple[str, ...] = ()
    query: str | None = None
    message: str | None = None
    priority: int | None = None
    created: datetime | None = None
    modified: datetime | None = None
    # Each group's state, when Datadog was asked for them (`group_states=all`), by name.
    groups: tuple[MonitorGroup, ...] = ()


@dataclass(frozen=True, slots=True)
class Window(_Record):
    """One concrete downtime window in UTC; `end` is None for a window that never ends."""

    start: datetime
    end: datetime | None


@dataclass(frozen=True, slots=True)
class Recurrence(_Record):
    rrule: str
    duration: str
    # Wall time in the schedule's time zone, without offset, as Datadog sends it.
    start: datetime | None = None


@dataclass(frozen=True, slots=True)
class OneTimeSchedule(_Record):
    start: datetime | None
    end: datetime | None

    is_recurring = False


@dataclass(frozen=True, slots=True)
class RecurringSchedule(_Record):
    timezone: str
    recurrences: tuple[Recurrence, ...]
    # Computed by Datadog (the ongoing window, else the next, else the last); never written.
    current_downtime: Window | None = None

    is_recurring = True


Schedule = OneTimeSchedule | RecurringSchedule


@dataclass(frozen=True, slots=True)
class MonitorIdentifier(_Record):
    """What a downtime mutes: one monitor, or the monitors with all of some tags (`*`: all)."""

    monitor_id: int | None = None
    monitor_tags: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return self.monitor_id is None and self.monitor_tags in ((), ("*",))


@dataclass(frozen=True, slots=True)
class Definition(_Record):
    """Every attribute Datadog lets a person set on a downtime, named as Datadog names them."""

    scope: str
    monitor_identifier: MonitorIdentifier
    schedule: Schedule
    message: str | None = None
    display_timezone: str = "UTC"
    notify_end_states: tuple[str, ...] = DEFAULT_NOTIFY_END_STATES
    notify_end_types: tuple[str, ...] = DEFAULT_NOTIFY_END_TYPES
    mute_first_recovery_notification: bool = False

    def attributes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ATTRIBUTES}


ATTRIBUTES = tuple(f.name for f in fields(Definition))


@dataclass(frozen=True, slots=True)
class Downtime(_Record):
    id: str
    status: str
    scope: str
    schedule: Schedule
    message: str | None = None
    display_timezone: str = "UTC"
    monitor_id: int | None = None
    monitor_tags: tuple[str, ...] = ()
    notify_end_states: tuple[str, ...] = ()
    notify_end_types: tuple[str, ...] = ()
    mute_first_recovery_notification: bool = False
    created: datetime | None = None
    modified: datetime | None = None
    canceled: datetime | None = None
    creator_id: str | None = None
    creator: User | None = None
    monitor: Monitor | None = None

    @property
    def is_recurring(self) -> bool:
        return self.schedule.is_recurring

    @property
    def window(self) -> Window | None:
        """The ongoing window, else the next one, else the last one (Datadog's current_downtime)."""
        if isinstance(self.schedule, RecurringSchedule):
            return self.schedule.current_downtime
        start = self.schedule.start or self.created
        return Window(start, self.schedule.end) if start else None

    @property
    def schedule_zone(self) -> str:
        """The zone its times are written in: the recurrence's, else the display zone."""
        if isinstance(self.schedule, RecurringSchedule):
            return self.schedule.timezone
        return self.display_timezone or "UTC"

    @property
    def definition(self) -> Definition:
        identifier = MonitorIdentifier(self.monitor_id, self.monitor_tags)
        same = {name: getattr(self, name) for name in ATTRIBUTES if name != "monitor_identifier"}
        return Definition(monitor_identifier=identifier, **same)

    @classmethod
    def of(cls, definition: Definition, **more: Any) -> Downtime:
        """A record for a definition not (yet) in Datadog, e.g. the form's preview."""
        values = definition.attributes()
        identifier = values.pop("monitor_identifier")
        more.setdefault("id", "")
        more.setdefault("status", SCHEDULED)
        return cls(
            **values,
            monitor_id=identifier.monitor_id,
            monitor_tags=identifier.monitor_tags,
            **more,
        )


@dataclass(frozen=True, slots=True)
class DowntimeMatch(_Record):
    id: str
    scope: str | None
    start: datetime | None
    end: datetime | None
    groups: tuple[str, ...] = field(default=())


# --- what counts as the same attribute --------------------------------------------------------


def _schedule_key(schedule: Schedule) -> tuple:
    if isinstance(schedule, RecurringSchedule):
        recurrences = tuple((r.start, r.duration, r.rrule.upper()) for r in schedule.recurrences)
        return ("recurring", schedule.timezone or "UTC", recurrences)
    return ("once", schedule.start, schedule.end)


def comparable(name: str, value: Any) -> Any:
    """A value that compares equal when Datadog would store the same thing.

    Lists Datadog treats as sets (it reorders them), empty and missing messages, a schedule's
    computed current window, and spaces around a scope do not count as differences.
    """
    if name == "schedule":
        return _schedule_key(value)
    if name == "monitor_identifier":
        if value.monitor_id is not None:
            return ("monitor", value.monitor_id)
        return ("tags", frozenset(value.monitor_tags))
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


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The attributes of `after` that differ from `before` (as `Definition.attributes()`)."""
    return {
        name: value
        for name, value in after.items()
        if comparable(name, value) != comparable(name, before.get(name))
    }
