"""Until it recovers with `make run`'s own processes: the web server and the Huey consumer that
`make run` starts, on a database of the test's own. A group is set to Alert, muted "until it
recovers" through the monitor's page, set to OK, and the worker ends the downtime on its own.

The settle time is a few seconds and the copies refresh every few seconds, so the worker's
every-minute look ends it within two or three minutes; waits only ever end early, and nothing
asserts how long anything took.
"""

from __future__ import annotations

import os
import re
import signal
from datetime import datetime

import requests

from tests.html_forms import form_data
from tests.processes import (
    alive,
    descendants,
    free_port,
    healthy,
    make_run,
    manage,
    process_env,
    reap,
    sign_in,
    wait_until,
)

KEYS = {"DD-API-KEY": "sandbox-api-key", "DD-APPLICATION-KEY": "sandbox-app-key"}


def _grouped_monitor(base: str) -> tuple[int, str]:
    """A sandbox monitor with groups, and the name of its first group (over Datadog's API)."""
    answer = requests.get(
        f"{base}/sandbox/api/v1/monitor", params={"group_states": "all"}, headers=KEYS, timeout=30
    )
    for monitor in answer.json():
        names = [n for n in monitor.get("state", {}).get("groups", {}) if n != "*"]
        if names:
            return monitor["id"], names[0]
    raise AssertionError("the demo org has no grouped monitor")


def _downtime(base: str, downtime_id: str) -> dict:
    answer = requests.get(f"{base}/sandbox/api/v2/downtime/{downtime_id}", headers=KEYS, timeout=10)
    return answer.json()["data"]["attributes"]


def _mute_until_recovered(base: str, session: requests.Session, monitor: int, group: str) -> str:
    url = f"{base}/monitors/{monitor}/mute/"
    page = session.get(url, params={"group": group, "duration": "recovers"}, timeout=30)
    assert "stops notifying until it has been OK for" in page.text, page.text[:3000]
    data = form_data(page.content, f"mute-form-{monitor}")
    data["cap"] = "4h"
    answer = session.post(
        url,
        data=[(key, value) for key, values in data.lists() for value in values],
        headers={"Referer": url},
        timeout=30,
    )
    assert answer.ok and "/downtimes/" in answer.url, answer.text[:3000]
    return answer.url.rstrip("/").rsplit("/", 1)[-1]


def test_make_run_ends_an_until_it_recovers_mute_once_the_group_is_ok(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **process_env(tmp_path),
        "DASHBOARD_RECOVERY_SETTLE_MINUTES": "0.1",
        "MONITOR_CACHE_TTL": "5",
        "DOWNTIME_CACHE_TTL": "5",
    }
    run, lines = make_run(port, env)
    processes: set[int] = set()
    try:
        wait_until(lambda: healthy(base), 180, "make run to serve")
        processes = descendants(run.pid)
        monitor, group = _grouped_monitor(base)
        manage(env, "sandbox_monitor_state", str(monitor), group, "Alert")
        session = sign_in(base)
        downtime_id = _mute_until_recovered(base, session, monitor, group)
        cap = datetime.fromisoformat(_downtime(base, downtime_id)["schedule"]["end"])
        page = session.get(f"{base}/downtimes/{downtime_id}/", timeout=30).text
        assert re.search(rf"Ends when {re.escape(group)} has been OK for", page), page[:3000]
        manage(env, "sandbox_monitor_state", str(monitor), group, "OK")

        def ended() -> bool:
            end = _downtime(base, downtime_id)["schedule"]["end"]
            return datetime.fromisoformat(end) < cap

        wait_until(ended, 240, "the worker to end the downtime")
        trail = session.get(f"{base}/audit/", timeout=30).text
    finally:
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in its terminal does
        run.wait(timeout=90)
        try:
            wait_until(lambda: not alive(processes | {run.pid}), 60, "every process to stop")
        finally:
            reap(processes)
    output = "".join(lines)
    assert f"Ended: {group} recovered" in trail, output[-3000:]
    assert "watch_recoveries" in output
