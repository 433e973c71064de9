"""The moment page's state, all in its URL: `/history/?at=2026-11-17T03:00Z&tz=Europe/Paris&q=db`.

`MomentQuery.from_params` never fails. A time it cannot read, or one in the future, becomes now
with a notice; a time before the record begins is kept (it is a fair question) and the page says
what the record covers. A time without an offset is in the viewer's zone (`tz`, else theirs).
`resolve` turns the query into a moment in UTC; `permalink` names that moment exactly, so the
link reads the same in every zone and keeps working as time goes on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from downtimes_app.core import parsing, schedules, search
from downtimes_app.history.reading import Muting
from downtimes_app.web.query import Query, Reader

PAGE_SIZES = (25, 50, 100)
PLUS_AS_SPACE = re.compile(r" (\d\d:?\d\d)$")
MAX_SEARCH = 200
THROUGH = {
    "": "Made anywhere",
    "dashboard": "Made through the dashboard",
    "outside": "Made outside",
}
KINDS = {"": "One-time and recurring", "one-time": "One-time", "recurring": "Recurring"}


@dataclass(frozen=True)
class MomentQuery(Query):
    at: str = ""  # as given: `2026-11-17T03:00` (the viewer's zone) or with an offset or Z
    q: str = ""
    monitor: str = ""  # a monitor id
    kind: str = ""
    through: str = ""
    page: int = 1
    per_page: int = PAGE_SIZES[0]
    tz: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> tuple[MomentQuery, list[str]]:
        read = Reader(params)
        values: dict[str, object] = {"at": read.text("at", 64)}
        values["q"] = read.text("q", MAX_SEARCH, say_cut=True)
        values["monitor"] = read.monitor()
        for name, choices, words in (
            ("kind", KINDS, "one-time and recurring"),
            ("through", THROUGH, "downtimes made anywhere"),
        ):
            given = read.text(name)
            if given not in choices:
                read.notices.append(f"Unknown {name} {given[:40]!r}; showing {words}.")
            else:
                values[name] = given
        values["per_page"] = read.page_size(PAGE_SIZES) or PAGE_SIZES[0]
        values["page"] = read.page() or 1
        values["tz"] = read.zone() or ""
        return cls(**values), read.notices  # type: ignore[arg-type]

    @property
    def narrowing(self) -> bool:
        """Whether a filter or the search is set (else every downtime of the moment shows)."""
        return bool(self.q or self.monitor or self.kind or self.through)

    def narrow(self, mutings: list[Muting]) -> list[Muting]:
        """The downtimes of a moment its search and filters keep, as the list's would."""
        terms = [t for t in self.q.lower().split() if search.PRIVATE not in t]
        monitor = int(self.monitor) if self.monitor else None
        kept = []
        for muting in mutings:
            downtime = muting.version.downtime
            if self.kind and downtime.is_recurring != (self.kind == "recurring"):
                continue
            if monitor is not None and downtime.monitor_id != monitor:
                continue
            if self.through and muting.made_outside != (self.through == "outside"):
                continue
            if terms and not search.matches(search.haystack(downtime), terms, public=False):
                continue
            kept.append(muting)
        return kept

    def resolve(self, zone: ZoneInfo, now: datetime) -> tuple[datetime, list[str]]:
        """The moment asked about, in UTC, and what could not be used of `at`."""
        if not self.at:
            return now, []
        text = self.at[:-1] + "+00:00" if self.at[-1:] in ("Z", "z") else self.at
        # A "+" written into a link unescaped arrives as a space: `…T10:30 01:00` is `+01:00`.
        text = PLUS_AS_SPACE.sub(r"+\1", text)
        try:
            moment = parsing.date_time(text, what="a date and time")
        except parsing.Unreadable as error:
            return now, [f"{error}; showing now. Write it as 2026-11-17T03:00."]
        if moment.tzinfo is None:
            moment = schedules.to_utc(moment, zone)
        moment = moment.astimezone(UTC)
        if moment > now:
            shown = f"{moment:%Y-%m-%d %H:%M} UTC"
            return now, [
                f"{shown} has not happened yet; showing now (the calendar shows what is planned)."
            ]
        return moment, []


def permalink_at(moment: datetime) -> str:
    """A moment as the permalink writes it: UTC, to the second when it has seconds."""
    moment = moment.astimezone(UTC)
    form = "%Y-%m-%dT%H:%M:%SZ" if moment.second else "%Y-%m-%dT%H:%MZ"
    return moment.strftime(form)
