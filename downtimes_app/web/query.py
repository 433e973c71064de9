"""A page's state in its URL, read and written one way for every page, and one way to page.

Every list-like page (the downtime list, the monitors, the calendar, the attention view) keeps
what it shows in its query string, so a link shows the same thing to whoever opens it.

- `Reader`: reading never fails; a value that cannot be used becomes a notice and its default.
- `Query`: the base of the pages' query classes: `params()` writes only what differs from the
  defaults, `url()` links to the page after some changes, and a change of anything but the page
  or the zone starts again at page one.
- `page_of`: one page of a sequence (or a query set), Django's `Paginator` underneath; a page
  past the last shows the last, with a notice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.core.paginator import Paginator

from downtimes_app.core import parsing, schedules

# Past any real list's last page; a bigger number shows the last page with a notice.
MAX_PAGE = 10**6
MAX_ZONE = 100

T = TypeVar("T")


class Reader:
    """One request's parameters, read into values, with a notice for each that could not be."""

    def __init__(self, params: Mapping[str, str]) -> None:
        self.params = params
        self.notices: list[str] = []

    def text(self, name: str, limit: int | None = None, *, say_cut: bool = False) -> str:
        found = str(self.params.get(name, "") or "").strip()
        if limit is not None and len(found) > limit:
            if say_cut:
                self.notices.append(f"The {name} was cut to its first {limit} characters.")
            found = found[:limit]
        return found

    def page(self, name: str = "page") -> int | None:
        """A page number, at most MAX_PAGE; None (and a notice) when it is not one."""
        given = self.text(name)
        if not given:
            return None
        number = parsing.maybe_whole(given, low=1)
        if number is None:
            self.notices.append(
                f"Page {given[:20]!r} is not a page number; showing the first page."
            )
            return None
        return min(number, MAX_PAGE)

    def page_size(self, sizes: Sequence[int], name: str = "per_page") -> int | None:
        given = self.text(name)
        if not given:
            return None
        size = parsing.maybe_whole(given)
        if size in sizes:
            return size
        self.notices.append(
            f"Page size {given[:20]!r} is not one of {', '.join(map(str, sizes))}; "
            f"showing {sizes[0]}."
        )
        return None

    def monitor(self, name: str = "monitor") -> str:
        """A monitor's id, as digits ("" for none, or for one that is not an id)."""
        given = self.text(name)
        if given and parsing.maybe_whole(given, high=parsing.MAX_ID) is None:
            self.notices.append(
                f"Monitor {given[:40]!r} is not a monitor id; showing every monitor."
            )
            return ""
        return str(int(given)) if given else ""

    def zone(self, name: str = "tz") -> str | None:
        """A time zone's name, when it is one Python knows."""
        given = self.text(name, MAX_ZONE)
        if not given:
            return None
        try:
            schedules.get_zone(given)
        except schedules.ScheduleError:
            self.notices.append(f"Unknown time zone {given[:60]!r}; showing times in your own.")
            return None
        return given


@dataclass(frozen=True)
class Query:
    """The base of a page's query class (a frozen dataclass whose fields all have defaults)."""

    def params(self, **changes: object) -> dict[str, str]:
        """The query string values that differ from the defaults, after `changes`."""
        query = replace(self, **changes)  # type: ignore[arg-type]
        defaults = type(self)()
        return {
            item.name: str(getattr(query, item.name))
            for item in fields(self)
            if getattr(query, item.name) != getattr(defaults, item.name)
        }

    def url(
        self, path: str = "", *, extra: Mapping[str, str] | None = None, **changes: object
    ) -> str:
        """`path` with the query after `changes` (alone, "?…", to stay on the page)."""
        # Another tab, filter, sort or size starts again at page one; another zone does not.
        if "page" not in changes and set(changes) - {"tz"}:
            changes["page"] = 1
        encoded = urlencode({**self.params(**changes), **(extra or {})})
        return f"{path}?{encoded}" if encoded else path


@dataclass(frozen=True)
class Paged(Generic[T]):
    items: list[T]
    page: int  # the page shown: the one asked for, or the last when asked past it
    pages: int
    total: int
    notices: tuple[str, ...] = ()


def page_of(items: Sequence[T] | Any, page: int, per_page: int) -> Paged[T]:
    """One page of `items` (a sequence, or a query set counted once by the database)."""
    paginator = Paginator(items, per_page)
    pages, notices = paginator.num_pages, ()
    if page > pages:
        notices = (f"There is no page {page}; showing the last page, {pages}.",)
        page = pages
    return Paged(list(paginator.page(page).object_list), page, pages, paginator.count, notices)
