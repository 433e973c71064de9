"""Two real Huey consumers on one Redis, as two instances' workers run in production: a write
through the dashboard queues its message once, both consumers sweep every minute, and each event
and each reminder reaches its destination exactly once (each consumer's scheduler queues its
own sweep every minute, and either consumer may run it).

The downtime is saved through the dashboard's own write path (`saving.save_downtime`, in a
`manage.py shell` of the same deployment), so its "created" message goes through the queue on
Redis; its three-minute window is reminded a minute before its end. Waits only end early.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

from tests import webhook_receiver
from tests.notify.support import HOOK_PATH
from tests.processes import (
    ROOT,
    alive,
    manage,
    process_env,
    reap,
    redis_server,
    shared_database,
    wait_until,
)

SAVE = textwrap.dedent(
    """
    from datetime import timedelta
    from django.contrib.auth import get_user_model
    from downtimes_app.core.clock import now
    from downtimes_app.core.domain import Definition, MonitorIdentifier, OneTimeSchedule
    from downtimes_app.editing import saving
    moment = now()
    definition = Definition(
        scope="env:prod",
        monitor_identifier=MonitorIdentifier(monitor_tags=("team:payments",)),
        schedule=OneTimeSchedule(moment, moment + timedelta(minutes=3)),
    )
    user = get_user_model().objects.get(username="demo")
    made = saving.save_downtime(
        user, definition, token="two-consumers", now=moment, remind_to=["hook"]
    )
    print(made.downtime.id)
    """
)


def _sweeps(output: str) -> list[datetime]:
    found = re.findall(r"^(\S+ \S+),\d+ INFO huey: Executing \S+\.sweep:", output, re.M)
    return [datetime.fromisoformat(f).replace(tzinfo=UTC) for f in found]


def test_two_consumers_on_one_redis_send_each_event_and_reminder_once(tmp_path):
    with (
        shared_database(tmp_path) as database,
        redis_server() as redis,
        webhook_receiver.running() as receiver,
    ):
        env = process_env(
            tmp_path,
            TZ="UTC",
            DATABASE_URL=database,
            REDIS_URL=redis,
            DASHBOARD_NOTIFY=f"hook=webhook:{receiver.url(HOOK_PATH)}",
            DASHBOARD_URL="http://127.0.0.1:8000",
            DASHBOARD_REMINDER_MINUTES="1",
        )
        manage(env, "migrate", "--noinput")
        manage(env, "seed_sandbox", "--downtimes", "0")
        manage(env, "ensure_demo_user")
        logs = [(tmp_path / f"consumer-{n}.log").open("w") for n in (1, 2)]
        consumers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "run_huey"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            for log in logs
        ]
        try:
            downtime_id = manage(env, "shell", "--no-imports", "-c", SAVE).stdout.split()[-1]
            wait_until(lambda: receiver.bodies("reminder"), 240, "the reminder")
            sent = datetime.fromtimestamp(receiver.bodies_at("reminder")[0], UTC)

            def swept_twice_since() -> bool:
                outputs = [(tmp_path / f"consumer-{n}.log").read_text() for n in (1, 2)]
                return len([t for o in outputs for t in _sweeps(o) if t > sent]) >= 2

            # Each consumer's scheduler queues a sweep every minute, and either consumer runs
            # it: two sweeps after the reminder, and neither sends it again.
            wait_until(swept_twice_since, 150, "two sweeps after the reminder")
        finally:
            for consumer in consumers:
                consumer.terminate()
            for consumer in consumers:
                consumer.wait(timeout=60)
            reap({c.pid for c in consumers} & alive({c.pid for c in consumers}))
            for log in logs:
                log.close()
    outputs = [(tmp_path / f"consumer-{n}.log").read_text() for n in (1, 2)]
    assert all("INFO huey: Executing " in o for o in outputs)  # both consumers took work
    assert [b["event"] for b in receiver.bodies()] == ["created", "reminder"], outputs
    assert {b["downtime"]["id"] for b in receiver.bodies()} == {downtime_id}
