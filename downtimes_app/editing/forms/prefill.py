"""Forms filled in advance: from a link's query string, or from an existing downtime.

`data_from_query` and `share_query` are inverses: the link the form gives for what is on screen
opens a form that sends the same request (tests check the round trip).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.utils.datastructures import MultiValueDict

from downtimes_app.core import schedules
from downtimes_app.core.domain import (
    DEFAULT_NOTIFY_END_STATES,
    DEFAULT_NOTIFY_END_TYPES,
    Downtime,
    RecurringSchedule,
)
from downtimes_app.editing.forms import repeat
from downtimes_app.editing.forms.values import (
    END_AFTER,
    END_AT,
    END_NEVER,
    MAX_RECURRENCES,
    NOTIFY_END_STATES,
    NOTIFY_END_TYPES,
    PREFIX,
    RECURRING,
    START_AT,
    START_NOW,
    TARGET_ALL,
    TARGET_MONITOR,
    TARGET_TAGS,
    defaults,
    management_fields,
    next_hour,
    parse_wall,
    recurrence_fields,
    split_tags,
    to_data,
    total_forms,
    wall_text,
    without_recurrences,
)

TRUE_WORDS = ("1", "true", "yes", "on")


def _values(query: Mapping[str, Any], name: str) -> list[str]:
    getter: Callable[[str], list[str]] | None = getattr(query, "getlist", None)
    raw = getter(name) if getter else ([query[name]] if name in query else [])
    return [v.strip() for v in raw if v is not None and v.strip()]


def _listed(query: Mapping[str, Any], name: str) -> list[str]:
    return [item for value in _values(query, name) for item in split_tags(value)]


def _wall_or_raw(text: str, zone: ZoneInfo) -> str:
    """A link's time as the form shows it; left as typed when unreadable (the form says why)."""
    try:
        return wall_text(parse_wall(text, zone))
    except ValueError:
        return text


# --- a link -> the form --------------------------------------------------------------------------


def data_from_query(
    query: Mapping[str, Any], token: str, now: datetime, viewer: ZoneInfo
) -> MultiValueDict:
    """A new form filled from a link: every field can be given in the query string.

    Short names for the common case: `scope`, `monitor_id`, `monitor_tags` (repeat or comma
    separate; `*` for every monitor), `timezone`, `message`; one-time `start` (or `now`), `end`
    (or `never`) and `duration`; recurring `rrule` with its `start` and `duration` (repeat the
    three for more recurrences); `notify_end_states`, `notify_end_types`,
    `mute_first_recovery_notification=1`, `ends_on_recovery=1`.
    """
    first = {name: (_values(query, name) or [""])[0] for name in query}
    zone_name = first.get("timezone") or viewer.key
    try:
        zone = schedules.get_zone(zone_name)
    except schedules.ScheduleError:
        zone = viewer  # the form keeps the bad name and says so beside the field
    values = defaults(token, now, zone)
    values["timezone"] = zone_name
    for name in ("scope", "message", "monitor_query"):
        if first.get(name):
            values[name] = first[name]
    values.update(_target_from_query(query, first))
    values.update(_notify_from_query(query, first))
    rules = _values(query, "rrule")
    if rules or first.get("schedule") == RECURRING:
        values = without_recurrences(values)
        values.update(_recurring_from_query(query, rules, now, zone))
    else:
        values.update(_one_time_from_query(first, zone))
    return to_data(values)


