"""Which downtimes mute which monitor groups (now, later, before), and what would notify if one
ended: pure functions of the two cached copies and "now".

A downtime reaches a monitor by its id, or by tags the monitor carries all of (`*` or none: every
monitor); its scope then picks among the monitor's groups. Datadog reports a group by its name
(`host:web-3`, `env:prod,host:web-3`), so the dashboard knows a group's tags only from that
name and from the filter of the monitor's query (`{service:db,env:prod}`). A scope that asks
about any other tag (a host's `region`, say) cannot be settled here: such groups are "perhaps"
muted, never counted as muted. What mutes a monitor *now* is Datadog's own answer on a monitor's
page (`downtime_matches`); this is what the list, the filters and the "if it ended" sentences use,
where one call per monitor is out of the question.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import presenters
from .domain import (
    ACTIVE,
    ALERT,
    NO_DATA,
    NOTIFY_STATE_NAMES,
    SCHEDULED,
    WARN,
    Downtime,
    Monitor,
    MonitorGroup,
)
from .scope import ScopeError, judge

# How bad a state is, for the one a monitor would notify with: the worst of its groups'.
SEVERITY = {ALERT: 0, NO_DATA: 1, WARN: 2}
_BRACES = re.compile(r"(?<!by )\{([^{}]*)\}")
# A service check's `.over("service:db","env:prod")`: its tags, each quoted.
_OVER = re.compile(r"\.over\(([^)]*)\)")
_FAR = datetime.max.replace(tzinfo=UTC)


def query_tags(query: str | None) -> tuple[str, ...]:
    """The `key:value` tags a monitor's query filters every group on: those in every metric
    filter (`{service:db,env:prod}`; `by {...}` aside), or a service check's `.over(...)`.
    Negations and wildcards say nothing certain about a group, and are left out."""
    filters = [m.group(1).split(",") for m in _BRACES.finditer(query or "")]
    filters += [
        [part.strip().strip("'\"") for part in m.group(1).split(",")]
        for m in _OVER.finditer(query or "")
    ]
    found: set[str] | None = None
    for parts in filters:
        tags = {
            part.strip()
            for part in parts
            if ":" in part and not part.strip().startswith(("!", "-")) and "*" not in part
        }
        found = tags if found is None else found & tags
    return tuple(sorted(found or ()))


def groups_of(monitor: Monitor) -> tuple[MonitorGroup, ...]:
    """Its groups; one, `*`, in the monitor's own state, when Datadog reported none."""
    return monitor.groups or (MonitorGroup("*", monitor.overall_state),)


def applies(downtime: Downtime, monitor: Monitor) -> bool:
    """Whether its monitor identifier picks the monitor (before its scope picks groups)."""
    if downtime.monitor_id is not None:
        return downtime.monitor_id == monitor.id
    tags = downtime.monitor_tags
    return not tags or tags == ("*",) or set(tags) <= set(monitor.tags)


@dataclass(frozen=True)
class Reach:
    """The groups of one monitor a downtime mutes: `groups` surely, `maybe` perhaps."""

    downtime: Downtime
    monitor: Monitor
    groups: tuple[MonitorGroup, ...]
    maybe: tuple[MonitorGroup, ...] = ()

    @property
    def whole(self) -> bool:
        return len(self.groups) == len(groups_of(self.monitor))


Verdict = Callable[[Iterable[str]], "bool | None"]


def _verdict(scope: str, cache: dict[str, Verdict | None]) -> Verdict | None:
    if scope not in cache:
        try:
            cache[scope] = judge(scope or "*")
        except ScopeError:
            cache[scope] = None  # Datadog refused or would refuse it: it mutes nothing
    return cache[scope]


def reach(
    downtime: Downtime, monitor: Monitor, verdicts: dict[str, Verdict | None] | None = None
) -> Reach | None:
    """What the downtime mutes of the monitor, or None for nothing (not even perhaps)."""
    if not applies(downtime, monitor):
        return None
    verdict = _verdict(downtime.scope.strip(), {} if verdicts is None else verdicts)
    if verdict is None:
        return None
    known = query_tags(monitor.query)
    sure, maybe = [], []
    for group in groups_of(monitor):
        found = verdict((*group.tags, *known))
        if found is True:
            sure.append(group)
        elif found is None:
            maybe.append(group)
    if not sure and not maybe:
        return None
    return Reach(downtime, monitor, tuple(sure), tuple(maybe))


def is_live(downtime: Downtime, now: datetime) -> bool:
    return presenters.live_status(downtime, now) == ACTIVE


# --- the monitor list: muted now, per monitor ---------------------------------------------------


@dataclass(frozen=True)
class Muted:
    """A monitor muted now: by which downtimes, which groups, until when (None: no end)."""

    downtimes: tuple[Downtime, ...]
    groups: frozenset[str]
    whole: bool
    until: datetime | None


