"""Guardrails in Chromium: an editor asks for a mute of every monitor, the policy holds it, a
second editor approves it from /approvals/, and the downtime appears once on the list."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from sandbox.models import SandboxDowntime
from tests.browser.conftest import sign_in
from tests.policy.support import use_policy

MESSAGE = "Datacenter power work CHG-77"


def test_a_mute_of_every_monitor_waits_for_a_second_editor_then_appears_once(
    settings, editor_page, live_server, seeded, browser
):
    use_policy(settings, approval_for=["every_monitor"])
    before = SandboxDowntime.objects.count()
    page = editor_page
    page.goto(f"{live_server.url}/downtimes/new/")
    page.fill("#id_scope", "env:prod")
    page.check("#id_target_all")
    page.click("button[data-duration='2h']")
    page.fill("#id_message", MESSAGE)
    page.click("button[data-save]")
    page.wait_for_url(re.compile(r"/approvals/[0-9]+/$"))
    expect(page.locator(".flash")).to_contain_text("the policy asks a second editor to approve")
    expect(page.locator(".approval")).to_contain_text("Waiting for approval")
    expect(page.locator(".approval")).to_contain_text("a downtime of every monitor")
    expect(page.get_by_role("button", name="Approve and send")).to_have_count(0)
    assert SandboxDowntime.objects.count() == before
    request_url = page.url

    second = browser.new_context().new_page()
    sign_in(second, live_server, "sam", "editor")
    second.goto(f"{live_server.url}/approvals/")
    card = second.locator(".approval", has_text="Asked by Erin (erin)")
    expect(card).to_contain_text("All monitors")
    card.get_by_role("button", name="Approve and send").click()
    second.wait_for_url(re.compile(r"/downtimes/[0-9a-f-]{36}/$"))
    expect(second.locator(".flash")).to_contain_text("Approved and sent.")
    second.goto(f"{live_server.url}/downtimes/?q=CHG-77")
    expect(second.locator("text=Datacenter power work CHG-77")).to_have_count(1)
    assert SandboxDowntime.objects.count() == before + 1

    page.goto(request_url)
    expect(page.locator(".approval")).to_contain_text("Approved")
    expect(page.locator(".approval dd", has_text="Sam (sam)")).to_have_count(1)
