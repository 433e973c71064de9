"""The history in Chromium: a downtime made, changed and canceled in Datadog (the sandbox's API),
then forgotten by it. A viewer finds it on the moment page with the time picker, keeps the
permalink, and opens its page, which the dashboard's record still serves."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from playwright.sync_api import expect

from sandbox import clock
from sandbox.models import SandboxMonitor
from tests.conftest import SandboxApi
from tests.history.support import one_time, refresh


def _story(now) -> str:
    api = SandboxApi(Client())
    refresh()
    monitor = SandboxMonitor.objects.filter(name__startswith="[prod] payments-api").first()
    clock.set_now(now + timedelta(minutes=1))
    start = now + timedelta(minutes=10)
    target = {"monitor_id": monitor.id}
    body = one_time(start, start + timedelta(hours=2), monitor_identifier=target, message="v1")
    downtime_id = api.post("/api/v2/downtime", body).json()["data"]["id"]
    refresh()
    clock.set_now(now + timedelta(minutes=31))
    change = {"type": "downtime", "id": downtime_id, "attributes": {"message": "Rolling deploy"}}
    api.patch(f"/api/v2/downtime/{downtime_id}", {"data": change})
    refresh()
    clock.set_now(now + timedelta(minutes=61))
    api.delete(f"/api/v2/downtime/{downtime_id}")
    refresh()
    clock.set_now(now + timedelta(days=3))
    refresh()
    refresh()  # gone once two refreshes in a row lack it
    return downtime_id


def test_a_forgotten_downtime_is_found_at_its_moment_and_opens_from_the_record(
    viewer_page, live_server, frozen_now
):
    downtime_id = _story(frozen_now)
    page = viewer_page
    page.goto(f"{live_server.url}/downtimes/")
    page.get_by_role("link", name="History", exact=True).click()
    page.wait_for_url(re.compile(r"/history/"))
    page.fill("input[name=tz]", "UTC")
    page.fill("input[name=at]", "2026-11-16T10:15")  # after the change, before the cancel
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"at=2026-11-16T10%3A15"))
    row = page.locator("tr", has_text="Rolling deploy")
    expect(row).to_contain_text("forgotten by Datadog")
    expect(row).to_contain_text("outside the dashboard")
    page.get_by_role("link", name=re.compile(r"^Permalink")).click()
    page.wait_for_url(re.compile(r"at=2026-11-16T10%3A15Z"))
    expect(page.locator("h1")).to_contain_text("What was muting at")
    row = page.locator("tr", has_text="Rolling deploy")
    row.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/downtimes/{downtime_id}/$"))
    expect(page.locator(".state-note")).to_contain_text("Datadog no longer has this downtime")
    expect(page.locator(".versions .history-entry")).to_have_count(4)
