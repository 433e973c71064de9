"""The attention list's state in its URL (`?rule=no-end&page=2`), and the page it picks: pure.

Like the downtime list's `ListQuery`, reading a query never fails: a rule that does not exist or
a page that is not a number becomes a notice and its default.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from downtimes_app.attention.rules import URGENCY, Item
from downtimes_app.web.query import Query, Reader, page_of

PER_PAGE = 50
RULE_LABELS = {
    "will-notify": "Will notify",
    "mutes-nothing": "Mutes nothing",
    "no-end": "No end",
    "against-policy": "Against the policy",
    "too-wide": "Too wide",
    "duplicate": "Duplicate",
    "no-window": "No window left",
}


@dataclass(frozen=True)
class AttentionQuery(Query):
    rule: str = ""  # "" for every rule
    page: int = 1
    tz: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> tuple[AttentionQuery, list[str]]:
        read = Reader(params)
        rule = read.text("rule").lower()[:40]
        if rule and rule not in RULE_LABELS:
            read.notices.append(f"There is no rule {rule!r}; showing every reason.")
            rule = ""
        return cls(rule, read.page() or 1, str(params.get("tz", "") or "")[:64]), read.notices


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
    shown = page_of(items, query.page, PER_PAGE)
    ordered = {rule: counts[rule] for rule in URGENCY if counts[rule]}
    return Page(tuple(shown.items), shown.page, shown.pages, shown.total, ordered, shown.notices)
