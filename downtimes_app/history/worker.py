"""Pruning the record past `DASHBOARD_HISTORY_DAYS`, every hour on the worker.

A version goes once it stopped being Datadog's before the cutoff; a forgotten downtime goes
whole once Datadog forgot it before then. The last version of a downtime Datadog still has is
kept however old: it is what the downtime is now. Deleted in batches, so no one statement holds
the table long.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from downtimes_app.core.clock import now as clock
from downtimes_app.models import DowntimeVersion

BATCH = 5000


def prune_before(cutoff: datetime) -> int:
    """Delete what the record no longer keeps at `cutoff`; how many versions went."""
    old = DowntimeVersion.objects.filter(
        Q(valid_until__lt=cutoff) | Q(event=DowntimeVersion.Event.GONE, valid_from__lt=cutoff)
    )
    deleted = 0
    while True:
        batch = list(old.values_list("pk", flat=True)[:BATCH])
        if not batch:
            return deleted
        _total, each = DowntimeVersion.objects.filter(pk__in=batch).delete()
        deleted += each.get(DowntimeVersion._meta.label, 0)


@db_periodic_task(crontab(minute="23"))
def prune() -> None:
    days = settings.DASHBOARD_HISTORY_DAYS
    if days > 0:
        prune_before(clock() - timedelta(days=days))
