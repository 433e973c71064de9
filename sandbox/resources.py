"""Datadog's downtime semantics over the sandbox's tables: validation, status, serialization.

The HTTP views in `views.py` parse the request and call these functions; they raise `ApiError`
with Datadog's status code and messages, which the views render as `{"errors": [...]}`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from downtimes_app import schedules
from downtimes_app.domain import ACTIVE, Window
from downtimes_app.scope import ScopeError, parse_scope

from .models import SandboxDowntime, SandboxMonitor, SandboxUser

NOTIFY_END_STATES = ("alert", "no data", "warn")
NOTIFY_END_TYPES = ("canceled", "expired")
DEFAULT_NOTIFY_END_STATES = ["alert", "no data", "warn"]
DEFAULT_NOTIFY_END_TYPES = ["expired"]
WRITABLE = (
    "display_timezone",
    "message",
    "monitor_identifier",
    "mute_first_recovery_notification",
    "notify_end_states",
    "notify_end_types",
    "schedule",
    "scope",
)
INCLUDABLE = ("created_by", "monitor")
# Datadog keeps canceled downtimes readable for about two days, then forgets them.
CANCELED_RETENTION = timedelta(days=2)


class ApiError(Exception):
    def __init__(self, status: int, *errors: str) -> None:
        super().__init__("; ".join(errors))
        self.status = status
        self.errors = list(errors)


def bad_request(*errors: str) -> ApiError:
    return ApiError(400, *errors)


def query_int(params: Any, name: str, default: int) -> int:
    """A non-negative whole-number query parameter, or a 400 naming it."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise bad_request(f"Invalid URL param: {name} must be a whole number of 0 or more")
    return value


