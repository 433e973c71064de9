"""How a downtime reads to a person: words, relative times and badges, in their time zone.

Pure functions of a record, "now" and the viewer's zone, shared by the list, the detail page and
the link previews, so a downtime is described the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from downtimes_app.core import schedules
from downtimes_app.core.domain import (
    ACTIVE,
    CANCELED,
    ENDED,
    SCHEDULED,
    Downtime,
    RecurringSchedule,
    Window,
)
from downtimes_app.core.messages import (
    render_message as render_message,  # decided there, asked for here
)
from downtimes_app.core.scope import Chip, scope_chips
from downtimes_app.core.status import live_status, recurrence_specs

HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)
EXCERPT = 120


def span(delta: timedelta) -> str:
    """A rounded length of time: "1h 20m", "3d 4h", "45m"."""
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days >= 7:
        return f"{days}d"
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


@dataclass(frozen=True)
class Moment:
    """A point in time as shown to one viewer, with UTC kept for the hover title."""

    at: datetime
    zone: ZoneInfo
    now: datetime

    @property
    def local(self) -> datetime:
        return self.at.astimezone(self.zone)

    @property
    def day(self) -> str:
        local, today = self.local.date(), self.now.astimezone(self.zone).date()
        offset = (local - today).days
        if offset == 0:
            return "Today"
        if offset == 1:
            return "Tomorrow"
        if offset == -1:
            return "Yesterday"
        if 1 < offset < 7:
            return f"{local:%a}"
        if local.year == today.year:
            return f"{local.day} {local:%b}"
        return f"{local.day} {local:%b} {local.year}"

    @property
    def time(self) -> str:
        return f"{self.local:%H:%M}"

    @property
    def label(self) -> str:
        return f"{self.day} {self.time}"

    @property
    def ago(self) -> str:
        """How long before the page's "now" (the org's clock, which the sandbox may move)."""
        return span(self.now - self.at)

    @property
    def zone_label(self) -> str:
        return self.local.strftime("%Z")

    @property
    def utc_title(self) -> str:
        return f"{self.at.astimezone(ZoneInfo('UTC')):%Y-%m-%d %H:%M} UTC"

    @property
    def iso(self) -> str:
        return self.at.isoformat()


@dataclass(frozen=True)
class Badge:
    label: str
    tone: str  # "danger", "warn" or "info"
    hint: str


@dataclass(frozen=True)
class Row:
    downtime: Downtime
    chips: tuple[Chip, ...]
    target: str
    target_kind: str  # "monitor", "tags" or "all"
    schedule: str
    window_text: str
    start: Moment | None
    end: Moment | None
    creator: str
    excerpt: str
    badges: tuple[Badge, ...]

    @property
    def status(self) -> str:
        return self.downtime.status


def initials(name: str) -> str:
    """Letters to show where an avatar cannot load: "Sofia Lindqvist" -> "SL"."""
    words = [w for w in name.split("@")[0].replace(".", " ").replace("_", " ").split() if w]
    if len(words) > 1 and " " in name:
        return (words[0][0] + words[-1][0]).upper()
    return words[0][0].upper() if words else "?"


def target(downtime: Downtime) -> tuple[str, str]:
    """What the downtime mutes: ("monitor", name), ("tags", "team:db, env:prod") or ("all", ...)."""
    if downtime.monitor_id is not None:
        name = downtime.monitor.name if downtime.monitor else f"Monitor {downtime.monitor_id}"
        return "monitor", name
    if not downtime.monitor_tags or downtime.monitor_tags == ("*",):
        return "all", "All monitors"
    return "tags", ", ".join(downtime.monitor_tags)


def schedule_words(downtime: Downtime, zone: ZoneInfo, now: datetime) -> str:
    schedule = downtime.schedule
    if isinstance(schedule, RecurringSchedule):
        parts = [
            schedules.describe_recurrence(r.start, r.rrule, r.duration)
            for r in schedule.recurrences
        ]
        return "; ".join(parts) + f" {schedule.timezone}"
    start = schedule.start or downtime.created
    if start is None:
        return "Starts when created, no end"
    begin = Moment(start, zone, now)
    if schedule.end is None:
        return f"From {begin.label} {begin.zone_label}, no end"
    end = Moment(schedule.end, zone, now)
    if begin.local.date() == end.local.date():
        return f"{begin.label} to {end.time} {end.zone_label}"
    return f"{begin.label} to {end.label} {end.zone_label}"


def window_text(downtime: Downtime, now: datetime, zone: ZoneInfo) -> str:
    window = downtime.window
    status = live_status(downtime, now)
    if status == CANCELED:
        when = downtime.canceled or downtime.modified
        return f"canceled {span(now - when)} ago" if when else "canceled"
    if window is None:
        # Datadog gave a series no current window: none within its reach (a rule that never
        # occurs), which the list says plainly rather than leaving blank.
        return "no upcoming window" if downtime.is_recurring else ""
    if status == ACTIVE:
        if window.end is None:
            return f"running for {span(now - window.start)}, no end"
        return f"ends in {span(window.end - now)}"
    if status == SCHEDULED:
        moment = Moment(window.start, zone, now)
        soon = f" (in {span(window.start - now)})" if window.start - now < timedelta(days=1) else ""
        day = moment.day.lower() if moment.day in ("Today", "Tomorrow") else moment.day
        return f"starts {day} {moment.time}{soon}"
    ended = window.end or window.start
    if now - ended < timedelta(days=2):
        return f"ended {span(now - ended)} ago"
    return f"ended {Moment(ended, zone, now).day}"


def badges(downtime: Downtime, now: datetime) -> tuple[Badge, ...]:
    """What needs attention: no end, ending within the hour, running for over a week."""
    window = downtime.window
    status = live_status(downtime, now)
    found = []
    if (
        status in (ACTIVE, SCHEDULED)
        and not downtime.is_recurring
        and window
        and window.end is None
    ):
        found.append(Badge("no end", "danger", "Stays muted until someone ends it"))
    if status == ACTIVE and window is not None:
        if window.end is not None and now < window.end <= now + HOUR:
            found.append(Badge("ends within the hour", "warn", "Alerts resume soon"))
        if now - window.start > WEEK:
            found.append(
                Badge("over a week", "danger", f"Muted since {span(now - window.start)} ago")
            )
    return tuple(found)


def excerpt(message: str | None) -> str:
    first = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    return first if len(first) <= EXCERPT else first[: EXCERPT - 1].rstrip() + "\u2026"


def row(downtime: Downtime, now: datetime, zone: ZoneInfo) -> Row:
    kind, what = target(downtime)
    window: Window | None = downtime.window
    creator = downtime.creator.display_name if downtime.creator else ""
    return Row(
        downtime=downtime,
        chips=scope_chips(downtime.scope),
        target=what,
        target_kind=kind,
        schedule=schedule_words(downtime, zone, now),
        window_text=window_text(downtime, now, zone),
        start=Moment(window.start, zone, now) if window else None,
        end=Moment(window.end, zone, now) if window and window.end else None,
        creator=creator,
        excerpt=excerpt(downtime.message),
        badges=badges(downtime, now),
    )


# --- the next windows --------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowRow:
    """One upcoming window, in the schedule's zone and in the viewer's."""

    start: Moment
    end: Moment | None
    viewer_start: Moment
    viewer_end: Moment | None
    ongoing: bool
    # Set when the schedule zone's UTC offset differs from the previous window's (a clock change).
    shift: str = ""


def _offset(moment: datetime, zone: ZoneInfo) -> str:
    offset = moment.astimezone(zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def next_windows(
    downtime: Downtime, now: datetime, viewer: ZoneInfo, limit: int = 10
) -> list[WindowRow]:
    """The ongoing window and the ones after it (a one-time downtime has just one)."""
    schedule = downtime.schedule
    if isinstance(schedule, RecurringSchedule):
        zone = schedules.get_zone(schedule.timezone)
        specs = recurrence_specs(schedule, downtime.created or now)
        windows = schedules.upcoming_windows(specs, schedule.timezone, now, limit)
    else:
        zone = schedules.get_zone(downtime.display_timezone or "UTC")
        start = schedule.start or downtime.created or now
        windows = [Window(start, schedule.end)]
    rows = []
    previous = None
    for window in windows:
        offset = _offset(window.start, zone)
        shift = ""
        if previous is not None and offset != previous:
            shift = f"Clocks change in {zone.key}: {previous} \u2192 {offset}"
        elif window.end is not None and _offset(window.end, zone) != offset:
            shift = f"Clocks change during this window: {offset} \u2192 {_offset(window.end, zone)}"
        previous = offset
        rows.append(
            WindowRow(
                start=Moment(window.start, zone, now),
                end=Moment(window.end, zone, now) if window.end else None,
                viewer_start=Moment(window.start, viewer, now),
                viewer_end=Moment(window.end, viewer, now) if window.end else None,
                ongoing=window.start <= now and (window.end is None or now < window.end),
                shift=shift,
            )
        )
    return rows


def windows_note(downtime: Downtime, now: datetime) -> str:
    """What to say where a recurring downtime's next windows would be, when there are none."""
    schedule = downtime.schedule
    if isinstance(schedule, RecurringSchedule):
        specs = recurrence_specs(schedule, downtime.created or now)
        if not schedules.has_run_its_course(specs, schedule.timezone, now):
            zone = schedules.get_zone(schedule.timezone)
            if specs and all(schedules.to_utc(spec.start, zone) > now for spec in specs):
                # Each rule was searched from its own start, however far ahead that is.
                return f"No window within {schedules.HORIZON_YEARS} years of its start."
            return f"No upcoming window in the next {schedules.HORIZON_YEARS} years."
    return "No windows ahead: this schedule has run its course."


