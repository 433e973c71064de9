"""Saving as a service: the pure three-way merge of an edit, and the baseline kept on the server.

The whole flow (claim, write, audit, outcome pages) is tested through the form's views in
test_views_schedule.py; here are the decisions it rests on.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from downtimes_app.core.domain import Definition, Downtime, MonitorIdentifier, OneTimeSchedule
from downtimes_app.editing import saving
from tests.factories import NOW

BASE = Definition(
    scope="env:prod",
    monitor_identifier=MonitorIdentifier(monitor_tags=("team:db",)),
    schedule=OneTimeSchedule(NOW, NOW + timedelta(hours=2)),
    message="Failover drill",
)


def edited(definition: Definition = BASE, **changes) -> Definition:
    return dataclasses.replace(definition, **changes)


def test_merge_sends_only_what_i_changed():
    merge = saving.merge_edit(BASE, BASE, edited(message="New runbook"))
    assert merge == saving.Merge({"message": "New runbook"}, (), ())


def test_merge_keeps_what_someone_else_changed_meanwhile():
    theirs = edited(schedule=OneTimeSchedule(NOW, NOW + timedelta(hours=4)))
    merge = saving.merge_edit(BASE, theirs, edited(message="New runbook"))
    assert merge == saving.Merge({"message": "New runbook"}, ("schedule",), ())


def test_merge_names_a_clash_when_both_changed_the_same_attribute_differently():
    merge = saving.merge_edit(BASE, edited(message="Bob's"), edited(message="Alice's"))
    assert merge == saving.Merge({}, (), ("message",))


def test_merge_sends_nothing_when_both_made_the_same_change():
    merge = saving.merge_edit(BASE, edited(message="Same"), edited(message="Same"))
    assert merge == saving.Merge({}, ("message",), ())


def test_merge_ignores_what_datadog_would_store_the_same():
    same = edited(
        scope=" env:prod ",
        monitor_identifier=MonitorIdentifier(monitor_tags=("team:db",)),
        notify_end_states=tuple(reversed(BASE.notify_end_states)),
    )
    assert saving.merge_edit(BASE, BASE, same) == saving.Merge({}, (), ())


def test_merge_without_a_baseline_treats_every_difference_as_a_clash():
    merge = saving.merge_edit(None, edited(message="Bob's"), edited(message="Alice's", scope="*"))
    assert merge == saving.Merge({}, (), ("message", "scope"))


def downtime(modified: datetime) -> Downtime:
    return Downtime.of(BASE, id="d1", status="scheduled", modified=modified)


def test_baseline_is_the_downtime_the_form_was_drawn_from():
    saving.remember_baseline("tok", downtime(NOW))
    later = downtime(NOW + timedelta(minutes=5))
    assert saving.baseline("tok", later, seen=NOW.isoformat()) == BASE


def test_baseline_falls_back_to_the_downtime_when_it_has_not_changed():
    current = downtime(NOW)
    assert saving.baseline("lost", current, seen=NOW.isoformat()) == BASE


def test_baseline_is_unknown_when_lost_and_the_downtime_changed():
    current = downtime(NOW + timedelta(minutes=5))
    assert saving.baseline("lost", current, seen=NOW.isoformat()) is None


def test_a_baseline_is_kept_for_its_own_downtime_only():
    saving.remember_baseline("tok", downtime(NOW))
    other = dataclasses.replace(downtime(NOW + timedelta(minutes=5)), id="d2")
    assert saving.baseline("tok", other, seen=NOW.isoformat()) is None
