"""What the recovery tests share: a quick mute "until it recovers" through the page, and the
worker's look at a moment of the sandbox's clock, over copies read afresh."""

from __future__ import annotations

from datetime import datetime

from downtimes_app import store
from downtimes_app.recovery import watching
from downtimes_app.store import monitors as monitor_copy
from sandbox import clock
from sandbox.models import SandboxDowntime
from tests.html_forms import as_post
from tests.monitors.support import confirmation, mute_url


def mute_until_recovered(client, monitor, group: str = "", cap: str = "4h") -> SandboxDowntime:
    query = {"duration": "recovers", **({"group": group} if group else {})}
    _, data = confirmation(client, monitor, **query)
    answer = client.post(mute_url(monitor), as_post(data, cap=cap))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return SandboxDowntime.objects.order_by("-id").first()


def moment_is(moment: datetime) -> None:
    """The sandbox's clock at `moment`, and the copies to be read afresh from it."""
    clock.set_now(moment)
    store.invalidate()
    monitor_copy.invalidate()


def look_at(moment: datetime) -> list[str]:
    """The worker's every-minute look at `moment`, as the copies have it then."""
    moment_is(moment)
    return watching.check_all(moment)
