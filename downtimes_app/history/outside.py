"""Word of changes made outside the dashboard, to the destinations `DASHBOARD_NOTIFY_OUTSIDE`
names: a downtime created, changed or canceled in Datadog's UI, by Terraform or by a script.

A version first seen when the history begins (or after a change of org) is not news, nor is
Datadog forgetting a downtime, nor one coming back as it was after a refresh missed it. Each
message is a `Delivery` made once per version and destination (a unique constraint), sent once
by the worker, as every other message is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings

from downtimes_app.core.clock import now as clock
from downtimes_app.models import DowntimeVersion
from downtimes_app.notify import outbox, worker

log = logging.getLogger(__name__)
# Sent this long after it is seen: a write through the dashboard that a refresh saw before the
# write's own record names its person well within it (`recording._claim`), and then the
# message is not sent (`notify.send`).
LATER = timedelta(seconds=30)
NEWS = (
    DowntimeVersion.Event.CREATED,
    DowntimeVersion.Event.CHANGED,
    DowntimeVersion.Event.CANCELED,
)


def announce(version_ids: Iterable[int]) -> list[int]:
    """The messages for the versions among these that record a change made outside."""
    if not settings.DASHBOARD_NOTIFY_OUTSIDE:
        return []
    rows = DowntimeVersion.objects.filter(pk__in=list(version_ids), actor="", event__in=NEWS)
    # A downtime back after a refresh missed it, as it was: nothing anyone changed.
    rows = rows.exclude(event=DowntimeVersion.Event.CHANGED, changed=[])
    made = []
    due = clock() + LATER
    for version_id, downtime_id in rows.values_list("pk", "downtime_id"):
        made += outbox.tell_outside(version_id, downtime_id, due)
    for delivery_id in made:
        worker.deliver.schedule((delivery_id,), delay=LATER.total_seconds())
    return made
