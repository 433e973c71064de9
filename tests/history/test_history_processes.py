"""All of it survives a restart: one process records a downtime made, changed and canceled
outside the dashboard; another, started afresh on the same database (nothing in memory, the
cache emptied), shows its page, its moment and its monitor after the sandbox forgot it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.processes import ROOT, manage, process_env, shared_database

RECORD = textwrap.dedent(
    """
    import json, threading
    from datetime import datetime, timedelta, UTC
    from django.test import Client
    from downtimes_app import store
    from sandbox import clock
    from sandbox.models import SandboxMonitor

    keys = {"DD-API-KEY": "sandbox-api-key", "DD-APPLICATION-KEY": "sandbox-app-key"}
    sandbox = Client(headers=keys)
    def refresh():  # and wait for what the refresh's thread records
        store.invalidate()
        store.current()
        for thread in threading.enumerate():
            if thread.name.endswith("-refresh"):
                thread.join()
    start = datetime.now(UTC) - timedelta(days=3)
    clock.set_now(start)
    refresh()
    monitor = SandboxMonitor.objects.filter(name__startswith="[prod] payments-api").first()
    clock.set_now(start + timedelta(minutes=1))
    schedule = {"start": (start + timedelta(minutes=10)).isoformat(),
                "end": (start + timedelta(hours=2)).isoformat()}
    body = {"data": {"type": "downtime", "attributes": {
        "scope": "env:prod", "monitor_identifier": {"monitor_id": monitor.id},
        "schedule": schedule, "message": "Made by terraform"}}}
    made = sandbox.post("/sandbox/api/v2/downtime", json.dumps(body), "application/json")
    downtime_id = made.json()["data"]["id"]
    refresh()
    clock.set_now(start + timedelta(minutes=30))
    change = {"data": {"type": "downtime", "id": downtime_id,
                       "attributes": {"message": "Changed in Datadog's UI"}}}
    sandbox.patch(f"/sandbox/api/v2/downtime/{downtime_id}", json.dumps(change),
                  "application/json")
    refresh()
    clock.set_now(start + timedelta(minutes=60))
    sandbox.delete(f"/sandbox/api/v2/downtime/{downtime_id}")
    refresh()
    clock.set_now(None)
    refresh()
    refresh()  # gone once two refreshes in a row lack it
    print(json.dumps({"id": downtime_id, "monitor": monitor.id,
                      "active": (start + timedelta(minutes=45)).isoformat()}))
    """
)

READ = textwrap.dedent(
    """
    import json, os
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.test import Client
    cache.clear()
    told = json.loads(os.environ["TOLD"])
    client = Client()
    client.force_login(User.objects.get(username="demo"))
    page = client.get(f"/downtimes/{told['id']}/").content.decode()
    moment = client.get("/history/", {"at": told["active"]}).content.decode()
    monitor = client.get(f"/monitors/{told['monitor']}/").content.decode()
    print(json.dumps({
        "forgotten": "Datadog no longer has this downtime" in page,
        "versions": page.count('class="history-entry version-'),
        "changed": "Changed in Datadog" in moment and told["id"] in moment,
        "monitor": f"/downtimes/{told['id']}/" in monitor,
    }))
    """
)


def _shell(env: dict[str, str], script: str) -> dict:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_record_survives_a_restart(tmp_path):
    with shared_database(tmp_path) as database:
        env = process_env(tmp_path, DATABASE_URL=database, ALLOWED_HOSTS="testserver")
        manage(env, "migrate", "--noinput")
        manage(env, "seed_sandbox", "--downtimes", "0")
        manage(env, "ensure_demo_user")
        told = _shell(env, RECORD)
        seen = _shell({**env, "TOLD": json.dumps(told)}, READ)
    assert seen == {"forgotten": True, "versions": 4, "changed": True, "monitor": True}
