"""The calendar in a real browser: move through weeks, open a bar, regroup; every state is a
URL that a new page opens the same."""

from __future__ import annotations


def shown(page) -> tuple[list[str], list[str]]:
    """(the row labels, the downtimes of the bars) as the page shows them."""
    labels = page.locator(".tl-rows .tl-label .row-title").all_inner_texts()
    bars = page.locator("a.bar").evaluate_all("bars => bars.map(b => b.dataset.downtime)")
    return labels, bars


def same_in_a_new_page(context, url: str, state: tuple[list[str], list[str]]) -> None:
    other = context.new_page()
    other.goto(url)
    assert shown(other) == state
    other.close()


def test_week_view_next_and_back_open_a_bar_and_group_by_tag(editor_page, live_server, context):
    page = editor_page
    page.goto(f"{live_server.url}/calendar/?tz=UTC")
    assert page.locator(".segmented a[aria-current=page]").all_inner_texts() == [
        "Week",
        "One row per downtime",
    ]
    this_week = shown(page)
    assert this_week[1], "the demo org has windows this week"
    same_in_a_new_page(context, page.url, this_week)

    page.click(".cal-nav a[rel=next]")
    page.wait_for_url("**/calendar/?tz=UTC&date=2026-11-23")
    next_week = shown(page)
    assert next_week != this_week
    assert "23 Nov" in page.locator("#calendar-title").inner_text()
    same_in_a_new_page(context, page.url, next_week)

    page.click(".cal-nav a[rel=prev]")
    page.wait_for_url("**/calendar/?tz=UTC&date=2026-11-16")
    assert shown(page) == this_week
    back_url = page.url

    bar = page.locator("a.bar.runs-on").first
    downtime = bar.get_attribute("data-downtime")
    bar.click()
    page.wait_for_url(f"**/downtimes/{downtime}/")
    assert page.locator(".dt-status .pill").count() == 1

    page.go_back()
    page.wait_for_url(back_url)
    page.click("a[data-group=tag]")
    page.wait_for_url("**/calendar/?tz=UTC&date=2026-11-16&group=tag")
    by_tag = shown(page)
    assert "team:sre" in by_tag[0] and "No team: tag" in by_tag[0]
    assert sorted(by_tag[1]) != sorted(this_week[1]) or by_tag[0] != this_week[0]
    same_in_a_new_page(context, page.url, by_tag)
