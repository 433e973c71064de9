"""Datadog's downtime semantics over the sandbox's tables: validation, status, serialization.

The HTTP views in `views.py` parse the request and call these functions; they raise `ApiError`
with Datadog's status code and messages, which the views render as `{"errors": [...]}`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from downtimes_app.core import parsing, schedules, status
from downtimes_app.core.domain import Window

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


def canceled_retention() -> timedelta:
    """How long a canceled downtime stays readable (Datadog: about two days)."""
    return timedelta(days=settings.SANDBOX_CANCELED_RETENTION_DAYS)


def ended_retention() -> timedelta | None:
    """How long an ended one-time downtime stays readable; None: until it is canceled."""
    days = settings.SANDBOX_ENDED_RETENTION_DAYS
    return timedelta(days=days) if days else None


class ApiError(Exception):
    def __init__(self, status: int, *errors: str) -> None:
        super().__init__("; ".join(errors))
        self.status = status
        self.errors = list(errors)


def bad_request(*errors: str) -> ApiError:
    return ApiError(400, *errors)


# Paging parameters past this are refused: a database offset must fit, with room to add a limit.
MAX_PAGING = 2**31 - 1


def query_int(params: Any, name: str, default: int) -> int:
    """A non-negative whole-number query parameter, or a 400 naming it."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        return parsing.whole_number(raw, high=MAX_PAGING)
    except parsing.Unreadable:
        raise bad_request(
            f"Invalid URL param: {name} must be a whole number from 0 to {MAX_PAGING}"
        ) from None


def id_param(raw: str) -> int | None:
    """A monitor id from a URL: a whole number a database column can hold, else None."""
    return parsing.maybe_whole(raw, low=1, high=parsing.MAX_ID)


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


class _Memo:
    """Answers that stay right until a known moment, so that they are worked out once.

    Evaluating an RRULE walks it from its start, and a page of a list serializes a hundred
    downtimes; both depend on "now" only through the downtime's window, which stays current until
    it ends (or, if it is upcoming, until it starts). Keys carry `modified` and `canceled`, so an
    edit or a cancel is a new key.
    """

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self.entries: dict[tuple, tuple[Any, datetime | None, datetime | None]] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple, now: datetime) -> Any:
        with self.lock:
            entry = self.entries.get(key)
        if entry is None:
            return None
        value, valid_from, valid_until = entry
        if (valid_from is None or now >= valid_from) and (valid_until is None or now < valid_until):
            return value
        return None

    def put(
        self, key: tuple, value: Any, validity: tuple[datetime | None, datetime | None]
    ) -> None:
        with self.lock:
            if len(self.entries) >= self.size:
                self.entries.clear()
            self.entries[key] = (value, *validity)


