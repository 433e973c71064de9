"""The history's story: a downtime made, changed and canceled outside the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sandbox.models import SandboxMonitor
from tests.history.support import later, one_time, refresh


@pytest.fixture
def outside(api, org, frozen_now):
    """The story: made at NOW+1m (muting 10m to 2h later), changed at NOW+31m, canceled at
    NOW+61m, forgotten by the sandbox two days after; the dashboard refreshing throughout."""
    refresh()  # the history begins: everything there is first seen
    monitor = SandboxMonitor.objects.filter(name__startswith="[prod] payments-api").first()
    start = frozen_now + timedelta(minutes=10)
    later(1)
    body = one_time(
        start, start + timedelta(hours=2), monitor_identifier={"monitor_id": monitor.id},
        message="Deploying payments-api",
    )  # fmt: skip
    made = api.post("/api/v2/downtime", body)
    assert made.status_code == 200, made.content
    downtime_id = made.json()["data"]["id"]
    refresh()
    later(30)
    attributes = {"message": "Deploy, second try"}
    change = {"data": {"type": "downtime", "id": downtime_id, "attributes": attributes}}
    assert api.patch(f"/api/v2/downtime/{downtime_id}", change).status_code == 200
    refresh()
    later(30)
    assert api.delete(f"/api/v2/downtime/{downtime_id}").status_code == 204
    refresh()
    later(3 * 24 * 60)
    assert api.get(f"/api/v2/downtime/{downtime_id}").status_code == 404
    refresh()
    later(1)
    refresh()  # gone once two refreshes in a row lack it
    return downtime_id, monitor
