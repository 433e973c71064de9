"""The monitor list's state and the work it asks of the cached monitors: search, filter, page.

Like the downtime list (`listing`), everything a view shows is in its query string, and
`MonitorQuery.from_params` never fails: a bad value becomes a notice and its default. The work
that depends only on the copy (search text, order, the choices of type) is done once per copy
(`Index`); what depends on the clock too (muted now) comes from `mutes.Mutes`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from downtimes_app.core.domain import ALERT, NO_DATA, OK, WARN, Monitor
from downtimes_app.muting.mutes import Muted, Mutes, groups_of
from downtimes_app.web.query import Query, Reader, page_of

MUTED = "muted"
STATES = {ALERT.lower(): ALERT, WARN.lower(): WARN, "nodata": NO_DATA, OK.lower(): OK}
STATE_LABELS = {"": "Any state", **{k: v for k, v in STATES.items()}, MUTED: "Muted now"}
PAGE_SIZES = (25, 50, 100)
MAX_SEARCH = 200
# The list answers "what is alerting?" first: worse states, then names.
ORDER = {ALERT: 0, NO_DATA: 1, WARN: 2}


@dataclass(frozen=True)
class MonitorQuery(Query):
    q: str = ""
    tag: str = ""
    type: str = ""
    state: str = ""  # a key of STATES, or "muted"
    page: int = 1
    per_page: int = PAGE_SIZES[0]
    tz: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> tuple[MonitorQuery, list[str]]:
        read = Reader(params)
        values: dict[str, object] = {
            "q": read.text("q", MAX_SEARCH, say_cut=True),
            "tag": read.text("tag", MAX_SEARCH, say_cut=True),
            "type": read.text("type", 100, say_cut=True),
        }
        state = read.text("state", MAX_SEARCH, say_cut=True).lower().replace(" ", "")
        if state and state not in STATE_LABELS:
            read.notices.append(f"There is no state {state[:40]!r}; showing every state.")
        else:
            values["state"] = state
        values["per_page"] = read.page_size(PAGE_SIZES) or PAGE_SIZES[0]
        values["page"] = read.page() or 1
        values["tz"] = read.zone() or ""
        return cls(**values), read.notices  # type: ignore[arg-type]

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.tag or self.type or self.state)


def haystack(monitor: Monitor) -> str:
    """What a search looks through: name, id, type, tags, query, group names."""
    parts = [monitor.name, str(monitor.id), monitor.type or "", *monitor.tags, monitor.query or ""]
    parts += [g.name for g in monitor.groups]
    return "\n".join(parts).lower()


def alerting(monitor: Monitor) -> int:
    return sum(1 for g in groups_of(monitor) if g.status == ALERT)


class Index:
    """Per copy of the monitors: search text, default order, states and the type choices."""

    def __init__(self, monitors: Sequence[Monitor]) -> None:
        self.monitors = monitors
        self.states = [m.overall_state or "" for m in monitors]
        self.counts = Counter(self.states)
        self.order = sorted(
            range(len(monitors)),
            key=lambda i: (ORDER.get(self.states[i], 3), monitors[i].name.lower()),
        )
        self.position = {m.id: i for i, m in enumerate(monitors)}
        self._searches: dict[tuple[str, str, str], list[int]] = {}

    @cached_property
    def texts(self) -> list[str]:
        return [haystack(m) for m in self.monitors]

    @cached_property
    def types(self) -> list[str]:
        return sorted({m.type for m in self.monitors if m.type})

    def search(self, query: MonitorQuery) -> list[int]:
        """Positions in the list's order that match the text, tag and type (not the state)."""
        key = (query.q.lower(), query.tag, query.type)
        found = self._searches.get(key)
        if found is None:
            terms = key[0].split()
            texts = self.texts if terms else None
            found = [
                i
                for i in self.order
                if (not query.type or self.monitors[i].type == query.type)
                and (not query.tag or query.tag in self.monitors[i].tags)
                and (texts is None or all(term in texts[i] for term in terms))
            ]
            if len(self._searches) >= 64:
                self._searches.clear()
            self._searches[key] = found
        return found


@dataclass(frozen=True)
class Result:
    rows: list[Monitor]
    counts: dict[str, int]  # by state key (and "muted"), among the monitors the search found
    total: int
    page: int
    pages: int
    notices: list[str]


def run(index: Index, query: MonitorQuery, mutes: Mutes, now: datetime) -> Result:
    muted: dict[int, Muted] = mutes.muted_now(now)
    positions = index.search(query) if query.filtered else index.order
    if query.q or query.tag or query.type:
        states = Counter(index.states[i] for i in positions)
        muted_count = sum(1 for i in positions if index.monitors[i].id in muted)
    else:
        states, muted_count = index.counts, len(muted)
    counts = {key: states.get(name, 0) for key, name in STATES.items()}
    counts[MUTED] = muted_count
    if query.state == MUTED:
        positions = [i for i in positions if index.monitors[i].id in muted]
    elif query.state:
        wanted = STATES[query.state]
        positions = [i for i in positions if index.states[i] == wanted]
    shown = page_of(positions, query.page, query.per_page)
    rows = [index.monitors[i] for i in shown.items]
    return Result(rows, counts, shown.total, shown.page, shown.pages, list(shown.notices))