def _target_from_query(query: Mapping[str, Any], first: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    tags = _listed(query, "monitor_tags")
    if first.get("monitor_id"):
        values.update(target=TARGET_MONITOR, monitor_id=first["monitor_id"])
    elif tags == ["*"]:
        values["target"] = TARGET_ALL
    elif tags:
        values.update(target=TARGET_TAGS, monitor_tags=", ".join(tags))
    if first.get("target") in (TARGET_MONITOR, TARGET_TAGS, TARGET_ALL):
        values["target"] = first["target"]
    return values


def _notify_from_query(query: Mapping[str, Any], first: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, choices in (
        ("notify_end_states", NOTIFY_END_STATES),
        ("notify_end_types", NOTIFY_END_TYPES),
    ):
        if name in query:
            allowed = {v for v, _ in choices}
            given = [v for v in _values(query, name) for v in v.split(",")]
            values[name] = [v.strip() for v in given if v.strip() in allowed]
    for name in ("mute_first_recovery_notification", "ends_on_recovery"):
        if first.get(name, "").lower() in TRUE_WORDS:
            values[name] = "on"
    return values


def _one_time_from_query(first: dict[str, str], zone: ZoneInfo) -> dict[str, Any]:
    values: dict[str, Any] = {}
    start = first.get("start", "")
    if start and start.lower() != "now":
        values.update(start_mode=START_AT, start=_wall_or_raw(start, zone))
    end = first.get("end", "")
    if end.lower() == "never":
        values["end_mode"] = END_NEVER
    elif end:
        values.update(end_mode=END_AT, end=_wall_or_raw(end, zone))
    elif first.get("duration"):
        values.update(end_mode=END_AFTER, duration=first["duration"])
    for name, choices in (
        ("start_mode", (START_NOW, START_AT)),
        ("end_mode", (END_NEVER, END_AT, END_AFTER)),
    ):
        if first.get(name) in choices:
            values[name] = first[name]
    return values


def _recurring_from_query(
    query: Mapping[str, Any], rules: list[str], now: datetime, zone: ZoneInfo
) -> dict[str, Any]:
    values: dict[str, Any] = {"schedule": RECURRING}
    starts, durations = _values(query, "start"), _values(query, "duration")
    count = max(len(rules), 1)
    default_start = next_hour(now, zone)
    for index in range(count):
        start_text = starts[index] if index < len(starts) else ""
        try:
            start, unreadable = (
                (parse_wall(start_text, zone) if start_text else default_start),
                False,
            )
        except ValueError:
            start, unreadable = default_start, True
        rule = rules[index] if index < len(rules) else ""
        rule = rule or repeat.build_rrule(repeat.default_controls(start))
        duration = durations[index] if index < len(durations) else "1h"
        values.update(recurrence_fields(index, start, duration, rule, synced=False))
        if unreadable:
            values[f"{PREFIX}-{index}-start"] = start_text  # kept as given; the form says why
    values.update(management_fields(count))
    return values


# --- the form -> a link --------------------------------------------------------------------------


def share_query(data: MultiValueDict) -> str:
    """The query string of a link that opens this form as it is now (never with the token)."""
    params: list[tuple[str, str]] = []

    def add(name: str, value: str | None) -> None:
        if value:
            params.append((name, value))

    add("scope", (data.get("scope") or "").strip())
    target = data.get("target")
    if target == TARGET_MONITOR:
        add("monitor_id", data.get("monitor_id"))
    elif target == TARGET_TAGS:
        add("monitor_tags", ",".join(split_tags(data.get("monitor_tags") or "")))
    elif target == TARGET_ALL:
        add("monitor_tags", "*")
    add("timezone", data.get("timezone"))
    params += _schedule_params(data)
    add("message", data.get("message"))
    for name, default in (
        ("notify_end_states", DEFAULT_NOTIFY_END_STATES),
        ("notify_end_types", DEFAULT_NOTIFY_END_TYPES),
    ):
        chosen = data.getlist(name)
        if sorted(chosen) != sorted(default):
            params.append((name, ",".join(chosen)))
    for name in ("mute_first_recovery_notification", "ends_on_recovery"):
        if data.get(name):
            params.append((name, "1"))
    return urlencode(params, safe=":*,")


def _schedule_params(data: MultiValueDict) -> list[tuple[str, str]]:
    if data.get("schedule") == RECURRING:
        params: list[tuple[str, str]] = []
        for index in range(min(total_forms(data), MAX_RECURRENCES)):
            prefix = f"{PREFIX}-{index}-"
            params += [
                (name, data.get(prefix + name) or "") for name in ("rrule", "start", "duration")
            ]
        return params
    mode = data.get("end_mode")
    one_time = [
        ("start", data.get("start") if data.get("start_mode") == START_AT else ""),
        ("end", data.get("end") if mode == END_AT else "never" if mode == END_NEVER else ""),
        ("duration", data.get("duration") if mode not in (END_AT, END_NEVER) else ""),
    ]
    return [(name, value) for name, value in one_time if value]


# --- a downtime -> the form ---------------------------------------------------------------------


def data_from_downtime(
    downtime: Downtime, token: str, now: datetime, *, clone: bool = False
) -> MultiValueDict:
    """The form for editing `downtime`, or (clone) for creating another one like it."""
    zone_name = downtime.schedule_zone
    try:
        zone = schedules.get_zone(zone_name)
    except schedules.ScheduleError:
        zone_name, zone = "UTC", schedules.get_zone("UTC")
    values = defaults(token, now, zone)
    values.update(
        scope=downtime.scope,
        message=downtime.message or "",
        notify_end_states=list(downtime.notify_end_states),
        notify_end_types=list(downtime.notify_end_types),
    )
    if downtime.mute_first_recovery_notification:
        values["mute_first_recovery_notification"] = "on"
    if downtime.monitor_id is not None:
        values.update(target=TARGET_MONITOR, monitor_id=str(downtime.monitor_id))
    elif list(downtime.monitor_tags) in ([], ["*"]):
        values["target"] = TARGET_ALL
    else:
        values.update(target=TARGET_TAGS, monitor_tags=", ".join(downtime.monitor_tags))
    if isinstance(downtime.schedule, RecurringSchedule):
        values = without_recurrences(values)
        values.update(_recurring_from_downtime(downtime, zone, now, clone=clone))
    else:
        values.update(_one_time_from_downtime(downtime, zone, now, clone=clone))
    values["timezone"] = zone_name
    return to_data(values)


def _recurring_from_downtime(
    downtime: Downtime, zone: ZoneInfo, now: datetime, *, clone: bool
) -> dict[str, Any]:
    schedule = downtime.schedule
    assert isinstance(schedule, RecurringSchedule)
    values: dict[str, Any] = {"schedule": RECURRING}
    for index, recurrence in enumerate(schedule.recurrences):
        start = recurrence.start or schedules.to_local(downtime.created or now, zone)
        if clone:
            start = _next_start(start, recurrence.rrule, zone, now)
        values.update(
            recurrence_fields(index, start, recurrence.duration, recurrence.rrule, synced=False)
        )
    values.update(management_fields(len(schedule.recurrences) or 1))
    return values


def _one_time_from_downtime(
    downtime: Downtime, zone: ZoneInfo, now: datetime, *, clone: bool
) -> dict[str, Any]:
    schedule = downtime.schedule
    start = schedule.start or downtime.created or now
    if clone:
        # A clone starts now and lasts as long as the original did.
        if schedule.end is None:
            return {"start_mode": START_NOW, "end_mode": END_NEVER}
        length = schedules.duration_from_delta(schedule.end - start)
        return {"start_mode": START_NOW, "end_mode": END_AFTER, "duration": str(length)}
    values = {"start_mode": START_AT, "start": wall_text(schedules.to_local(start, zone))}
    if schedule.end is None:
        values["end_mode"] = END_NEVER
    else:
        values.update(end_mode=END_AT, end=wall_text(schedules.to_local(schedule.end, zone)))
    return values


def _next_start(start: datetime, rule: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A clone's recurrence starts at the series' next occurrence rather than in the past."""
    if schedules.to_utc(start, zone) >= now:
        return start
    try:
        spec = schedules.RecurrenceSpec(start, rule, schedules.parse_duration("1m"))
        upcoming = schedules.upcoming_windows([spec], zone.key, now, 1)
    except schedules.ScheduleError:
        return start
    return schedules.to_local(upcoming[0].start, zone) if upcoming else start
