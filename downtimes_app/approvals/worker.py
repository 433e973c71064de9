"""Requests nobody decided in time expire, every minute on every worker (two workers at once
expire each request once: each row is taken by one conditional UPDATE)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from downtimes_app.approvals import deciding
from downtimes_app.core.clock import now


@db_periodic_task(crontab(minute="*"))
def expire_requests() -> None:
    deciding.expire(now())
