"""The timeline's rows: one per downtime, or per scope term, monitor tag or creator; the bars in
each (in lanes, so windows at the same time do not hide each other); the free slots where
"schedule here" opens the form; and the agenda, the same windows as a table.

Pure functions of records, positions in the snapshot, the span and "now".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from urllib.parse import urlencode

from downtimes_app.calendar import query as q
from downtimes_app.calendar.timeline import STEPS, Occurrence, Span, midnight
from downtimes_app.core.domain import Downtime
from downtimes_app.core.scope import ScopeError, scope_terms
from downtimes_app.web import query

ROWS_PER_PAGE = 25
MAX_LANES = 6
AGENDA_MAX = 300
ALL_MONITORS = "All monitors"
_LAST = "\uffff"  # sorts after every label


@dataclass(frozen=True, slots=True)
class RowKey:
    """A row: its label, and what "schedule here" fills in for it."""

    label: str
    kind: str  # downtime, scope, tag, creator
    position: int | None = None  # the downtime of a one-downtime row
    prefill: tuple[tuple[str, str], ...] = ()
    order: str = ""


def _target_prefill(downtime: Downtime) -> tuple[tuple[str, str], ...]:
    if downtime.monitor_id is not None:
        return (("monitor_id", str(downtime.monitor_id)),)
    return (("monitor_tags", ",".join(downtime.monitor_tags) or "*"),)


def _tags(downtime: Downtime) -> tuple[str, ...] | None:
    """The tags of what a downtime mutes; None for every monitor."""
    if downtime.monitor_id is not None:
        return downtime.monitor.tags if downtime.monitor is not None else ()
    if not downtime.monitor_tags or downtime.monitor_tags == ("*",):
        return None
    return downtime.monitor_tags


def keys_of(downtime: Downtime, position: int, group: str, tag: str) -> list[RowKey]:
    """The rows a downtime's windows go in (a scope with two terms: two rows)."""
    if group == q.BY_DOWNTIME:
        prefill = (("scope", downtime.scope), *_target_prefill(downtime))
        return [RowKey(downtime.scope, group, position, prefill)]
    if group == q.BY_SCOPE:
        try:
            terms = sorted(scope_terms(downtime.scope))
        except ScopeError:
            terms = [downtime.scope.strip() or "*"]
        return [RowKey(term, group, prefill=(("scope", term),)) for term in terms]
    if group == q.BY_TAG:
        tags = _tags(downtime)
        if tags is None:
            return [RowKey(ALL_MONITORS, group, prefill=(("monitor_tags", "*"),), order=_LAST)]
        prefix = f"{tag}:"
        found = sorted({t for t in tags if t.lower().startswith(prefix)})
        if not found:
            return [RowKey(f"No {tag}: tag", group, order=_LAST + "1")]
        return [RowKey(t, group, prefill=(("monitor_tags", t),)) for t in found]
    creator = downtime.creator
    name = creator.display_name if creator else (downtime.creator_id or "Unknown creator")
    return [RowKey(name, group)]


def order_rows(
    downtimes: Sequence[Downtime],
    windows: dict[int, tuple[Occurrence, ...]],
    positions: Iterable[int],
    group: str,
    tag: str,
) -> list[tuple[RowKey, tuple[int, ...]]]:
    """Every row with the positions of its downtimes, in the order shown: downtimes by their
    first window in the span; groups by name, catch-alls last."""
    shown = [p for p in positions if p in windows]
    if group == q.BY_DOWNTIME:
        shown.sort(key=lambda p: (windows[p][0].start, downtimes[p].id))
        return [(keys_of(downtimes[p], p, group, tag)[0], (p,)) for p in shown]
    rows: dict[RowKey, list[int]] = {}
    for position in shown:
        for key in keys_of(downtimes[position], position, group, tag):
            rows.setdefault(key, []).append(position)
    ordered = sorted(rows, key=lambda k: (k.order, k.label.lower(), k.label))
    return [(key, tuple(rows[key])) for key in ordered]


# --- laying out one page of rows ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    downtime: Downtime
    occurrence: Occurrence
    index: int  # the occurrence's index among its downtime's windows in the span
    status: str
    x: int
    w: int
    lane: int
    starts_before: bool  # it began before the span: the bar runs in from the left edge
    runs_on: bool  # it ends after the span, or never: the bar runs to the right edge
    overlaps: tuple[Downtime, ...]


@dataclass(frozen=True, slots=True)
class Slot:
    x: int
    w: int
    start: datetime  # where "schedule here" starts: the slot's start, or soon after now
    url: str


@dataclass
class Row:
    key: RowKey
    bars: list[Bar] = field(default_factory=list)
    lanes: int = 1
    hidden: int = 0  # windows that did not fit in MAX_LANES
    slots: list[Slot] = field(default_factory=list)
    schedule_url: str = ""


def _lanes(bars: list[tuple[Occurrence, int, int]]) -> tuple[list[int], int]:
    """A lane for each (occurrence, x, end step), in order; -1 where none is free."""
    ends: list[int] = []
    lanes = []
    for _, x, end in bars:
        for lane, last in enumerate(ends):
            if last <= x:
                ends[lane] = end
                lanes.append(lane)
                break
        else:
            if len(ends) < MAX_LANES:
                ends.append(end)
                lanes.append(len(ends) - 1)
            else:
                lanes.append(-1)
    return lanes, max(1, len(ends))


