"""The v1 monitor reads the dashboard uses: list, search and get, in Datadog's shapes.

Asked with `group_states` (`all`, or some of `alert`, `warn`, `no data`), list and get add
`state.groups`: each group, by its name, with its status and last transition times, as
Datadog answers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from . import clock
from .models import SandboxMonitor, SandboxUser
from .resources import ApiError, bad_request, id_param, iso, query_int

ORG_ID = 321813
STATES = ("Alert", "Ignored", "No Data", "OK", "Skipped", "Unknown", "Warn")
# Search's `status:` filter takes these lowercase names.
SEARCH_STATUSES = {s.lower(): s for s in STATES} | {"nodata": "No Data", "no_data": "No Data"}
GROUP_STATES = ("all", "alert", "warn", "no data")
GROUP_STATE_NAMES = {"alert": "Alert", "warn": "Warn", "no data": "No Data"}
CLASSIFICATIONS = {
    "metric alert": "metric",
    "query alert": "metric",
    "service check": "integration",
    "log alert": "log",
    "synthetics alert": "synthetics",
    "composite": "composite",
    "slo alert": "slo",
    "event-v2 alert": "event",
    "apm alert": "apm",
    "trace-analytics alert": "apm",
    "process alert": "process",
}


def legacy_user_id(user: SandboxUser) -> int:
    """v1 monitor payloads give creators integer ids; derive a stable one from the UUID."""
    return user.id.int % 10_000_000


def _epoch(value: Any) -> int | None:
    return int(value.timestamp()) if value is not None else None


def _creator(user: SandboxUser | None, *, with_email: bool = True) -> dict[str, Any] | None:
    if user is None:
        return None
    creator = {"name": user.name, "handle": user.handle, "id": legacy_user_id(user)}
    if with_email:
        creator["email"] = user.email
    return creator


def groups(monitor: SandboxMonitor) -> list[dict]:
    """The monitor's groups; one group, `*`, for a monitor that is not grouped."""
    if monitor.groups:
        return monitor.groups
    return [{"name": "*", "tags": query_tags(monitor.query), "status": monitor.overall_state}]


def group_states(params: Any) -> tuple[str, ...]:
    """The `group_states` asked for; a 400 for one Datadog does not know."""
    wanted = tuple(g.strip() for g in params.get("group_states", "").split(",") if g.strip())
    if any(g not in GROUP_STATES for g in wanted):
        raise bad_request("Invalid group_state filters.")
    return wanted


def _group_state(monitor: SandboxMonitor, group: dict) -> dict[str, Any]:
    """One group's state, with the fields of Datadog's `MonitorStateGroup`; its transitions
    dated from when the monitor last changed. The spec describes `name` as "the name of the
    monitor", but Datadog's documented and recorded answers carry the group's key there
    (`"host:host0": {"name": "host:host0", ...}`), so the sandbox does too; the dashboard reads
    a group's name from the key either way."""
    changed = int(monitor.modified.timestamp())
    status = group["status"]
    # A group moved by `set_group_state` keeps its own transition times.
    triggered = group.get("triggered", changed if status != "OK" else 0)
    return {
        "name": group["name"],
        "status": status,
        "last_triggered_ts": triggered,
        "last_notified_ts": triggered,
        "last_resolved_ts": group.get("resolved", 0 if status != "OK" else changed),
        "last_nodata_ts": group.get("nodata", changed if status == "No Data" else 0),
    }


GROUP_STATUSES = ("OK", "Alert", "Warn", "No Data")
# A monitor's overall state is its worst group's.
_WORST_FIRST = ("Alert", "No Data", "Warn", "OK")


