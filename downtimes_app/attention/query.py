"""The attention list's state in its URL (`?rule=no-end&page=2`), and the page it picks: pure.

Like the downtime list's `ListQuery`, reading a query never fails: a rule that does not exist or
a page that is not a number becomes a notice and its default.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from downtimes_app.attention.rules import URGENCY, Item
from downtimes_app.core import parsing

PER_PAGE = 50
MAX_PAGE = 10**6
RULE_LABELS = {
    "will-notify": "Will notify",
    "mutes-nothing": "Mutes nothing",
    "no-end": "No end",
    "too-wide": "Too wide",
    "duplicate": "Duplicate",
    "no-window": "No window left",
}


@dataclass(frozen=True)
class AttentionQuery:
    rule: str = ""  # "" for every rule
    page: int = 1
    tz: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> tuple[AttentionQuery, list[str]]:
        notices: list[str] = []
        rule = str(params.get("rule", "") or "").strip().lower()[:40]
        if rule and rule not in RULE_LABELS:
            notices.append(f"There is no rule {rule!r}; showing every reason.")
            rule = ""
        page = 1
        given = str(params.get("page", "") or "").strip()
        if given:
            number = parsing.maybe_whole(given, low=1)
            if number is None:
                notices.append(f"Page {given[:20]!r} is not a page number; showing the first page.")
            else:
                page = min(number, MAX_PAGE)
        tz = str(params.get("tz", "") or "")[:64]
        return cls(rule, page, tz), notices

    def url(self, **changes: object) -> str:
        values = {"rule": self.rule, "page": self.page, "tz": self.tz, **changes}
        if "page" not in changes:
            values["page"] = 1  # another rule starts at its first page
        kept = {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}
        return "?" + urlencode(kept) if kept else "?"


@dataclass(frozen=True)
class Page:
    items: tuple[Item, ...]
    page: int
    pages: int
    total: int  # rows under the chosen rule
    counts: dict[str, int]  # rows per rule, over every row (a row may count under several)
    notices: tuple[str, ...] = ()


def select(items: Sequence[Item], query: AttentionQuery) -> Page:
    """The rows a query shows: those with the chosen reason, one page of them."""
    counts = Counter(c.rule for item in items for c in item.concerns)
    if query.rule:
        items = [i for i in items if any(c.rule == query.rule for c in i.concerns)]
    pages = max(1, math.ceil(len(items) / PER_PAGE))
    page, notices = query.page, []
    if page > pages:
        notices.append(f"There is no page {page}; showing the last page, {pages}.")
        page = pages
    first = (page - 1) * PER_PAGE
    ordered = {rule: counts[rule] for rule in URGENCY if counts[rule]}
    return Page(
        tuple(items[first : first + PER_PAGE]), page, pages, len(items), ordered, tuple(notices)
    )
