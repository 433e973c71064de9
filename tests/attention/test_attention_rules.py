"""The rules that find downtimes needing attention: pure functions of records and "now"."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from downtimes_app.attention import rules
from downtimes_app.core.domain import (
    CANCELED,
    ENDED,
    SCHEDULED,
    Downtime,
    Monitor,
    MonitorGroup,
    Recurrence,
    RecurringSchedule,
    Window,
)
from downtimes_app.muting import mutes
from downtimes_app.muting.groups import Groups
from tests import factories
from tests.factories import EVERY_STATE, HOUR, NOW

DAY = timedelta(days=1)

WEB = Monitor(
    id=1,
    name="web latency",
    overall_state="Alert",
    tags=("team:web", "env:prod"),
    query="avg(last_5m):p99:trace.http.request{service:web,env:prod} by {host} > 1",
    groups=(MonitorGroup("host:web-1", "Alert"), MonitorGroup("host:web-2", "OK")),
)
QUIET = Monitor(id=2, name="db health", overall_state="OK", tags=("team:db",), query="x")
MONITORS = (WEB, QUIET)


downtime = partial(
    factories.downtime,
    end=NOW + 4 * HOUR,
    tags=("team:web",),
    notify_end_states=EVERY_STATE,
    notify_end_types=("expired",),
)


def recurring(downtime_id: str, window: Window | None, status: str = SCHEDULED) -> Downtime:
    schedule = RecurringSchedule(
        "Europe/Berlin",
        (Recurrence("FREQ=DAILY;COUNT=3", "1h", datetime(2026, 11, 1, 2, 0)),),
        current_downtime=window,
    )
    return Downtime(
        id=downtime_id,
        status=status,
        scope="env:prod",
        schedule=schedule,
        monitor_tags=("team:web",),
    )


def review(*downtimes: Downtime, monitors=MONITORS, stale_days: int = 7) -> dict[str, list[str]]:
    """Each flagged downtime's id, with the rules it broke, most urgent first."""
    together = mutes.Mutes(downtimes, monitors)
    aftermath_of = partial(mutes.aftermath, monitors=monitors, now=NOW, others=together)
    items = rules.review(
        downtimes,
        NOW,
        stale_days=stale_days,
        monitors=Groups(monitors),
        aftermath_of=aftermath_of,
    )
    return {item.downtime.id: [c.rule for c in item.concerns] for item in items}


def test_an_ordinary_downtime_with_an_end_needs_no_attention():
    assert review(downtime()) == {}


def test_no_end_is_flagged_only_once_it_has_run_longer_than_the_stale_days():
    old = downtime("old", start=NOW - 8 * DAY, end=None)
    young = downtime("young", scope="env:staging", start=NOW - 6 * DAY, end=None)
    assert review(old, young) == {"old": [rules.NO_END]}
    assert review(old, young, stale_days=5) == {"old": [rules.NO_END], "young": [rules.NO_END]}
    [item] = rules.review([old], NOW, stale_days=7, monitors=None, aftermath_of=None)
    assert item.concerns[0].words.startswith("No end: it has muted for 8d, longer than 7 days")
    assert item.actions == ("end",)


def test_a_downtime_already_over_is_never_flagged():
    canceled = downtime("c", start=NOW - 30 * DAY, end=None, status=CANCELED, tags=("nope:x",))
    ended = downtime("e", scope="*", tags=("*",), start=NOW - 9 * DAY, end=NOW - DAY, status=ENDED)
    assert review(canceled, ended) == {}


def test_mutes_nothing_when_the_monitor_is_gone_or_no_monitor_carries_the_tags():
    gone = downtime("gone", monitor_id=99, tags=())
    kept = downtime("kept", monitor_id=WEB.id, tags=())
    nobody = downtime("nobody", tags=("team:web", "env:dev"))  # each tag exists, never together
    assert review(gone, kept, nobody) == {
        "gone": [rules.MUTES_NOTHING],
        "nobody": [rules.MUTES_NOTHING],
    }
    [item] = rules.review([gone], NOW, stale_days=7, monitors=Groups(MONITORS), aftermath_of=None)
    assert item.concerns[0].words == "Mutes nothing: monitor 99 no longer exists."
    assert item.actions == ("cancel",)


