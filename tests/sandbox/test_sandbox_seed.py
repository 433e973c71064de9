"""`manage.py seed_sandbox`: a believable org with downtimes in every state."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from downtimes_app import datadog
from sandbox.models import SandboxDowntime, SandboxMonitor, SandboxUser

pytestmark = pytest.mark.django_db


def test_seed_covers_every_status_kind_and_target(frozen_now):
    call_command("seed_sandbox", "--downtimes", "300")
    downtimes = datadog.list_all_downtimes()
    assert len(downtimes) == 300
    assert set(Counter(d.status for d in downtimes)) == {"active", "scheduled", "ended", "canceled"}
    assert {d.is_recurring for d in downtimes} == {True, False}
    assert any(d.monitor_id for d in downtimes) and any(d.monitor_tags for d in downtimes)
    rules = {r.rrule for d in downtimes if d.is_recurring for r in d.schedule.recurrences}
    assert {"FREQ=WEEKLY;BYDAY=TU,TH", "FREQ=DAILY", "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3"} <= rules
    assert any(
        d.status == "active" and d.schedule.end is None for d in downtimes if not d.is_recurring
    )


def test_seed_builds_an_org_of_teams_services_and_people(frozen_now):
    call_command("seed_sandbox")
    monitors = list(SandboxMonitor.objects.all())
    assert 30 <= len(monitors) <= 100
    teams = {t for m in monitors for t in m.tags if t.startswith("team:")}
    assert len(teams) >= 5
    assert {m.overall_state for m in monitors} >= {"OK", "Alert"}
    assert SandboxUser.objects.filter(owns_app_key=True).count() == 1
    assert SandboxUser.objects.filter(name__isnull=True).exists()  # a user known only by handle


def test_seed_ten_thousand(frozen_now, capsys):
    call_command("seed_sandbox", "--downtimes", "10000")
    assert SandboxDowntime.objects.count() == 10000
    assert "Seeded the sandbox with 10000 downtimes" in capsys.readouterr().out


def test_seed_refuses_to_mix_with_existing_data_unless_reset(frozen_now):
    call_command("seed_sandbox", "--downtimes", "20")
    with pytest.raises(CommandError, match="add --reset"):
        call_command("seed_sandbox")
    call_command("seed_sandbox", "--reset", "--downtimes", "12")
    assert SandboxDowntime.objects.count() == 12


def test_seed_if_empty_leaves_existing_data_alone(frozen_now, capsys):
    call_command("seed_sandbox", "--if-empty", "--downtimes", "15")
    call_command("seed_sandbox", "--if-empty", "--downtimes", "99")
    assert SandboxDowntime.objects.count() == 15
    assert "already has data (15 downtimes); not seeding" in capsys.readouterr().out