class Mutes:
    """The downtimes that could mute each monitor (active or scheduled in the downtime copy), and
    which mute it now: one of these per pair of copies, its answers kept as they are worked out.

    Whether a downtime mutes now changes only where one of their windows starts or ends, so the
    answer for every monitor is kept until the clock passes the next such moment.
    """

    def __init__(self, downtimes: Sequence[Downtime], monitors: Sequence[Monitor]) -> None:
        self.live = [d for d in downtimes if d.status in (ACTIVE, SCHEDULED)]
        self.by_id = {m.id: m for m in monitors}
        self.candidates = _candidates(self.live, monitors)
        self.verdicts: dict[str, Verdict | None] = {}
        self._reaches: dict[int, tuple[Reach, ...]] = {}
        moments = set()
        for downtime in self.live:
            window = downtime.window
            if window is not None:
                moments.update(m for m in (window.start, window.end) if m is not None)
        self.moments = sorted(moments)
        self._muted: tuple[int, dict[int, Muted]] | None = None

    def reaches(self, monitor: Monitor) -> tuple[Reach, ...]:
        found = self._reaches.get(monitor.id) if self.by_id.get(monitor.id) is monitor else None
        if found is None:
            if self.by_id.get(monitor.id) is monitor:
                candidates = self.candidates.get(monitor.id, ())
            else:  # a monitor read on its own (newer than the copy)
                candidates = [d for d in self.live if applies(d, monitor)]
            reached = (reach(d, monitor, self.verdicts) for d in candidates)
            found = tuple(r for r in reached if r is not None)
            if self.by_id.get(monitor.id) is monitor:
                self._reaches[monitor.id] = found
        return found

    def muted(self, monitor: Monitor, now: datetime) -> Muted | None:
        """Muted now, surely, by at least one downtime; None when not."""
        live = [r for r in self.reaches(monitor) if r.groups and is_live(r.downtime, now)]
        if not live:
            return None
        names = frozenset(g.name for r in live for g in r.groups)
        ends = [r.downtime.window.end if r.downtime.window else None for r in live]
        until = None if any(end is None for end in ends) else max(ends)  # type: ignore[type-var]
        whole = any(r.whole for r in live) or len(names) == len(groups_of(monitor))
        return Muted(tuple(r.downtime for r in live), names, whole, until)

    def muted_now(self, now: datetime) -> dict[int, Muted]:
        """Every monitor of the copy muted now, by id."""
        span = bisect.bisect_right(self.moments, now)
        if self._muted is None or self._muted[0] != span:
            found = {}
            for monitor_id in self.candidates:
                muted = self.muted(self.by_id[monitor_id], now)
                if muted is not None:
                    found[monitor_id] = muted
            self._muted = (span, found)
        return self._muted[1]

    def later(self, monitor: Monitor, now: datetime) -> list[Reach]:
        """Downtimes not muting it now that will (their next window is ahead), soonest first."""
        found = [
            r for r in self.reaches(monitor) if presenters.live_status(r.downtime, now) == SCHEDULED
        ]
        return sorted(found, key=lambda r: r.downtime.window.start if r.downtime.window else _FAR)


def _candidates(
    downtimes: Iterable[Downtime], monitors: Sequence[Monitor]
) -> dict[int, list[Downtime]]:
    """For each monitor, the downtimes whose monitor identifier picks it (tags, by an index)."""
    by_tag: dict[str, set[int]] = {}
    for monitor in monitors:
        for tag in monitor.tags:
            by_tag.setdefault(tag, set()).add(monitor.id)
    every = {m.id for m in monitors}
    found: dict[int, list[Downtime]] = {}
    for downtime in downtimes:
        if downtime.monitor_id is not None:
            ids = {downtime.monitor_id} & every
        else:
            ids = every
            for tag in downtime.monitor_tags:
                if tag != "*":
                    ids = ids & by_tag.get(tag, set())
        for monitor_id in ids:
            found.setdefault(monitor_id, []).append(downtime)
    return found


def before(downtimes: Iterable[Downtime], monitor: Monitor, now: datetime) -> list[Reach]:
    """Downtimes that muted it and are over (ended or canceled), the latest first."""
    verdicts: dict[str, Verdict | None] = {}
    found = []
    for downtime in downtimes:
        if presenters.live_status(downtime, now) in (ACTIVE, SCHEDULED):
            continue
        reached = reach(downtime, monitor, verdicts)
        if reached is not None:
            found.append(reached)

    def ended(r: Reach) -> datetime:
        window = r.downtime.window
        return r.downtime.canceled or (window.end or window.start if window else None) or _FAR

    return sorted(found, key=ended, reverse=True)


# --- what would notify if a downtime ended now ---------------------------------------------------


def notify_states(downtime: Downtime) -> tuple[str, ...]:
    """The monitor states its end notifies for (`notify_end_states`), in Datadog's words."""
    return tuple(
        NOTIFY_STATE_NAMES[s] for s in downtime.notify_end_states if s in NOTIFY_STATE_NAMES
    )


