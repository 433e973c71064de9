"""The policy's rules and how a downtime fares against them: pure functions, no Django.

One set of rules answers two questions. Before a write (`judge`): is this downtime refused, and
does it wait for a second editor? After the fact (`breaches`, for the attention view): does a
downtime that exists, however it was made, break a rule the policy would have refused? Both
read the same predicates (`length`, `every_group`, `MonitorIdentifier.everything`), so what the
policy refuses is what the attention view flags.

- `max_duration`: the longest a window may last. A window with no end is longer than any limit;
  each recurrence's windows count one by one.
- `message_pattern`: the message must contain a match (`re.search`).
- `allowed_monitor_tags`: every monitor the downtime targets must carry one of these tags. A
  target of every monitor is refused; monitors chosen by tags pass without a look when one of
  the target's tags is allowed (every monitor it can ever match carries it), else each monitor
  they match now is checked.
- `approval_for`: `every_monitor`, `wildcard_scope`, `longer_than:<duration>`: a downtime
  matching one waits for a second editor instead of being sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from downtimes_app.core import schedules
from downtimes_app.core.domain import Definition, Monitor, OneTimeSchedule

MAX_DURATION, MESSAGE, MONITORS = "max_duration", "message_pattern", "allowed_monitor_tags"
EVERY_MONITOR, WILDCARD_SCOPE, LONGER_THAN = "every_monitor", "wildcard_scope", "longer_than"
# Which part of a downtime each rule reads: an edit answers only for what it changes.
READS = {
    MAX_DURATION: ("schedule",),
    MESSAGE: ("message",),
    MONITORS: ("monitor_identifier",),
    EVERY_MONITOR: ("monitor_identifier",),
    WILDCARD_SCOPE: ("scope",),
    LONGER_THAN: ("schedule",),
}
NAMED_AT_MOST = 5


@dataclass(frozen=True)
class Need:
    """One kind of downtime that waits for a second editor."""

    kind: str  # EVERY_MONITOR, WILDCARD_SCOPE or LONGER_THAN
    longer: timedelta | None = None  # LONGER_THAN's threshold

    @property
    def text(self) -> str:
        """As the policy file spells it."""
        if self.kind == LONGER_THAN:
            assert self.longer is not None
            return f"{LONGER_THAN}:{schedules.duration_from_delta(self.longer)}"
        return self.kind

    @property
    def words(self) -> str:
        if self.kind == EVERY_MONITOR:
            return "a downtime of every monitor"
        if self.kind == WILDCARD_SCOPE:
            return "a downtime over every group (scope *)"
        assert self.longer is not None
        return f"a window longer than {_span(self.longer)}"


@dataclass(frozen=True)
class Rules:
    """What one person may do. Empty values mean no limit."""

    max_duration: timedelta | None = None
    message_pattern: str = ""
    # How the message rule is said in the form ("a ticket id such as INC-1234").
    message_hint: str = ""
    approval_for: tuple[Need, ...] = ()
    allowed_monitor_tags: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == Rules()

    def message_words(self) -> str:
        if self.message_hint:
            return f"The message needs {self.message_hint}."
        return f"The message needs text matching {self.message_pattern}."

    def lines(self) -> list[str]:
        """The rules in words, one a line, for `/policies/`."""
        said = []
        if self.max_duration is not None:
            said.append(f"A window may last at most {_span(self.max_duration)}.")
        if self.message_pattern:
            said.append(self.message_words())
        if self.allowed_monitor_tags:
            said.append("Only monitors tagged " + _or(self.allowed_monitor_tags) + " may be muted.")
        for need in self.approval_for:
            said.append(f"A second editor approves {need.words}.")
        return said


@dataclass(frozen=True)
class Policy:
    """The file: rules for every editor, and groups' overrides (only the keys they set)."""

    base: Rules = field(default_factory=Rules)
    groups: tuple[tuple[str, Rules], ...] = ()  # each group's rules, overrides applied
    source: str = ""  # the file's path

    def rules_for(self, group_names: Sequence[str] | set[str]) -> Rules:
        """A person's rules: the base, or for a member of listed groups the most lenient of
        those groups' rules, key by key (a person in two teams may mute either team's)."""
        mine = [rules for name, rules in self.groups if name in set(group_names)]
        if not mine:
            return self.base
        return lenient(mine)


