"""Monitor first, in a real browser: find a monitor, open it, mute one group for an hour, land
on the new downtime, and come back to find the monitor muted until then."""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.cache import cache

from downtimes_app.core import presenters, schedules
from downtimes_app.store import monitors as monitor_store
from sandbox.models import SandboxDowntime
from tests.factories import NOW, grouped


def forget_monitors_loaded_before() -> None:
    """The sign-in page's top bar may have loaded the monitors behind it before `grouped()`
    changed them in the sandbox: let that load finish, then forget its copy."""
    for _ in range(200):
        if cache.get(monitor_store.MONITORS.lock) is None:
            break
        time.sleep(0.05)
    monitor_store.invalidate()


def test_search_open_mute_one_group_for_an_hour_and_come_back_to_it_muted(editor_page, live_server):
    page = editor_page
    monitor = grouped("Alert")
    group = monitor.groups[1]  # the one alerting
    forget_monitors_loaded_before()

    page.goto(f"{live_server.url}/monitors/")
    page.fill("#monitor-q", monitor.name)
    page.wait_for_url("**/monitors/?q=*")
    rows = page.locator("table.monitors-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    page.get_by_role("link", name=monitor.name).click()
    page.wait_for_url(f"**/monitors/{monitor.id}/")
    assert page.locator("#muted-until").count() == 0  # not muted yet

    page.locator(f'tr[data-group="{group["name"]}"]').get_by_role("link", name="1 hour").click()
    dialog = page.get_by_role("alertdialog")
    dialog.wait_for()
    assert f"{group['name']} of “{monitor.name}” (Alert now) stops notifying" in (
        dialog.inner_text()
    )
    assert page.url == f"{live_server.url}/monitors/{monitor.id}/"  # asked in place
    dialog.get_by_role("button", name="Mute").click()

    page.wait_for_url(f"{live_server.url}/downtimes/*/")
    made = SandboxDowntime.objects.get(monitor_id=monitor.id, scope=group["name"])
    assert page.url == f"{live_server.url}/downtimes/{made.uuid}/"
    assert "Muted:" in page.locator(".flash").inner_text()

    zone = schedules.get_zone(page.locator("body").get_attribute("data-tz"))
    until = presenters.Moment(NOW + timedelta(hours=1), zone, NOW)
    # Back to the monitor, by its link in "When it ends".
    page.locator(".aftermath").get_by_role("link", name=monitor.name).click()
    page.wait_for_url(f"**/monitors/{monitor.id}/")
    groups = len(monitor.groups)
    assert page.locator("#muted-until").inner_text() == (
        f"1 of {groups} groups muted until {until.label} {until.zone_label}"
    )
    muted = page.locator(f'tr[data-group="{group["name"]}"] .badge-info')
    assert muted.inner_text() == "muted"
    page.goto(f"{live_server.url}/monitors/?state=muted")
    row = page.locator(f"#monitor-{monitor.id}").inner_text()
    assert f"1 of {groups} groups muted until {until.label} {until.zone_label}" in row


def test_choosing_another_length_says_the_new_end_before_muting(editor_page, live_server):
    page = editor_page
    monitor = grouped("Warn")
    page.goto(f"{live_server.url}/monitors/{monitor.id}/")
    page.get_by_role("link", name="30 minutes").first.click()
    dialog = page.get_by_role("alertdialog")
    dialog.wait_for()
    assert "(30 minutes)" in dialog.inner_text()
    dialog.get_by_label("4 hours").check()
    page.get_by_text("(4 hours)").wait_for()
    dialog = page.get_by_role("alertdialog")
    assert "(30 minutes)" not in dialog.inner_text()
    dialog.get_by_role("button", name="Mute").click()
    page.wait_for_url(f"{live_server.url}/downtimes/*/")
    made = SandboxDowntime.objects.get(monitor_id=monitor.id, scope="*")
    assert made.schedule["end"].startswith("2026-11-16T13:30")