def _validity(
    window: Window | None, now: datetime, canceled: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """From when until when `window` stays the current one (and the status with it)."""
    if canceled is not None or window is None:
        return None, None
    if window.start > now:
        return None, window.start
    if window.end is not None and window.end > now:
        return window.start, window.end
    return window.end, None  # the last window has passed: nothing changes until an edit


_windows = _Memo()
_resources = _Memo()


def _memo_key(downtime: SandboxDowntime, *more: Any) -> tuple:
    return (downtime.uuid, downtime.modified, downtime.canceled, *more)


def forget_saved(sender: type, instance: SandboxDowntime, **kwargs: Any) -> None:
    """After a save: its old answers go (a frozen test clock can leave `modified` unchanged)."""
    for memo in (_windows, _resources):
        with memo.lock:
            for key in [k for k in memo.entries if k[0] == instance.uuid]:
                del memo.entries[key]


def _recurring_window(downtime: SandboxDowntime, now: datetime) -> Window | None:
    key = _memo_key(downtime)
    window = _windows.get(key, now)
    if window is None:
        schedule = downtime.schedule
        window = schedules.current_window(
            recurrence_specs(schedule), schedule["timezone"], now, downtime.canceled
        )
        _windows.put(key, window, _validity(window, now, downtime.canceled))
    return window


def current_window(downtime: SandboxDowntime, now: datetime) -> Window | None:
    schedule = downtime.schedule
    if "recurrences" in schedule:
        return _recurring_window(downtime, now)
    start = datetime.fromisoformat(schedule["start"])
    end = datetime.fromisoformat(schedule["end"]) if schedule.get("end") else None
    return Window(start, end)


def status_of(downtime: SandboxDowntime, now: datetime) -> str:
    return status.window_status(current_window(downtime, now), now, downtime.canceled)


# --- serialization ------------------------------------------------------------------------


USER_FIELDS = (
    "id", "name", "handle", "email", "title", "icon", "disabled", "service_account",
    "created_at", "modified_at",
)  # fmt: skip


def serialize_user(user: Mapping[str, Any]) -> dict[str, Any]:
    """A user resource from its `USER_FIELDS` (read as values: a page includes several, and
    building model instances for them cost more than the rest of the page)."""
    return {
        "type": "users",
        "id": str(user["id"]),
        "attributes": {
            "name": user["name"],
            "handle": user["handle"],
            "created_at": iso(user["created_at"]),
            "modified_at": iso(user["modified_at"]),
            "email": user["email"],
            "icon": user["icon"],
            "title": user["title"],
            "verified": True,
            "service_account": user["service_account"],
            "disabled": user["disabled"],
            "allowed_login_methods": [],
            "status": "Disabled" if user["disabled"] else "Active",
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
    """One downtime resource; `relationships` only when the caller asked for related data.

    Callers only encode it: the same dict is served again until the downtime's window moves on.
    """
    if included is not None:
        included.add(downtime.created_by_id, downtime.monitor_id)
    key = _memo_key(downtime, included is not None)
    resource = _resources.get(key, now)
    if resource is None:
        resource = _resource(downtime, now, with_relationships=included is not None)
        _resources.put(
            key, resource, _validity(current_window(downtime, now), now, downtime.canceled)
        )
    return resource


def _resource(downtime: SandboxDowntime, now: datetime, *, with_relationships: bool) -> dict:
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
    if not with_relationships:
        return resource
    creator, monitor = downtime.created_by_id, downtime.monitor_id
    resource["relationships"] = {
        "created_by": {"data": {"type": "users", "id": str(creator)} if creator else None},
        # Recorded responses say "monitor" (the API reference says "monitors").
        "monitor": {
            "data": {"type": "monitor", "id": str(monitor)} if monitor is not None else None
        },
    }
    return resource


class Included:
    """Collects the `included` resources a document asked for, each once."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = set(paths)
        self.user_ids: dict[str, None] = {}
        self.monitor_ids: dict[int, None] = {}

    def add(self, creator_id: Any, monitor_id: int | None) -> None:
        if "created_by" in self.paths and creator_id:
            self.user_ids.setdefault(str(creator_id), None)
        if "monitor" in self.paths and monitor_id is not None:
            self.monitor_ids.setdefault(monitor_id, None)

    def resources(self) -> list[dict[str, Any]]:
        found = SandboxUser.objects.filter(id__in=list(self.user_ids)).values(*USER_FIELDS)
        users = {str(user["id"]): user for user in found}
        names = dict(
            SandboxMonitor.objects.filter(id__in=list(self.monitor_ids)).values_list("id", "name")
        )
        out = [serialize_user(users[u]) for u in self.user_ids if u in users]
        out += [
            {"type": "monitor", "id": m, "attributes": {"name": names[m]}}
            for m in self.monitor_ids
            if m in names
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


def _page(rows: QuerySet, now: datetime, included: Included | None) -> list[dict[str, Any]]:
    """A page's resources: those served before from the memo, only the others read whole."""
    columns = ("uuid", "modified", "canceled", "created_by_id", "monitor_id")
    page: list[Any] = []
    missing: dict[Any, int] = {}
    for key, modified, canceled, creator, monitor in rows.values_list(*columns):
        if included is not None:
            included.add(creator, monitor)
        resource = _resources.get((key, modified, canceled, included is not None), now)
        if resource is None:
            missing[key] = len(page)
        page.append(resource)
    for downtime in SandboxDowntime.objects.filter(uuid__in=list(missing)):
        page[missing[downtime.uuid]] = serialize_downtime(downtime, now, included)
    return page


def list_document(
    downtimes: Iterable[SandboxDowntime] | QuerySet,
    total: int,
    now: datetime,
    include: Iterable[str] | None,
) -> dict[str, Any]:
    """A page of the list: model instances, or a sliced query whose rows are read as needed."""
    included = Included(include) if include is not None else None
    if isinstance(downtimes, QuerySet):
        data = _page(downtimes, now, included)
    else:
        data = [serialize_downtime(d, now, included) for d in downtimes]
    body: dict[str, Any] = {"data": data}
    if included is not None:
        body["included"] = included.resources()
    body["meta"] = {"page": {"total_filtered_count": total}}
    return body
