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
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from downtimes_app.core.domain import (
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
from downtimes_app.core.scope import ScopeError, judge
from downtimes_app.core.status import live_status
from downtimes_app.muting.groups import Groups, groups_of, query_tags

__all__ = ["Groups", "groups_of", "query_tags"]  # with what is defined below

# How bad a state is, for the one a monitor would notify with: the worst of its groups'.
SEVERITY = {ALERT: 0, NO_DATA: 1, WARN: 2}
_FAR = datetime.max.replace(tzinfo=UTC)


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
    return live_status(downtime, now) == ACTIVE


# --- the monitor list: muted now, per monitor ---------------------------------------------------


@dataclass(frozen=True)
class Muted:
    """A monitor muted now: by which downtimes, which groups, until when (None: no end)."""

    downtimes: tuple[Downtime, ...]
    groups: frozenset[str]
    whole: bool
    until: datetime | None


class Mutes:
    """The downtimes that could mute each monitor (active or scheduled in the downtime copy),
    and which mute it now: one of these per pair of copies, its answers kept as worked out.

    Which groups a downtime mutes comes from `Groups` (set operations over every group at once,
    each scope judged once per copy of the monitors). Whether a downtime mutes *now* changes
    only where one of their windows starts or ends, so the answer for every monitor is kept
    until the clock passes the next such moment.
    """

    def __init__(
        self,
        downtimes: Sequence[Downtime],
        monitors: Sequence[Monitor],
        groups: Groups | None = None,
    ) -> None:
        self.live = [d for d in downtimes if d.status in (ACTIVE, SCHEDULED)]
        self.groups = groups if groups is not None else Groups(monitors)
        self.by_id = {m.id: m for m in monitors}
        self.verdicts: dict[str, Verdict | None] = {}
        moments = set()
        for downtime in self.live:
            window = downtime.window
            if window is not None:
                moments.update(m for m in (window.start, window.end) if m is not None)
        self.moments = sorted(moments)
        self._now: tuple[int, dict[int, Muted], dict[int, list[Downtime]]] | None = None

    def reaches(self, monitor: Monitor) -> tuple[Reach, ...]:
        """Every live downtime that mutes some group of the monitor (surely or perhaps)."""
        candidates = (d for d in self.live if applies(d, monitor))
        reached = (reach(d, monitor, self.verdicts) for d in candidates)
        return tuple(r for r in reached if r is not None)

    def _worked_out(self, now: datetime) -> tuple[dict[int, Muted], dict[int, list[Downtime]]]:
        """(muted monitors by id, the active downtimes that surely mute each group)."""
        span = bisect.bisect_right(self.moments, now)
        if self._now is None or self._now[0] != span:
            self._now = (span, *_muted_now(self, now))
        return self._now[1], self._now[2]

    def muted_now(self, now: datetime) -> dict[int, Muted]:
        """Every monitor of the copy muted now, surely, by id."""
        return self._worked_out(now)[0]

    def covering(self, now: datetime) -> dict[int, list[Downtime]]:
        """For each group (by number in `groups`), the active downtimes that surely mute it."""
        return self._worked_out(now)[1]

    def muted(self, monitor: Monitor, now: datetime) -> Muted | None:
        """Muted now, surely, by at least one downtime; None when not."""
        if self.by_id.get(monitor.id) is monitor:
            return self.muted_now(now).get(monitor.id)
        live = [r for r in self.reaches(monitor) if r.groups and is_live(r.downtime, now)]
        if not live:
            return None
        names = {g.name for r in live for g in r.groups}
        return _muted(monitor, [r.downtime for r in live], names)

    def would_notify(self, downtime: Downtime, now: datetime) -> bool:
        """Whether ending `downtime` now would notify: a group it surely mutes is in a state it
        notifies for, and no other active downtime keeps that group quiet. By set operations,
        so that a look over a whole copy needs `aftermath` only for the few that would."""
        if "expired" not in downtime.notify_end_types:
            return False
        groups = self.groups
        states = notify_states(downtime)
        alerting = set().union(*(groups.by_status.get(state, ()) for state in states))
        found = groups.reached(downtime).sure & alerting
        covering = self.covering(now)
        return any(all(d.id == downtime.id for d in covering.get(n, ())) for n in found)

    def later(self, monitor: Monitor, now: datetime) -> list[Reach]:
        """Downtimes not muting it now that will (their next window is ahead), soonest first."""
        found = [r for r in self.reaches(monitor) if live_status(r.downtime, now) == SCHEDULED]
        return sorted(found, key=lambda r: r.downtime.window.start if r.downtime.window else _FAR)

    def missing(self, monitor: Monitor) -> list[Downtime]:
        """Live downtimes aimed at the monitor by its id whose scope matches none of the groups
        it reports (the same judgement as `Groups.misses`, for one monitor), soonest first."""
        if not any(g.tags for g in groups_of(monitor)):
            return []
        found = [
            d
            for d in self.live
            if d.monitor_id == monitor.id
            and _verdict(d.scope.strip(), self.verdicts) is not None
            and reach(d, monitor, self.verdicts) is None
        ]
        return sorted(found, key=lambda d: d.window.start if d.window else _FAR)


def _end(downtime: Downtime) -> datetime | None:
    window = downtime.window
    return window.end if window else None


def _muted(
    monitor: Monitor,
    downtimes: list[Downtime],
    names: set[str],
    ends: dict[str, datetime | None] | None = None,
) -> Muted:
    found = [ends[d.id] if ends is not None else _end(d) for d in downtimes]
    until = None if any(end is None for end in found) else max(found)  # type: ignore[type-var]
    whole = len(names) >= len(groups_of(monitor))
    return Muted(tuple(downtimes), frozenset(names), whole, until)


def _muted_now(mutes: Mutes, now: datetime) -> tuple[dict[int, Muted], dict[int, list[Downtime]]]:
    """Walk each active downtime's groups once (downtimes with the same scope and target share
    one walk), and gather what mutes each monitor."""
    groups = mutes.groups
    shared: dict[tuple, list[Downtime]] = {}
    ends: dict[str, datetime | None] = {}
    for downtime in mutes.live:
        if is_live(downtime, now):
            tags = tuple(sorted(downtime.monitor_tags))
            key = (downtime.scope.strip(), downtime.monitor_id, tags)
            shared.setdefault(key, []).append(downtime)
            ends[downtime.id] = _end(downtime)
    covering: dict[int, list[Downtime]] = {}
    for same in shared.values():
        for number in groups.reached(same[0]).sure:
            covering.setdefault(number, []).extend(same)
    by_monitor: dict[int, tuple[set[str], dict[str, Downtime]]] = {}
    for number, downtimes in covering.items():
        names, found = by_monitor.setdefault(groups.owner[number], (set(), {}))
        names.add(groups.groups[number].name)
        found.update((d.id, d) for d in downtimes)
    muted = {
        monitor_id: _muted(mutes.by_id[monitor_id], list(found.values()), names, ends)
        for monitor_id, (names, found) in by_monitor.items()
    }
    return muted, covering


def before(downtimes: Iterable[Downtime], monitor: Monitor, now: datetime) -> list[Reach]:
    """Downtimes that muted it and are over (ended or canceled), the latest first."""
    verdicts: dict[str, Verdict | None] = {}
    found = []
    for downtime in downtimes:
        if live_status(downtime, now) in (ACTIVE, SCHEDULED):
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


def _each_reached(
    downtime: Downtime, monitors: Iterable[Monitor], others: Mutes | None, now: datetime
) -> Iterable[tuple[Monitor, list[MonitorGroup], list[MonitorGroup], list[bool]]]:
    """(monitor, groups surely muted, perhaps muted, whether another downtime keeps each sure
    one quiet): by set operations over the copy when there is one, else one monitor at a time."""
    if others is None:
        for monitor in monitors:
            reached = reach(downtime, monitor)
            if reached is not None:
                yield (
                    monitor,
                    list(reached.groups),
                    list(reached.maybe),
                    [False] * len(reached.groups),
                )
        return
    groups, covering = others.groups, others.covering(now)
    selected = groups.reached(downtime)
    found: dict[int, tuple[list[int], list[int]]] = {}
    for number in sorted(selected.sure):
        found.setdefault(groups.owner[number], ([], []))[0].append(number)
    for number in sorted(selected.maybe):
        found.setdefault(groups.owner[number], ([], []))[1].append(number)
    for monitor_id, (sure, maybe) in found.items():
        kept = [any(d.id != downtime.id for d in covering.get(n, ())) for n in sure]
        yield (
            others.by_id[monitor_id],
            [groups.groups[n] for n in sure],
            [groups.groups[n] for n in maybe],
            kept,
        )


def aftermath(
    downtime: Downtime,
    monitors: Iterable[Monitor],
    now: datetime,
    *,
    others: Mutes | None = None,
) -> Aftermath:
    """The monitors `downtime` mutes, their states, and which would notify if it ended now
    (`notify_end_states`, when its `notify_end_types` include `expired`): groups another active
    downtime keeps muted would not. With `others` (the copies' `Mutes`), over the whole copy
    at once; else over `monitors`, one at a time."""
    states = notify_states(downtime)
    affected, perhaps, kept = [], 0, 0
    for monitor, sure, maybe, quiet in _each_reached(downtime, monitors, others, now):
        if not sure:
            perhaps += 1
            continue
        alerting = [(g, q) for g, q in zip(sure, quiet, strict=True) if g.status in states]
        notifying = tuple(g for g, q in alerting if not q)
        kept += bool(alerting) and not notifying
        worst = min((g.status for g in notifying), key=lambda s: SEVERITY.get(s, 9), default=None)
        affected.append(Affected(monitor, tuple(sure), tuple(maybe), notifying, worst))
    affected.sort(key=lambda a: (a.state is None, SEVERITY.get(a.state or "", 9), a.monitor.name))
    counts = Counter(a.state for a in affected if a.state is not None)
    on_end = "expired" in downtime.notify_end_types
    live = is_live(downtime, now)
    return Aftermath(tuple(affected), counts, on_end, perhaps, live, kept, states)
