"""Creating, updating and canceling sandbox downtimes: Datadog's checks, wording and defaults.

Every check raises `ApiError` with Datadog's status and message (its own words where Datadog's
recordings show them; the sandbox's, said so in README, where they do not).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from downtimes_app.core import parsing, schedules
from downtimes_app.core.domain import ACTIVE
from downtimes_app.core.scope import ScopeError, parse_scope

from .models import SandboxDowntime, SandboxMonitor, SandboxUser
from .resources import (
    DEFAULT_NOTIFY_END_STATES,
    DEFAULT_NOTIFY_END_TYPES,
    NOTIFY_END_STATES,
    NOTIFY_END_TYPES,
    WRITABLE,
    bad_request,
    iso,
    status_of,
    wall,
)


def request_attributes(body: Any, *, downtime_id: str | None = None) -> dict[str, Any]:
    """The `data.attributes` of a create or update body, after JSON:API shape checks."""
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
        raise bad_request("The request body must be an object with a data member")
    data = body["data"]
    if data.get("type") != "downtime":
        raise bad_request(
            f"Invalid type {data.get('type')!r} for data: expected 'downtime'"
            if "type" in data
            else "data.type is required and must be 'downtime'"
        )
    if downtime_id is not None:
        # Required by the reference; Terraform's provider sends it empty, which Datadog takes.
        if data.get("id") is None:
            raise bad_request("data.id is required")
        if data["id"] not in ("", downtime_id):
            raise bad_request("data.id does not match the downtime_id in the URL")
    attributes = data.get("attributes")
    if not isinstance(attributes, Mapping):
        raise bad_request("data.attributes is required and must be an object")
    unknown = sorted(set(attributes) - set(WRITABLE))
    if unknown:
        raise bad_request(additional_properties(unknown))
    return dict(attributes)


def additional_properties(names: list[str]) -> str:
    """Datadog's JSON-schema wording for unexpected members."""
    quoted = ", ".join(f"'{name}'" for name in names)
    verb = "was" if len(names) == 1 else "were"
    return f"Additional properties are not allowed ({quoted} {verb} unexpected)"


def _check_scope(value: Any) -> str:
    if not isinstance(value, str):
        raise bad_request("scope must be a string")
    try:
        parse_scope(value)
    except ScopeError as exc:
        raise bad_request(exc.datadog) from None
    return value


def _check_monitor_identifier(value: Any) -> tuple[int | None, list[str] | None]:
    if not isinstance(value, Mapping) or len(value) != 1:
        raise bad_request("monitor_identifier must have exactly one of monitor_id or monitor_tags")
    if "monitor_id" in value:
        monitor_id = value["monitor_id"]
        if isinstance(monitor_id, bool) or not isinstance(monitor_id, int):
            raise bad_request("monitor_identifier.monitor_id must be an integer")
        if not 1 <= monitor_id <= parsing.MAX_ID:
            raise bad_request(f"Monitor {str(monitor_id)[:40]} not found")
        if not SandboxMonitor.objects.filter(id=monitor_id).exists():
            raise bad_request(f"Monitor {monitor_id} not found")
        return monitor_id, None
    if "monitor_tags" in value:
        tags = value["monitor_tags"]
        if (
            not isinstance(tags, list)
            or not tags
            or not all(isinstance(t, str) and t.strip() for t in tags)
        ):
            raise bad_request("monitor_identifier.monitor_tags must be a non-empty list of tags")
        return None, [t.strip() for t in tags]
    raise bad_request("monitor_identifier must have exactly one of monitor_id or monitor_tags")


