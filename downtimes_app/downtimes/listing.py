"""The list page's state and the work it asks of the cached set: filter, count, sort, page.

Everything a view of the list shows is in its query string, so a pasted link reproduces it.
`ListQuery.from_params` never fails: a bad value falls back to its default and leaves a notice
saying so. The functions here are pure; the view passes in the downtimes and "now".
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

from downtimes_app.core import search
from downtimes_app.core.domain import ACTIVE, CANCELED, ENDED, SCHEDULED, Downtime
from downtimes_app.web.query import Query, Reader, page_of

ALL = "all"
TABS = (ACTIVE, SCHEDULED, ENDED, CANCELED, ALL)
TAB_LABELS = {
    ACTIVE: "Active",
    SCHEDULED: "Scheduled",
    ENDED: "Ended",
    CANCELED: "Canceled",
    ALL: "All",
}
KINDS = {"": "One-time and recurring", "one-time": "One-time", "recurring": "Recurring"}
SORTS = {
    "": "Best for the tab",
    "start": "Start, earliest first",
    "-start": "Start, latest first",
    "end": "End, soonest first",
    "-end": "End, latest first",
    "created": "Created, oldest first",
    "-created": "Created, newest first",
}
PAGE_SIZES = (25, 50, 100)
MAX_SEARCH = 200
ME = "me"
# The list's parameters the calendar shares (and keeps when a link moves between the two).
FILTERS = ("q", "creator", "monitor", "kind", "tz")
# What a phone folds behind "Filters (n)": every filter but the search, and the zone.
FOLDED = ("creator", "monitor", "kind", "sort", "per_page", "tz")


@dataclass(frozen=True)
class ListQuery(Query):
    status: str = ACTIVE
    q: str = ""
    creator: str = ""  # a Datadog user id, or "me": downtimes the viewer created here
    monitor: str = ""  # a monitor id
    kind: str = ""
    sort: str = ""
    page: int = 1
    per_page: int = PAGE_SIZES[0]
    tz: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> tuple[ListQuery, list[str]]:
        read = Reader(params)
        values: dict[str, object] = {}
        status = read.text("status").lower()
        if status and status not in TABS:
            read.notices.append(f"There is no {status[:40]!r} tab; showing Active downtimes.")
        elif status:
            values["status"] = status
        q = read.text("q")
        if len(q) > MAX_SEARCH:
            read.notices.append(f"The search was cut to its first {MAX_SEARCH} characters.")
            q = q[:MAX_SEARCH]
        values["q"] = q
        values["creator"] = read.text("creator", 100)
        values["monitor"] = read.monitor()
        kind = read.text("kind")
        if kind not in KINDS:
            read.notices.append(f"Unknown kind {kind[:40]!r}; showing one-time and recurring.")
        else:
            values["kind"] = kind
        sort = read.text("sort")
        if sort not in SORTS:
            read.notices.append(f"Cannot sort by {sort[:40]!r}; using the tab's usual order.")
        else:
            values["sort"] = sort
        values["per_page"] = read.page_size(PAGE_SIZES) or PAGE_SIZES[0]
        values["page"] = read.page() or 1
        values["tz"] = read.zone() or ""
        return cls(**values), read.notices  # type: ignore[arg-type]

    def filters_only(self) -> ListQuery:
        """Only the filters and zone: what carries over to the calendar and back."""
        return ListQuery(**{name: getattr(self, name) for name in FILTERS})

    @property
    def folded_set(self) -> int:
        """How many of the filters a phone folds behind "Filters (n)" are not as they start
        (everything but the search and the tab)."""
        start = ListQuery()
        return sum(getattr(self, name) != getattr(start, name) for name in FOLDED)


# --- searching ------------------------------------------------------------------------------


class Index:
    """Work done once per snapshot, so a page view costs little more than its own rows.

    Search text, status counts, the sorted order of each tab and the filter choices are all
    derived from the snapshot alone, so they are computed the first time they are asked for and
    reused until the next refresh.
    """

    def __init__(self, downtimes: Sequence[Downtime]) -> None:
        self.downtimes = downtimes
        self.statuses = [d.status for d in downtimes]
        self.counts = Counter(self.statuses)
        self._texts: list[str] | None = None
        self._keys: dict[str, list] = {}
        self._orders: dict[tuple[str, str], list[int]] = {}
        # Recent searches, so paging through one does not scan the whole set again.
        self._searches: dict[tuple, list[int]] = {}

    def patched(self, downtimes: Sequence[Downtime]) -> Index:
        """The index of `downtimes`: these, with a few replaced in place or added at the end (the
        dashboard's own writes laid over the copy). Only those are worked out again."""
        old = self.downtimes
        if len(downtimes) < len(old):
            return Index(downtimes)
        changed = [i for i in range(len(old)) if downtimes[i] is not old[i]]
        changed += range(len(old), len(downtimes))
        if len(changed) > max(64, len(downtimes) // 10):
            return Index(downtimes)
        index = Index(())
        index.downtimes = downtimes
        grow = [None] * (len(downtimes) - len(old))
        index.statuses = [*self.statuses, *grow]
        index._texts = [*self._texts, *grow] if self._texts is not None else None
        index._keys = {name: [*keys, *grow] for name, keys in self._keys.items()}
        for i in changed:
            downtime = downtimes[i]
            index.statuses[i] = downtime.status
            if index._texts is not None:
                index._texts[i] = search.haystack(downtime)
            for name, keys in index._keys.items():
                keys[i] = _sort_key(name)(downtime)
        index.counts = Counter(index.statuses)
        moved = set(changed)
        for (status, sort), order in self._orders.items():
            kept = [i for i in order if i not in moved]
            keys = index.keys(sort)
            for i in changed:
                if status in (ALL, index.statuses[i]):
                    _insert(kept, i, keys, descending=sort.startswith("-"))
            index._orders[(status, sort)] = kept
        same = all(i >= len(old) or _same_choices(old[i], downtimes[i]) for i in changed)
        for name in ("creators", "monitors"):
            if (
                same
                and name in self.__dict__
                and all(_offered(name, downtimes[i], self.__dict__[name]) for i in changed)
            ):
                index.__dict__[name] = self.__dict__[name]
        return index

    @property
    def texts(self) -> list[str]:
        if self._texts is None:
            self._texts = [search.haystack(d) for d in self.downtimes]
        return self._texts

    def keys(self, sort: str) -> list:
        field_name = sort.lstrip("-")
        if field_name not in self._keys:
            key = _sort_key(field_name)
            self._keys[field_name] = [key(d) for d in self.downtimes]
        return self._keys[field_name]

    def order(self, positions: Iterable[int], sort: str) -> list[int]:
        keys = self.keys(sort)
        return sorted(positions, key=keys.__getitem__, reverse=sort.startswith("-"))

    def tab_order(self, status: str, sort: str) -> list[int]:
        """Positions in one tab (or all), sorted; cached, as every unfiltered view needs one."""
        cached = self._orders.get((status, sort))
        if cached is None:
            positions = range(len(self.downtimes))
            if status != ALL:
                positions = [i for i in positions if self.statuses[i] == status]
            cached = self._orders[(status, sort)] = self.order(positions, sort)
        return cached

    def search(self, query: ListQuery, mine: Iterable[str], *, public: bool = False) -> list[int]:
        """Positions matching the query's filters; `public`: as an anonymous reader searches,
        never by a creator's address."""
        key = (query.q.lower(), query.creator, query.monitor, query.kind, frozenset(mine), public)
        found = self._searches.get(key)
        if found is None:
            found = _filter(self, query, key[-2], public)
            if len(self._searches) >= 64:
                self._searches.clear()
            self._searches[key] = found
        return found

    @cached_property
    def active_ends(self) -> list[datetime]:
        keys = self.keys("end")
        return [keys[i] for i in self.tab_order(ACTIVE, "end")]

    @cached_property
    def creators(self) -> list[tuple[str, str]]:
        found = {d.creator.id: d.creator.display_name for d in self.downtimes if d.creator}
        return sorted(found.items(), key=lambda item: item[1].lower())

    @cached_property
    def monitors(self) -> list[tuple[int, str]]:
        found = {d.monitor_id: d.monitor.name for d in self.downtimes if d.monitor}
        return sorted(found.items(), key=lambda item: item[1].lower())


def _insert(order: list[int], position: int, keys: list, *, descending: bool) -> None:
    """Put `position` where a stable sort by `keys` would have (ties in position order)."""
    key, low, high = keys[position], 0, len(order)
    while low < high:
        middle = (low + high) // 2
        other = order[middle]
        before = keys[other] > key if descending else keys[other] < key
        if before or (keys[other] == key and other < position):
            low = middle + 1
        else:
            high = middle
    order.insert(low, position)


def _same_choices(old: Downtime, new: Downtime) -> bool:
    """A write that leaves the creator and monitor filters' choices as they were."""
    return (old.creator and old.creator.id, old.monitor_id) == (
        new.creator and new.creator.id,
        new.monitor_id,
    )


def _offered(name: str, downtime: Downtime, choices: list[tuple]) -> bool:
    if name == "creators":
        wanted = (downtime.creator.id, downtime.creator.display_name) if downtime.creator else None
    else:
        wanted = (downtime.monitor_id, downtime.monitor.name) if downtime.monitor else None
    return wanted is None or wanted in choices


# --- running a query ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    rows: list[Downtime]
    counts: dict[str, int]
    total: int  # in the current tab, after filters
    page: int
    pages: int
    notices: list[str]


_FAR = datetime.max.replace(tzinfo=UTC)
_NEAR = datetime.min.replace(tzinfo=UTC)


def _sort_key(field_name: str):
    def start(d: Downtime) -> datetime:
        window = d.window
        return window.start if window else _NEAR

    def end(d: Downtime) -> datetime:
        window = d.window
        # A window that never ends sorts after every one that does.
        return window.end if window and window.end else _FAR

    def created(d: Downtime) -> datetime:
        return d.created or _NEAR

    return {"start": start, "end": end, "created": created}[field_name]


def default_sort(status: str) -> str:
    """The order that answers the tab's question first."""
    return {
        ACTIVE: "end",  # what unmutes soonest
        SCHEDULED: "start",  # what mutes next
        ENDED: "-end",  # what just ended
        CANCELED: "-created",
        ALL: "-created",
    }[status]


def run(
    downtimes: Sequence[Downtime],
    query: ListQuery,
    *,
    index: Index | None = None,
    mine: Iterable[str] = (),
    public: bool = False,
) -> Result:
    index = index if index is not None and index.downtimes is downtimes else Index(downtimes)
    sort = query.sort or default_sort(query.status)
    filtered = query.q or query.creator or query.monitor or query.kind
    if filtered:
        positions = index.search(query, mine, public=public)
        counts = Counter(index.statuses[i] for i in positions)
        tab_counts = {tab: counts.get(tab, 0) for tab in TABS if tab != ALL}
        tab_counts[ALL] = len(positions)
        if query.status != ALL:
            positions = [i for i in positions if index.statuses[i] == query.status]
        ordered = index.order(positions, sort)
    else:
        tab_counts = {tab: index.counts.get(tab, 0) for tab in TABS if tab != ALL}
        tab_counts[ALL] = len(index.downtimes)
        ordered = index.tab_order(query.status, sort)
    shown = page_of(ordered, query.page, query.per_page)
    return Result(
        rows=[index.downtimes[i] for i in shown.items],
        counts=tab_counts,
        total=shown.total,
        page=shown.page,
        pages=shown.pages,
        notices=list(shown.notices),
    )


def _filter(index: Index, query: ListQuery, mine: Iterable[str], public: bool) -> list[int]:
    terms = [t for t in query.q.lower().split() if search.PRIVATE not in t]
    texts = index.texts if terms else None
    monitor = int(query.monitor) if query.monitor else None
    my_ids = set(mine) if query.creator == ME else None
    positions = []
    for position, downtime in enumerate(index.downtimes):
        if query.kind and downtime.is_recurring != (query.kind == "recurring"):
            continue
        if monitor is not None and downtime.monitor_id != monitor:
            continue
        if my_ids is not None:
            if downtime.id not in my_ids:
                continue
        elif query.creator and downtime.creator_id != query.creator:
            continue
        if texts is not None and not search.matches(texts[position], terms, public):
            continue
        positions.append(position)
    return positions


@dataclass(frozen=True)
class Glance:
    """The answer to "what is muted right now, and what comes next?" in one line."""

    active: int
    ending_soon: int
    without_end: int
    next_up: Downtime | None


def glance(index: Index, now: datetime) -> Glance:
    # Active ones in end order (no end last): a binary search counts those ending within the hour.
    ends = index.active_ends
    upcoming = index.tab_order(SCHEDULED, "start")
    return Glance(
        active=len(ends),
        # Ends in (now, now + 1h]; a copy older than its windows may hold some already past.
        ending_soon=bisect.bisect_right(ends, now + timedelta(hours=1))
        - bisect.bisect_right(ends, now),
        without_end=len(ends) - bisect.bisect_left(ends, _FAR),
        next_up=index.downtimes[upcoming[0]] if upcoming else None,
    )
