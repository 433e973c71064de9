"""The attention list's URL state and the page it picks: pure."""

from __future__ import annotations

from downtimes_app.attention import rules
from downtimes_app.attention.query import PER_PAGE, AttentionQuery, select
from downtimes_app.core.domain import ACTIVE, Downtime, OneTimeSchedule
from tests.factories import NOW


def item(number: int, *reasons: str) -> rules.Item:
    downtime = Downtime(str(number), ACTIVE, "*", OneTimeSchedule(NOW, None))
    return rules.Item(downtime, tuple(rules.Concern(r, r) for r in reasons))


def test_a_page_holds_fifty_rows_and_a_page_past_the_last_shows_the_last():
    items = [item(n, rules.NO_END) for n in range(PER_PAGE * 2 + 3)]
    second = select(items, AttentionQuery(page=2))
    assert [i.downtime.id for i in second.items] == [str(n) for n in range(50, 100)]
    assert (second.pages, second.total) == (3, 103)
    beyond = select(items, AttentionQuery(page=9))
    assert beyond.page == 3 and len(beyond.items) == 3
    assert beyond.notices == ("There is no page 9; showing the last page, 3.",)


def test_one_reason_picks_every_row_that_has_it_and_counts_cover_every_row():
    items = [
        item(1, rules.NO_END, rules.TOO_WIDE),
        item(2, rules.TOO_WIDE),
        item(3, rules.DUPLICATE),
    ]
    shown = select(items, AttentionQuery(rule=rules.TOO_WIDE))
    assert [i.downtime.id for i in shown.items] == ["1", "2"]
    assert shown.counts == {rules.NO_END: 1, rules.TOO_WIDE: 2, rules.DUPLICATE: 1}
    assert list(shown.counts) == [rules.NO_END, rules.TOO_WIDE, rules.DUPLICATE]  # by urgency


def test_reading_a_query_never_fails_and_links_keep_the_zone():
    query, notices = AttentionQuery.from_params({"rule": "NO-END", "page": "2", "tz": "Asia/Tokyo"})
    assert query == AttentionQuery("no-end", 2, "Asia/Tokyo") and notices == []
    assert query.url(page=3) == "?rule=no-end&page=3&tz=Asia%2FTokyo"
    assert query.url(rule="") == "?tz=Asia%2FTokyo"  # another reason starts at page one
    query, notices = AttentionQuery.from_params({"rule": "x" * 500, "page": "9" * 5000})
    assert query.rule == "" and query.page == 1 and len(notices) == 2
