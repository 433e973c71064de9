"""The background worker's tasks, where Huey's Django integration looks for them
(`manage.py run_huey` imports every installed app's `tasks` module)."""

from downtimes_app.approvals.worker import expire_requests
from downtimes_app.attention.counting import count_behind
from downtimes_app.history.worker import prune
from downtimes_app.notify.worker import check, deliver, sweep
from downtimes_app.recovery.worker import watch_recoveries
from downtimes_app.store.refresh import consumer_here, refresh_behind

__all__ = [
    "check",
    "consumer_here",
    "count_behind",
    "deliver",
    "expire_requests",
    "prune",
    "refresh_behind",
    "sweep",
    "watch_recoveries",
]
