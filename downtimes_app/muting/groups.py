"""Every group of every monitor in a copy, numbered and indexed by the tags it is known by, so
that a downtime's scope is judged over all of them at once, with set operations.

Judging a scope group by group costs (downtimes x groups) evaluations: minutes for 10,000
downtimes over 5,000 monitors. Here a term is a lookup (`env:prod` -> the groups known to carry
it), and AND, OR and NOT are intersections, unions and differences of those sets; each scope is
judged once per copy of the monitors, however many downtimes share it. Pure.

As in `scope.judge`, a group is known by the tags of its name and its monitor's query filter; a
term on a key a group is not known by leaves it undecided ("perhaps"), never muted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from downtimes_app.core.domain import Downtime, Monitor, MonitorGroup
from downtimes_app.core.scope import (
    BoolOp,
    Everything,
    KeyGroup,
    Node,
    ScopeError,
    Term,
    parse_scope,
    value_pattern,
)

_BRACES = re.compile(r"(?<!by )\{([^{}]*)\}")
# A service check's `.over("service:db","env:prod")`: its tags, each quoted.
_OVER = re.compile(r"\.over\(([^)]*)\)")


@functools.lru_cache(maxsize=16384)
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


# (surely in the scope, possibly in it): a group possibly in but not surely is "perhaps".
Judged = tuple[frozenset[int], frozenset[int]]


@dataclass(frozen=True)
class Selection:
    sure: frozenset[int]
    maybe: frozenset[int]


NOTHING = Selection(frozenset(), frozenset())


class Groups:
    def __init__(self, monitors: Sequence[Monitor]) -> None:
        self.groups: list[MonitorGroup] = []
        self.owner: list[int] = []  # group number -> monitor id
        self.span: dict[int, range] = {}  # monitor id -> its groups' numbers
        self.values: dict[str, dict[str, set[int]]] = {}  # key -> value (lower case) -> groups
        self.keyed: dict[str, set[int]] = {}  # key -> the groups known to have one
        self.by_tag: dict[str, set[int]] = {}  # a monitor's own tag -> monitor ids
        self.by_status: dict[str, set[int]] = {}  # a group's state ("Alert") -> groups
        for monitor in monitors:
            self._add(monitor, query_tags(monitor.query))
        self.every = frozenset(range(len(self.groups)))
        self.monitor_ids = frozenset(self.span)
        self._unknown: dict[str, frozenset[int]] = {}
        self._scopes: dict[str, Selection | None] = {}
        self._targets: dict[tuple[str, ...], frozenset[int]] = {}

    def _add(self, monitor: Monitor, known: tuple[str, ...]) -> None:
        start = len(self.groups)
        for group in groups_of(monitor):
            number = len(self.groups)
            self.groups.append(group)
            self.owner.append(monitor.id)
            self.by_status.setdefault(group.status, set()).add(number)
            for tag in (*group.tags, *known):
                key, _, value = tag.partition(":")
                key = key.lower()
                self.values.setdefault(key, {}).setdefault(value.lower(), set()).add(number)
                self.keyed.setdefault(key, set()).add(number)
        self.span[monitor.id] = range(start, len(self.groups))
        for tag in monitor.tags:
            self.by_tag.setdefault(tag, set()).add(monitor.id)

    # --- a scope over every group -------------------------------------------------------------

    def select(self, scope: str) -> Selection | None:
        """The groups `scope` mutes surely and perhaps; None for a scope Datadog refuses."""
        scope = (scope or "*").strip()
        if scope not in self._scopes:
            try:
                true, possible = self._judge(parse_scope(scope))
            except ScopeError:
                self._scopes[scope] = None
            else:
                self._scopes[scope] = Selection(true, possible - true)
        return self._scopes[scope]

    def _unknown_key(self, key: str) -> frozenset[int]:
        if key not in self._unknown:
            self._unknown[key] = self.every - self.keyed.get(key, set())
        return self._unknown[key]

    def _term(self, key: str, value: str) -> Judged:
        key, value = key.lower(), value.strip('"').lower()
        values = self.values.get(key, {})
        if "*" in value:
            pattern = value_pattern(value)
            found: Iterable[set[int]] = [v for name, v in values.items() if pattern.match(name)]
            true = frozenset().union(*found)
        else:
            true = frozenset(values.get(value, ()))
        return true, true | self._unknown_key(key)

    def _combine(self, parts: list[Judged], op: str) -> Judged:
        if op == "OR":
            return frozenset().union(*(t for t, _ in parts)), frozenset().union(
                *(p for _, p in parts)
            )
        parts = sorted(parts, key=lambda part: len(part[0]))
        true, possible = parts[0]
        for t, p in parts[1:]:
            true, possible = true & t, possible & p
        return true, possible

    def _judge(self, node: Node) -> Judged:
        if isinstance(node, Everything):
            return self.every, self.every
        if isinstance(node, Term):
            true, possible = self._term(node.key, node.value)
        elif isinstance(node, KeyGroup):
            parts = [self._term(node.key, v) for v in node.values]
            true, possible = self._combine(parts, node.op)
        else:
            assert isinstance(node, BoolOp)
            true, possible = self._combine([self._judge(i) for i in node.items], node.op)
        if node.negated:
            return self.every - possible, self.every - true
        return true, possible

    # --- which monitors a downtime picks ------------------------------------------------------

    def targets(self, downtime: Downtime) -> frozenset[int] | None:
        """The groups of the monitors its identifier picks; None for every monitor."""
        if downtime.monitor_id is not None:
            return frozenset(self.span.get(downtime.monitor_id, ()))
        tags = tuple(sorted(t for t in downtime.monitor_tags if t != "*"))
        if not tags:
            return None
        if tags not in self._targets:
            self._targets[tags] = frozenset(n for i in self.carrying(tags) for n in self.span[i])
        return self._targets[tags]

    def carrying(self, tags: Iterable[str]) -> set[int]:
        """The ids of the monitors that carry every one of `tags` (Datadog's `monitor_tags`)."""
        ids = set(self.monitor_ids)
        for tag in tags:
            ids &= self.by_tag.get(tag, set())
            if not ids:
                break
        return ids

    def misses(self, downtime: Downtime) -> bool:
        """Aimed at one monitor that reports groups, over a scope Datadog accepts that matches
        none of them, not even perhaps: Datadog's `downtime_matches` for it is empty."""
        span = self.span.get(downtime.monitor_id) if downtime.monitor_id is not None else None
        if not span or not any(self.groups[n].tags for n in span):
            return False  # not grouped, or no group reported yet: nothing to judge against
        if self.select(downtime.scope) is None:
            return False
        reached = self.reached(downtime)
        return not (reached.sure or reached.maybe)

    def reached(self, downtime: Downtime) -> Selection:
        """The groups the downtime mutes, surely and perhaps."""
        selected = self.select(downtime.scope)
        if selected is None:
            return NOTHING
        target = self.targets(downtime)
        if target is None:
            return selected
        return Selection(selected.sure & target, selected.maybe & target)
