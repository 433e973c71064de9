"""Copy as curl, Terraform and JSON: each recreates the downtime, and no key ever shows."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from datetime import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from downtimes_app import datadog
from downtimes_app.core.domain import Downtime, OneTimeSchedule, Recurrence, RecurringSchedule
from downtimes_app.downtimes import sharing
from sandbox.models import SandboxDowntime
from tests.conftest import make_user
from tests.factories import NOW

# The provider's documented schema for `datadog_downtime_schedule` (docs/resources/
# downtime_schedule.md in DataDog/terraform-provider-datadog): every name the output may use.
TERRAFORM_SCHEMA = {
    None: {
        "scope",
        "monitor_identifier",
        "display_timezone",
        "message",
        "mute_first_recovery_notification",
        "notify_end_states",
        "notify_end_types",
        "one_time_schedule",
        "recurring_schedule",
    },
    "monitor_identifier": {"monitor_id", "monitor_tags"},
    "one_time_schedule": {"start", "end"},
    "recurring_schedule": {"recurrence", "timezone"},
    "recurrence": {"duration", "rrule", "start"},
}


def names_by_block(hcl: str) -> dict[str | None, set[str]]:
    """Attribute and block names found in each block of a (simple) HCL resource."""
    found: dict[str | None, set[str]] = {}
    stack: list[str | None] = []
    for line in hcl.splitlines()[1:]:
        line = line.strip()
        if line == "}":
            if stack:
                stack.pop()
            continue
        parent = stack[-1] if stack else None
        if match := re.match(r"^(\w+) \{$", line):
            found.setdefault(parent, set()).add(match.group(1))
            stack.append(match.group(1))
        elif match := re.match(r"^(\w+)\s+=", line):
            found.setdefault(parent, set()).add(match.group(1))
    return found


def monitor_downtime(**extra) -> Downtime:
    fields = dict(
        id="9a268050-4c00-11ee-bc79-da7ad0900002",
        status="active",
        scope="env:prod AND service:db",
        schedule=OneTimeSchedule(NOW.replace(hour=8), NOW.replace(hour=14, minute=0)),
        monitor_id=130846742,
        message='Failover "drill" ${not_a_var} %{if x} \\o/\nline two',
        notify_end_states=("warn", "alert"),
        notify_end_types=(),
    )
    fields.update(extra)
    return Downtime(**fields)


def recurring_downtime() -> Downtime:
    return Downtime(
        id="d-recurring",
        status="scheduled",
        scope="env:prod",
        display_timezone="America/New_York",
        monitor_tags=("team:sre", "tier:1"),
        schedule=RecurringSchedule(
            "America/New_York",
            (
                Recurrence("FREQ=WEEKLY;BYDAY=TU,TH", "3h", datetime(2026, 9, 17, 2, 0)),
                Recurrence("FREQ=MONTHLY;BYMONTHDAY=1", "1d", datetime(2026, 9, 1, 0, 0)),
            ),
        ),
        notify_end_states=("alert", "no data", "warn"),
        notify_end_types=("expired",),
        mute_first_recovery_notification=True,
    )


def test_terraform_uses_only_the_providers_documented_names():
    for downtime in (monitor_downtime(), recurring_downtime()):
        found = names_by_block(sharing.terraform_resource(downtime))
        for block, names in found.items():
            assert names <= TERRAFORM_SCHEMA[block], (block, names - TERRAFORM_SCHEMA[block])


def test_terraform_resource_for_a_one_time_monitor_downtime():
    hcl = sharing.terraform_resource(monitor_downtime())
    assert hcl == "\n".join(
        [
            'resource "datadog_downtime_schedule" "downtime_9a268050" {',
            '  scope = "env:prod AND service:db"',
            "  monitor_identifier {",
            "    monitor_id = 130846742",
            "  }",
            "  one_time_schedule {",
            '    start = "2026-11-16T08:30:00Z"',
            '    end   = "2026-11-16T14:00:00Z"',
            "  }",
            '  display_timezone                 = "UTC"',
            '  message                          = "Failover \\"drill\\" $${not_a_var} %%{if x} '
            '\\\\o/\\nline two"',
            "  mute_first_recovery_notification = false",
            '  notify_end_states                = ["alert", "warn"]',
            "  notify_end_types                 = []",
            "}",
        ]
    )


def test_terraform_resource_for_a_recurring_tag_downtime():
    hcl = sharing.terraform_resource(recurring_downtime())
    assert '    monitor_tags = ["team:sre", "tier:1"]' in hcl
    assert hcl.count("    recurrence {") == 2
    assert '      rrule    = "FREQ=WEEKLY;BYDAY=TU,TH"' in hcl
    assert '      start    = "2026-09-17T02:00:00"' in hcl  # wall time, no offset
    assert '    timezone = "America/New_York"' in hcl
    assert "message" not in hcl  # null message: left out rather than sent as ""


def test_hcl_strings_escape_control_characters():
    assert sharing.hcl_string("a\tb\x01") == '"a\\tb\\u0001"'


def test_json_is_the_create_request_body():
    downtime = recurring_downtime()
    body = json.loads(sharing.request_json(downtime))
    assert body == datadog.request_body(datadog.attributes_of(downtime))


def test_curl_reads_the_keys_from_the_environment_and_never_contains_them():
    command = sharing.curl_command(monitor_downtime(), "https://api.datadoghq.eu")
    assert command.startswith("curl -X POST https://api.datadoghq.eu/api/v2/downtime \\")
    assert '-H "DD-API-KEY: ${DD_API_KEY}"' in command
    assert '-H "DD-APPLICATION-KEY: ${DD_APP_KEY}"' in command
    assert settings.DATADOG_API_KEY not in command and settings.DATADOG_APP_KEY not in command


def test_datadog_ui_links():
    assert sharing.datadog_downtime_url("https://app.datadoghq.eu/", "abc-1") == (
        "https://app.datadoghq.eu/monitors/downtimes?id=abc-1"
    )
    assert sharing.datadog_monitor_url("https://us5.datadoghq.com", 42) == (
        "https://us5.datadoghq.com/monitors/42"
    )


def test_copy_note_warns_when_the_window_is_over():
    over = monitor_downtime(
        status="ended", schedule=OneTimeSchedule(NOW.replace(hour=1), NOW.replace(hour=2))
    )
    assert "Datadog refuses an end in the past" in sharing.copy_note(over, NOW)
    assert sharing.copy_note(monitor_downtime(), NOW) == ""


# --- the page's curl command, run against the sandbox over HTTP -------------------------------


@pytest.fixture
def live_org(transactional_db, frozen_now):
    from sandbox import seed

    seed.seed(downtimes=0, now=frozen_now)
    return seed.current_org()


def copied_curl(client: Client, downtime_id: str, host: str) -> str:
    page = client.get(
        reverse("downtimes:detail", args=[downtime_id]), headers={"host": host}
    ).content.decode()
    match = re.search(rf'<pre id="copy-curl-{downtime_id}" class="code">(.*?)</pre>', page, re.S)
    assert match
    return html.unescape(match.group(1))


@pytest.mark.parametrize("story", ["Failover drill on payments-db", "Weekly OS patch window"])
def test_copied_curl_recreates_an_equivalent_downtime_in_the_sandbox(live_server, live_org, story):
    original = SandboxDowntime.objects.get(message__contains=story)
    user = make_user("copier", "viewer")  # reading is enough to copy
    client = Client()
    client.force_login(user)
    host = live_server.url.removeprefix("http://")
    command = copied_curl(client, str(original.uuid), host)
    assert command.startswith(f"curl -X POST {live_server.url}/sandbox/api/v2/downtime")
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DD_API_KEY": settings.SANDBOX_API_KEY,
        "DD_APP_KEY": settings.SANDBOX_APP_KEY,
    }
    result = subprocess.run(
        [shutil.which("bash") or "/bin/bash", "-c", command],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    created_id = json.loads(result.stdout)["data"]["id"]
    assert created_id != str(original.uuid)
    copy = datadog.get_downtime(created_id)
    assert datadog.attributes_of(copy) == datadog.attributes_of(
        datadog.get_downtime(str(original.uuid))
    )
