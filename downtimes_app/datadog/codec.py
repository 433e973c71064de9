"""Datadog's JSON to the domain's records and back: the one place JSON is read or written.

Parsing is lenient where Datadog is (nulls in most fields, unknown extra fields, `Z` or
`+00:00`, with or without fractions of a second) and strict where a missing value would make the
record meaningless (a downtime without an id), which raises `MalformedResponse`. Writing turns a
definition's typed attributes into the JSON a create or update sends.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from downtimes_app.core import parsing
from downtimes_app.core.domain import (
    ATTRIBUTES,
    Definition,
    Downtime,
    DowntimeMatch,
    Monitor,
    MonitorGroup,
    MonitorIdentifier,
    OneTimeSchedule,
    Recurrence,
    RecurringSchedule,
    Schedule,
    User,
    Window,
)
from downtimes_app.datadog.errors import MalformedResponse


@dataclass(frozen=True, slots=True)
class DowntimePage:
    downtimes: tuple[Downtime, ...]
    total: int | None


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


def schedule_json(schedule: Schedule) -> dict[str, Any]:
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


def attribute_json(value: Any) -> Any:
    """One attribute as Datadog's JSON; a value that already is JSON passes through."""
    if isinstance(value, OneTimeSchedule | RecurringSchedule):
        return schedule_json(value)
    if isinstance(value, MonitorIdentifier):
        if value.monitor_id is not None:
            return {"monitor_id": value.monitor_id}
        return {"monitor_tags": list(value.monitor_tags)}
    if isinstance(value, tuple):
        return list(value)
    return value


def attributes_json(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes (typed, as `Definition.attributes()` gives them, or JSON) as Datadog's JSON."""
    return {name: attribute_json(value) for name, value in attributes.items()}


def request_body(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document a create or update sends: shown verbatim in the form's preview.

    Only Datadog's writable attributes: anything else is a programming error here rather than
    a 400 there.
    """
    unknown = set(attributes) - set(ATTRIBUTES)
    if unknown:
        raise ValueError(f"not downtime attributes: {', '.join(sorted(unknown))}")
    return {"data": {"type": "downtime", "attributes": attributes_json(attributes)}}


def attributes_of(record: Downtime | Definition) -> dict[str, Any]:
    """Every writable attribute as JSON, enough to recreate it: copy-as, the audit trail."""
    definition = record.definition if isinstance(record, Downtime) else record
    return attributes_json(definition.attributes())


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def downtime_document(downtime: Downtime) -> dict[str, Any]:
    """A downtime as Datadog's document for it, with its creator and monitor included: what the
    history keeps of each version, read back by `parse_downtime_document`."""
    relationships: dict[str, Any] = {}
    included: list[dict[str, Any]] = []
    if downtime.creator_id:
        relationships["created_by"] = {"data": {"type": "users", "id": downtime.creator_id}}
    user = downtime.creator
    if user is not None:
        names = ("name", "handle", "email", "icon", "title", "disabled")
        included.append(
            {"type": "users", "id": user.id, "attributes": {n: getattr(user, n) for n in names}}
        )
    if downtime.monitor_id is not None:
        relationships["monitor"] = {"data": {"type": "monitors", "id": str(downtime.monitor_id)}}
    monitor = downtime.monitor
    if monitor is not None:
        attrs = {"name": monitor.name, "type": monitor.type, "tags": list(monitor.tags)}
        included.append({"type": "monitors", "id": str(monitor.id), "attributes": attrs})
    attributes = {
        **attributes_of(downtime),
        "status": downtime.status,
        "created": _time(downtime.created),
        "modified": _time(downtime.modified),
        "canceled": _time(downtime.canceled),
    }
    resource = {"type": "downtime", "id": downtime.id, "attributes": attributes}
    return {"data": {**resource, "relationships": relationships}, "included": included}


# --- parsing -------------------------------------------------------------------------------


def _unreadable(value: Any) -> MalformedResponse:
    return MalformedResponse(f"unreadable time {str(value)[:40]!r}")


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from Datadog's ISO-8601 strings or epoch seconds; None for null.

    Within `parsing.STORED_YEARS`, so that showing it in any zone cannot overflow."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            parsed = datetime.fromtimestamp(value, UTC)
        else:
            parsed = parsing.date_time(str(value), years=parsing.STORED_YEARS)
        parsing.check_year(parsed, parsing.STORED_YEARS)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise _unreadable(value) from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_wall_time(value: Any) -> datetime | None:
    """A naive local datetime (recurrence starts carry no offset)."""
    if value is None or value == "":
        return None
    try:
        parsed = parsing.date_time(str(value), years=parsing.STORED_YEARS)
    except ValueError as exc:
        raise _unreadable(value) from exc
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
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= parsing.MAX_ID:
        return value
    try:
        return parsing.whole_number(str(value))
    except ValueError as exc:
        raise MalformedResponse(f"expected an integer id, got {str(value)[:40]!r}") from exc


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


def _moment(value: Any) -> datetime | None:
    """A group's epoch-seconds time; Datadog writes 0 for "never"."""
    return None if value in (0, "0") else parse_time(value)


def parse_groups(state: Any) -> tuple[MonitorGroup, ...]:
    """`state.groups` (asked for with `group_states`): group name -> its state, by name. The
    key names the group (its tags, comma-separated); the value's `name` is not trusted for it."""
    groups = _obj(_obj(state, "monitor state").get("groups"), "monitor state groups")
    found = []
    for key, value in groups.items():
        value = _obj(value, "monitor group")
        found.append(
            MonitorGroup(
                name=str(key),  # the key: `name` is described as the monitor's name
                status=value.get("status"),
                last_triggered=_moment(value.get("last_triggered_ts")),
                last_resolved=_moment(value.get("last_resolved_ts")),
                last_nodata=_moment(value.get("last_nodata_ts")),
            )
        )
    return tuple(sorted(found, key=lambda group: group.name))


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
        groups=parse_groups(attrs.get("state")),
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


def _identifier(attrs: Mapping[str, Any]) -> MonitorIdentifier:
    identifier = _obj(attrs.get("monitor_identifier"), "monitor_identifier")
    return MonitorIdentifier(
        _int(identifier.get("monitor_id")), _strings(identifier.get("monitor_tags"))
    )


def parse_attributes(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The writable attributes present in a JSON object, typed (what `attributes_json` wrote)."""
    readers = {
        "scope": lambda v: str(v or ""),
        "monitor_identifier": lambda _v: _identifier(attrs),
        "schedule": parse_schedule,
        "message": lambda v: v,
        "display_timezone": lambda v: str(v or "UTC"),
        "notify_end_states": _strings,
        "notify_end_types": _strings,
        "mute_first_recovery_notification": bool,
    }
    return {name: readers[name](attrs[name]) for name in ATTRIBUTES if name in attrs}


def parse_downtime(resource: Any, included: Included | None = None) -> Downtime:
    resource = _obj(resource, "downtime")
    downtime_id = resource.get("id")
    if not downtime_id:
        raise MalformedResponse("downtime without an id")
    attrs = _obj(resource.get("attributes"), "downtime attributes")
    relationships = _obj(resource.get("relationships"), "relationships")
    identifier = _identifier(attrs)
    monitor_id = identifier.monitor_id
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
        monitor_tags=identifier.monitor_tags,
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


def decode_json(body: bytes, what: str) -> Any:
    """An answer's JSON, None for an empty body (a 204)."""
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError as exc:
        raise MalformedResponse(f"Datadog answered {what} with a body that is not JSON") from exc


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