def set_group_state(monitor_id: int, group: str, status: str) -> SandboxMonitor:
    """Move one group of a monitor (by its name, `host:web-3`; `*` for a monitor that is not
    grouped) to a state, as Datadog would report it from now: the transition dated by the
    sandbox's clock, the monitor's overall state its worst group's. Raises ValueError, in words,
    for a monitor, group or state that does not exist."""
    if status not in GROUP_STATUSES:
        raise ValueError(f"{status!r} is not a state; one of {', '.join(GROUP_STATUSES)}")
    monitor = SandboxMonitor.objects.filter(pk=monitor_id).first()
    if monitor is None:
        raise ValueError(f"the sandbox has no monitor {monitor_id}")
    moment = int(clock.now().timestamp())
    if not monitor.groups:
        if group != "*":
            raise ValueError(f"monitor {monitor_id} is not grouped: its one group is *")
        monitor.overall_state = status
        monitor.save(update_fields=["overall_state"])
        return monitor
    found = next((g for g in monitor.groups if g["name"] == group), None)
    if found is None:
        names = ", ".join(g["name"] for g in monitor.groups)
        raise ValueError(f"monitor {monitor_id} has no group {group!r}; it has {names}")
    if found["status"] != status:
        found["status"] = status
        found["resolved" if status == "OK" else "triggered"] = moment
        if status == "No Data":
            found["nodata"] = moment
    states = {g["status"] for g in monitor.groups}
    monitor.overall_state = next(s for s in _WORST_FIRST if s in states)
    monitor.save(update_fields=["groups", "overall_state"])
    return monitor


def monitor_state(monitor: SandboxMonitor, wanted: tuple[str, ...]) -> dict[str, Any]:
    """`state`: the groups in the states asked for (`all`: every one), by name."""
    states = {GROUP_STATE_NAMES[w] for w in wanted if w != "all"}
    return {
        "groups": {
            group["name"]: _group_state(monitor, group)
            for group in groups(monitor)
            if "all" in wanted or group["status"] in states
        }
    }


def serialize_monitor(monitor: SandboxMonitor, wanted: tuple[str, ...] = ()) -> dict[str, Any]:
    found = _monitor_fields(monitor)
    if wanted:
        found["state"] = monitor_state(monitor, wanted)
    return found


def _monitor_fields(monitor: SandboxMonitor) -> dict[str, Any]:
    return {
        "id": monitor.id,
        "org_id": ORG_ID,
        "type": monitor.type,
        "name": monitor.name,
        "message": monitor.message,
        "tags": list(monitor.tags),
        "query": monitor.query,
        "options": {
            "notify_audit": False,
            "locked": False,
            "include_tags": True,
            "new_host_delay": 300,
            "require_full_window": False,
            "notify_no_data": False,
            "thresholds": {"critical": 1.0},
            "silenced": {},
        },
        "multi": bool(monitor.groups),  # grouped: `by {...}`, or `.by(...)` for checks and logs
        "created_at": int(monitor.created.timestamp() * 1000),
        "created": iso(monitor.created),
        "modified": iso(monitor.modified),
        "deleted": None,
        "restricted_roles": None,
        "priority": monitor.priority,
        "overall_state_modified": iso(monitor.modified.replace(microsecond=0)),
        "overall_state": monitor.overall_state,
        "creator": _creator(monitor.creator),
        "matching_downtimes": [],
    }


def serialize_search_result(monitor: SandboxMonitor) -> dict[str, Any]:
    return {
        "status": monitor.overall_state,
        "scopes": query_tags(monitor.query),
        "classification": CLASSIFICATIONS.get(monitor.type, "custom"),
        "creator": _creator(monitor.creator, with_email=False),
        "metrics": [],
        "notifications": [],
        "muted_until_ts": None,
        "query": monitor.query,
        "id": monitor.id,
        "last_triggered_ts": None,
        "name": monitor.name,
        "tags": list(monitor.tags),
        "org_id": ORG_ID,
        "priority": monitor.priority,
        "overall_state_modified": _epoch(monitor.modified),
        "restricted_roles": None,
        "type": monitor.type,
    }


def query_tags(query: str) -> list[str]:
    """The tags a monitor's query filters on: `{service:db,env:prod}` -> both."""
    match = re.search(r"\{([^}]*)\}", query or "")
    if not match:
        return []
    return [s.strip() for s in match.group(1).split(",") if s.strip() and s.strip() != "*"]


def _tags_match(monitor: SandboxMonitor, wanted: Iterable[str]) -> bool:
    tags = set(monitor.tags)
    return all(tag in tags for tag in wanted)


