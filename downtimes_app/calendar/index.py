"""The calendar's work per snapshot of the downtime set, done once and reused.

Each downtime's recurrences, its windows in a span, the rows of a grouping and the overlaps of
a page depend only on the snapshot (and the span, grouping, filters or page), so they are kept
until the next refresh, as `listing.Index` keeps the list's. A warm calendar page then costs
about what its own rows cost to render, at 10,000 downtimes as at 100. A version that only lays
the dashboard's own writes over the last one works out the windows of those downtimes only.

Statuses (active, scheduled, ...) depend on "now" and are not kept: they are worked out for the
bars shown.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime

from downtimes_app.calendar import overlaps, rows, timeline
from downtimes_app.core import schedules
from downtimes_app.core.domain import Downtime

# Spans, groupings and pages kept per snapshot: enough for people paging back and forth.
_KEPT = 16

Windows = dict[int, tuple[timeline.Occurrence, ...]]
Rows = list[tuple[rows.RowKey, tuple[int, ...]]]


def _keep(kept: OrderedDict, key: Hashable, value: object) -> None:
    kept[key] = value
    kept.move_to_end(key)
    while len(kept) > _KEPT:
        kept.popitem(last=False)


class CalendarIndex:
    def __init__(self, downtimes: Sequence[Downtime]) -> None:
        self.downtimes = downtimes
        self._specs: dict[int, list[schedules.RecurrenceSpec]] = {}
        self._windows: OrderedDict[tuple, Windows] = OrderedDict()
        self._rows: OrderedDict[tuple, Rows] = OrderedDict()
        self._overlaps: OrderedDict[tuple, dict] = OrderedDict()
        self.pairs = overlaps.Pairs(downtimes)

    def patched(self, downtimes: Sequence[Downtime]) -> CalendarIndex:
        """The index of `downtimes`: these, with a few replaced in place or added at the end (the
        dashboard's own writes laid over the copy). Only those are worked out again."""
        old = self.downtimes
        if len(downtimes) < len(old):
            return CalendarIndex(downtimes)
        changed = [i for i in range(len(old)) if downtimes[i] is not old[i]]
        changed += range(len(old), len(downtimes))
        if len(changed) > max(64, len(downtimes) // 10):
            return CalendarIndex(downtimes)
        index = CalendarIndex(downtimes)
        again = set(changed)
        index._specs = {p: s for p, s in self._specs.items() if p not in again}
        for key, windows in self._windows.items():
            windows = {p: found for p, found in windows.items() if p not in again}
            for position in changed:
                found = index._occurrences(position, *key)
                if found:
                    windows[position] = found
            index._windows[key] = windows
        return index

    def specs(self, position: int) -> list[schedules.RecurrenceSpec]:
        found = self._specs.get(position)
        if found is None:
            found = self._specs[position] = timeline.specs_of(self.downtimes[position])
        return found

    def _occurrences(
        self, position: int, start: datetime, end: datetime
    ) -> tuple[timeline.Occurrence, ...]:
        downtime = self.downtimes[position]
        return timeline.occurrences(downtime, self.specs(position), start, end)

    def windows(self, span: timeline.Span) -> Windows:
        """Every downtime's windows in the span, by position (only those that have some)."""
        found = self._windows.get(span.key)
        if found is None:
            found = {}
            for position in range(len(self.downtimes)):
                occurrences = self._occurrences(position, *span.key)
                if occurrences:
                    found[position] = occurrences
            _keep(self._windows, span.key, found)
        return found

    def rows(
        self,
        span: timeline.Span,
        positions: Iterable[int],
        filters: Hashable,
        group: str,
        tag: str,
    ) -> Rows:
        """The rows of a grouping over the positions that `filters` (anything hashable that
        tells filters apart) leave, in order."""
        key = (span.key, filters, group, tag)
        found = self._rows.get(key)
        if found is None:
            found = rows.order_rows(self.downtimes, self.windows(span), positions, group, tag)
            _keep(self._rows, key, found)
        return found

    def overlaps(
        self, span: timeline.Span, shown: Iterable[int]
    ) -> dict[tuple[int, int], frozenset[int]]:
        """The overlaps of the windows of the `shown` downtimes (`overlaps.find`)."""
        shown = tuple(shown)
        key = (span.key, shown)
        found = self._overlaps.get(key)
        if found is None:
            found = overlaps.find(shown, self.windows(span), self.pairs)
            _keep(self._overlaps, key, found)
        return found
