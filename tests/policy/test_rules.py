"""The policy's rules as pure functions: what each refuses, what waits for approval, how an
edit answers only for what it changes, and how a person's groups combine."""

from __future__ import annotations

from datetime import timedelta

from downtimes_app.core.domain import (
    Definition,
    Monitor,
    MonitorIdentifier,
    OneTimeSchedule,
    Recurrence,
    RecurringSchedule,
)
from downtimes_app.policy import rules
from downtimes_app.policy.rules import Need, Policy, Rules
from tests.factories import NOW

DAY = timedelta(days=1)


def one_time(
    hours: float | None,
    *,
    tags=("team:payments",),
    monitor_id=None,
    scope="env:prod",
    message="INC-42 failover",
) -> Definition:
    end = None if hours is None else NOW + timedelta(hours=hours)
    return Definition(
        scope=scope,
        monitor_identifier=MonitorIdentifier(monitor_id, () if monitor_id else tags),
        schedule=OneTimeSchedule(NOW, end),
        message=message,
    )


def weekly(*durations: str) -> Definition:
    return Definition(
        scope="env:prod",
        monitor_identifier=MonitorIdentifier(None, ("team:payments",)),
        schedule=RecurringSchedule(
            "UTC", tuple(Recurrence("FREQ=WEEKLY", d, NOW.replace(tzinfo=None)) for d in durations)
        ),
        message="CHG-7",
    )


def test_max_duration_refuses_a_longer_window_and_one_with_no_end_but_not_one_within():
    limit = Rules(max_duration=DAY)
    assert rules.judge(one_time(24), limit, NOW).clear
    too_long = rules.judge(one_time(25), limit, NOW).breaches
    assert [b.rule for b in too_long] == [rules.MAX_DURATION]
    assert too_long[0].words == "It lasts 25 hours; a window may last at most 1 day."
    endless = rules.judge(one_time(None), limit, NOW).breaches
    assert endless[0].words.startswith("It has no end;")


def test_max_duration_counts_each_recurrence_window_on_its_own():
    limit = Rules(max_duration=timedelta(hours=4))
    assert rules.judge(weekly("2h", "4h"), limit, NOW).clear
    refused = rules.judge(weekly("2h", "1d"), limit, NOW).breaches
    assert refused[0].words.startswith("One of its windows lasts 1 day")


def test_message_pattern_needs_a_match_and_says_it_with_the_hint():
    pattern = Rules(message_pattern="(INC|CHG)-[0-9]+", message_hint="a ticket id such as INC-1234")
    assert rules.judge(one_time(1, message="see CHG-981 for details"), pattern, NOW).clear
    for message in ("failover", None, "INC-"):
        refused = rules.judge(one_time(1, message=message), pattern, NOW).breaches
        assert [(b.part, b.words) for b in refused] == [
            ("message", "The message needs a ticket id such as INC-1234.")
        ]
    bare = Rules(message_pattern="CHG-[0-9]+")
    said = rules.judge(one_time(1, message="x"), bare, NOW).breaches[0].words
    assert said == "The message needs text matching CHG-[0-9]+."


def monitor(number: int, *tags: str) -> Monitor:
    return Monitor(id=number, name=f"m{number}", tags=tags)


def test_allowed_monitor_tags_names_the_monitors_outside_and_lets_the_teams_own_through():
    team = Rules(allowed_monitor_tags=("team:payments",))
    # Aimed by the team's own tag: every monitor it can ever match carries it, no look needed.
    assert rules.judge(one_time(1, tags=("team:payments", "env:prod")), team, NOW).clear
    # Aimed by another tag: the monitors it matches now are looked at.
    mixed = [monitor(1, "team:payments"), monitor(2, "team:search")]
    refused = rules.judge(one_time(1, tags=("env:prod",)), team, NOW, monitors=mixed).breaches
    assert refused[0].words == ("You may mute only monitors tagged team:payments; not “m2” (2).")
    own = [monitor(1, "team:payments", "env:prod")]
    assert rules.judge(one_time(1, tags=("env:prod",)), team, NOW, monitors=own).clear
    # One monitor, by id; every monitor; a target that could not be looked at.
    assert rules.judge(one_time(1, monitor_id=1), team, NOW, monitors=own).clear
    other = rules.judge(one_time(1, monitor_id=2), team, NOW, monitors=[mixed[1]]).breaches
    assert "not “m2” (2)" in other[0].words
    every = rules.judge(one_time(1, tags=("*",)), team, NOW).breaches
    assert "this mutes every monitor" in every[0].words
    unknown = rules.judge(one_time(1, tags=("env:prod",)), team, NOW, monitors=None).breaches
    assert "could not be read from Datadog" in unknown[0].words


