"""Planning quick actions within Datadog's rules, and choosing downtimes to cancel in bulk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from downtimes_app.core import schedules
from downtimes_app.core.domain import Downtime, OneTimeSchedule, Recurrence, RecurringSchedule
from downtimes_app.core.scope import ScopeError
from downtimes_app.downtimes import actions, bulk
from tests.factories import NOW

START = NOW - timedelta(hours=1)


def one_time(status="active", start=START, end=NOW + timedelta(minutes=35), **extra) -> Downtime:
    extra.setdefault("scope", "env:prod")
    return Downtime(id="d1", status=status, schedule=OneTimeSchedule(start, end), **extra)


def recurring(status="active") -> Downtime:
    return Downtime(
        id="d2",
        status=status,
        scope="env:prod",
        schedule=RecurringSchedule("UTC", (Recurrence("FREQ=DAILY", "2h", None),)),
    )


def test_end_now_moves_the_end_a_few_seconds_ahead_and_sends_the_start_unchanged():
    patch = actions.plan_end_now(one_time(), NOW)
    assert patch == {
        "schedule": {
            "start": START.isoformat(),
            "end": (NOW + actions.END_NOW_MARGIN).isoformat(),
        }
    }
    assert timedelta(0) < actions.END_NOW_MARGIN <= timedelta(seconds=30)


@pytest.mark.parametrize(
    ("downtime", "reason"),
    [
        (one_time(status="scheduled", start=NOW + timedelta(hours=1)), "window in progress"),
        (one_time(status="ended"), "window in progress"),
        (recurring(), "cannot end or stretch one window of a series"),
        (one_time(end=NOW + timedelta(seconds=5)), "ends within seconds already"),
    ],
)
def test_end_now_is_refused_where_datadog_has_no_such_thing(downtime, reason):
    with pytest.raises(actions.Refused, match=reason):
        actions.plan_end_now(downtime, NOW)


def test_extend_by_moves_the_end_and_keeps_the_start():
    patch, end = actions.plan_extend(one_time(), NOW, by=timedelta(hours=1))
    assert end == NOW + timedelta(minutes=95)
    assert patch["schedule"] == {"start": START.isoformat(), "end": end.isoformat()}


def test_extend_by_on_a_window_without_an_end_ends_it_that_long_from_now():
    _, end = actions.plan_extend(one_time(end=None), NOW, by=timedelta(minutes=30))
    assert end == NOW + timedelta(minutes=30)


def test_end_in_on_a_scheduled_window_without_an_end_counts_from_its_start():
    tomorrow = NOW + timedelta(days=1)
    later = one_time(status="scheduled", start=tomorrow, end=None)
    _, end = actions.plan_extend(later, NOW, by=timedelta(hours=1))
    assert end == tomorrow + timedelta(hours=1)


def test_extend_until_a_later_time():
    until = NOW + timedelta(hours=5)
    _, end = actions.plan_extend(one_time(), NOW, until=until)
    assert end == until


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"until": NOW + timedelta(minutes=10)}, "not later than its current end"),
        ({}, "how long"),
    ],
)
def test_extend_is_refused_for_an_earlier_or_missing_end(kwargs, reason):
    with pytest.raises(actions.Refused, match=reason):
        actions.plan_extend(one_time(), NOW, **kwargs)


def test_extend_until_the_past_is_refused_as_datadog_would():
    with pytest.raises(actions.Refused, match="Datadog refuses an end in the past"):
        actions.plan_extend(one_time(end=None), NOW, until=NOW - timedelta(minutes=1))


@pytest.mark.parametrize("downtime", [recurring(), one_time(status="canceled")])
def test_extend_is_refused_for_series_and_finished_downtimes(downtime):
    with pytest.raises(actions.Refused):
        actions.plan_extend(downtime, NOW, by=timedelta(hours=1))


def test_until_is_read_in_the_viewers_zone():
    tokyo = schedules.get_zone("Asia/Tokyo")
    assert actions.parse_until("2026-11-16T20:00", tokyo) == datetime(2026, 11, 16, 11, tzinfo=UTC)
    with pytest.raises(actions.Refused, match="not a date and time"):
        actions.parse_until("tomorrow", tokyo)


def test_offers_follow_status_and_kind():
    assert actions.offers(one_time()) == actions.Offers(True, True, True, False, ())
    scheduled = actions.offers(one_time(status="scheduled", start=NOW + timedelta(hours=1)))
    assert (scheduled.cancel, scheduled.end_now, scheduled.extend) == (True, False, True)
    assert actions.offers(one_time(end=None)).open_ended
    series = actions.offers(recurring())
    assert (series.cancel, series.end_now, series.extend) == (True, False, False)
    assert series.notes == (actions.RECURRING_NOTE,)
    for finished in ("ended", "canceled"):
        offered = actions.offers(one_time(status=finished))
        assert not (offered.cancel or offered.end_now or offered.extend)


# --- bulk selection -----------------------------------------------------------------------------


def dt(downtime_id: str, scope: str, status: str = "active") -> Downtime:
    return Downtime(id=downtime_id, status=status, scope=scope, schedule=OneTimeSchedule(NOW, None))


SET = [
    dt("a", "env:staging"),
    dt("b", "env:staging AND service:search"),
    dt("c", "service:search AND env:staging", status="scheduled"),
    dt("d", "env:staging", status="canceled"),
    dt("e", "env:staging", status="ended"),
    dt("f", "env:prod"),
    dt("g", "env:(staging OR dev)"),
    dt("h", "*"),
]


def ids(downtimes) -> list[str]:
    return [d.id for d in downtimes]


def test_by_scope_matches_the_same_scope_in_any_term_order_active_or_scheduled_only():
    assert ids(bulk.select_by_scope(SET, "service:search AND env:staging")) == ["b", "c"]
    assert ids(bulk.select_by_scope(SET, "env:staging")) == ["a"]


def test_by_scope_reads_v1_commas_as_and():
    assert ids(bulk.select_by_scope(SET, "env:staging,service:search")) == ["b", "c"]


def test_by_scope_can_include_narrower_scopes():
    assert ids(bulk.select_by_scope(SET, "env:staging", narrower=True)) == ["a", "b", "c"]


def test_value_groups_match_whatever_their_order():
    assert ids(bulk.select_by_scope(SET, "env:(dev OR staging)")) == ["g"]


def test_everything_only_matches_everything_even_when_narrower():
    assert ids(bulk.select_by_scope(SET, "*", narrower=True)) == ["h"]


def test_by_scope_refuses_a_scope_datadog_would_refuse():
    with pytest.raises(ScopeError):
        bulk.select_by_scope(SET, "staging")


def test_by_ids_keeps_the_cancelable_and_says_why_the_others_are_left_out():
    lookup = {d.id: d for d in SET}.get
    chosen, skipped = bulk.select_by_ids(lookup, ["a", "d", "zz", "a", "../x", "c"])
    assert ids(chosen) == ["a", "c"]
    assert [(s.downtime_id, s.reason) for s in skipped] == [
        ("d", "Already canceled."),
        ("zz", "Not in Datadog's current list."),
        ("../x", "Not a downtime id."),
    ]
