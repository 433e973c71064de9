"""Which windows mute the same monitors at the same time.

Two downtimes mute the same monitors when one already covers the other: its target takes in
the other's monitors and its scope the other's groups (`planning.covers`, the rule the form's
"already covered" warning uses). That is what can be decided from the downtimes alone; two
scopes on different keys (`env:prod`, `service:db`) may meet on some group, but saying so would
need every monitor's groups, and would mark nearly every bar.

Overlaps are found for the windows a page shows, against every window in the span: a page
asks about a few dozen downtimes, and comparing every window with every other one at 10,000
downtimes takes seconds. Whether two downtimes mute the same monitors depends only on their
targets and scopes, so it is remembered by that pair (`Pairs`) for the life of the snapshot.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from downtimes_app.calendar.timeline import Occurrence
from downtimes_app.core.domain import Downtime
from downtimes_app.core.planning import Target, covers, target_of

_NEVER = datetime.max.replace(tzinfo=UTC)


def mute_same(a: Downtime, b: Downtime) -> bool:
    """Whether one of two downtimes mutes every monitor and group the other does."""
    return covers(a, target_of(b), b.scope) or covers(b, target_of(a), a.scope)


class Pairs:
    """`mute_same` remembered by (target, scope) pairs: many downtimes share both."""

    def __init__(self, downtimes: Sequence[Downtime]) -> None:
        self.downtimes = downtimes
        self._kinds: dict[int, tuple[Target, str]] = {}
        self._answers: dict[tuple, bool] = {}

    def kind(self, position: int) -> tuple[Target, str]:
        found = self._kinds.get(position)
        if found is None:
            downtime = self.downtimes[position]
            found = self._kinds[position] = (target_of(downtime), downtime.scope)
        return found

    def same(self, a: int, b: int) -> bool:
        ka, kb = self.kind(a), self.kind(b)
        key = (ka, kb) if hash(ka) <= hash(kb) else (kb, ka)
        answer = self._answers.get(key)
        if answer is None:
            da, db = self.downtimes[a], self.downtimes[b]
            answer = covers(da, kb[0], kb[1]) or covers(db, ka[0], ka[1])
            if len(self._answers) > 500_000:
                self._answers.clear()
            self._answers[key] = answer
        return answer


def _meets(one: Occurrence, starts: list[datetime], others: tuple[Occurrence, ...]) -> bool:
    """Whether `one` meets any of `others` (in start order, `starts` their starts) in time."""
    end = one.end or _NEVER
    # Candidates start before `one` ends; the latest-ending of them decides, so look back.
    last = bisect.bisect_left(starts, end)
    for other in reversed(others[:last]):
        if not other.canceled and (other.end or _NEVER) > one.start:
            return True
    return False


def find(
    shown: Iterable[int],
    windows: dict[int, tuple[Occurrence, ...]],
    pairs: Pairs,
) -> dict[tuple[int, int], frozenset[int]]:
    """For each window of the `shown` downtimes that meets another downtime's window muting the
    same monitors, keyed (position, index of the window): the positions of those downtimes.
    Canceled windows mute nothing and take no part."""
    found: dict[tuple[int, int], set[int]] = {}
    starts: dict[int, list[datetime]] = {}
    for position in shown:
        mine = windows.get(position, ())
        if all(o.canceled for o in mine):
            continue
        for other, theirs in windows.items():
            if other == position or not pairs.same(position, other):
                continue
            their_starts = starts.get(other)
            if their_starts is None:
                their_starts = starts[other] = [o.start for o in theirs]
            for i, occurrence in enumerate(mine):
                if not occurrence.canceled and _meets(occurrence, their_starts, theirs):
                    found.setdefault((position, i), set()).add(other)
    return {key: frozenset(value) for key, value in found.items()}