def test_mutes_nothing_when_the_scope_matches_none_of_its_monitors_groups():
    # WEB's query filters every group on env:prod: `env:staging AND host:web-1` surely misses.
    missing = downtime("missing", scope="env:staging AND host:web-1", monitor_id=WEB.id, tags=())
    hits = downtime("hits", scope="host:web-2", monitor_id=WEB.id, tags=())
    perhaps = downtime("perhaps", scope="region:eu", monitor_id=WEB.id, tags=())  # unknown key
    ungrouped = downtime("ungrouped", scope="env:staging", monitor_id=QUIET.id, tags=())
    assert review(missing, hits, perhaps, ungrouped) == {"missing": [rules.MUTES_NOTHING]}
    [item] = rules.review(
        [missing], NOW, stale_days=7, monitors=Groups(MONITORS), aftermath_of=None
    )
    assert item.concerns[0].words == (
        "Mutes nothing: its scope env:staging AND host:web-1 matches none of the groups "
        "monitor 1 reports."
    )


def test_mutes_nothing_is_not_said_of_a_monitor_with_no_groups_reported_yet_or_a_perhaps():
    # Grouped by host, but Datadog has reported no group yet: nothing to judge the scope by.
    fresh = Monitor(id=3, name="new", query="avg:cpu{env:prod} by {host} > 1", overall_state="OK")
    waiting = downtime("waiting", scope="host:web-9", monitor_id=fresh.id, tags=())
    # On WEB, `region` is a tag its groups are not known by: perhaps muted, never "nothing".
    perhaps = downtime("perhaps", scope="host:web-1 AND region:eu", monitor_id=WEB.id, tags=())
    items = rules.review(
        [waiting, perhaps],
        NOW,
        stale_days=7,
        monitors=Groups((*MONITORS, fresh)),
        aftermath_of=None,
    )
    assert [c.rule for i in items for c in i.concerns if c.rule == rules.MUTES_NOTHING] == []
    together = mutes.Mutes([waiting, perhaps], (*MONITORS, fresh))
    assert together.missing(fresh) == [] and together.missing(WEB) == []


def test_the_monitor_page_names_downtimes_aimed_at_it_whose_scope_misses_every_group():
    missing = downtime("missing", scope="env:staging", monitor_id=WEB.id, tags=())
    hits = downtime("hits", scope="host:web-2", monitor_id=WEB.id, tags=())
    elsewhere = downtime("elsewhere", scope="env:staging", monitor_id=QUIET.id, tags=())
    together = mutes.Mutes([missing, hits, elsewhere], MONITORS)
    assert together.missing(WEB) == [missing]
    assert together.missing(QUIET) == []  # not grouped: nothing to judge against


def test_without_the_monitor_copy_the_monitor_rules_are_not_guessed():
    gone = downtime("gone", monitor_id=99, tags=(), end=NOW + 30 * timedelta(minutes=1))
    assert rules.review([gone], NOW, stale_days=7, monitors=None, aftermath_of=None) == []


def test_too_wide_means_every_monitor_or_every_group_for_longer_than_a_day():
    every_monitor = downtime("all", tags=("*",), end=NOW + 2 * DAY)
    every_group = downtime("groups", scope="*", end=None, start=NOW - HOUR)
    short = downtime("short", scope="*", tags=("*",), start=NOW + 3 * DAY, end=NOW + 4 * DAY)
    narrow = downtime("narrow", tags=("team:db",), end=NOW + 5 * DAY)
    found = review(every_monitor, every_group, short, narrow)
    assert found == {"all": [rules.TOO_WIDE], "groups": [rules.TOO_WIDE]}
    [item] = rules.review([every_monitor], NOW, stale_days=7, monitors=None, aftermath_of=None)
    assert item.concerns[0].words.startswith("Mutes every monitor for 2d")


