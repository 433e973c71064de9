"""The schedule form in Chromium: what a person clicks through, with htmx doing the live parts."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import expect

from sandbox.models import SandboxDowntime


def newest() -> SandboxDowntime:
    return SandboxDowntime.objects.order_by("-id").first()


def test_create_a_one_time_downtime_for_one_monitor_found_by_search(
    editor_page, live_server, seeded
):
    page = editor_page
    page.goto(f"{live_server.url}/downtimes/new/")
    page.fill("#id_scope", "env:prod AND payments-db")
    expect(page.locator("#scope-check")).to_contain_text("'payments-db' has no key")
    page.fill("#id_scope", "env:prod AND service:payments-db")
    expect(page.locator("#scope-check")).to_contain_text("Valid scope")
    page.fill("#id_monitor_query", "payments-db latency")
    option = page.locator(
        "#monitor-results .monitor-option", has_text="[prod] payments-db p99 latency"
    )
    expect(option).to_be_visible()
    option.click()
    page.click("button[data-duration='4h']")
    expect(page.locator("#preview .sentence")).to_contain_text("lasts 4 hours")
    expect(page.locator("#preview")).to_contain_text("Mutes one monitor")
    page.click("button[data-save]")
    page.wait_for_url(re.compile(r"/downtimes/[0-9a-f-]{36}/$"))
    expect(page.locator(".flash")).to_contain_text("Downtime scheduled.")
    monitor = next(
        m for m in seeded.monitors if m.name.startswith("[prod] payments-db p99 latency")
    )
    downtime = newest()
    assert downtime.monitor_id == monitor.id
    assert downtime.scope == "env:prod AND service:payments-db"
    assert page.url.endswith(f"/downtimes/{downtime.uuid}/")


def test_weekly_tuesday_thursday_window_in_new_york_previews_dates_across_the_clock_change(
    editor_page, live_server, seeded
):
    page = editor_page
    page.goto(f"{live_server.url}/downtimes/new/")
    page.fill("#id_scope", "env:prod")
    page.check("#id_target_tags")
    page.fill("#id_monitor_tags", "team:sre")
    expect(page.locator("#tag-matches")).to_contain_text("monitors with this tag")
    page.check("#id_schedule_recurring")
    page.select_option("#id_timezone", "America/New_York")
    page.fill("#id_r-0-start", "2027-03-02T02:00")
    page.fill("#id_r-0-duration", "3h")
    for day, wanted in (("MO", False), ("TU", True), ("WE", False), ("TH", True)):
        box = page.locator(f"input[name='r-0-weekdays'][value='{day}']")
        box.set_checked(wanted)
    expect(page.locator("#id_r-0-rrule")).to_have_value("FREQ=WEEKLY;BYDAY=TU,TH")
    expect(page.locator("#preview .sentence")).to_have_text(
        "Every Tue and Thu, 02:00\u201305:00 America/New_York"
    )
    rows = page.locator("#preview table.windows tbody tr")
    expect(rows).to_have_count(10)
    first_column = [
        text.split(" \u2192")[0] for text in rows.locator("td:first-child").all_inner_texts()
    ]
    assert first_column[:6] == [
        "Tue 2 Mar 2027, 02:00",
        "Thu 4 Mar 2027, 02:00",
        "Tue 9 Mar 2027, 02:00",
        "Thu 11 Mar 2027, 02:00",
        "Tue 16 Mar 2027, 02:00",
        "Thu 18 Mar 2027, 02:00",
    ]
    # New York moves its clocks on Sunday 14 March; the first window after it says so.
    expect(rows.nth(4)).to_contain_text("Clocks change in America/New_York")
    expect(rows.nth(3)).not_to_contain_text("Clocks change")
    page.click("button[data-save]")
    page.wait_for_url(re.compile(r"/downtimes/[0-9a-f-]{36}/$"))
    assert newest().schedule == {
        "timezone": "America/New_York",
        "recurrences": [
            {"start": "2027-03-02T02:00:00", "duration": "3h", "rrule": "FREQ=WEEKLY;BYDAY=TU,TH"}
        ],
    }


def test_edit_a_message(editor_page, live_server, seeded):
    redis = SandboxDowntime.objects.get(message__startswith="Redis 7.2 upgrade")
    page = editor_page
    page.goto(f"{live_server.url}/downtimes/{redis.uuid}/edit/")
    page.fill("#id_message", "Redis 7.2 upgrade, now with @slack-checkout-oncall on the bridge")
    expect(page.locator("#preview")).to_contain_text("Only what changed: message.")
    page.click("button[data-save]")
    page.wait_for_url(f"{live_server.url}/downtimes/{redis.uuid}/")
    expect(page.locator(".flash")).to_contain_text("Downtime updated: message.")
    redis.refresh_from_db()
    assert redis.message == "Redis 7.2 upgrade, now with @slack-checkout-oncall on the bridge"


def test_open_a_prefilled_link_and_submit_it(editor_page, live_server, seeded):
    link = (
        f"{live_server.url}/downtimes/new/?scope={quote('env:prod AND service:kafka')}"
        "&monitor_tags=service:kafka&duration=2h&message=Broker%20disk%20swap"
    )
    page = editor_page
    page.goto(link)
    expect(page.locator("#id_scope")).to_have_value("env:prod AND service:kafka")
    expect(page.locator("#id_target_tags")).to_be_checked()
    expect(page.locator("#preview .sentence")).to_contain_text("lasts 2 hours")
    page.click("button[data-save]")
    page.wait_for_url(re.compile(r"/downtimes/[0-9a-f-]{36}/$"))
    downtime = newest()
    assert downtime.message == "Broker disk swap" and downtime.monitor_tags == ["service:kafka"]
