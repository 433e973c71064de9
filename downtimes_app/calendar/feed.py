"""Downtimes as iCalendar (RFC 5545), for people's own calendars: a feed, or one downtime.

Written with the `icalendar` library, never by hand. One VEVENT per one-time window and one per
recurrence, carrying its RRULE, so a calendar app expands the series itself:

- DTSTART (and DTEND) are wall times in the schedule's zone, with the VTIMEZONE it needs, so a
  02:00 window stays at 02:00 across daylight-saving changes, as Datadog keeps it.
- A recurrence whose duration is in days or weeks (`1d`) says DURATION:P1D: RFC 5545 reads a
  duration in days as calendar days, which is what the dashboard means by it (a window ending at
  the same wall time the next day, 23 or 25 hours across a clock change), where a DTEND would
  give every occurrence the exact length of the first. Hours and minutes are exact in both.
- UNTIL is written in UTC, as RFC 5545 requires beside a DTSTART with a zone (Datadog takes it
  as wall time in the schedule's zone, which is what the UTC moment is worked out from).
- A canceled downtime is STATUS:CANCELLED, so subscribed calendars drop it.
- A one-time window without an end has no DTEND (an event at its start) and says so.
- Events are TRANSPARENT: a downtime does not make anyone busy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

import icalendar

from downtimes_app.calendar.timeline import specs_of
from downtimes_app.core import schedules
from downtimes_app.core.domain import Downtime, OneTimeSchedule
from downtimes_app.core.presenters import schedule_words, target
from downtimes_app.core.schedules.rules import canonical, parse_until, rrule_parts

PRODID = "-//Downtime dashboard//Datadog downtimes//EN"
UID_DOMAIN = "downtime-dashboard"
# VTIMEZONE rules are written for the years the events need, and this many ahead of them: from a
# year before the earliest start to ZONE_YEARS_AHEAD past the latest, so a series that begins in
# 2042 finds 2042's clock changes there. A start further than ZONE_YEARS_REACH ahead counts as
# that far: a series set a millennium ahead (Datadog takes one) would otherwise write two
# thousand clock changes into every fetch of the feed.
ZONE_YEARS_AHEAD = 10
ZONE_YEARS_REACH = 50


def rule_text(rrule: str, zone_name: str) -> str:
    """A Datadog RRULE as RFC 5545 wants it beside a DTSTART with a zone: UNTIL in UTC."""
    parts = rrule_parts(rrule)
    until = parts.get("UNTIL")
    if until and not until.endswith("Z"):
        wall = parse_until(until)
        moment = schedules.to_utc(wall, schedules.get_zone(zone_name))
        parts["UNTIL"] = f"{moment:%Y%m%dT%H%M%SZ}"
    return canonical(parts)


def _summary(downtime: Downtime) -> str:
    kind, what = target(downtime)
    muted = what if kind != "all" else "all monitors"
    return f"Downtime: {muted} ({downtime.scope})"


def _description(downtime: Downtime, now: datetime, never_ends: bool = False) -> str:
    zone = schedules.get_zone(downtime.schedule_zone)
    lines = [
        f"Scope: {downtime.scope}",
        f"Mutes: {target(downtime)[1]}",
        f"Schedule: {schedule_words(downtime, zone, now)}",
    ]
    if never_ends:
        lines.append("No end: it mutes until someone ends it.")
    if downtime.canceled is not None:
        lines.append(f"Canceled {downtime.canceled.astimezone(UTC):%Y-%m-%d %H:%M} UTC.")
    if downtime.message:
        lines += ["", downtime.message]
    return "\n".join(lines)


def _event(downtime: Downtime, number: str, now: datetime, link: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{downtime.id}-{number}@{UID_DOMAIN}")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("summary", _summary(downtime))
    event.add("url", link)
    event.add("status", "CANCELLED" if downtime.canceled is not None else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    if downtime.created is not None:
        event.add("created", downtime.created.astimezone(UTC))
    if downtime.modified is not None:
        event.add("last-modified", downtime.modified.astimezone(UTC))
    return event


def events(downtime: Downtime, now: datetime, link: str) -> list[icalendar.Event]:
    """The downtime's VEVENTs: its one window, or one per recurrence."""
    schedule = downtime.schedule
    if isinstance(schedule, OneTimeSchedule):
        window = downtime.window
        if window is None:
            return []
        zone = schedules.get_zone(downtime.schedule_zone)
        event = _event(downtime, "once", now, link)
        event.add("dtstart", window.start.astimezone(zone))
        if window.end is not None:
            event.add("dtend", window.end.astimezone(zone))
        event.add("description", _description(downtime, now, never_ends=window.end is None))
        return [event]
    zone = schedules.get_zone(schedule.timezone)
    found = []
    for number, spec in enumerate(specs_of(downtime)):
        event = _event(downtime, str(number), now, link)
        start = spec.start.replace(tzinfo=zone)
        event.add("dtstart", start)
        if spec.duration.is_calendar:
            event.add("duration", spec.duration.delta)
        else:
            end = schedules.to_utc(spec.start, zone) + spec.duration.delta
            event.add("dtend", end.astimezone(zone))
        event.add("rrule", icalendar.vRecur.from_ical(rule_text(spec.rrule, schedule.timezone)))
        event.add("description", _description(downtime, now))
        found.append(event)
    return found


def calendar(
    downtimes: Iterable[Downtime],
    *,
    now: datetime,
    link: Callable[[Downtime], str],
    name: str,
) -> bytes:
    """A VCALENDAR of the downtimes, with the VTIMEZONEs its events name."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    earliest = latest = now.date()
    for downtime in downtimes:
        for event in events(downtime, now, link(downtime)):
            start = event.decoded("dtstart")
            if isinstance(start, date):
                earliest, latest = min(earliest, start.date()), max(latest, start.date())
            cal.add_component(event)
    reach = min(latest.year, now.year + ZONE_YEARS_REACH)
    cal.add_missing_timezones(
        first_date=earliest - timedelta(days=366),
        last_date=date(reach + ZONE_YEARS_AHEAD, 1, 1),
    )
    return cal.to_ical()