def list_monitors(params: Any) -> list[dict[str, Any]]:
    """`GET /api/v1/monitor`: name substring, scope `tags`, `monitor_tags`, optional paging;
    each group's state with `group_states`."""
    wanted = group_states(params)
    name = params.get("name", "").lower()
    monitor_tags = [t.strip() for t in params.get("monitor_tags", "").split(",") if t.strip()]
    scope_tags = [t.strip() for t in params.get("tags", "").split(",") if t.strip()]
    found = [
        m
        for m in SandboxMonitor.objects.select_related("creator")
        if name in m.name.lower()
        and _tags_match(m, monitor_tags)
        and all(tag in query_tags(m.query) for tag in scope_tags)
    ]
    if "page" in params:
        page = query_int(params, "page", 0)
        size = query_int(params, "page_size", 100)
        if size > 1000:
            raise bad_request("page_size must be at most 1000")
        found = found[page * size : (page + 1) * size]
    return [serialize_monitor(m, wanted) for m in found]


# Longest search query taken; the dashboard never sends more than 2,000 characters.
MAX_QUERY = 4000
# A term: runs of anything but spaces and quotes, and quoted phrases (`tag:"team db"`).
_TERM = re.compile(r'(?:"[^"]*"|[^\s"])+')


def _search_terms(query: str) -> list[str]:
    """The query's terms, quotes removed: one pass of a regular expression (shlex, used before,
    took minutes over a 2 MB query)."""
    if len(query) > MAX_QUERY:
        raise bad_request(f"Query parsing error: the query is longer than {MAX_QUERY} characters")
    if query.count('"') % 2:
        raise bad_request("Query parsing error: unbalanced quotes")
    return [term.replace('"', "") for term in _TERM.findall(query)]


def _search_filter(monitor: SandboxMonitor, terms: list[str]) -> bool:
    for term in terms:
        key, sep, value = term.partition(":")
        key = key.lower()
        if sep and key == "tag":
            if value.strip('"') not in monitor.tags:
                return False
        elif sep and key == "type":
            classification = CLASSIFICATIONS.get(monitor.type, "custom")
            if value.lower() not in (classification, monitor.type):
                return False
        elif sep and key == "status":
            if monitor.overall_state != SEARCH_STATUSES[value.lower()]:
                return False
        elif sep and key == "id":
            if str(monitor.id) != value:
                return False
        elif sep and key == "priority":
            if str(monitor.priority or "") != value.lstrip("p").lstrip("P"):
                return False
        elif term.lower() not in monitor.name.lower():
            return False
    return True


def search_monitors(params: Any) -> dict[str, Any]:
    """`GET /api/v1/monitor/search`: text over names, `tag:`, `type:`, `status:`, `id:`."""
    terms = _search_terms(params.get("query", ""))
    for term in terms:
        key, sep, value = term.partition(":")
        if sep and key.lower() == "status" and value.lower() not in SEARCH_STATUSES:
            raise bad_request(f"Query parsing error: '{value}' is not a valid monitor status")
    page = query_int(params, "page", 0)
    per_page = query_int(params, "per_page", 30) or 30
    if per_page > 1000:
        raise bad_request("per_page must be at most 1000")
    sort_field, _, order = params.get("sort", "name,asc").partition(",")
    found = [
        m for m in SandboxMonitor.objects.select_related("creator") if _search_filter(m, terms)
    ]
    keys = {"name": lambda m: m.name.lower(), "status": lambda m: m.overall_state}
    found.sort(key=keys.get(sort_field, keys["name"]), reverse=order == "desc")
    chunk = found[page * per_page : (page + 1) * per_page]
    return {
        "counts": {
            "status": _counts(m.overall_state for m in found),
            "muted": _counts(False for _ in found),
            "tag": _counts(t for m in found for t in m.tags)[:20],
            "type": _counts(CLASSIFICATIONS.get(m.type, "custom") for m in found),
        },
        "monitors": [serialize_search_result(m) for m in chunk],
        "metadata": {
            "total_count": len(found),
            "page_count": len(chunk),
            "page": page,
            "per_page": per_page,
        },
    }


def _counts(values: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"count": c, "name": n} for n, c in Counter(values).most_common()]


def get_monitor(monitor_id: str) -> SandboxMonitor:
    found_id = id_param(monitor_id)
    try:
        return SandboxMonitor.objects.select_related("creator").get(id=found_id or 0)
    except SandboxMonitor.DoesNotExist:
        raise ApiError(404, "Monitor not found") from None
