"""The every-minute look at downtimes that end when they recover, as a Huey task on every
worker (two workers looking at once end a downtime once: `watching.end` claims it first)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from downtimes_app.core.clock import now
from downtimes_app.recovery import watching


@db_periodic_task(crontab(minute="*"))
def watch_recoveries() -> None:
    watching.check_all(now())