def iso(moment: datetime | None) -> str | None:
    """Datadog's form: `2023-06-02T20:53:26.300497+00:00`."""
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def wall(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# --- reading the schedule as stored ---------------------------------------------------------


def recurrence_specs(schedule: Mapping[str, Any]) -> list[schedules.RecurrenceSpec]:
    return [
        schedules.RecurrenceSpec(
            start=datetime.fromisoformat(r["start"]),
            rrule=r["rrule"],
            duration=schedules.parse_duration(r["duration"]),
        )
        for r in schedule["recurrences"]
    ]


class _WindowMemo:
    """Current windows of recurring downtimes, kept until the moment they can next change.

    Evaluating an RRULE walks it from its start; a list of thousands of recurring downtimes
    would do that for each on every page. A window stays current until it ends (or, if it is
    upcoming, until it starts), so the answer is reused until then.
    """

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self.entries: dict[tuple, tuple[Window | None, datetime | None, datetime]] = {}
        self.lock = threading.Lock()

    def get(self, downtime: SandboxDowntime, now: datetime) -> Window | None:
        key = (downtime.uuid, downtime.modified, downtime.canceled)
        with self.lock:
            entry = self.entries.get(key)
        if entry is not None:
            window, valid_from, valid_until = entry
            if (valid_from is None or now >= valid_from) and (
                valid_until is None or now < valid_until
            ):
                return window
        schedule = downtime.schedule
        window = schedules.current_window(
            recurrence_specs(schedule), schedule["timezone"], now, downtime.canceled
        )
        if downtime.canceled is not None or window is None:
            valid_from, valid_until = None, None
        elif window.start > now:
            valid_from, valid_until = None, window.start
        elif window.end is not None and window.end > now:
            valid_from, valid_until = window.start, window.end
        else:  # the last window has passed: nothing will change until the downtime is edited
            valid_from, valid_until = window.end, None
        with self.lock:
            if len(self.entries) >= self.size:
                self.entries.clear()
            self.entries[key] = (window, valid_from, valid_until)
        return window


_memo = _WindowMemo()


def current_window(downtime: SandboxDowntime, now: datetime) -> Window | None:
    schedule = downtime.schedule
    if "recurrences" in schedule:
        return _memo.get(downtime, now)
    start = datetime.fromisoformat(schedule["start"])
    end = datetime.fromisoformat(schedule["end"]) if schedule.get("end") else None
    return Window(start, end)


def status_of(downtime: SandboxDowntime, now: datetime) -> str:
    return schedules.window_status(current_window(downtime, now), now, downtime.canceled)


def visible(downtime: SandboxDowntime, now: datetime) -> bool:
    return downtime.canceled is None or now - downtime.canceled < CANCELED_RETENTION


# --- serialization ------------------------------------------------------------------------


def serialize_user(user: SandboxUser) -> dict[str, Any]:
    return {
        "type": "users",
        "id": str(user.id),
        "attributes": {
            "name": user.name,
            "handle": user.handle,
            "created_at": iso(user.created_at),
            "modified_at": iso(user.modified_at),
            "email": user.email,
            "icon": user.icon,
            "title": user.title,
            "verified": True,
            "service_account": user.service_account,
            "disabled": user.disabled,
            "allowed_login_methods": [],
            "status": "Disabled" if user.disabled else "Active",
        },
    }


def serialize_schedule(downtime: SandboxDowntime, now: datetime) -> dict[str, Any]:
    schedule = downtime.schedule
    if "recurrences" not in schedule:
        return {"start": schedule["start"], "end": schedule.get("end")}
    window = current_window(downtime, now)
    return {
        "timezone": schedule["timezone"],
        "recurrences": [dict(r) for r in schedule["recurrences"]],
        "current_downtime": (
            {"start": iso(window.start), "end": iso(window.end)} if window is not None else {}
        ),
    }


def serialize_downtime(
    downtime: SandboxDowntime, now: datetime, included: Included | None = None
) -> dict[str, Any]:
    """One downtime resource; `relationships` only when the caller asked for related data."""
    attributes = {
        "canceled": iso(downtime.canceled),
        "created": iso(downtime.created),
        "display_timezone": downtime.display_timezone,
        "message": downtime.message,
        "modified": iso(downtime.modified),
        "monitor_identifier": (
            {"monitor_id": downtime.monitor_id}
            if downtime.monitor_id is not None
            else {"monitor_tags": list(downtime.monitor_tags or [])}
        ),
        "mute_first_recovery_notification": downtime.mute_first_recovery_notification,
        "notify_end_states": list(downtime.notify_end_states),
        "notify_end_types": list(downtime.notify_end_types),
        "schedule": serialize_schedule(downtime, now),
        "scope": downtime.scope,
        "status": status_of(downtime, now),
    }
    resource: dict[str, Any] = {
        "type": "downtime",
        "id": str(downtime.uuid),
        "attributes": attributes,
    }
    if included is None:
        return resource
    included.add(downtime)
    resource["relationships"] = {
        "created_by": {
            "data": (
                {"type": "users", "id": str(downtime.created_by_id)}
                if downtime.created_by_id
                else None
            )
        },
        # Recorded responses say "monitor" (the API reference says "monitors").
        "monitor": {
            "data": (
                {"type": "monitor", "id": str(downtime.monitor_id)}
                if downtime.monitor_id is not None
                else None
            )
        },
    }
    return resource


class Included:
    """Collects the `included` resources a document asked for, each once."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = set(paths)
        self.user_ids: dict[str, None] = {}
        self.monitor_ids: dict[int, None] = {}

    def add(self, downtime: SandboxDowntime) -> None:
        if "created_by" in self.paths and downtime.created_by_id:
            self.user_ids.setdefault(str(downtime.created_by_id), None)
        if "monitor" in self.paths and downtime.monitor_id is not None:
            self.monitor_ids.setdefault(downtime.monitor_id, None)

    def resources(self) -> list[dict[str, Any]]:
        users = {str(k): v for k, v in SandboxUser.objects.in_bulk(list(self.user_ids)).items()}
        monitors = SandboxMonitor.objects.in_bulk(list(self.monitor_ids))
        out = [serialize_user(users[u]) for u in self.user_ids if u in users]
        out += [
            {"type": "monitor", "id": m, "attributes": {"name": monitors[m].name}}
            for m in self.monitor_ids
            if m in monitors
        ]
        return out


def parse_include(raw: str | None) -> list[str] | None:
    """The requested include paths, or None when the request asked for none."""
    paths = [p.strip() for p in (raw or "").split(",") if p.strip()]
    if not paths:
        return None
    unknown = [p for p in paths if p not in INCLUDABLE]
    if unknown:
        raise bad_request(
            f"Invalid include parameter: {', '.join(unknown)}. "
            f"Supported values are: {', '.join(INCLUDABLE)}"
        )
    return paths


# POST and PATCH answer with the creator and the monitor whether or not they were asked for.
WRITE_INCLUDE = INCLUDABLE


def document(
    downtime: SandboxDowntime, now: datetime, include: Iterable[str] | None
) -> dict[str, Any]:
    """A single-downtime document; `include=None` leaves out relationships altogether."""
    included = Included(include) if include is not None else None
    body: dict[str, Any] = {"data": serialize_downtime(downtime, now, included)}
    if included is not None:
        body["included"] = included.resources()
    return body


def list_document(
    downtimes: Iterable[SandboxDowntime],
    total: int,
    now: datetime,
    include: Iterable[str] | None,
) -> dict[str, Any]:
    included = Included(include) if include is not None else None
    body: dict[str, Any] = {"data": [serialize_downtime(d, now, included) for d in downtimes]}
    if included is not None:
        body["included"] = included.resources()
    body["meta"] = {"page": {"total_filtered_count": total}}
    return body


# --- validation ---------------------------------------------------------------------------


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
    if downtime_id is not None and data.get("id") not in (None, "", downtime_id):
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


def _utc_time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise bad_request(f"{field} must be an ISO-8601 date-time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{field} is not a valid ISO-8601 date-time: {value}") from None
    if moment.tzinfo is None or moment.utcoffset() != timedelta(0):
        raise bad_request(f"{field} must include a UTC offset of zero, e.g. {value[:19]}+00:00")
    return moment.astimezone(UTC)


def _wall_time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise bad_request(f"{field} must be an ISO-8601 date-time string without offset")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{field} is not a valid ISO-8601 date-time: {value}") from None
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


def _recurring(
    raw: Mapping[str, Any], now: datetime, current: Mapping | None, display_timezone: str
) -> dict:
    unknown = sorted(set(raw) - {"timezone", "recurrences"})
    if unknown:
        raise bad_request(additional_properties(unknown))
    current = current if current and "recurrences" in current else {}
    timezone = _check_timezone(
        raw.get("timezone") or current.get("timezone") or display_timezone, "schedule.timezone"
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


def clean_schedule(
    raw: Any, now: datetime, *, current: Mapping | None = None, display_timezone: str = "UTC"
) -> dict[str, Any]:
    if raw is None:
        return {"start": iso(now), "end": None}
    if not isinstance(raw, Mapping):
        raise bad_request("schedule must be an object")
    if "recurrences" in raw or ("timezone" in raw and "start" not in raw and "end" not in raw):
        return _recurring(raw, now, current, display_timezone)
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
    display_timezone = _check_timezone(
        attributes.get("display_timezone")
        # A recurring schedule's zone is the display zone unless one is given.
        or (raw_schedule.get("timezone") if isinstance(raw_schedule, Mapping) else None)
        or "UTC",
        "display_timezone",
    )
    schedule = clean_schedule(raw_schedule, now, display_timezone=display_timezone)
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
        schedule = clean_schedule(
            attributes["schedule"],
            now,
            current=downtime.schedule,
            display_timezone=downtime.display_timezone,
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


# --- downtime matches -------------------------------------------------------------------


def applies_to(downtime: SandboxDowntime, monitor: SandboxMonitor) -> bool:
    if downtime.monitor_id is not None:
        return downtime.monitor_id == monitor.id
    tags = downtime.monitor_tags or []
    return tags == ["*"] or set(tags) <= set(monitor.tags)


def matches(monitor: SandboxMonitor, now: datetime) -> list[tuple[SandboxDowntime, Window]]:
    found = []
    for downtime in SandboxDowntime.objects.filter(canceled__isnull=True).iterator():
        if not applies_to(downtime, monitor):
            continue
        window = current_window(downtime, now)
        if schedules.window_status(window, now, None) == ACTIVE and window is not None:
            found.append((downtime, window))
    return found
