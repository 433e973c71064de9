"""Typed records parsed once from Datadog's JSON.

Everything above the service module works with these frozen dataclasses, never with raw
dictionaries. Parsing is lenient where Datadog is (nulls in most fields, unknown extra fields,
`Z` or `+00:00`, with or without fractions of a second) and strict where a missing value would
make the record meaningless (a downtime without an id), which raises `MalformedResponse`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .errors import MalformedResponse

ACTIVE = "active"
SCHEDULED = "scheduled"
ENDED = "ended"
CANCELED = "canceled"
STATUSES = (ACTIVE, SCHEDULED, ENDED, CANCELED)


@dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str | None = None
    handle: str | None = None
    email: str | None = None
    icon: str | None = None
    title: str | None = None
    disabled: bool = False

    @property
    def display_name(self) -> str:
        return self.name or self.handle or self.email or self.id


@dataclass(frozen=True, slots=True)
class Monitor:
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


@dataclass(frozen=True, slots=True)
class Window:
    """One concrete downtime window in UTC; `end` is None for a window that never ends."""

    start: datetime
    end: datetime | None


@dataclass(frozen=True, slots=True)
class Recurrence:
    rrule: str
    duration: str
    # Wall time in the schedule's time zone, without offset, as Datadog sends it.
    start: datetime | None = None


@dataclass(frozen=True, slots=True)
class OneTimeSchedule:
    start: datetime | None
    end: datetime | None

    is_recurring = False


@dataclass(frozen=True, slots=True)
class RecurringSchedule:
    timezone: str
    recurrences: tuple[Recurrence, ...]
    current_downtime: Window | None = None

    is_recurring = True


Schedule = OneTimeSchedule | RecurringSchedule


@dataclass(frozen=True, slots=True)
class Downtime:
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


@dataclass(frozen=True, slots=True)
class DowntimePage:
    downtimes: tuple[Downtime, ...]
    total: int | None


@dataclass(frozen=True, slots=True)
class DowntimeMatch:
    id: str
    scope: str | None
    start: datetime | None
    end: datetime | None
    groups: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class MatchPage:
    matches: tuple[DowntimeMatch, ...]
    total: int | None


@dataclass(frozen=True, slots=True)
class MonitorPage:
    monitors: tuple[Monitor, ...]
    total: int | None


# --- back to Datadog's JSON ------------------------------------------------------------------


def _wall(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def schedule_attributes(schedule: Schedule) -> dict[str, Any]:
    if isinstance(schedule, RecurringSchedule):
        return {
            "timezone": schedule.timezone,
            "recurrences": [
                {
                    "start": _wall(r.start) if r.start else None,
                    "duration": r.duration,
                    "rrule": r.rrule,
                }
                for r in schedule.recurrences
            ],
        }
    return {
        "start": schedule.start.isoformat() if schedule.start else None,
        "end": schedule.end.isoformat() if schedule.end else None,
    }


def attributes_of(downtime: Downtime) -> dict[str, Any]:
    """The writable attributes that would recreate `downtime` (clone, copy-as, audit, diffs)."""
    return {
        "scope": downtime.scope,
        "monitor_identifier": (
            {"monitor_id": downtime.monitor_id}
            if downtime.monitor_id is not None
            else {"monitor_tags": list(downtime.monitor_tags)}
        ),
        "schedule": schedule_attributes(downtime.schedule),
        "message": downtime.message,
        "display_timezone": downtime.display_timezone,
        "notify_end_states": list(downtime.notify_end_states),
        "notify_end_types": list(downtime.notify_end_types),
        "mute_first_recovery_notification": downtime.mute_first_recovery_notification,
    }


# --- parsing -------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from Datadog's ISO-8601 strings or epoch seconds; None for null."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        parsed = datetime.fromisoformat(str(value))
    except (TypeError, ValueError, OverflowError) as exc:
        raise MalformedResponse(f"unreadable time {value!r}") from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_wall_time(value: Any) -> datetime | None:
    """A naive local datetime (recurrence starts carry no offset)."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except (TypeError, ValueError) as exc:
        raise MalformedResponse(f"unreadable time {value!r}") from exc
    return parsed.replace(tzinfo=None)