def test_approval_for_holds_every_monitor_a_wildcard_scope_and_long_windows_only():
    asks = Rules(
        approval_for=(
            Need(rules.EVERY_MONITOR),
            Need(rules.WILDCARD_SCOPE),
            Need(rules.LONGER_THAN, 3 * DAY),
        )
    )
    assert rules.judge(one_time(72), asks, NOW).clear
    assert [n.kind for n in rules.judge(one_time(73), asks, NOW).needs] == [rules.LONGER_THAN]
    assert [n.kind for n in rules.judge(one_time(1, tags=("*",)), asks, NOW).needs] == [
        rules.EVERY_MONITOR
    ]
    assert [n.kind for n in rules.judge(one_time(1, scope="*"), asks, NOW).needs] == [
        rules.WILDCARD_SCOPE
    ]
    assert [n.kind for n in rules.judge(one_time(None, scope=" "), asks, NOW).needs] == [
        rules.WILDCARD_SCOPE,
        rules.LONGER_THAN,
    ]


def test_a_refused_downtime_is_not_also_asked_about():
    both = Rules(max_duration=DAY, approval_for=(Need(rules.EVERY_MONITOR),))
    verdict = rules.judge(one_time(48, tags=("*",)), both, NOW)
    assert verdict.breaches and verdict.needs == ()


def test_an_edit_answers_only_for_the_rules_that_read_what_it_changes():
    strict = Rules(
        max_duration=DAY, message_pattern="INC-[0-9]+", approval_for=(Need(rules.EVERY_MONITOR),)
    )
    old = one_time(None, tags=("*",), message="made before the policy")
    assert rules.judge(old, strict, NOW, changed=["scope"]).clear
    assert [b.rule for b in rules.judge(old, strict, NOW, changed=["message"]).breaches] == [
        rules.MESSAGE
    ]
    assert [b.rule for b in rules.judge(old, strict, NOW, changed=["schedule"]).breaches] == [
        rules.MAX_DURATION
    ]
    fine = one_time(1, tags=("*",))
    assert rules.judge(fine, strict, NOW, changed=["monitor_identifier"]).needs


def test_a_persons_groups_give_the_most_lenient_of_their_rules_key_by_key():
    base = Rules(max_duration=DAY, message_pattern="INC-[0-9]+")
    payments = Rules(
        max_duration=timedelta(hours=4),
        message_pattern="INC-[0-9]+",
        allowed_monitor_tags=("team:payments",),
        approval_for=(Need(rules.LONGER_THAN, DAY),),
    )
    search = Rules(
        max_duration=2 * DAY,
        message_pattern="",
        allowed_monitor_tags=("team:search",),
        approval_for=(Need(rules.LONGER_THAN, 2 * DAY), Need(rules.WILDCARD_SCOPE)),
    )
    policy = Policy(base, (("payments", payments), ("search", search)))
    assert policy.rules_for(set()) == base
    assert policy.rules_for({"unlisted"}) == base
    assert policy.rules_for({"payments"}) == payments
    both = policy.rules_for({"payments", "search", "viewer"})
    assert both.max_duration == 2 * DAY
    assert both.message_pattern == ""
    assert both.allowed_monitor_tags == ("team:payments", "team:search")
    assert both.approval_for == (Need(rules.LONGER_THAN, 2 * DAY),)


def test_the_rules_in_words_say_each_limit():
    said = Rules(
        max_duration=DAY,
        message_hint="a ticket id",
        message_pattern="INC",
        allowed_monitor_tags=("team:a", "team:b"),
        approval_for=(Need(rules.EVERY_MONITOR), Need(rules.LONGER_THAN, 3 * DAY)),
    ).lines()
    assert said == [
        "A window may last at most 1 day.",
        "The message needs a ticket id.",
        "Only monitors tagged team:a or team:b may be muted.",
        "A second editor approves a downtime of every monitor.",
        "A second editor approves a window longer than 3 days.",
    ]


def test_two_groups_with_different_ticket_patterns_accept_either():
    inc = Rules(message_pattern="INC-[0-9]+", message_hint="an incident id such as INC-1")
    chg = Rules(message_pattern="CHG-[0-9]+", message_hint="a change id such as CHG-1")
    both = Policy(Rules(), (("ops", inc), ("dev", chg))).rules_for({"ops", "dev"})
    assert rules.judge(one_time(1, message="CHG-7 deploy"), both, NOW).clear
    assert rules.judge(one_time(1, message="INC-7 fix"), both, NOW).clear
    refused = rules.judge(one_time(1, message="none"), both, NOW).breaches
    assert refused[0].words == (
        "The message needs an incident id such as INC-1 or a change id such as CHG-1."
    )


def test_long_lengths_read_in_days_and_hours():
    limit = Rules(max_duration=DAY)
    odd = rules.judge(one_time(24 * 23 + 2), limit, NOW).breaches[0].words
    assert odd == "It lasts 23 days 2 hours; a window may last at most 1 day."
