"""The form's pure helpers: what differs, placing Datadog's errors, overlaps, lost creates."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from downtimes_app.core import planning
from downtimes_app.core.domain import (
    Downtime,
    OneTimeSchedule,
    Recurrence,
    RecurringSchedule,
    changed,
)
from downtimes_app.core.planning import Target
from downtimes_app.datadog import parse_attributes
from tests.factories import NOW


def downtime(**fields) -> Downtime:
    fields.setdefault("id", "d1")
    fields.setdefault("status", "active")
    fields.setdefault("scope", "env:prod")
    fields.setdefault(
        "schedule", OneTimeSchedule(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    )
    fields.setdefault("monitor_tags", ("team:db",))
    return Downtime(**fields)


# --- what differs (as Datadog's JSON, read back) ---------------------------------------------

BEFORE = {
    "scope": "env:prod",
    "monitor_identifier": {"monitor_tags": ["team:db", "env:prod"]},
    "display_timezone": "UTC",
    "schedule": {"start": "2026-11-17T02:00:00.123456+00:00", "end": "2026-11-17T04:00:00+00:00"},
    "message": "",
    "notify_end_states": ["warn", "alert", "no data"],
    "notify_end_types": ["expired"],
    "mute_first_recovery_notification": False,
}


def test_changed_ignores_spelling_that_datadog_ignores():
    after = {
        **BEFORE,
        "monitor_identifier": {"monitor_tags": ["env:prod", "team:db"]},
        "schedule": {"start": "2026-11-17T02:00:00.123456Z", "end": "2026-11-17T04:00:00Z"},
        "message": None,
        "notify_end_states": ["alert", "no data", "warn"],
        "scope": " env:prod ",
    }
    assert changed(parse_attributes(BEFORE), parse_attributes(after)) == {}


def test_changed_keeps_what_really_changed():
    after = {
        **BEFORE,
        "schedule": {"start": BEFORE["schedule"]["start"], "end": "2026-11-17T05:00:00+00:00"},
        "notify_end_types": ["expired", "canceled"],
        "message": "Now with a runbook",
    }
    assert set(changed(parse_attributes(BEFORE), parse_attributes(after))) == {
        "schedule",
        "notify_end_types",
        "message",
    }


def test_changed_sees_a_one_time_schedule_become_recurring():
    after = {
        **BEFORE,
        "schedule": {
            "timezone": "UTC",
            "recurrences": [
                {"start": "2026-11-17T02:00:00", "duration": "2h", "rrule": "FREQ=DAILY"}
            ],
        },
    }
    assert list(changed(parse_attributes(BEFORE), parse_attributes(after))) == ["schedule"]


# --- placing Datadog's messages ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("All values must have a key", "scope"),
        ("Invalid scope: OR is not supported at the top level", "scope"),
        ("Monitor 12345 not found", "monitor_id"),
        ("monitor_identifier.monitor_tags must be a non-empty list of tags", "monitor_id"),
        ("Invalid timezone: Mars/Olympus", "timezone"),
        ("timezone must match display_timezone", "timezone"),
        ("schedule.recurrences[2].rrule: RRULE needs FREQ", "r-2-rrule"),
        ("schedule.recurrences[0].duration: Duration '1y' is not valid", "r-0-duration"),
        ("Cannot change the start of a downtime that is in progress; change its end", "start"),
        ("Downtime cannot be scheduled in the past", "end"),
        ("schedule.end must be after schedule.start", "end"),
        ("Invalid value(s) for notify_end_states: boom. Allowed: alert", "notify_end_states"),
        ("message must be a string or null", "message"),
        ("The downtime being created is a duplicate of one or more existing downtimes", None),
        ("Additional properties are not allowed ('x' was unexpected)", None),
    ],
)
def test_place_error_finds_the_field_a_message_is_about(message, field):
    assert planning.place_error(message) == field


def test_place_error_puts_monitor_errors_on_the_tag_field_for_tag_downtimes():
    assert (
        planning.place_error("Monitor 1 not found", monitor_field="monitor_tags") == "monitor_tags"
    )


# --- overlaps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "scope", "target", "covered"),
    [
        (downtime(monitor_tags=("team:db",)), "env:prod", Target(tags=("team:db",)), True),
        (downtime(monitor_tags=("team:db",)), "env:prod", Target(tags=("team:db", "tier:1")), True),
        (
            downtime(monitor_tags=("team:db", "tier:1")),
            "env:prod",
            Target(tags=("team:db",)),
            False,
        ),
        (downtime(monitor_tags=("*",)), "env:prod", Target(monitor_id=7), True),
        (downtime(monitor_tags=("team:db",)), "env:prod", Target(tags=("*",)), False),
        (
            downtime(monitor_tags=("team:db",)),
            "env:prod",
            Target(monitor_id=7, monitor_tags=("team:db", "env:prod")),
            True,
        ),
        (downtime(monitor_id=7, monitor_tags=()), "env:prod", Target(monitor_id=7), True),
        (downtime(monitor_id=7, monitor_tags=()), "env:prod", Target(monitor_id=8), False),
        # The existing scope is wider (fewer AND terms) or everything.
        (downtime(scope="env:prod"), "env:prod AND service:db", Target(tags=("team:db",)), True),
        (downtime(scope="*"), "host:a", Target(tags=("team:db",)), True),
        (downtime(scope="env:prod AND service:db"), "env:prod", Target(tags=("team:db",)), False),
        (downtime(scope="env:staging"), "env:prod", Target(tags=("team:db",)), False),
        (
            downtime(scope="env:prod service:db"),
            "service:db AND env:prod",
            Target(tags=("team:db",)),
            True,
        ),
    ],
)
def test_covering_compares_monitors_and_scope(existing, scope, target, covered):
    found = planning.covering([existing], scope=scope, target=target, starts=NOW)
    assert (found == [existing]) is covered


@pytest.mark.parametrize("status", ["ended", "canceled"])
def test_covering_ignores_downtimes_that_are_over(status):
    assert (
        planning.covering(
            [downtime(status=status)],
            scope="env:prod",
            target=Target(tags=("team:db",)),
            starts=NOW,
        )
        == []
    )


def test_covering_ignores_windows_that_do_not_meet_the_draft_and_the_draft_itself():
    earlier = downtime(
        id="a", schedule=OneTimeSchedule(NOW - timedelta(hours=3), NOW - timedelta(hours=1))
    )
    later = downtime(
        id="b", status="scheduled", schedule=OneTimeSchedule(NOW + timedelta(days=3), None)
    )
    itself = downtime(id="c")
    recurring = downtime(
        id="d",
        status="scheduled",
        schedule=RecurringSchedule("UTC", (Recurrence("FREQ=DAILY", "1h", datetime(2026, 1, 1)),)),
    )
    found = planning.covering(
        [earlier, later, itself, recurring],
        scope="env:prod",
        target=Target(tags=("team:db",)),
        starts=NOW,
        ends=NOW + timedelta(hours=2),
        exclude_id="c",
    )
    assert found == [recurring]


# --- recognising the downtime a lost create made -----------------------------------------------


def sent_one_time(end: str | None) -> dict:
    """What a create sent, as it is kept (Datadog's JSON), read back."""
    return parse_attributes(
        {
            "scope": "env:prod",
            "monitor_identifier": {"monitor_tags": ["team:db"]},
            "display_timezone": "UTC",
            "schedule": {"start": None, "end": end},
            "message": "drill",
        }
    )


def test_made_by_matches_what_was_sent_whenever_it_started():
    made = downtime(
        created=NOW,
        message="drill",
        schedule=OneTimeSchedule(NOW + timedelta(seconds=1), NOW + timedelta(hours=2)),
    )
    assert planning.made_by(made, sent_one_time((NOW + timedelta(hours=2)).isoformat()), since=NOW)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"message": "other"}, "another message"),
        ({"created": NOW - timedelta(hours=1)}, "made before the attempt"),
        ({"schedule": OneTimeSchedule(NOW, NOW + timedelta(hours=3))}, "another end"),
        ({"monitor_tags": ("team:web",)}, "other monitors"),
    ],
)
def test_made_by_rejects_a_different_downtime(change, why):
    made = downtime(
        **{
            "created": NOW,
            "message": "drill",
            "schedule": OneTimeSchedule(NOW, NOW + timedelta(hours=2)),
            **change,
        }
    )
    assert not planning.made_by(
        made, sent_one_time((NOW + timedelta(hours=2)).isoformat()), since=NOW
    ), why


def test_made_by_matches_recurrences_sent_without_a_start():
    sent = parse_attributes(
        {
            "scope": "env:prod",
            "schedule": {
                "timezone": "UTC",
                "recurrences": [{"start": None, "duration": "1h", "rrule": "FREQ=DAILY"}],
            },
        }
    )
    made = downtime(
        created=NOW,
        schedule=RecurringSchedule(
            "UTC", (Recurrence("FREQ=DAILY", "1h", datetime(2026, 11, 16, 9, 30)),)
        ),
    )
    assert planning.made_by(made, sent, since=NOW)


@pytest.mark.parametrize(
    ("existing_scope", "draft_scope", "covered"),
    [
        ("env:(prod OR staging)", "env:(staging OR prod) AND service:db", True),
        ("service:db AND env:prod", "env:prod AND service:db", True),
        ("*", "env:prod", True),
        ("env:prod", "*", False),
    ],
)
def test_covering_reads_scopes_in_any_order(existing_scope, draft_scope, covered):
    existing = downtime(scope=existing_scope)
    found = planning.covering(
        [existing], scope=draft_scope, target=Target(tags=("team:db",)), starts=NOW
    )
    assert (found == [existing]) is covered