def _check_timezone(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise bad_request(f"{field} must be a string")
    try:
        schedules.get_zone(value)
    except schedules.ScheduleError:
        raise bad_request(f"Invalid timezone: {value}") from None
    return value


def _check_choices(value: Any, field: str, choices: tuple[str, ...]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"{field} must be a list of strings")
    wrong = [v for v in value if v not in choices]
    if wrong:
        raise bad_request(
            f"Invalid value(s) for {field}: {', '.join(wrong)}. Allowed: {', '.join(choices)}"
        )
    return list(dict.fromkeys(value))


def _iso_time(value: Any, field: str, kind: str) -> datetime:
    """An ISO-8601 time in the years a client can read back (`parsing.STORED_YEARS`)."""
    if not isinstance(value, str):
        raise bad_request(f"{field} must be an ISO-8601 date-time string{kind}")
    try:
        return parsing.date_time(value, years=parsing.STORED_YEARS)
    except parsing.OutOfRange as exc:
        raise bad_request(f"{field}: {exc}") from None
    except parsing.Unreadable:
        raise bad_request(f"{field} is not a valid ISO-8601 date-time: {value[:40]}") from None


def _utc_time(value: Any, field: str) -> datetime:
    moment = _iso_time(value, field, "")
    if moment.tzinfo is None or moment.utcoffset() != timedelta(0):
        raise bad_request(f"{field} must include a UTC offset of zero, e.g. {value[:19]}+00:00")
    return moment.astimezone(UTC)


def _wall_time(value: Any, field: str) -> datetime:
    moment = _iso_time(value, field, " without offset")
    if moment.tzinfo is not None:
        raise bad_request(f"{field} must not include a UTC offset")
    return moment.replace(microsecond=0)


def _one_time(raw: Mapping[str, Any], now: datetime, current: Mapping | None) -> dict:
    unknown = sorted(set(raw) - {"start", "end"})
    if unknown:
        raise bad_request(additional_properties(unknown))
    current = current if current and "recurrences" not in current else {}
    if "start" in raw:
        start = _utc_time(raw["start"], "schedule.start") if raw["start"] is not None else now
    elif current:
        start = datetime.fromisoformat(current["start"])
    else:
        start = now
    if "end" in raw:
        end = _utc_time(raw["end"], "schedule.end") if raw["end"] is not None else None
    else:
        end = datetime.fromisoformat(current["end"]) if current.get("end") else None
    if end is not None and "end" in raw and end <= now:
        raise bad_request("Downtime cannot be scheduled in the past")
    if end is not None and end <= start:
        raise bad_request("schedule.end must be after schedule.start")
    return {"start": iso(start), "end": iso(end)}


def _recurring(raw: Mapping[str, Any], now: datetime, current: Mapping | None) -> dict:
    unknown = sorted(set(raw) - {"timezone", "recurrences"})
    if unknown:
        raise bad_request(additional_properties(unknown))
    current = current if current and "recurrences" in current else {}
    timezone = _check_timezone(
        # The reference's default is UTC; an update keeps the zone the schedule already has.
        raw.get("timezone") or current.get("timezone") or "UTC",
        "schedule.timezone",
    )
    recurrences = raw.get("recurrences", current.get("recurrences"))
    if not isinstance(recurrences, list) or not recurrences:
        raise bad_request("schedule.recurrences must be a non-empty list")
    if len(recurrences) > schedules.MAX_RECURRENCES:
        raise bad_request(
            f"A downtime can have at most {schedules.MAX_RECURRENCES} recurrences; "
            f"got {len(recurrences)}"
        )
    zone = schedules.get_zone(timezone)
    cleaned = []
    for index, item in enumerate(recurrences):
        field = f"schedule.recurrences[{index}]"
        if not isinstance(item, Mapping):
            raise bad_request(f"{field} must be an object")
        unknown = sorted(set(item) - {"start", "duration", "rrule"})
        if unknown:
            raise bad_request(additional_properties(unknown))
        for required in ("duration", "rrule"):
            if not item.get(required):
                raise bad_request(f"{field}.{required} is required")
        try:
            duration = schedules.parse_duration(str(item["duration"]))
        except schedules.ScheduleError as exc:
            raise bad_request(f"{field}.duration: {exc}") from None
        try:
            schedules.check_rrule(str(item["rrule"]))
        except schedules.ScheduleError as exc:
            raise bad_request(f"{field}.rrule: {exc}") from None
        start = (
            _wall_time(item["start"], f"{field}.start")
            if item.get("start")
            else schedules.to_local(now, zone).replace(microsecond=0)
        )
        cleaned.append({"start": wall(start), "duration": str(duration), "rrule": item["rrule"]})
    return {"timezone": timezone, "recurrences": cleaned}


def clean_schedule(raw: Any, now: datetime, *, current: Mapping | None = None) -> dict[str, Any]:
    if raw is None:
        return {"start": iso(now), "end": None}
    if not isinstance(raw, Mapping):
        raise bad_request("schedule must be an object")
    if "recurrences" in raw or ("timezone" in raw and "start" not in raw and "end" not in raw):
        return _recurring(raw, now, current)
    return _one_time(raw, now, current)


def _check_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise bad_request(f"{field} must be a boolean")
    return value


def _check_message(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise bad_request("message must be a string or null")
    return value


def create(attributes: Mapping[str, Any], now: datetime, creator: SandboxUser | None) -> Any:
    for required in ("scope", "monitor_identifier"):
        if required not in attributes:
            raise bad_request(f"{required} is required")
    scope = _check_scope(attributes["scope"])
    monitor_id, monitor_tags = _check_monitor_identifier(attributes["monitor_identifier"])
    raw_schedule = attributes.get("schedule")
    # Each defaults to UTC, as the reference says; neither copies the other.
    display_timezone = _check_timezone(
        attributes.get("display_timezone") or "UTC", "display_timezone"
    )
    schedule = clean_schedule(raw_schedule, now)
    _check_zones_match(schedule, display_timezone)
    return SandboxDowntime.objects.create(
        scope=scope,
        message=_check_message(attributes.get("message")),
        display_timezone=display_timezone,
        monitor_id=monitor_id,
        monitor_tags=monitor_tags,
        schedule=schedule,
        notify_end_states=_check_choices(
            attributes.get("notify_end_states", DEFAULT_NOTIFY_END_STATES),
            "notify_end_states",
            NOTIFY_END_STATES,
        ),
        notify_end_types=_check_choices(
            attributes.get("notify_end_types", DEFAULT_NOTIFY_END_TYPES),
            "notify_end_types",
            NOTIFY_END_TYPES,
        ),
        mute_first_recovery_notification=_check_bool(
            attributes.get("mute_first_recovery_notification", False),
            "mute_first_recovery_notification",
        ),
        created_by=creator,
        created=now,
        modified=now,
    )


def update(downtime: SandboxDowntime, attributes: Mapping[str, Any], now: datetime) -> None:
    if downtime.canceled is not None:
        raise bad_request("Cannot update a canceled downtime")
    if "scope" in attributes:
        downtime.scope = _check_scope(attributes["scope"])
    if "monitor_identifier" in attributes:
        downtime.monitor_id, downtime.monitor_tags = _check_monitor_identifier(
            attributes["monitor_identifier"]
        )
    if "display_timezone" in attributes:
        downtime.display_timezone = _check_timezone(
            attributes["display_timezone"] or "UTC", "display_timezone"
        )
    if "message" in attributes:
        downtime.message = _check_message(attributes["message"])
    if "notify_end_states" in attributes:
        downtime.notify_end_states = _check_choices(
            attributes["notify_end_states"], "notify_end_states", NOTIFY_END_STATES
        )
    if "notify_end_types" in attributes:
        downtime.notify_end_types = _check_choices(
            attributes["notify_end_types"], "notify_end_types", NOTIFY_END_TYPES
        )
    if "mute_first_recovery_notification" in attributes:
        downtime.mute_first_recovery_notification = _check_bool(
            attributes["mute_first_recovery_notification"], "mute_first_recovery_notification"
        )
    if "schedule" in attributes:
        if not attributes["schedule"]:
            # Null or {} would turn a window, or a series, into a mute that never ends.
            raise bad_request(
                "schedule must be a one-time (start, end) or recurring (recurrences) schedule; "
                "leave it out to keep the current one"
            )
        schedule = clean_schedule(
            attributes["schedule"],
            now,
            current=downtime.schedule,
        )
        _check_started_window(downtime, schedule, now)
        downtime.schedule = schedule
    _check_zones_match(downtime.schedule, downtime.display_timezone)
    downtime.modified = now
    downtime.save()


def _check_zones_match(schedule: Mapping[str, Any], display_timezone: str) -> None:
    if "recurrences" in schedule and schedule["timezone"] != display_timezone:
        raise bad_request("timezone must match display_timezone")


def _check_started_window(downtime: SandboxDowntime, schedule: Mapping, now: datetime) -> None:
    """A one-time window in progress keeps its start: Datadog only lets its end move."""
    old = downtime.schedule
    if "recurrences" in old or "recurrences" in schedule:
        return
    if status_of(downtime, now) == ACTIVE and schedule["start"] != old["start"]:
        raise bad_request(
            "Cannot change the start of a downtime that is in progress; change its end instead"
        )


def cancel(downtime: SandboxDowntime, now: datetime) -> None:
    if downtime.canceled is None:
        downtime.canceled = now
        downtime.modified = now
        downtime.save(update_fields=["canceled", "modified"])
