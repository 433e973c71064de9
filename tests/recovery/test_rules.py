"""The rule that says when a downtime "until it recovers" may end: pure, over one look."""

from __future__ import annotations

from datetime import timedelta

from downtimes_app.core.domain import MonitorGroup
from downtimes_app.recovery.rules import look
from tests.factories import NOW

MINUTE = timedelta(minutes=1)
SETTLE = 5 * MINUTE


def group(name: str, status: str, resolved=None) -> MonitorGroup:
    return MonitorGroup(name=name, status=status, last_resolved=resolved)


def looked(groups, *, at, ok_since=None, started=NOW, failed_seen=None):
    """A look at a copy read at `at`."""
    return look(
        groups,
        seen_at=at,
        started=started,
        ok_since=ok_since,
        settle=SETTLE,
        failed_seen=failed_seen,
    )


def test_a_recovered_group_ends_it_after_the_settle_time_and_not_before():
    recovered = [group("host:web-3", "OK", resolved=NOW + 2 * MINUTE)]
    waiting = looked(recovered, at=NOW + 6 * MINUTE)
    assert not waiting.end and waiting.ok_since == NOW + 2 * MINUTE
    done = looked(recovered, at=NOW + 7 * MINUTE, ok_since=waiting.ok_since)
    assert done.end and done.words == "host:web-3 recovered"


def test_a_group_still_alerting_keeps_it_and_forgets_any_earlier_ok():
    found = looked([group("host:web-3", "Alert")], at=NOW + 9 * MINUTE, ok_since=NOW)
    assert not found.end and found.ok_since is None
    assert found.words == "host:web-3 is Alert"


def test_a_group_that_alerted_and_resolved_between_two_looks_restarts_the_wait():
    # The last look saw it OK since NOW; Datadog now says it resolved again at NOW + 4.
    flapped = [group("host:web-3", "OK", resolved=NOW + 4 * MINUTE)]
    found = looked(flapped, at=NOW + 6 * MINUTE, ok_since=NOW)
    assert not found.end and found.ok_since == NOW + 4 * MINUTE
    assert looked(flapped, at=NOW + 9 * MINUTE, ok_since=found.ok_since).end


def test_a_downtime_over_two_groups_waits_for_both():
    one_left = [group("host:web-1", "OK"), group("host:web-2", "Warn")]
    assert not looked(one_left, at=NOW + 30 * MINUTE).end
    both = [group("host:web-1", "OK"), group("host:web-2", "OK", resolved=NOW + 28 * MINUTE)]
    assert not looked(both, at=NOW + 30 * MINUTE).end
    assert looked(both, at=NOW + 33 * MINUTE).end


def test_a_group_already_ok_when_muted_still_gets_its_settle_time_from_the_mute():
    long_ok = [group("host:web-3", "OK", resolved=NOW - 60 * MINUTE)]
    assert not looked(long_ok, at=NOW + 4 * MINUTE).end
    assert looked(long_ok, at=NOW + 5 * MINUTE).end


def test_without_datadogs_times_the_wait_runs_from_the_first_look_that_saw_all_ok():
    quiet = [group("host:web-3", "OK")]
    first = looked(quiet, at=NOW + 10 * MINUTE)
    assert not first.end and first.ok_since == NOW + 10 * MINUTE
    assert looked(quiet, at=NOW + 15 * MINUTE, ok_since=first.ok_since).end


def test_a_copy_read_before_the_mute_or_before_a_failure_was_seen_says_nothing():
    quiet = [group("host:web-3", "OK")]
    before_the_mute = looked(quiet, at=NOW - MINUTE)
    assert not before_the_mute.end and before_the_mute.ok_since is None
    older = looked(quiet, at=NOW + 20 * MINUTE, failed_seen=NOW + 25 * MINUTE)
    assert not older.end and older.ok_since is None


def test_a_failure_seen_bounds_the_recovery_however_old_datadogs_last_resolution_is():
    # A look saw it alerting at NOW + 1; Datadog's `last_resolved` is older than the mute.
    alerting = looked([group("host:web-3", "Alert")], at=NOW + MINUTE)
    assert alerting.failing and alerting.ok_since is None
    stale = [group("host:web-3", "OK", resolved=NOW - 60 * MINUTE)]
    assert looked(stale, at=NOW + 5 * MINUTE, failed_seen=NOW + MINUTE).end is False
    assert looked(stale, at=NOW + 6 * MINUTE, failed_seen=NOW + MINUTE).end is True
