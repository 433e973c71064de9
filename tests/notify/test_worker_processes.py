"""The worker as it really runs: separate processes sharing one database and one queue.

- Two processes (three threads each) race to send the same due reminder, released together by
  a barrier: one message arrives, whoever wins; the database's constraint and the atomic claim
  decide, not timing. On PostgreSQL when the suite runs on it (`.ci/with-services`).
- `make run`'s own processes (the web server and a Huey consumer, started by `make run` itself
  on a free port, on a database of the test's own): a downtime scheduled through the form with a
  reminder to a local receiver gets word of its creation and exactly one reminder, at its minute
  and before its end, and a later sweep sends nothing more; Ctrl-C then stops every process.
- `manage.py serve` stops the worker when the server exits, and a killed `serve` takes both down.

Waits are generous (a shared two-core machine) and only ever end early: no assertion is on how
long anything took.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from tests import webhook_receiver
from tests.notify.support import HOOK_PATH
from tests.processes import (
    alive,
    command_lines,
    descendants,
    free_port,
    healthy,
    make_run,
    manage,
    process_env,
    reap,
    shared_database,
    sign_in,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]

SETUP = textwrap.dedent(
    """
    from datetime import timedelta
    from downtimes_app import datadog
    from downtimes_app.core.domain import Definition, MonitorIdentifier, OneTimeSchedule
    from downtimes_app.notify import outbox
    from downtimes_app.core.clock import now
    moment = now()
    definition = Definition(
        scope="env:prod",
        monitor_identifier=MonitorIdentifier(monitor_tags=("team:payments",)),
        schedule=OneTimeSchedule(moment, moment + timedelta(minutes=10)),
    )
    made = datadog.create_downtime(attributes=definition.attributes())
    outbox.choose(made.id, ["hook"], "test")
    print(made.id)
    """
)

RACER = textwrap.dedent(
    """
    import json, os, sys, threading
    from downtimes_app import store
    from downtimes_app.models import Delivery
    from downtimes_app.notify import outbox, send
    from downtimes_app.core.clock import now
    downtime = store.current().snapshot.get(os.environ["DOWNTIME"])
    go, outcomes = threading.Event(), []

    def race():
        go.wait()
        made = outbox.make_due_reminders(downtime, now())
        every = Delivery.objects.filter(downtime_id=downtime.id).values_list("pk", flat=True)
        for delivery_id in sorted(set(made) | set(every)):
            outcomes.append(send.attempt(delivery_id).outcome)

    threads = [threading.Thread(target=race) for _ in range(3)]
    for thread in threads:
        thread.start()
    print("ready", flush=True)
    sys.stdin.readline()  # the test says go once every racer is ready: a barrier, not a clock
    go.set()
    for thread in threads:
        thread.join()
    print(json.dumps(outcomes))
    """
)


def test_two_worker_processes_racing_for_one_due_reminder_send_it_once(tmp_path):
    with shared_database(tmp_path) as database, webhook_receiver.running(pause=1.0) as receiver:
        env = process_env(
            tmp_path,
            DATABASE_URL=database,
            DASHBOARD_NOTIFY=f"hook=webhook:{receiver.url(HOOK_PATH)}",
        )
        manage(env, "migrate", "--noinput")
        manage(env, "seed_sandbox", "--downtimes", "0")
        downtime_id = manage(env, "shell", "--no-imports", "-c", SETUP).stdout.split()[-1]
        command = [sys.executable, "manage.py", "shell", "--no-imports", "-c", RACER]
        racers = [
            subprocess.Popen(
                command,
                cwd=ROOT,
                env={**env, "DOWNTIME": downtime_id},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            for racer in racers:
                assert racer.stdout.readline().strip() == "ready"
            for racer in racers:
                racer.stdin.write("go\n")
                racer.stdin.flush()
            outcomes = [json.loads(racer.communicate(timeout=180)[0]) for racer in racers]
        finally:
            for racer in racers:
                if racer.poll() is None:
                    racer.kill()
                    racer.wait()

    every = [outcome for each in outcomes for outcome in each]
    assert every.count("sent") == 1, outcomes
    assert set(every) == {"sent", "skipped"}
    reminders = receiver.bodies("reminder")
    assert len(reminders) == 1
    assert reminders[0]["downtime"]["id"] == downtime_id


# --- make run's own processes -----------------------------------------------------------------


def _schedule_through_the_form(base: str, session: requests.Session, duration: str) -> str:
    from tests.html_forms import form_data

    page = session.get(f"{base}/downtimes/new/", timeout=10)
    data = form_data(page.content)
    assert data.getlist("remind") == ["hook"]  # the default for a one-time window with an end
    data.update({"scope": "env:prod", "target": "tags", "monitor_tags": "team:payments"})
    data.update({"duration": duration, "end_mode": "after", "timezone": "UTC", "_action": "save"})
    answer = session.post(
        f"{base}/downtimes/new/",
        data=[(key, value) for key, values in data.lists() for value in values],
        headers={"Referer": f"{base}/downtimes/new/"},
        timeout=30,
    )
    assert answer.ok and "/downtimes/new/" not in answer.url, answer.text[:2000]
    return answer.url.rstrip("/").rsplit("/", 1)[-1]


def _window(base: str, downtime_id: str) -> tuple[datetime, datetime]:
    """The window Datadog (the sandbox, over HTTP) holds for the downtime."""
    keys = {"DD-API-KEY": "sandbox-api-key", "DD-APPLICATION-KEY": "sandbox-app-key"}
    body = requests.get(f"{base}/sandbox/api/v2/downtime/{downtime_id}", headers=keys, timeout=10)
    schedule = body.json()["data"]["attributes"]["schedule"]
    return datetime.fromisoformat(schedule["start"]), datetime.fromisoformat(schedule["end"])


def _sweeps(output: str) -> list[datetime]:
    """When the consumer ran its every-minute sweep, from its log lines (UTC)."""
    found = re.findall(r"^(\S+ \S+),\d+ INFO huey: Executing \S+\.sweep:", output, re.M)
    return [datetime.fromisoformat(f).replace(tzinfo=UTC) for f in found]


def test_make_run_reminds_a_downtime_from_the_form_exactly_once_before_it_ends(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with webhook_receiver.running() as receiver:
        env = {
            **process_env(tmp_path),
            "TZ": "UTC",  # the log lines' times, read below as UTC
            "DASHBOARD_NOTIFY": f"hook=webhook:{receiver.url(HOOK_PATH)}",
            # A three-minute window is reminded two minutes before its end: a minute after it
            # starts, by the worker woken for that minute; a sweep follows while it still runs.
            "DASHBOARD_REMINDER_MINUTES": "2",
        }
        run, lines = make_run(port, env)
        try:
            wait_until(lambda: healthy(base), 180, "make run to serve")
            processes = descendants(run.pid)
            ran = command_lines(processes)
            session = sign_in(base)
            downtime_id = _schedule_through_the_form(base, session, "3m")
            start, end = _window(base, downtime_id)
            wait_until(lambda: receiver.bodies("reminder"), 150, "the reminder")
            sent = datetime.fromtimestamp(receiver.bodies_at("reminder")[0], UTC)
            # The worker's every-minute sweep, which finds the reminder still due, sends nothing.
            wait_until(lambda: [t for t in _sweeps("".join(lines)) if t > sent], 150, "a sweep")
        finally:
            os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in its terminal does
            run.wait(timeout=90)
        output = "".join(lines)

    assert any("run_huey" in command for command in ran), ran
    assert any("runserver" in command for command in ran), ran
    reminders = receiver.bodies("reminder")
    assert len(reminders) == 1, output[-3000:]
    assert reminders[0]["downtime"]["id"] == downtime_id
    assert [b["event"] for b in receiver.bodies()] == ["created", "reminder"]
    assert end - start == timedelta(minutes=3)
    assert end - timedelta(minutes=2) <= sent < end  # at its minute, not before
    assert any(sent < sweep < end for sweep in _sweeps(output)), output[-3000:]
    assert HOOK_PATH not in output and "xoxb" not in output
    try:
        wait_until(lambda: not alive(processes | {run.pid}), 60, "every process to stop")
    finally:
        reap(processes)


# --- manage.py serve: the web server and the worker stop together -------------------------------


def _serve(tmp_path: Path) -> tuple[subprocess.Popen, str, dict[str, int]]:
    """`manage.py serve` on a free port, once it answers; its children by what they run."""
    env = process_env(tmp_path)
    manage(env, "migrate", "--noinput")
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: healthy(base), 120, "serve to answer")
    children = {}
    for pid in descendants(serve.pid):
        command = command_lines({pid})
        if command and Path(f"/proc/{pid}/stat").read_text().split()[3] == str(serve.pid):
            children["worker" if "run_huey" in command[0] else "server"] = pid
    assert set(children) == {"worker", "server"}
    return serve, base, children


def test_serve_stops_the_worker_when_the_web_server_exits(tmp_path):
    serve, _, children = _serve(tmp_path)
    processes = descendants(serve.pid)
    try:
        os.killpg(children["server"], signal.SIGTERM)  # the server (and its reloader) end
        serve.wait(timeout=90)
    finally:
        if serve.poll() is None:
            serve.kill()
    try:
        assert "The server stopped; stopping the worker too." in serve.stderr.read()
        wait_until(lambda: not alive(processes), 60, "the worker to stop")
    finally:
        reap(processes)


def test_a_killed_serve_takes_the_web_server_and_the_worker_down_with_it(tmp_path):
    serve, base, _ = _serve(tmp_path)
    processes = descendants(serve.pid)
    serve.kill()  # SIGKILL: no chance to stop its children itself
    serve.wait(timeout=30)
    try:
        wait_until(lambda: not alive(processes), 60, "the server and the worker to stop")
        assert not healthy(base)
    finally:
        reap(processes)