@dataclass(frozen=True)
class Affected:
    """One monitor a downtime mutes, and the state it would notify with when it ended."""

    monitor: Monitor
    groups: tuple[MonitorGroup, ...]
    maybe: tuple[MonitorGroup, ...]
    notifying: tuple[MonitorGroup, ...]  # in a notify state, and muted by nothing else
    state: str | None  # the worst state among `notifying`

    @property
    def whole(self) -> bool:
        return len(self.groups) == len(groups_of(self.monitor))


@dataclass(frozen=True)
class Aftermath:
    affected: tuple[Affected, ...]  # the ones that would notify first, then by name
    counts: Counter = field(default_factory=Counter)  # monitors in a state it notifies for
    notifies_on_end: bool = True  # `expired` among its notify_end_types
    perhaps: int = 0  # monitors it may mute (a scope on tags Datadog does not report)
    live: bool = True  # muting now (else a draft, or a window still to come)
    kept: int = 0  # monitors in such a state that another downtime keeps quiet
    states: tuple[str, ...] = ()  # the states it notifies for

    @property
    def would_notify(self) -> int:
        return sum(self.counts.values()) if self.notifies_on_end else 0

    @property
    def sentence(self) -> str:
        return aftermath_sentence(self)


def _state_words(counts: Counter) -> str:
    parts = [f"{counts[s]} {s}" for s in sorted(counts, key=lambda s: SEVERITY.get(s, 9))]
    return ", ".join(parts)


def _or(states: tuple[str, ...]) -> str:
    if not states:
        return "a state it notifies for"
    return states[0] if len(states) == 1 else ", ".join(states[:-1]) + " or " + states[-1]


def _plural(count: int, word: str = "monitor") -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def aftermath_sentence(result: Aftermath) -> str:
    """The sentence: "If this ended now, 3 monitors would notify (2 Alert, 1 No Data).", or what
    it says instead when nothing would, or it is set not to notify."""
    if not result.affected and not result.perhaps:
        return "It mutes no monitor right now, so nothing would notify when it ended."
    lead = "If this ended now" if result.live else "Were it to end while these states hold"
    found = sum(result.counts.values())
    if not result.notifies_on_end:
        said = "It is set not to notify when it ends, so no monitor would notify the moment it did"
        if found:
            states = _state_words(result.counts)
            said += f"; {_plural(found)} it mutes would go on alerting ({states})"
        said += "."
    elif found:
        said = f"{lead}, {_plural(found)} would notify ({_state_words(result.counts)})."
    elif result.kept:
        said = (
            f"{lead}, no monitor would notify: another downtime keeps the "
            f"{_plural(result.kept)} in {_or(result.states)} quiet."
        )
    else:
        said = f"{lead}, no monitor would notify: none it mutes is in {_or(result.states)}."
    if found and result.kept:
        said = said[:-1] + f"; another downtime keeps {_plural(result.kept, 'more')} quiet."
    if result.perhaps:
        said += (
            f" It may also mute {_plural(result.perhaps, 'more monitor')}: its scope uses tags "
            "Datadog does not report for their groups."
        )
    return said


def aftermath(
    downtime: Downtime,
    monitors: Iterable[Monitor],
    now: datetime,
    *,
    others: Mutes | None = None,
) -> Aftermath:
    """The monitors `downtime` mutes, their states, and which would notify if it ended now
    (`notify_end_states`, when its `notify_end_types` include `expired`): groups another active
    downtime keeps muted would not."""
    states = notify_states(downtime)
    verdicts: dict[str, Verdict | None] = {}
    affected, perhaps, kept = [], 0, 0
    for monitor in monitors:
        reached = reach(downtime, monitor, verdicts)
        if reached is None:
            continue
        if not reached.groups:
            perhaps += 1
            continue
        alerting = [g for g in reached.groups if g.status in states]
        still = _kept_muted(monitor, downtime, others, now) if alerting else frozenset()
        notifying = tuple(g for g in alerting if g.name not in still)
        kept += bool(alerting) and not notifying
        worst = min((g.status for g in notifying), key=lambda s: SEVERITY.get(s, 9), default=None)
        affected.append(Affected(monitor, reached.groups, reached.maybe, notifying, worst))
    affected.sort(key=lambda a: (a.state is None, SEVERITY.get(a.state or "", 9), a.monitor.name))
    counts = Counter(a.state for a in affected if a.state is not None)
    on_end = "expired" in downtime.notify_end_types
    live = is_live(downtime, now)
    return Aftermath(tuple(affected), counts, on_end, perhaps, live, kept, states)


def _kept_muted(monitor: Monitor, ending: Downtime, others: Mutes | None, now: datetime):
    """The groups another downtime mutes now, surely: they stay quiet when this one ends."""
    if others is None:
        return frozenset()
    return frozenset(
        g.name
        for r in others.reaches(monitor)
        if r.downtime.id != ending.id and is_live(r.downtime, now)
        for g in r.groups
    )