def lenient(all_rules: Sequence[Rules]) -> Rules:
    """Key by key, what the most permissive of these allows."""
    first = all_rules[0]
    durations = [r.max_duration for r in all_rules]
    longest = None if None in durations else max(d for d in durations if d is not None)
    tags = [r.allowed_monitor_tags for r in all_rules]
    allowed = () if () in tags else tuple(dict.fromkeys(t for group in tags for t in group))
    pattern, hint = "", ""
    if all(r.message_pattern for r in all_rules):
        # A match of any group's pattern will do.
        patterns = list(dict.fromkeys(r.message_pattern for r in all_rules))
        pattern = patterns[0] if len(patterns) == 1 else "|".join(f"(?:{p})" for p in patterns)
        hints = list(dict.fromkeys(r.message_hint for r in all_rules if r.message_hint))
        hint = " or ".join(hints) if len(hints) == len(patterns) else ""
    return replace(
        first,
        max_duration=longest,
        message_pattern=pattern,
        message_hint=hint,
        approval_for=_common_needs(all_rules),
        allowed_monitor_tags=allowed,
    )


def _common_needs(all_rules: Sequence[Rules]) -> tuple[Need, ...]:
    """The needs every group names; of `longer_than`, the longest threshold."""
    kept = []
    for need in all_rules[0].approval_for:
        alike = [[n for n in r.approval_for if n.kind == need.kind] for r in all_rules]
        if all(alike):
            longest = max((n.longer for found in alike for n in found if n.longer), default=None)
            kept.append(Need(need.kind, longest))
    return tuple(dict.fromkeys(kept))


# --- judging one downtime -----------------------------------------------------------------------


@dataclass(frozen=True)
class Breach:
    """A rule a downtime breaks: which, the part of the form it concerns, and why in words."""

    rule: str
    part: str  # "schedule", "message" or "target"
    words: str


@dataclass(frozen=True)
class Verdict:
    breaches: tuple[Breach, ...] = ()
    needs: tuple[Need, ...] = ()  # why it waits for a second editor

    @property
    def clear(self) -> bool:
        return not self.breaches and not self.needs


def every_group(scope: str | None) -> bool:
    return (scope or "").strip() in ("", "*")


def lengths(definition: Definition, now: datetime) -> list[timedelta | None]:
    """How long each of its windows lasts (None: no end). A one-time window without a start
    starts when Datadog receives it, which is now."""
    schedule = definition.schedule
    if isinstance(schedule, OneTimeSchedule):
        if schedule.end is None:
            return [None]
        return [schedule.end - (schedule.start or now)]
    found: list[timedelta | None] = []
    for recurrence in schedule.recurrences:
        try:
            found.append(schedules.parse_duration(recurrence.duration).delta)
        except schedules.ScheduleError:
            found.append(None)  # unreadable: treated as the longest, never as short
    return found


def longest(definition: Definition, now: datetime) -> timedelta | None:
    """Its longest window; None when one has no end."""
    found = lengths(definition, now)
    return None if None in found else max(d for d in found if d is not None)


def over(definition: Definition, limit: timedelta, now: datetime) -> bool:
    length = longest(definition, now)
    return length is None or length > limit


def _length_words(definition: Definition, now: datetime) -> str:
    length = longest(definition, now)
    if length is None:
        return "It has no end"
    if not isinstance(definition.schedule, OneTimeSchedule):
        return f"One of its windows lasts {_span(length)}"
    return f"It lasts {_span(length)}"


