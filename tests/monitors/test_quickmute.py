"""Planning a quick mute: what goes quiet (a monitor, or one group as the scope), for how long,
and the link a monitor's alert carries to it. Pure: records and "now" in, a plan or a refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from downtimes_app.core.domain import Monitor, MonitorGroup, OneTimeSchedule
from downtimes_app.monitors import quickmute
from tests.factories import NOW

BERLIN = ZoneInfo("Europe/Berlin")
WEB = Monitor(
    id=4711,
    name="web latency",
    overall_state="Alert",
    query="avg(last_5m):avg:lat{env:prod} by {host,env} > 1",
    groups=(
        MonitorGroup("env:prod,host:web-1", "OK"),
        MonitorGroup("env:prod,host:web-3", "Alert"),
    ),
)
SIMPLE = Monitor(id=7, name="queue depth", overall_state="OK", query="avg:q{*} > 5")


def test_a_group_becomes_the_scope_and_the_window_runs_from_now():
    chosen = quickmute.target(WEB, "host:web-3,env:prod")  # any order
    assert chosen.group is WEB.groups[1]
    plan = quickmute.plan(chosen, NOW, duration="1h", zone=BERLIN, message=" Deploy ")
    definition = plan.definition
    assert definition.scope == "env:prod AND host:web-3"
    assert definition.monitor_identifier.monitor_id == 4711
    assert definition.schedule == OneTimeSchedule(start=None, end=NOW + timedelta(hours=1))
    assert definition.message == "Deploy" and definition.display_timezone == "Europe/Berlin"
    words = quickmute.quiet_words(plan, BERLIN, NOW)
    assert words == (
        "env:prod,host:web-3 of \u201cweb latency\u201d (Alert now) stops notifying until "
        "Today 11:30 CET (1 hour)."
    )


def test_the_whole_monitor_is_every_scope():
    plan = quickmute.plan(quickmute.target(WEB, ""), NOW, duration="30m", zone=BERLIN)
    assert plan.definition.scope == "*" and plan.end == NOW + timedelta(minutes=30)
    assert quickmute.quiet_words(plan, BERLIN, NOW).startswith(
        "all 2 groups of \u201cweb latency\u201d (Alert now)"
    )


def test_until_a_chosen_time_is_read_in_the_viewers_zone():
    plan = quickmute.plan(
        quickmute.target(SIMPLE), NOW, duration="until", until="2026-11-16T18:00", zone=BERLIN
    )
    assert plan.end == datetime(2026, 11, 16, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("duration", "until", "says"),
    [
        ("2h", "", "Choose 30 minutes, 1 hour, 4 hours"),
        ("until", "", "Say until when"),
        ("until", "yesterday", "a date and time"),
        ("until", "2026-11-16T10:00", "That time has passed"),
        ("until", "2040-01-01T00:00", "more than ten years"),
    ],
)
def test_lengths_it_cannot_plan_are_refused_in_words(duration, until, says):
    with pytest.raises(quickmute.Refused, match=says):
        quickmute.plan(quickmute.target(SIMPLE), NOW, duration=duration, until=until, zone=BERLIN)


def test_a_group_datadog_has_not_reported_is_muted_by_its_tags_with_a_notice():
    chosen = quickmute.target(WEB, "host:web-9,env:prod")
    assert chosen.group is None and chosen.scope == "env:prod AND host:web-9"
    assert "has not reported a group" in chosen.notice


@pytest.mark.parametrize(
    ("group", "says"),
    [
        ("host:", "is not a group"),  # an alert's variable that came out empty
        ("web-3", "is not a group"),
        ("service:api", "groups by env, host"),
        ("env:prod,host:web (3)", "is not one group"),
    ],
)
def test_groups_that_are_not_the_monitors_are_refused(group, says):
    with pytest.raises(quickmute.Refused, match=says):
        quickmute.target(WEB, group)


@pytest.mark.parametrize(
    "pattern",
    [
        "host:*",
        "host:web*",
        "host:web-?",
        "host:(web-1 OR web-3)",
        "host:web-1 OR host:web-3",
        "env:prod,-host:web-1",
        "env:prod AND NOT host:web-1",
        'host:"web-3"',
        "env:prod,host:web-3)",
        "env:prod AND host:web-1",  # a scope, not a group: Datadog joins a group's tags by commas
        "env:prod host:web-1",
        "NOT host:web-1",
        "-host:web-1,env:prod",
        "(env:prod,host:web-1)",
        "env:prod,host:web-1 OR",
    ],
)
def test_a_pattern_is_never_one_group_and_points_to_the_full_form(pattern):
    with pytest.raises(quickmute.Refused, match=r"is not one group.*use the full form"):
        quickmute.target(WEB, pattern)


def test_one_group_is_a_reported_name_or_key_value_pairs_and_mutes_that_group_only():
    by_name = quickmute.target(WEB, "env:prod,host:web-3")
    assert by_name.group is WEB.groups[1] and by_name.scope == "env:prod AND host:web-3"
    dotted = quickmute.target(WEB, "env:prod,host:ip-10-0-0-1.ec2.internal")
    assert dotted.scope == "env:prod AND host:ip-10-0-0-1.ec2.internal"


def test_quickmute_target_names_the_reported_group_its_scope_mutes_however_it_was_spelled():
    # A scope matches values regardless of case: `host:WEB-3` mutes the reported host:web-3,
    # so the confirmation names that group rather than one "Datadog has not reported".
    chosen = quickmute.target(WEB, "host:WEB-3,env:prod")
    assert chosen.group is WEB.groups[1] and not chosen.notice
    assert chosen.group_name == "env:prod,host:web-3"


def test_quickmute_target_takes_any_reported_group_a_scope_names_exactly():
    logs = Monitor(
        id=9,
        name="errors by status",
        query='logs("status:error").index("*").rollup("count").by("@http.status_code") > 5',
        groups=(
            MonitorGroup("@http.status_code:500", "Alert"),
            MonitorGroup("@http.status_code:502"),
        ),
    )
    chosen = quickmute.target(logs, "@http.status_code:500")
    assert chosen.group is logs.groups[0] and chosen.scope == "@http.status_code:500"
    spaced = Monitor(id=10, name="x", groups=(MonitorGroup("error:conn refused", "Alert"),))
    with pytest.raises(quickmute.Refused, match="is not one group"):
        quickmute.target(spaced, "error:conn refused")  # as a scope, two terms


def test_quickmute_target_refuses_a_group_whose_scope_would_mute_other_reported_groups():
    mixed = Monitor(
        id=11,
        name="mixed",
        groups=(MonitorGroup("host:a", "Alert"), MonitorGroup("env:prod,host:a", "OK")),
    )
    with pytest.raises(quickmute.Refused, match=r"would mute 2 groups.*env:prod,host:a"):
        quickmute.target(mixed, "host:a")
    assert quickmute.target(mixed, "env:prod,host:a").group is mixed.groups[1]


def test_a_monitor_that_is_not_grouped_has_no_groups_to_mute():
    with pytest.raises(quickmute.Refused, match="is not grouped"):
        quickmute.target(SIMPLE, "host:web-1")
    assert quickmute.target(SIMPLE, "*").whole


def test_the_alert_link_carries_datadogs_tag_variables_for_the_keys_it_groups_by():
    assert quickmute.alert_link_query(WEB) == "group=env:{{env.name}},host:{{host.name}}"
    ungrouped_yet = Monitor(id=9, name="new", query="avg:cpu{env:prod} by {host,device} > 9")
    assert (
        quickmute.alert_link_query(ungrouped_yet)
        == "group=host:{{host.name}},device:{{device.name}}"
    )
    assert quickmute.alert_link_query(SIMPLE) == ""
