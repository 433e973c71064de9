"""Pruning the record past `DASHBOARD_HISTORY_DAYS`, every hour on the worker.

A version goes once it stopped being Datadog's before the cutoff, but for the one that records
who created the downtime (its "made by" everywhere); a forgotten downtime goes whole once Datadog
forgot it before then. The last version of a downtime Datadog still has is kept however old: it
is what the downtime is now. Deleted in batches, so no one statement holds the table long.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from downtimes_app.core.clock import now as clock
from downtimes_app.history.recording import changed_record
from downtimes_app.models import DowntimeVersion

BATCH = 5000
Event = DowntimeVersion.Event


def _delete(rows: QuerySet) -> int:
    deleted = 0
    while batch := list(rows.values_list("pk", flat=True)[:BATCH]):
        _total, each = DowntimeVersion.objects.filter(pk__in=batch).delete()
        deleted += each.get(DowntimeVersion._meta.label, 0)
    return deleted


def prune_before(cutoff: datetime) -> int:
    """Delete what the record no longer keeps at `cutoff`; how many versions went."""
    versions = DowntimeVersion.objects
    forgotten = versions.filter(event=Event.GONE, valid_until__isnull=True, valid_from__lt=cutoff)
    touched = set(forgotten.values_list("upstream", flat=True))
    deleted = 0
    for upstream in touched:
        ids = list(forgotten.filter(upstream=upstream).values_list("downtime_id", flat=True))
        for at in range(0, len(ids), BATCH):
            chunk = ids[at : at + BATCH]
            deleted += _delete(versions.filter(upstream=upstream, downtime_id__in=chunk))
    old = versions.filter(valid_until__lt=cutoff).exclude(event=Event.CREATED)
    touched |= set(old.values_list("upstream", flat=True).distinct())
    deleted += _delete(old)
    for upstream in touched:
        changed_record(upstream)
    return deleted


@db_periodic_task(crontab(minute="23"))
def prune() -> None:
    days = settings.DASHBOARD_HISTORY_DAYS
    if days > 0:
        prune_before(clock() - timedelta(days=days))
