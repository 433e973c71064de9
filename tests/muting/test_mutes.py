"""Which downtimes mute which monitor groups, now, later and before, and what would notify if
one ended: pure functions of records and "now"."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from downtimes_app.core.domain import (
    CANCELED,
    ENDED,
    SCHEDULED,
    Monitor,
    MonitorGroup,
)
from downtimes_app.core.scope import judge
from downtimes_app.muting import mutes
from tests import factories
from tests.factories import EVERY_STATE, HOUR, NOW

WEB = Monitor(
    id=1,
    name="web latency",
    overall_state="Alert",
    tags=("team:web", "env:prod"),
    query="avg(last_5m):p99:trace.http.request{service:web,env:prod} by {host} > 1",
    groups=(
        MonitorGroup("host:web-1", "Alert"),
        MonitorGroup("host:web-2", "OK"),
        MonitorGroup("host:web-3", "No Data"),
    ),
)
DB = Monitor(
    id=2,
    name="db health",
    overall_state="Warn",
    tags=("team:db", "env:prod"),
    query='"postgres.can_connect".over("service:db","env:prod").by("host").last(3)',
    groups=(MonitorGroup("host:db-1", "Warn"), MonitorGroup("host:db-2", "OK")),
)
SIMPLE = Monitor(id=3, name="queue depth", overall_state="Alert", tags=("team:web",), query="x")


downtime = partial(
    factories.downtime, scope="*", notify_end_states=EVERY_STATE, notify_end_types=("expired",)
)


# --- what a group is known by -----------------------------------------------------------------


def test_query_tags_are_the_filter_every_group_shares():
    assert mutes.query_tags(WEB.query) == ("env:prod", "service:web")
    assert mutes.query_tags(DB.query) == ("env:prod", "service:db")  # a service check's over()
    two = "sum:a{service:x,env:prod}.as_count() / sum:b{service:x,region:eu}.as_count()"
    assert mutes.query_tags(two) == ("service:x",)  # only what every filter says
    assert mutes.query_tags("avg:cpu{*,!env:dev,host:web-*} by {host}") == ()


def test_a_scope_on_tags_a_group_is_not_known_by_cannot_be_settled():
    verdict = judge("env:prod AND region:eu")
    assert verdict(("host:web-1", "env:prod")) is None
    assert verdict(("host:web-1", "env:staging")) is False  # known, and wrong
    assert judge("-region:eu")(("host:web-1",)) is None
    assert judge("host:(web-1 OR web-2)")(("host:web-2",)) is True
    either = judge("env:prod AND (region:eu OR host:web-2)")
    assert either(("host:web-2", "env:prod")) is True  # one part of the OR decides
    assert either(("host:web-1", "env:prod")) is None


# --- what a downtime reaches ------------------------------------------------------------------


def test_a_downtime_by_id_with_a_host_scope_mutes_that_group_only():
    reached = mutes.reach(downtime(scope="host:web-1", monitor_id=1), WEB)
    assert [g.name for g in reached.groups] == ["host:web-1"]
    assert not reached.whole and reached.maybe == ()
    assert mutes.reach(downtime(scope="host:web-1", monitor_id=2), WEB) is None


def test_a_tag_downtime_reaches_monitors_with_all_its_tags_and_the_query_filter_counts():
    reached = mutes.reach(downtime(scope="env:prod", tags=("team:web",)), WEB)
    assert reached.whole  # every group shares the query's env:prod
    assert mutes.reach(downtime(scope="env:prod", tags=("team:web", "team:db")), WEB) is None
    assert mutes.reach(downtime(scope="env:staging", tags=("team:web",)), WEB) is None


def test_groups_a_scope_may_mute_are_perhaps_not_surely():
    reached = mutes.reach(downtime(scope="env:prod AND region:eu", monitor_id=1), WEB)
    assert reached.groups == () and len(reached.maybe) == 3


def test_a_monitor_without_groups_is_one_group_in_its_own_state():
    reached = mutes.reach(downtime(tags=("*",)), SIMPLE)
    assert [g.name for g in reached.groups] == ["*"] and reached.whole
    assert reached.groups[0].status == "Alert"


# --- now, later, before ---------------------------------------------------------------------------


def test_muted_now_says_until_when_and_which_groups():
    index = mutes.Mutes(
        [
            downtime("a", scope="host:web-1", monitor_id=1, end=NOW + HOUR),
            downtime("b", scope="host:web-3", monitor_id=1, end=NOW + 2 * HOUR),
            downtime("later", monitor_id=2, start=NOW + HOUR, end=NOW + 2 * HOUR, status=SCHEDULED),
        ],
        [WEB, DB, SIMPLE],
    )
    muted = index.muted(WEB, NOW)
    assert muted.groups == {"host:web-1", "host:web-3"} and not muted.whole
    assert muted.until == NOW + 2 * HOUR
    assert index.muted(DB, NOW) is None
    assert set(index.muted_now(NOW)) == {1}
    assert [r.downtime.id for r in index.later(DB, NOW)] == ["later"]
    # When the clock passes the scheduled one's start, the answer for everyone moves with it.
    assert set(index.muted_now(NOW + HOUR + timedelta(minutes=1))) == {1, 2}
    assert set(index.muted_now(NOW + 3 * HOUR)) == set()


def test_no_end_means_muted_with_no_end():
    index = mutes.Mutes([downtime(tags=("team:web",), end=None)], [WEB])
    muted = index.muted(WEB, NOW)
    assert muted.whole and muted.until is None


def test_ended_and_canceled_ones_are_before_latest_first():
    over = [
        downtime("old", monitor_id=1, start=NOW - 9 * HOUR, end=NOW - 8 * HOUR, status=ENDED),
        downtime("recent", monitor_id=1, start=NOW - 3 * HOUR, end=NOW - 2 * HOUR, status=ENDED),
        downtime("called-off", monitor_id=1, status=CANCELED, canceled=NOW - 5 * HOUR),
        downtime("live", monitor_id=1),
        downtime("elsewhere", monitor_id=2, end=NOW - HOUR, status=ENDED),
    ]
    assert [r.downtime.id for r in mutes.before(over, WEB, NOW)] == [
        "recent",
        "called-off",
        "old",
    ]


# --- if it ended now ------------------------------------------------------------------------------


def test_if_it_ended_now_the_monitors_in_notify_states_would_notify():
    ending = downtime(scope="env:prod", tags=("env:prod",))
    result = mutes.aftermath(ending, [WEB, DB, SIMPLE], NOW)
    assert [a.monitor.id for a in result.affected] == [1, 2]  # Alert first, then Warn
    assert [a.state for a in result.affected] == ["Alert", "Warn"]
    assert result.sentence == "If this ended now, 2 monitors would notify (1 Alert, 1 Warn)."


def test_groups_another_downtime_keeps_muted_would_not_notify():
    ending = downtime("ending", scope="env:prod", monitor_id=1)
    other = downtime("other", scope="host:(web-1 OR web-3)", monitor_id=1, end=NOW + 5 * HOUR)
    result = mutes.aftermath(ending, [WEB], NOW, others=mutes.Mutes([ending, other], [WEB]))
    assert result.would_notify == 0 and result.kept == 1
    assert result.sentence == (
        "If this ended now, no monitor would notify: another downtime keeps the 1 monitor in "
        "Alert, No Data or Warn quiet."
    )
    alone = mutes.aftermath(ending, [WEB], NOW)
    assert alone.sentence == "If this ended now, 1 monitor would notify (1 Alert)."


def test_a_downtime_set_not_to_notify_on_end_says_so():
    ending = downtime(scope="host:web-1", monitor_id=1, notify_end_types=())
    result = mutes.aftermath(ending, [WEB], NOW)
    assert result.would_notify == 0
    assert "set not to notify when it ends" in result.sentence
    assert "1 monitor it mutes would go on alerting (1 Alert)" in result.sentence


def test_the_quick_would_notify_agrees_with_the_whole_aftermath():
    kept = downtime("kept", scope="env:prod", monitor_id=1)
    keeper = downtime("keeper", scope="host:(web-1 OR web-3)", monitor_id=1, end=NOW + 5 * HOUR)
    calm = downtime("calm", scope="host:web-2", monitor_id=1)
    quiet_end = downtime("quiet", scope="host:web-1", monitor_id=2, notify_end_types=())
    alerting = downtime("alerting", scope="*", tags=("team:db",))
    every = [kept, keeper, calm, quiet_end, alerting]
    index = mutes.Mutes(every, [WEB, DB, SIMPLE])
    quick = {d.id: index.would_notify(d, NOW) for d in every}
    whole = {
        d.id: bool(mutes.aftermath(d, [WEB, DB, SIMPLE], NOW, others=index).would_notify)
        for d in every
    }
    assert quick == whole
    assert quick == {
        "kept": False,
        "keeper": False,
        "calm": False,
        "quiet": False,
        "alerting": True,
    }


def test_one_that_has_not_started_speaks_of_the_states_as_they_are():
    ending = downtime(scope="host:web-3", monitor_id=1, start=NOW + HOUR, status=SCHEDULED)
    sentence = mutes.aftermath(ending, [WEB], NOW).sentence
    assert sentence == "Were it to end while these states hold, 1 monitor would notify (1 No Data)."


def test_monitors_it_may_mute_are_counted_apart():
    ending = downtime(scope="region:eu", tags=("env:prod",))
    result = mutes.aftermath(ending, [WEB, DB], NOW)
    assert result.affected == () and result.perhaps == 2
    assert "may also mute 2 more monitors" in result.sentence
    assert mutes.aftermath(downtime(monitor_id=99), [WEB], NOW).sentence.startswith(
        "It mutes no monitor right now"
    )