def _cells(span: Span) -> list[tuple[datetime, datetime]]:
    """Slots for "schedule here": each hour of a day view, else each day."""
    if span.days == 1:
        hours = []
        moment = span.start
        while moment < span.end:
            following = min(moment + timedelta(hours=1), span.end)
            hours.append((moment, following))
            moment = following
        return hours
    days = [midnight(span.first_day + timedelta(n), span.zone) for n in range(span.days + 1)]
    return list(pairwise(days))


def _soon_after(now: datetime) -> datetime:
    """The next quarter hour: where a slot that has begun offers to start."""
    moment = now.replace(second=0, microsecond=0)
    return moment + timedelta(minutes=15 - moment.minute % 15)


def schedule_url(new_path: str, key: RowKey, start: datetime, span: Span) -> str:
    local = start.astimezone(span.zone)
    params = [
        *key.prefill,
        ("start", f"{local:%Y-%m-%dT%H:%M}"),
        ("duration", "1h"),
        ("timezone", span.zone.key),
    ]
    return f"{new_path}?{urlencode(params)}"


def _slots(row: Row, span: Span, now: datetime, new_path: str) -> list[Slot]:
    taken = [(b.occurrence.start, b.occurrence.end) for b in row.bars if b.status != "canceled"]
    slots = []
    for start, end in _cells(span):
        if end <= now or any(s < end and (e is None or e > start) for s, e in taken):
            continue
        begin = max(start, _soon_after(now)) if start < now else start
        if begin >= end:
            continue
        x = span.step(start)
        slots.append(
            Slot(x, max(1, span.step(end) - x), begin, schedule_url(new_path, row.key, begin, span))
        )
    return slots


def lay_out(
    page: Sequence[tuple[RowKey, tuple[int, ...]]],
    downtimes: Sequence[Downtime],
    windows: dict[int, tuple[Occurrence, ...]],
    overlaps_for: Callable[[list[int]], dict[tuple[int, int], frozenset[int]]],
    span: Span,
    now: datetime,
    new_path: str,
) -> list[Row]:
    """The rows of one page, with their bars, lanes and free slots; overlaps are asked for the
    downtimes whose bars are shown (a row grouping thousands shows a few lanes of them)."""
    placements = []
    for key, positions in page:
        placed = sorted(
            ((o, p, i) for p in positions for i, o in enumerate(windows[p])),
            key=lambda item: item[0].start,
        )
        spots = []
        for occurrence, _, _ in placed:
            x = span.step(occurrence.start)
            end = span.step(occurrence.end) if occurrence.end is not None else STEPS
            spots.append((occurrence, x, max(end, x + 1)))
        lanes, used = _lanes(spots)
        placements.append((key, placed, spots, lanes, used))
    shown = [
        position
        for _, placed, _, lanes, _ in placements
        for (_, position, _), lane in zip(placed, lanes, strict=True)
        if lane >= 0
    ]
    overlaps = overlaps_for(list(dict.fromkeys(shown)))
    rows = []
    for key, placed, spots, lanes, used in placements:
        row = Row(key, lanes=used)
        for (occurrence, position, index), (_, x, end), lane in zip(
            placed, spots, lanes, strict=True
        ):
            if lane < 0:
                row.hidden += 1
                continue
            others = overlaps.get((position, index), frozenset())
            row.bars.append(
                Bar(
                    downtime=downtimes[position],
                    occurrence=occurrence,
                    index=index,
                    status=occurrence.status(now),
                    x=min(x, STEPS - 1),
                    w=max(1, min(end, STEPS) - min(x, STEPS - 1)),
                    lane=lane,
                    starts_before=occurrence.start < span.start,
                    runs_on=occurrence.end is None or occurrence.end > span.end,
                    overlaps=tuple(downtimes[o] for o in sorted(others)),
                )
            )
        row.slots = _slots(row, span, now, new_path)
        first = row.slots[0].start if row.slots else max(span.start, _soon_after(now))
        row.schedule_url = schedule_url(new_path, key, first, span)
        rows.append(row)
    return rows


def agenda(rows: Iterable[Row], limit: int = AGENDA_MAX) -> tuple[list[Bar], int]:
    """The windows of the rows shown, each once, in start order; and how many were left out."""
    seen: set[tuple[str, int]] = set()
    bars = []
    for row in rows:
        for bar in row.bars:
            mark = (bar.downtime.id, bar.index)
            if mark not in seen:
                seen.add(mark)
                bars.append(bar)
    bars.sort(key=lambda b: (b.occurrence.start, b.downtime.id))
    return bars[:limit], max(0, len(bars) - limit)


def page_of(
    rows: Sequence[tuple[RowKey, tuple[int, ...]]], page: int, per_page: int = ROWS_PER_PAGE
) -> tuple[Sequence[tuple[RowKey, tuple[int, ...]]], int, int]:
    """One page of rows, the page number shown (the last when asked past it), and the count."""
    shown = query.page_of(rows, page, per_page)
    return shown.items, shown.page, shown.pages


def windows_of(rows: Sequence[tuple[RowKey, tuple[int, ...]]]) -> list[int]:
    """The positions of the downtimes on these rows, each once."""
    return list(dict.fromkeys(p for _, positions in rows for p in positions))
