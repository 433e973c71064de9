"""The list in a real browser: tabs and pages change the URL, back works, a pasted link agrees."""

from __future__ import annotations

from downtimes_app import store
from sandbox import seed


def row_ids(page) -> list[str]:
    return page.locator("table.downtimes tbody tr").evaluate_all("rows => rows.map(r => r.id)")


def test_tabs_and_pages_are_links_that_reproduce_the_view(
    editor_page, live_server, frozen_now, context
):
    seed.reset()
    seed.seed(downtimes=80, now=frozen_now)
    store.invalidate()  # the sign-in already cached the smaller org
    page = editor_page
    page.goto(f"{live_server.url}/downtimes/")
    first_active = row_ids(page)

    page.click("a.tab-ended")
    page.wait_for_url("**/downtimes/?status=ended")
    ended = row_ids(page)
    assert ended and ended != first_active
    assert page.locator('a.tab-ended[aria-current="page"]').count() == 1

    page.click("a[rel=next]")
    page.wait_for_url("**/downtimes/?status=ended&page=2")
    second_page = row_ids(page)
    assert second_page and not set(second_page) & set(ended)

    page.go_back()
    page.wait_for_url("**/downtimes/?status=ended")
    assert row_ids(page) == ended

    copied = page.url
    page.go_forward()
    page.wait_for_url("**/downtimes/?status=ended&page=2")
    other = context.new_page()
    other.goto(copied)
    assert row_ids(other) == ended
    assert other.locator('a.tab-ended[aria-current="page"]').count() == 1


def test_search_updates_the_url_as_you_type(editor_page, live_server):
    page = editor_page
    page.fill("#filter-q", "legacy-batch")
    page.wait_for_url("**/downtimes/?q=legacy-batch")
    assert len(row_ids(page)) == 1
    assert "legacy-batch-01" in page.locator("table.downtimes").inner_text()