# --- the downtime page ---------------------------------------------------------------------------

STATE_LABELS = {"alert": "Alert", "warn": "Warn", "no data": "No Data"}


def _or(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def notify_words(downtime: Downtime) -> list[str]:
    """The notify settings as sentences a person can act on (Datadog's field docs, in words)."""
    states = [STATE_LABELS[s] for s in STATE_LABELS if s in downtime.notify_end_states]
    states += [s for s in downtime.notify_end_states if s not in STATE_LABELS]
    ends = []
    if "expired" in downtime.notify_end_types:
        ends.append("ends on schedule")
    if "canceled" in downtime.notify_end_types:
        ends.append("is canceled")
    sentences = []
    if not ends:
        sentences.append(
            "Monitors do not notify when this downtime ends, even if they are still alerting."
        )
    elif not states:
        sentences.append(
            f"When this downtime {' or '.join(ends)}, nothing is sent: no monitor state is chosen."
        )
    else:
        sentences.append(
            f"When this downtime {' or '.join(ends)}, monitors still in {_or(states)} notify again."
        )
    if downtime.mute_first_recovery_notification:
        sentences.append("The first recovery notification during the downtime is muted.")
    else:
        sentences.append("Recovery notifications are sent as usual.")
    return sentences


# --- link previews (OpenGraph, Twitter cards) -------------------------------------------------
# A chat app fetches a link once and keeps the preview, so previews use absolute times in UTC
# ("until 14:00 UTC"), never "ends in 35m" or the sharer's own zone.


def _utc(moment: datetime, now: datetime) -> str:
    moment = moment.astimezone(UTC)
    if moment.date() == now.astimezone(UTC).date():
        return f"{moment:%H:%M} UTC"
    return f"{moment.day} {moment:%b} {moment:%H:%M} UTC"


def _utc_span(window: Window, now: datetime) -> str:
    if window.end is None:
        return f"from {_utc(window.start, now)}, no end"
    start, end = window.start.astimezone(UTC), window.end.astimezone(UTC)
    head = _utc(start, now).removesuffix(" UTC")
    tail = f"{end:%H:%M}" if end.date() == start.date() else _utc(end, now).removesuffix(" UTC")
    return f"{head}\u2013{tail} UTC"


def status_line(downtime: Downtime, now: datetime) -> str:
    """ "Active until 14:00 UTC", "Scheduled 17 Nov 02:00-04:00 UTC", "Canceled 00:30 UTC"."""
    window = downtime.window
    status = downtime.status
    recurring = " (recurring)" if downtime.is_recurring else ""
    if status == CANCELED:
        when = downtime.canceled or downtime.modified
        return f"Canceled {_utc(when, now)}" if when else "Canceled"
    if window is None:
        return status.capitalize() or "Unknown"
    if status == ACTIVE:
        if window.end is None:
            return f"Active since {_utc(window.start, now)}, no end"
        return f"Active until {_utc(window.end, now)}{recurring}"
    if status == SCHEDULED:
        prefix = "Scheduled, next " if downtime.is_recurring else "Scheduled "
        return f"{prefix}{_utc_span(window, now)}"
    if status == ENDED:
        return f"Ended {_utc(window.end or window.start, now)}"
    return status.capitalize()


def share_title(downtime: Downtime, now: datetime) -> str:
    """ "Active until 14:00 UTC · env:prod AND service:db": what an unfurled link says first."""
    scope = downtime.scope.strip() or "*"
    return f"{status_line(downtime, now)} \u00b7 {'all scopes (*)' if scope == '*' else scope}"


def share_description(downtime: Downtime, now: datetime, zone: ZoneInfo) -> str:
    """What it mutes and when. Only unsigned fetchers (chat unfurlers) ever read these tags, so
    they say no more than a link preview needs: no message, no creator."""
    kind, what = target(downtime)
    mutes = {"monitor": f"Mutes {what}", "tags": f"Mutes monitors tagged {what}"}.get(
        kind, "Mutes all monitors"
    )
    return ". ".join(p for p in (mutes, schedule_words(downtime, zone, now)) if p) + "."


# --- what an audited write changed ---------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def _flatten(value: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        flat: dict[str, str] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        flat = {}
        for index, item in enumerate(value):
            flat.update(_flatten(item, f"{prefix}[{index}]"))
        return flat
    if isinstance(value, list):
        return {prefix: ", ".join(str(item) for item in value) or "(none)"}
    if value is None:
        return {prefix: "(none)"}
    if isinstance(value, bool):
        return {prefix: "yes" if value else "no"}
    return {prefix: str(value)}


def attribute_changes(before: Any, after: Any) -> list[Change]:
    """Field by field, what differs between an audit entry's before and after attributes."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    old, new = _flatten(before), _flatten(after)
    return [
        Change(name, old.get(name, "(none)"), new.get(name, "(none)"))
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name)
    ]
