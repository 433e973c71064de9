"""The downtime page in a real browser: cancel with confirmation, extend, and link previews."""

from __future__ import annotations

from sandbox.models import SandboxDowntime


def uuid_of(fragment: str) -> str:
    return str(SandboxDowntime.objects.get(message__contains=fragment).uuid)


def test_cancel_one_and_extend_another_from_their_pages_then_the_list_agrees(
    editor_page, live_server
):
    page = editor_page
    redis = uuid_of("Redis 7.2 upgrade")
    incident = uuid_of("Failover drill on payments-db")

    page.goto(f"{live_server.url}/downtimes/{redis}/")
    page.get_by_role("link", name="Cancel…").click()
    dialog = page.get_by_role("alertdialog")
    dialog.wait_for()
    assert "it will not mute monitors tagged service:checkout-redis" in dialog.inner_text()
    dialog.get_by_role("button", name="Yes, cancel it").click()
    page.locator(f"#downtime-{redis} .pill-canceled").first.wait_for()
    assert "Canceled. It no longer mutes" in page.locator(".flash-inline").inner_text()
    assert page.url == f"{live_server.url}/downtimes/{redis}/"  # redrawn in place

    page.goto(f"{live_server.url}/downtimes/{incident}/")
    assert page.locator(".dt-when").inner_text() == "ends in 35m"
    page.get_by_role("button", name="+1 hour").click()
    page.locator(".flash-inline").wait_for()
    assert page.locator(".dt-when").inner_text() == "ends in 1h 35m"
    assert "Extended" in page.locator(".history").inner_text()

    page.goto(f"{live_server.url}/downtimes/?status=active")
    row = page.locator(f"#downtime-{incident}")
    assert row.locator(".window-text").inner_text() == "ends in 1h 35m"
    page.goto(f"{live_server.url}/downtimes/?status=canceled")
    assert page.locator(f"#downtime-{redis}").count() == 1


def test_a_shared_link_carries_opengraph_and_twitter_tags(viewer_page, live_server):
    page = viewer_page
    incident = uuid_of("Failover drill on payments-db")
    page.goto(f"{live_server.url}/downtimes/{incident}/")

    def meta(selector: str) -> str | None:
        return page.locator(f"head meta[{selector}]").get_attribute("content")

    title = "Active until 10:05 UTC · env:prod AND service:payments-db"
    assert meta('property="og:title"') == title
    assert meta('name="twitter:title"') == title
    assert meta('name="twitter:card"') == "summary"
    assert meta('property="og:url"') == f"{live_server.url}/downtimes/{incident}/"
    assert meta('property="og:description"').startswith("Mutes [prod] payments-db")
    assert page.title().startswith(title)


def test_select_all_on_the_list_then_cancel_them_together(editor_page, live_server):
    page = editor_page
    page.goto(f"{live_server.url}/downtimes/?status=scheduled")
    page.get_by_label("Select all on this page").check()
    boxes = page.locator("input[data-select]")
    assert boxes.count() == 5
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.get_by_role("button", name="Cancel selected…").click()
    page.wait_for_url("**/downtimes/bulk-cancel/?id=*")
    assert page.locator("tr[id^=preview-]").count() == 5
    page.get_by_role("button", name="Cancel these 5 downtimes").click()
    page.get_by_text("Canceled 5 downtimes.").wait_for()
    assert SandboxDowntime.objects.filter(canceled__isnull=False).count() == 1 + 5
