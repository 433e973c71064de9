"""What the reminder and message tests share: a local receiver as the destinations, a downtime
made through the form, and a worker's sweep at a moment of the sandbox's clock."""

from __future__ import annotations

from datetime import datetime

from downtimes_app.core.clock import now
from downtimes_app.models import Delivery
from downtimes_app.notify import worker
from sandbox import clock
from tests.editing.support import landed_on_new_downtime, open_form, submit

# The secret parts of the two destinations' URLs: no page or log line may show them.
HOOK_PATH = "/hooks/T0SECRET/xoxb-webhook-secret-9f8e7d"
SLACK_PATH = "/services/T000SECRET/B000SECRET/slacksecret42"


def create_through_form(client, query: dict | None = None, **changes) -> str:
    """A downtime scheduled through the form (its default reminder choice unless changed)."""
    _, data = open_form(client, **(query or {}))
    fields = {"scope": "env:prod", "target": "tags", "monitor_tags": "team:payments"}
    return str(landed_on_new_downtime(submit(client, data, {**fields, **changes})).uuid)


def sweep_at(moment: datetime) -> None:
    """Move the org's clock there and run one worker's sweep (its tasks run where queued)."""
    clock.set_now(moment)
    assert now() == moment
    worker.sweep_once(moment)


def reminders_of(downtime_id: str) -> list[Delivery]:
    return list(Delivery.objects.filter(downtime_id=downtime_id, kind="reminder").order_by("id"))
