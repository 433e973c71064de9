"""`downtime_matches`: which active downtimes mute a monitor, and which of its groups.

A downtime applies to a monitor by id or by monitor tags; its scope then picks the monitor's
groups whose tags it matches (`scope.matches`). A downtime whose scope matches none of the
monitor's groups does not mute it, and is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from downtimes_app.core import status
from downtimes_app.core.domain import ACTIVE, Window
from downtimes_app.core.scope import ScopeError
from downtimes_app.core.scope import matches as scope_matches

from .models import SandboxDowntime, SandboxMonitor
from .monitors import groups
from .resources import current_window


def applies_to(downtime: SandboxDowntime, monitor: SandboxMonitor) -> bool:
    """Its monitor identifier picks the monitor: by id, or by all of the monitor's tags."""
    if downtime.monitor_id is not None:
        return downtime.monitor_id == monitor.id
    tags = downtime.monitor_tags or []
    return tags == ["*"] or set(tags) <= set(monitor.tags)


def muted_groups(downtime: SandboxDowntime, monitor: SandboxMonitor) -> list[str]:
    """The names of the monitor's groups the downtime's scope matches (`*` for every one)."""
    if not applies_to(downtime, monitor):
        return []
    if downtime.scope.strip() == "*":
        return ["*"]
    try:
        return [g["name"] for g in groups(monitor) if scope_matches(downtime.scope, g["tags"])]
    except ScopeError:
        return []


@dataclass(frozen=True)
class Match:
    downtime: SandboxDowntime
    window: Window
    groups: list[str]


def matches(monitor: SandboxMonitor, now: datetime) -> list[Match]:
    """The active downtimes that mute some group of the monitor, in creation order."""
    found = []
    for downtime in SandboxDowntime.objects.filter(canceled__isnull=True).iterator():
        muted = muted_groups(downtime, monitor)
        if not muted:
            continue
        window = current_window(downtime, now)
        if status.window_status(window, now, None) == ACTIVE and window is not None:
            found.append(Match(downtime, window, muted))
    return found
