"""Two real processes sharing the default cache (a table in the database) refresh the copy
once per expiry between them, and each sees the other's writes.

The rest of the suite runs on a process-local cache; these start `manage.py shell` twice with
the production settings on one SQLite database, seeded with the demo org.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.processes import ROOT, manage, process_env

WORKER = textwrap.dedent(
    """
    import json, os, time
    from downtimes_app import datadog, store
    calls = []
    original = datadog.load_all_downtimes
    def counting(**kwargs):
        calls.append(time.monotonic())
        return original(**kwargs)
    datadog.load_all_downtimes = counting
    until = float(os.environ["UNTIL"])
    versions = set()
    while time.time() < until:
        versions.add(store.current().snapshot.version.split(".")[0])
        time.sleep(0.02)
    print(json.dumps({"refreshes": len(calls), "versions": sorted(versions)}))
    """
)


@pytest.fixture
def shared_db(tmp_path) -> dict[str, str]:
    env = process_env(tmp_path, DOWNTIME_CACHE_TTL="1")
    manage(env, "migrate", "--noinput")
    manage(env, "seed_sandbox", "--downtimes", "200")
    return env


def test_two_processes_sharing_the_cache_refresh_once_per_expiry(shared_db):
    import time

    until = time.time() + 4.5
    command = [sys.executable, "manage.py", "shell", "--no-imports", "-c", WORKER]
    env = {**shared_db, "UNTIL": str(until)}
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [
        json.loads(worker.communicate(timeout=120)[0].strip().splitlines()[-1])
        for worker in workers
    ]
    refreshes = sum(r["refreshes"] for r in results)
    # The copy expires every second for about four seconds: about one refresh per expiry, not one
    # per process per expiry (which would be twice as many).
    assert 3 <= refreshes <= 7, results
    # Both served the same copies, whoever fetched them.
    assert set(results[0]["versions"]) & set(results[1]["versions"])


WRITE_THEN_READ = textwrap.dedent(
    """
    import dataclasses, os
    from downtimes_app import datadog, store
    reads = []
    original = datadog.load_all_downtimes
    datadog.load_all_downtimes = lambda **kw: reads.append(1) or original(**kw)
    snapshot = store.current().snapshot
    target = snapshot.downtimes[0]
    if os.environ["MODE"] == "write":
        store.record_write(dataclasses.replace(target, message="written by the other process"))
    print(store.current().snapshot.get(target.id).message, "|", len(reads))
    """
)


def test_a_write_in_one_process_shows_in_another_without_a_list_call(shared_db):
    env = {**shared_db, "DOWNTIME_CACHE_TTL": "300"}

    def run(mode: str) -> str:
        code = ["shell", "--no-imports", "-c", WRITE_THEN_READ]
        return manage({**env, "MODE": mode}, *code).stdout.strip().splitlines()[-1]

    assert run("read").endswith("| 1")  # the first process loads the copy...
    assert run("write") == "written by the other process | 0"  # ...another one writes...
    assert run("read") == "written by the other process | 0"  # ...and a third sees it
