"""Which downtimes need someone's attention, and why, in words: pure functions of the cached
copies and "now".

Every tool mutes; none finds the mutes nobody remembers. These rules do, each with the action
that fits it:

- **no end**: a one-time window with no end, muting for longer than `stale_days` (end it);
- **mutes nothing**: its monitor no longer exists, its scope matches none of the groups its
  monitor reports, or no monitor carries its tags (cancel it);
- **too wide**: it mutes every monitor (`*` tags) or every group (`*` scope) for longer than a
  day (narrow it: edit);
- **will notify**: it ends within the hour while a monitor it mutes is in a state its end
  notifies for (extend it);
- **no window left**: a recurring series whose last window has passed (cancel it);
- **duplicate**: another live downtime mutes the same monitors over a scope that covers this
  one's, at the same time (cancel one);
- **against the policy**: it breaks a rule the policy (`policy.rules`) would have refused for
  every editor, however it was made: in Datadog, by Terraform, or before the policy (edit it).
  The same function, with the same words, that refuses it in the form.

What the monitor copy says is needed for two of them; without it those two are not judged
rather than guessed. The rules look at the copy's own fields (Datadog's `current_downtime`), so
a review of ten thousand downtimes expands no schedule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from downtimes_app.core import planning, presenters
from downtimes_app.core.domain import (
    ACTIVE,
    CANCELED,
    ENDED,
    SCHEDULED,
    Downtime,
    Monitor,
    OneTimeSchedule,
    Window,
)
from downtimes_app.core.status import live_status
from downtimes_app.muting.groups import Groups
from downtimes_app.muting.mutes import Aftermath
from downtimes_app.policy import rules as policy_rules

WIDE = timedelta(days=1)
_FAR = datetime.max.replace(tzinfo=UTC)
ENDING_SOON = timedelta(hours=1)

# The action that fits each rule, and the order rows are shown in (most urgent first).
WILL_NOTIFY, MUTES_NOTHING, NO_END, AGAINST_POLICY, TOO_WIDE, DUPLICATE, NO_WINDOW = (
    "will-notify",
    "mutes-nothing",
    "no-end",
    "against-policy",
    "too-wide",
    "duplicate",
    "no-window",
)
URGENCY = (WILL_NOTIFY, MUTES_NOTHING, NO_END, AGAINST_POLICY, TOO_WIDE, DUPLICATE, NO_WINDOW)
Targets = Callable[[Downtime], Sequence[Monitor] | None]
ACTIONS = {
    AGAINST_POLICY: "edit",
    WILL_NOTIFY: "extend",
    MUTES_NOTHING: "cancel",
    NO_END: "end",
    TOO_WIDE: "edit",
    DUPLICATE: "cancel",
    NO_WINDOW: "cancel",
}


@dataclass(frozen=True)
class Concern:
    rule: str
    words: str
    other: Downtime | None = None  # the downtime a duplicate repeats

    @property
    def action(self) -> str:
        return ACTIONS[self.rule]


@dataclass(frozen=True)
class Item:
    downtime: Downtime
    concerns: tuple[Concern, ...]

    @property
    def rank(self) -> int:
        return min(URGENCY.index(c.rule) for c in self.concerns)

    @property
    def actions(self) -> tuple[str, ...]:
        """The fitting actions, most urgent first, each once."""
        return tuple(dict.fromkeys(c.action for c in self.concerns))


def _live(downtime: Downtime, now: datetime) -> str:
    """Its status by the clock, unless Datadog already said it is over."""
    if downtime.status in (CANCELED, ENDED):
        return downtime.status
    return live_status(downtime, now)


def _everything(downtime: Downtime) -> bool:
    return downtime.monitor_id is None and downtime.monitor_tags in ((), ("*",))


def no_end(downtime: Downtime, now: datetime, stale_days: int) -> Concern | None:
    schedule = downtime.schedule
    window = downtime.window
    if not isinstance(schedule, OneTimeSchedule) or schedule.end is not None or window is None:
        return None
    running = now - window.start
    if _live(downtime, now) != ACTIVE or running <= timedelta(days=stale_days):
        return None
    words = (
        f"No end: it has muted for {presenters.span(running)}, longer than {stale_days} days, "
        "and will go on until someone ends it."
    )
    return Concern(NO_END, words)


def mutes_nothing(downtime: Downtime, now: datetime, monitors: Groups) -> Concern | None:
    if _live(downtime, now) not in (ACTIVE, SCHEDULED):
        return None
    if downtime.monitor_id is not None:
        if downtime.monitor_id not in monitors.monitor_ids:
            words = f"Mutes nothing: monitor {downtime.monitor_id} no longer exists."
            return Concern(MUTES_NOTHING, words)
        if monitors.misses(downtime):
            words = (
                f"Mutes nothing: its scope {downtime.scope} matches none of the groups "
                f"monitor {downtime.monitor_id} reports."
            )
            return Concern(MUTES_NOTHING, words)
        return None
    if _everything(downtime) or monitors.carrying(downtime.monitor_tags):
        return None
    tags = ", ".join(downtime.monitor_tags)
    return Concern(MUTES_NOTHING, f"Mutes nothing: no monitor carries {tags}.")


def against_policy(
    downtime: Downtime, now: datetime, policy: policy_rules.Rules, targets_of: Targets | None
) -> Concern | None:
    """The policy's refusals for every editor, applied to a downtime that exists. Which
    monitors a downtime targets is judged only with the monitor copy, never guessed."""
    if policy.empty or _live(downtime, now) not in (ACTIVE, SCHEDULED):
        return None
    targets = None
    if policy.allowed_monitor_tags and targets_of is not None:
        targets = targets_of(downtime)
    found = [
        b
        for b in policy_rules.breaches(downtime.definition, policy, now, targets)
        if b.rule != policy_rules.MONITORS or targets is not None or _everything(downtime)
    ]
    if not found:
        return None
    return Concern(AGAINST_POLICY, "Against the policy: " + " ".join(b.words for b in found))


def too_wide(downtime: Downtime, now: datetime) -> Concern | None:
    everything, every_group = _everything(downtime), downtime.scope.strip() in ("", "*")
    window = downtime.window
    if not (everything or every_group) or window is None:
        return None
    if _live(downtime, now) not in (ACTIVE, SCHEDULED):
        return None
    if window.end is not None and window.end - window.start <= WIDE:
        return None
    what = "every monitor" if everything else "every group of its monitors"
    if everything and every_group:
        what = "every monitor, every group"
    length = "with no end"
    if window.end is not None:
        length = f"for {presenters.span(window.end - window.start)}"
    return Concern(TOO_WIDE, f"Mutes {what} {length}: a real outage anywhere would stay quiet.")


def will_notify(
    downtime: Downtime, now: datetime, aftermath_of: Callable[[Downtime], Aftermath | None]
) -> Concern | None:
    window = downtime.window
    if window is None or window.end is None or _live(downtime, now) != ACTIVE:
        return None
    if not now < window.end <= now + ENDING_SOON:
        return None
    after = aftermath_of(downtime)  # None: surely nothing would notify
    if after is None or not after.would_notify:
        return None
    words = f"Ends in {presenters.span(window.end - now)}. {after.sentence}"
    return Concern(WILL_NOTIFY, words)


def no_window_left(downtime: Downtime, now: datetime) -> Concern | None:
    if not downtime.is_recurring or downtime.status in (CANCELED, ENDED):
        return None
    window = downtime.window
    if window is not None and (window.end is None or window.end > now):
        return None
    if window is None:
        words = "Recurring, but its rules give no window at all: it will never mute anything."
    else:
        words = "Recurring, but its last window has passed: it will never mute anything again."
    return Concern(NO_WINDOW, words)


def _overlap(a: Window | None, b: Window | None) -> bool:
    if a is None or b is None:
        return False
    return (a.end is None or b.start < a.end) and (b.end is None or a.start < b.end)


def _made(downtime: Downtime) -> tuple[datetime, str]:
    return (downtime.created or _FAR, downtime.id)


@dataclass(frozen=True)
class _Seen:
    """A live downtime as the duplicate rule compares it: worked out once, not once a pair."""

    downtime: Downtime
    window: Window | None
    target: planning.Target

    def repeats(self, earlier: _Seen) -> bool:
        """Whether this repeats `earlier`: `earlier` mutes all this does, at the same time, and
        is the wider of the two, or as wide and made first."""
        mine, theirs = self.downtime, earlier.downtime
        if not _overlap(self.window, earlier.window):
            return False
        if not planning.covers(theirs, self.target, mine.scope):
            return False
        wider = not planning.covers(mine, earlier.target, theirs.scope)
        return wider or _made(theirs) < _made(mine)


class Kept:
    """What one review worked out, record by record, for the next review at the same minute
    over the same monitors. A write changes a few records of thousands, and the copy it makes
    keeps every other record as the same object, so the next review works out only the changed
    ones and their duplicate groups. Entries hold their records, so an identity is never reused
    while it is kept; a review keeps only what it used."""

    def __init__(self) -> None:
        self._old: dict[tuple, tuple] = {}
        self._new: dict[tuple, tuple] = {}

    def get(self, kind: str, record: Any, make: Callable[[], Any], key: Any = None) -> Any:
        """`make()`, or what it gave for this record (the same object, or equal members)."""
        slot = (kind, id(record) if key is None else key)
        found = self._old.get(slot)
        if found is None or not (found[0] is record or found[0] == record):
            found = (record, make())
        self._new[slot] = found
        return found[1]

    def finish(self) -> None:
        self._old, self._new = self._new, {}


def _seen(downtime: Downtime, now: datetime) -> _Seen | None:
    if _live(downtime, now) not in (ACTIVE, SCHEDULED):
        return None
    return _Seen(downtime, downtime.window, planning.target_of(downtime))


def _repeated(group: list[_Seen]) -> dict[str, Concern]:
    group.sort(key=lambda seen: _made(seen.downtime))
    found: dict[str, Concern] = {}
    for later in group:
        other = next((e for e in group if e is not later and later.repeats(e)), None)
        if other is not None:
            scope = other.downtime.scope or "*"
            words = f"Duplicate: another downtime already mutes the same over {scope}."
            found[later.downtime.id] = Concern(DUPLICATE, words, other=other.downtime)
    return found


def duplicates(
    downtimes: Sequence[Downtime], now: datetime, kept: Kept | None = None
) -> dict[str, Concern]:
    """For each downtime another one repeats (the same monitors over a scope the other covers,
    at the same time), the concern: the narrower one is named, or of two alike the later."""
    kept = kept or Kept()
    groups: dict[tuple, list[_Seen]] = defaultdict(list)
    for downtime in downtimes:
        seen = kept.get("seen", downtime, partial(_seen, downtime, now))
        if seen is not None:
            groups[(seen.target.monitor_id, tuple(sorted(seen.target.tags)))].append(seen)
    found: dict[str, Concern] = {}
    for group in groups.values():
        if len(group) > 1:
            members = tuple(seen.downtime for seen in group)
            key = tuple(id(member) for member in members)
            found.update(kept.get("group", members, partial(_repeated, group), key=key))
    return found


@dataclass(frozen=True)
class Policy:
    """The policy's rules for every editor, and the monitors a downtime targets (None: no
    monitor copy), for the rule that a downtime breaks the policy."""

    rules: policy_rules.Rules
    targets_of: Targets | None = None


def _alone(
    downtime: Downtime,
    now: datetime,
    stale_days: int,
    monitors: Groups | None,
    policy: Policy | None = None,
) -> tuple[list[Concern], bool]:
    """The rules that look at one downtime (and the monitors) only, and whether it ends within
    the hour (whether that end would notify depends on the others: asked every review)."""
    found = [no_end(downtime, now, stale_days), too_wide(downtime, now)]
    if policy is not None:
        found.append(against_policy(downtime, now, policy.rules, policy.targets_of))
    found.append(no_window_left(downtime, now))
    if monitors is not None:
        found.append(mutes_nothing(downtime, now, monitors))
    window = downtime.window
    soon = window is not None and window.end is not None and now < window.end <= now + ENDING_SOON
    return [c for c in found if c is not None], soon


def review(
    downtimes: Sequence[Downtime],
    now: datetime,
    *,
    stale_days: int,
    monitors: Groups | None,
    aftermath_of: Callable[[Downtime], Aftermath | None] | None,
    kept: Kept | None = None,
    policy: Policy | None = None,
) -> list[Item]:
    """Every downtime that needs attention, most urgent first, each with all its reasons.

    `kept`: what the last review at this minute, with these stale days and monitors, worked
    out (it is updated to this one's)."""
    kept = kept or Kept()
    repeats = duplicates(downtimes, now, kept)
    items = []
    for downtime in downtimes:
        made = partial(_alone, downtime, now, stale_days, monitors, policy)
        alone, soon = kept.get("alone", downtime, made)
        found = [*alone, repeats.get(downtime.id)]
        if soon and aftermath_of is not None:
            found.append(will_notify(downtime, now, aftermath_of))  # the others' states too
        if len(found) == 1 and found[0] is None:
            continue
        concerns = sorted((c for c in found if c is not None), key=lambda c: URGENCY.index(c.rule))
        if concerns:
            items.append(Item(downtime, tuple(concerns)))
    kept.finish()
    items.sort(key=lambda item: (item.rank, _end(item.downtime)))
    return items


def _end(downtime: Downtime) -> datetime:
    window = downtime.window
    return window.end if window is not None and window.end is not None else _FAR