def breaches(
    definition: Definition,
    rules: Rules,
    now: datetime,
    monitors: Sequence[Monitor] | None = None,
) -> tuple[Breach, ...]:
    """The rules it breaks. `monitors`: the monitors it targets now (None: not known, when the
    target's own tags cannot settle `allowed_monitor_tags`; that is then a breach too)."""
    found = []
    if rules.max_duration is not None and over(definition, rules.max_duration, now):
        limit = _span(rules.max_duration)
        words = f"{_length_words(definition, now)}; a window may last at most {limit}."
        found.append(Breach(MAX_DURATION, "schedule", words))
    pattern = rules.message_pattern
    if pattern and not re.search(pattern, definition.message or ""):
        found.append(Breach(MESSAGE, "message", rules.message_words()))
    if rules.allowed_monitor_tags:
        outside = _outside(definition, rules.allowed_monitor_tags, monitors)
        if outside:
            allowed = _or(rules.allowed_monitor_tags)
            words = f"You may mute only monitors tagged {allowed}; {outside}."
            found.append(Breach(MONITORS, "target", words))
    return tuple(found)


def _outside(
    definition: Definition, allowed: tuple[str, ...], monitors: Sequence[Monitor] | None
) -> str:
    """The targeted monitors outside `allowed`, in words; "" when there are none."""
    identifier = definition.monitor_identifier
    if identifier.everything:
        return "this mutes every monitor"
    if identifier.monitor_id is None and set(identifier.monitor_tags) & set(allowed):
        return ""
    if monitors is None:
        return "the monitors it targets could not be read from Datadog to check"
    if identifier.monitor_id is not None and not monitors:
        return f"monitor {identifier.monitor_id} is not one this dashboard knows"
    others = [m for m in monitors if not set(m.tags) & set(allowed)]
    if not others:
        return ""
    named = ", ".join(f"“{m.name}” ({m.id})" for m in others[:NAMED_AT_MOST])
    more = f" and {len(others) - NAMED_AT_MOST} more" if len(others) > NAMED_AT_MOST else ""
    return f"not {named}{more}"


def needs(definition: Definition, rules: Rules, now: datetime) -> tuple[Need, ...]:
    """The approvals it waits for."""
    found = []
    for need in rules.approval_for:
        if need.kind == EVERY_MONITOR:
            hit = definition.monitor_identifier.everything
        elif need.kind == WILDCARD_SCOPE:
            hit = every_group(definition.scope)
        else:
            assert need.longer is not None
            hit = over(definition, need.longer, now)
        if hit:
            found.append(need)
    return tuple(found)


def _not_longer(definition: Definition, before: Definition, now: datetime) -> bool:
    """Whether its longest window is no longer than it was (no end: longer than any)."""
    after, was = longest(definition, now), longest(before, now)
    return was is None or (after is not None and after <= was)


def judge(
    definition: Definition,
    rules: Rules,
    now: datetime,
    *,
    monitors: Sequence[Monitor] | None = None,
    changed: Sequence[str] | None = None,
    before: Definition | None = None,
) -> Verdict:
    """Refused, waiting for approval, or clear. `changed`: for an edit, the attributes it
    changes; a rule that reads none of them is not asked (an edit of the message of a downtime
    made before the policy does not answer for its length). `before`: the downtime an edit
    changes; an edit that makes no window longer answers to no rule of length (giving a
    forgotten mute an end, or shortening one, is what the attention view asks for)."""
    shorter = before is not None and _not_longer(definition, before, now)

    def asked(rule: str) -> bool:
        if shorter and rule in (MAX_DURATION, LONGER_THAN):
            return False
        return changed is None or bool(set(READS[rule]) & set(changed))

    found = tuple(b for b in breaches(definition, rules, now, monitors) if asked(b.rule))
    waits = tuple(n for n in needs(definition, rules, now) if asked(n.kind))
    return Verdict(found, () if found else waits)


# --- words -------------------------------------------------------------------------------------


def _span(delta: timedelta) -> str:
    """`1 day`, `25 hours`, `90 minutes` when one unit says it; else the two largest parts,
    `23 days 2 hours`."""
    exact = schedules.duration_from_delta(delta)
    if exact.unit in ("d", "w") or exact.amount < 100:
        return exact.words()
    minutes = round(delta.total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    parts = [(days, "day"), (rest // 60, "hour"), (rest % 60, "minute")]
    said = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
    return " ".join(said[:2])


def _or(items: Sequence[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]
