"""How a monitor reads to a person: its state, its groups, and whether it is muted and until
when, in the viewer's zone. Pure, like `presenters` for downtimes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from downtimes_app.core.domain import ALERT, Monitor, MonitorGroup
from downtimes_app.core.presenters import Moment
from downtimes_app.muting.mutes import Muted, groups_of


def slug(state: str | None) -> str:
    return (state or "unknown").lower().replace(" ", "-")


def until_words(until: datetime | None, zone: ZoneInfo, now: datetime) -> str:
    if until is None:
        return "no end"
    moment = Moment(until, zone, now)
    return f"until {moment.label} {moment.zone_label}"


@dataclass(frozen=True)
class MonitorRow:
    monitor: Monitor
    state: str
    alerting: int
    groups: int
    muted: Muted | None
    muted_text: str  # "" when not muted
    until: Moment | None

    @property
    def state_slug(self) -> str:
        return slug(self.state)


def row(monitor: Monitor, muted: Muted | None, zone: ZoneInfo, now: datetime) -> MonitorRow:
    groups = groups_of(monitor)
    text, until = "", None
    if muted is not None:
        until = Moment(muted.until, zone, now) if muted.until else None
        part = "" if muted.whole else f"{len(muted.groups)} of {len(groups)} groups "
        until_text = until_words(muted.until, zone, now)
        text = f"{part}muted{',' if muted.until is None else ''} {until_text}"
        text = text[0].upper() + text[1:]
    return MonitorRow(
        monitor=monitor,
        state=monitor.overall_state or "Unknown",
        alerting=sum(1 for g in groups if g.status == ALERT),
        groups=len(groups),
        muted=muted,
        muted_text=text,
        until=until,
    )


@dataclass(frozen=True)
class GroupRow:
    group: MonitorGroup
    state: str
    muted: bool  # by a downtime now
    since: Moment | None  # when it last triggered, for a group not OK

    @property
    def state_slug(self) -> str:
        return slug(self.state)


def group_rows(
    monitor: Monitor, muted: Iterable[str], zone: ZoneInfo, now: datetime
) -> list[GroupRow]:
    """Its groups, the ones in the worst states first; `muted` names those muted now (`*`: all)."""
    names = set(muted)
    order = {"Alert": 0, "No Data": 1, "Warn": 2}
    rows = []
    for group in groups_of(monitor):
        state = group.status or "Unknown"
        since = group.last_triggered if state != "OK" else None
        rows.append(
            GroupRow(
                group=group,
                state=state,
                muted="*" in names or group.name in names,
                since=Moment(since, zone, now) if since else None,
            )
        )
    return sorted(rows, key=lambda r: (order.get(r.state, 3), r.group.name))


STATE_ORDER = {"Alert": 0, "No Data": 1, "Warn": 2, "OK": 3}


def group_summary(monitor: Monitor) -> str:
    """Its groups by state, `4 groups: 1 Alert, 3 OK`; "" for a monitor that is not grouped."""
    groups = groups_of(monitor)
    if len(groups) < 2:
        return ""
    counts = Counter(g.status or "Unknown" for g in groups)
    states = sorted(counts, key=lambda s: (STATE_ORDER.get(s, 4), s))
    return f"{len(groups)} groups: " + ", ".join(f"{counts[s]} {s}" for s in states)


def share_title(monitor: Monitor) -> str:
    return f"{monitor.name} \u00b7 {monitor.overall_state or 'Unknown'}"


def share_description(monitor: Monitor, muted: Muted | None, now: datetime) -> str:
    """What a chat tool's preview of a monitor's link says (in UTC: readers are anywhere)."""
    groups = groups_of(monitor)
    alerting = sum(1 for g in groups if g.status == ALERT)
    parts = [f"{monitor.type or 'monitor'}"]
    if len(groups) > 1:
        parts.append(f"{alerting} of {len(groups)} groups alerting")
    if muted is not None:
        parts.append(f"muted {until_words(muted.until, ZoneInfo('UTC'), now)}")
    return " \u00b7 ".join(parts)