def test_will_notify_when_it_ends_within_the_hour_over_an_alerting_monitor():
    alerting = downtime("alerting", end=NOW + 20 * timedelta(minutes=1))
    calm = downtime("calm", tags=("team:db",), scope="*", end=NOW + 20 * timedelta(minutes=1))
    later = downtime("later", scope="env:staging", end=NOW + 2 * HOUR)
    assert review(alerting, calm, later) == {"alerting": [rules.WILL_NOTIFY]}
    items = rules.review(
        [alerting],
        NOW,
        stale_days=7,
        monitors=Groups(MONITORS),
        aftermath_of=partial(mutes.aftermath, monitors=MONITORS, now=NOW),
    )
    assert items[0].concerns[0].words == (
        "Ends in 20m. If this ended now, 1 monitor would notify (1 Alert)."
    )
    assert items[0].actions == ("extend",)


def test_a_recurring_series_with_no_window_left_is_flagged():
    past = recurring("past", Window(NOW - 3 * DAY, NOW - 3 * DAY + HOUR))
    never = recurring("never", None)
    coming = recurring("coming", Window(NOW + DAY, NOW + DAY + HOUR))
    assert review(past, never, coming) == {"past": [rules.NO_WINDOW], "never": [rules.NO_WINDOW]}


def test_of_two_muting_the_same_the_narrower_or_else_the_later_is_the_duplicate():
    first = downtime("first", scope="env:prod", created=NOW - 2 * HOUR)
    alike = downtime("alike", scope="env:prod", created=NOW - HOUR)
    narrow = downtime("narrow", scope="env:prod AND host:web-1", created=NOW - 3 * HOUR)
    elsewhere = downtime("elsewhere", scope="env:staging", created=NOW - HOUR)
    apart = downtime("apart", start=NOW + 5 * HOUR, end=NOW + 6 * HOUR, created=NOW)
    other_target = downtime("other", tags=("team:db",), created=NOW)
    found = review(first, alike, narrow, elsewhere, apart, other_target)
    assert found == {"alike": [rules.DUPLICATE], "narrow": [rules.DUPLICATE]}
    assert rules.duplicates([first, alike], NOW)["alike"].other.id == "first"
    # The narrower is named though it was made first; a twin made later is the other way round.
    assert rules.duplicates([narrow, first], NOW)["narrow"].other.id == "first"
    assert set(rules.duplicates([narrow, first], NOW)) == {"narrow"}


def test_rows_come_most_urgent_first_with_every_reason_each_row_has():
    stale_and_wide = downtime("wide", scope="*", tags=("team:db",), start=NOW - 9 * DAY, end=None)
    ending = downtime("ending", end=NOW + 10 * timedelta(minutes=1))
    found = review(stale_and_wide, ending)
    assert list(found) == ["ending", "wide"]
    assert found["wide"] == [rules.NO_END, rules.TOO_WIDE]
    item = rules.review([stale_and_wide], NOW, stale_days=7, monitors=None, aftermath_of=None)[0]
    assert item.actions == ("end", "edit")


def test_a_review_that_keeps_what_the_last_one_found_answers_as_a_fresh_one():
    first = downtime("first", scope="env:prod", created=NOW - 2 * HOUR)
    other = downtime("other", scope="env:staging", start=NOW - 8 * DAY, end=None)
    ending = downtime("ending", scope="env:qa", end=NOW + 10 * timedelta(minutes=1))
    before = [first, other, ending]
    kept = rules.Kept()

    def both(records):
        fresh = rules.review(
            records, NOW, stale_days=7, monitors=Groups(MONITORS), aftermath_of=None
        )
        again = rules.review(
            records, NOW, stale_days=7, monitors=Groups(MONITORS), aftermath_of=None, kept=kept
        )
        as_ids = lambda items: [(i.downtime.id, [c.words for c in i.concerns]) for i in items]  # noqa: E731
        return as_ids(fresh), as_ids(again)

    fresh, again = both(before)
    assert fresh == again and [i for i, _ in fresh] == ["other"]
    # A write: "other" gets an end, and a new one repeats "first"; the rest are the same objects.
    ended = downtime("other", scope="env:staging", start=NOW - 8 * DAY, end=NOW + 4 * HOUR)
    repeat = downtime("repeat", scope="env:prod AND host:web-1", created=NOW)
    fresh, again = both([first, ended, ending, repeat])
    assert fresh == again and [i for i, _ in fresh] == ["repeat"]
