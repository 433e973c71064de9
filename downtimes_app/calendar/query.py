"""The calendar's state in its URL: which days, how rows are grouped, and the list's filters.

A calendar view is its query string, as a list view is, so a pasted link shows the same days
and rows. The filters (search, creator, monitor, kind) and the zone are the list's own
(`listing.ListQuery`), read by the same code under the same names, so a link moves between the
list and the calendar keeping them. `CalendarQuery.from_params` never fails: a bad value falls
back to its default with a notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from downtimes_app.core import parsing
from downtimes_app.downtimes import listing
from downtimes_app.web.query import Query, Reader

DAY, WEEK, MONTH = "day", "week", "30d"
SPANS = {DAY: ("Day", 1), WEEK: ("Week", 7), MONTH: ("30 days", 30)}
BY_DOWNTIME, BY_SCOPE, BY_TAG, BY_CREATOR = "downtime", "scope", "tag", "creator"
GROUPS = {
    BY_DOWNTIME: "One row per downtime",
    BY_SCOPE: "By scope term",
    BY_TAG: "By monitor tag",
    BY_CREATOR: "By creator",
}
DEFAULT_TAG = "team"
MAX_TAG_KEY = 100
FILTERS = listing.FILTERS


@dataclass(frozen=True)
class CalendarQuery(Query):
    span: str = WEEK
    day: date | None = None  # the first day shown, in the viewer's zone; None: today
    group: str = BY_DOWNTIME
    tag: str = DEFAULT_TAG  # the tag key rows are grouped by (`team` for `team:db`)
    page: int = 1
    filters: listing.ListQuery = field(default_factory=listing.ListQuery)

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> tuple[CalendarQuery, list[str]]:
        shared = {name: params[name] for name in FILTERS if name in params}
        filters, notices = listing.ListQuery.from_params(shared)
        values: dict[str, object] = {"filters": filters}
        read = Reader(params)
        read.notices = notices
        text = read.text

        span = text("span")
        if span and span not in SPANS:
            notices.append(f"There is no {span[:40]!r} view; showing a week.")
        elif span:
            values["span"] = span
        day = text("date")
        if day:
            try:
                values["day"] = parsing.check_year(datetime.strptime(day[:20], "%Y-%m-%d")).date()
            except ValueError:
                notices.append(f"{day[:40]!r} is not a date like 2026-11-17; showing today.")
        group = text("group")
        if group and group not in GROUPS:
            notices.append(f"Cannot group by {group[:40]!r}; showing one row per downtime.")
        elif group:
            values["group"] = group
        tag = text("tag").rstrip(":").lower()
        if tag:
            values["tag"] = tag[:MAX_TAG_KEY]
        values["page"] = read.page() or 1
        return cls(**values), notices  # type: ignore[arg-type]

    @property
    def days(self) -> int:
        return SPANS[self.span][1]

    @property
    def filtered(self) -> bool:
        f = self.filters
        return bool(f.q or f.creator or f.monitor or f.kind)

    def first_day(self, today: date) -> date:
        return self.day or today

    def params(self, **changes: object) -> dict[str, str]:
        """The query string values that differ from the defaults, after `changes`."""
        filter_changes = {k: changes.pop(k) for k in FILTERS if k in changes}
        query = replace(self, **changes)  # type: ignore[arg-type]
        out = listing.ListQuery.params(query.filters, **filter_changes)
        if query.span != WEEK:
            out["span"] = query.span
        if query.day is not None:
            out["date"] = query.day.isoformat()
        if query.group != BY_DOWNTIME:
            out["group"] = query.group
        if query.group == BY_TAG and query.tag != DEFAULT_TAG:
            out["tag"] = query.tag
        if query.page != 1:
            out["page"] = str(query.page)
        return out

    def moved(self, path: str, today: date, steps: int) -> str:
        """The view `steps` spans later (earlier when negative)."""
        day = self.first_day(today) + timedelta(days=self.days * steps)
        return self.url(path, day=day)

    def list_url(self, path: str) -> str:
        """The list with the same filters and zone."""
        return self.filters.filters_only().url(path)


def today_in(zone: ZoneInfo, now: datetime) -> date:
    return now.astimezone(zone).date()
