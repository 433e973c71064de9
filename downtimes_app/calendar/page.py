"""One calendar page, put together: the span, the rows of this page, the agenda, and words.

`build` is what the view calls. It reads only the snapshot it is given (the cached copy) and
the per-snapshot index, so a calendar view makes no upstream call.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from downtimes_app.calendar import rows as layout
from downtimes_app.calendar.index import CalendarIndex
from downtimes_app.calendar.query import SPANS, CalendarQuery, today_in
from downtimes_app.calendar.timeline import (
    STEPS,
    ClockChange,
    Span,
    Tick,
    clock_changes,
    make_span,
    ticks,
)
from downtimes_app.core.domain import Downtime
from downtimes_app.core.presenters import target

SHOWN_OVERLAPS = 3


@dataclass(frozen=True)
class Page:
    query: CalendarQuery
    span: Span
    rows: list[layout.Row]
    agenda: list[layout.Bar]
    agenda_more: int
    page: int
    pages: int
    total_rows: int
    ticks: list[Tick]
    changes: list[ClockChange]
    now_step: int | None  # where the line at now goes, when now is in the span
    title: str


def _span_title(span: Span) -> str:
    first = span.first_day
    if span.days == 1:
        return f"{first:%A} {first.day} {first:%B %Y}"
    last = first + timedelta(span.days - 1)
    head = f"{first.day} {first:%b}" + (f" {first.year}" if first.year != last.year else "")
    return f"{head} \u2013 {last.day} {last:%b %Y}"


def build(
    query: CalendarQuery,
    index: CalendarIndex,
    positions: Sequence[int],
    filters: Hashable,
    *,
    now: datetime,
    zone: ZoneInfo,
    new_path: str,
) -> Page:
    """The page for `query` over the downtimes at `positions` (the list's filters applied)."""
    span = make_span(query.first_day(today_in(zone, now)), SPANS[query.span][1], zone)
    ordered = index.rows(span, positions, filters, query.group, query.tag)
    shown, page, pages = layout.page_of(ordered, query.page)
    rows = layout.lay_out(
        shown,
        index.downtimes,
        index.windows(span),
        lambda downtimes: index.overlaps(span, downtimes),
        span,
        now,
        new_path,
    )
    agenda, more = layout.agenda(rows)
    return Page(
        query=query,
        span=span,
        rows=rows,
        agenda=agenda,
        agenda_more=more,
        page=page,
        pages=pages,
        total_rows=len(ordered),
        ticks=ticks(span),
        changes=clock_changes(span),
        now_step=span.step(now) if span.contains(now) else None,
        title=_span_title(span),
    )


# --- words --------------------------------------------------------------------------------------


def when(start: datetime, end: datetime | None, zone: ZoneInfo) -> str:
    """`Mon 16 Nov 14:00-16:00 CET` (an en dash), across days in full, or `from …, no end`."""
    local = start.astimezone(zone)
    first = f"{local:%a} {local.day} {local:%b %H:%M}"
    if end is None:
        return f"from {first} {local:%Z}, no end"
    last = end.astimezone(zone)
    if last.date() == local.date():
        return f"{first}\u2013{last:%H:%M %Z}"
    return f"{first} \u2013 {last:%a} {last.day} {last:%b %H:%M %Z}"


def names(downtimes: Sequence[Downtime]) -> str:
    """The overlapping downtimes, a few of them by scope and target."""
    said = [f"{d.scope} ({target(d)[1]})" for d in downtimes[:SHOWN_OVERLAPS]]
    more = len(downtimes) - len(said)
    return "; ".join(said) + (f"; and {more} more" if more > 0 else "")


def bar_title(bar: layout.Bar, zone: ZoneInfo) -> str:
    occurrence = bar.occurrence
    text = (
        f"{bar.downtime.scope} \u00b7 mutes {target(bar.downtime)[1]} \u00b7 "
        f"{when(occurrence.start, occurrence.end, zone)} \u00b7 {bar.status}"
    )
    if bar.overlaps:
        text += f" \u00b7 overlaps {names(bar.overlaps)}"
    return text


def step_css() -> str:
    """The stylesheet that places bars by class (static/css/calendar-steps.css is this)."""
    lines = ["/* Made by downtimes_app.calendar.page.step_css(); do not edit by hand. */"]
    for n in range(STEPS + 1):
        share = f"{n * 100 / STEPS:g}%"
        lines.append(f".x-{n}{{left:{share}}}.w-{n}{{width:{share}}}")
    return "\n".join(lines) + "\n"