def _obj(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedResponse(f"{what} is not an object")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise MalformedResponse(f"expected an integer id, got {value!r}") from exc


def parse_user(resource: Mapping[str, Any]) -> User:
    attrs = _obj(resource.get("attributes"), "user attributes")
    return User(
        id=str(resource.get("id") or ""),
        name=attrs.get("name") or None,
        handle=attrs.get("handle") or None,
        email=attrs.get("email") or None,
        icon=attrs.get("icon") or None,
        title=attrs.get("title") or None,
        disabled=bool(attrs.get("disabled")),
    )


def parse_monitor(data: Mapping[str, Any]) -> Monitor:
    """A monitor from the v1 API (flat object) or from a v2 `included` resource."""
    attrs = data.get("attributes") if "attributes" in data else data
    attrs = _obj(attrs, "monitor")
    monitor_id = _int(data.get("id"))
    if monitor_id is None:
        raise MalformedResponse("monitor without an id")
    return Monitor(
        id=monitor_id,
        name=str(attrs.get("name") or f"Monitor {monitor_id}"),
        type=attrs.get("type"),
        # The v1 search endpoint calls the state `status`; the monitor endpoints `overall_state`.
        overall_state=attrs.get("overall_state") or attrs.get("status"),
        tags=_strings(attrs.get("tags")),
        query=attrs.get("query"),
        message=attrs.get("message"),
        priority=_int(attrs.get("priority")),
        created=parse_time(attrs.get("created")),
        modified=parse_time(attrs.get("modified")),
    )


def parse_schedule(value: Any) -> Schedule:
    raw = _obj(value, "schedule")
    if "recurrences" in raw:
        recurrences = []
        for item in raw.get("recurrences") or ():
            item = _obj(item, "recurrence")
            recurrences.append(
                Recurrence(
                    rrule=str(item.get("rrule") or ""),
                    duration=str(item.get("duration") or ""),
                    start=parse_wall_time(item.get("start")),
                )
            )
        current = _obj(raw.get("current_downtime"), "current_downtime")
        current_start = parse_time(current.get("start"))
        return RecurringSchedule(
            timezone=str(raw.get("timezone") or "UTC"),
            recurrences=tuple(recurrences),
            current_downtime=(
                Window(current_start, parse_time(current.get("end"))) if current_start else None
            ),
        )
    return OneTimeSchedule(start=parse_time(raw.get("start")), end=parse_time(raw.get("end")))


class Included:
    """Index of a document's `included` resources by (type, id)."""

    def __init__(self, resources: Iterable[Any]) -> None:
        self.users: dict[str, User] = {}
        self.monitors: dict[int, Monitor] = {}
        for resource in resources or ():
            if not isinstance(resource, Mapping):
                continue
            kind = resource.get("type")
            if kind == "users":
                user = parse_user(resource)
                self.users[user.id] = user
            elif kind in ("monitors", "monitor"):  # the docs say "monitors"; recordings "monitor"
                monitor = parse_monitor(resource)
                self.monitors[monitor.id] = monitor


def _related_id(relationships: Mapping[str, Any], name: str) -> str | None:
    data = _obj(relationships.get(name), f"relationships.{name}").get("data")
    if isinstance(data, Mapping) and data.get("id") is not None:
        return str(data["id"])
    return None


def parse_downtime(resource: Any, included: Included | None = None) -> Downtime:
    resource = _obj(resource, "downtime")
    downtime_id = resource.get("id")
    if not downtime_id:
        raise MalformedResponse("downtime without an id")
    attrs = _obj(resource.get("attributes"), "downtime attributes")
    relationships = _obj(resource.get("relationships"), "relationships")
    identifier = _obj(attrs.get("monitor_identifier"), "monitor_identifier")
    monitor_id = _int(identifier.get("monitor_id"))
    if monitor_id is None:
        monitor_id = _int(_related_id(relationships, "monitor"))
    creator_id = _related_id(relationships, "created_by")
    included = included or Included(())
    return Downtime(
        id=str(downtime_id),
        status=str(attrs.get("status") or ""),
        scope=str(attrs.get("scope") or ""),
        schedule=parse_schedule(attrs.get("schedule")),
        message=attrs.get("message"),
        display_timezone=str(attrs.get("display_timezone") or "UTC"),
        monitor_id=monitor_id,
        monitor_tags=_strings(identifier.get("monitor_tags")),
        notify_end_states=_strings(attrs.get("notify_end_states")),
        notify_end_types=_strings(attrs.get("notify_end_types")),
        mute_first_recovery_notification=bool(attrs.get("mute_first_recovery_notification")),
        created=parse_time(attrs.get("created")),
        modified=parse_time(attrs.get("modified")),
        canceled=parse_time(attrs.get("canceled")),
        creator_id=creator_id,
        creator=included.users.get(creator_id) if creator_id else None,
        monitor=included.monitors.get(monitor_id) if monitor_id is not None else None,
    )


def _total(document: Mapping[str, Any]) -> int | None:
    page = _obj(_obj(document.get("meta"), "meta").get("page"), "meta.page")
    return _int(page.get("total_filtered_count"))


def _document(document: Any) -> Mapping[str, Any]:
    if not isinstance(document, Mapping):
        raise MalformedResponse("the response is not a JSON object")
    return document


def parse_downtime_document(document: Any) -> Downtime:
    document = _document(document)
    return parse_downtime(document.get("data"), Included(document.get("included") or ()))


def parse_downtime_page(document: Any) -> DowntimePage:
    document = _document(document)
    data = document.get("data")
    if not isinstance(data, list):
        raise MalformedResponse("the response has no list of downtimes")
    included = Included(document.get("included") or ())
    return DowntimePage(tuple(parse_downtime(d, included) for d in data), _total(document))


def parse_match_page(document: Any) -> MatchPage:
    document = _document(document)
    data = document.get("data")
    if not isinstance(data, list):
        raise MalformedResponse("the response has no list of downtime matches")
    matches = []
    for item in data:
        item = _obj(item, "downtime match")
        attrs = _obj(item.get("attributes"), "downtime match attributes")
        matches.append(
            DowntimeMatch(
                id=str(item.get("id") or ""),
                scope=attrs.get("scope"),
                start=parse_time(attrs.get("start")),
                end=parse_time(attrs.get("end")),
                groups=_strings(attrs.get("groups")),
            )
        )
    return MatchPage(tuple(matches), _total(document))


def parse_monitor_list(document: Any) -> MonitorPage:
    """`GET /api/v1/monitor` answers a bare list; `/monitor/search` an object with metadata."""
    if isinstance(document, list):
        return MonitorPage(tuple(parse_monitor(_obj(m, "monitor")) for m in document), None)
    document = _document(document)
    items = document.get("monitors")
    if not isinstance(items, list):
        raise MalformedResponse("the response has no list of monitors")
    metadata = _obj(document.get("metadata"), "metadata")
    return MonitorPage(
        tuple(parse_monitor(_obj(m, "monitor")) for m in items), _int(metadata.get("total_count"))
    )
