"""Judging a scope over every group at once (sets) answers as judging each group on its own."""

from __future__ import annotations

import pytest

from downtimes_app.core.domain import Downtime, Monitor, MonitorGroup, OneTimeSchedule
from downtimes_app.core.scope import judge
from downtimes_app.muting.groups import Groups, groups_of, query_tags

MONITORS = [
    Monitor(
        1,
        "web",
        tags=("team:web", "env:prod"),
        query="avg:lat{service:web,env:prod} by {host} > 1",
        groups=(MonitorGroup("host:web-1", "Alert"), MonitorGroup("host:web-2", "OK")),
    ),
    Monitor(
        2,
        "db",
        tags=("team:db", "env:prod"),
        query='"pg.can_connect".over("service:db","env:prod").by("host").last(2)',
        groups=(MonitorGroup("host:db-1", "Warn"), MonitorGroup("host:DB-2", "OK")),
    ),
    Monitor(
        3,
        "disk",
        tags=("team:web", "env:staging"),
        query="avg:disk{env:staging} by {host,device} > 1",
        groups=(MonitorGroup("device:/dev/sda,host:web-9", "OK"),),
    ),
    Monitor(4, "queue", tags=("team:db",), query="avg:q{*} > 5", overall_state="Alert"),
]
SCOPES = [
    "*",
    "env:prod",
    "host:web-1",
    "host:db-2",  # values match whatever their case
    "host:web-*",
    "-host:web-1",
    "env:prod AND host:(web-1 OR db-1)",
    "env:prod AND -service:web",
    "region:eu",
    "env:prod AND region:eu",
    "env:staging AND (region:eu OR device:/dev/sda)",
    "NOT (env:prod AND region:eu)",
    "service:(web AND db)",
]


@pytest.mark.parametrize("scope", SCOPES)
def test_sets_answer_as_each_group_judged_alone(scope):
    index = Groups(MONITORS)
    selected = index.select(scope)
    verdict = judge(scope)
    for number, group in enumerate(index.groups):
        monitor = next(m for m in MONITORS if m.id == index.owner[number])
        alone = verdict((*group.tags, *query_tags(monitor.query)))
        together = True if number in selected.sure else None if number in selected.maybe else False
        assert together == alone, (scope, group.name)


def test_a_downtimes_monitor_identifier_narrows_what_its_scope_picks():
    index = Groups(MONITORS)

    def names(**target) -> set[str]:
        downtime = Downtime(
            id="d",
            status="active",
            scope=target.pop("scope", "*"),
            schedule=OneTimeSchedule(None, None),
            **target,
        )
        return {index.groups[n].name for n in index.reached(downtime).sure}

    assert names(monitor_id=1) == {"host:web-1", "host:web-2"}
    assert names(monitor_tags=("team:db",)) == {"host:db-1", "host:DB-2", "*"}
    assert names(monitor_tags=("team:db", "env:prod"), scope="host:db-1") == {"host:db-1"}
    assert names(monitor_tags=("*",), scope="env:staging") == {"device:/dev/sda,host:web-9"}
    assert names(monitor_id=99) == set()
    assert index.select("env:prod OR") is None  # refused: mutes nothing


def test_a_monitor_without_groups_is_one_group():
    assert [g.name for g in groups_of(MONITORS[3])] == ["*"]
