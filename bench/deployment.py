"""The production shape: two dashboard instances behind a round-robin balancer, on one
PostgreSQL and one Redis, two background workers on that Redis, against the fake Datadog.

`make bench` runs under `.ci/with-services`, which starts throwaway PostgreSQL and Redis servers
and exports their URLs; this makes a database of its own on that PostgreSQL and takes a Redis
database of its own. The balancer is Debian's haproxy, sending each request to the next instance
in turn (a person's next page usually comes from the other one). Each instance is gunicorn with
one worker of four threads and no control socket; each worker is `manage.py run_huey`.

On one deployment of 2,000 downtimes whose copy lives 10 s, in order:

1. Two quiet minutes, ten people browsing and nothing failing: the first at one instance alone,
   the second through the balancer to both. How many whole-set loads the fake Datadog answered in
   each (the same when the instances share one copy; twice as many if each kept its own), and
   whether any two loads overlapped (one refresh at a time per deployment).
2. A minute of 20 people browsing and 5 editing through the balancer while the fake fails now
   and then: 5xx, answers over 10 s, the list's p95, stale views, creates their creator found,
   lost and duplicated writes.
3. Creates seen across instances: each made on one instance and looked for on the other's list.
4. Messages: each downtime made meanwhile announced once ("created") to the webhook this process
   receives, and the ones made first with a two-minute window reminded once, a minute before it
   ends, with two workers sweeping every minute.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from tests import webhook_receiver

from . import people
from .figures import FAULTS, crowd_of, writes_kept
from .stack import (
    KEYS,
    MAKE_USERS,
    FakeDatadog,
    base_env,
    consumer,
    free_port,
    gunicorn,
    manage,
    sign_in,
    wait_for,
)

DOWNTIMES = 2_000
TTL = 10
HOOK = "/bench-hook"
REMINDED = 4


class Deployment:
    """`with Deployment() as d:` the fake Datadog, PostgreSQL, Redis, two instances, two workers
    and the balancer, running."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="downtime-bench-deployment-"))
        self.processes: list[subprocess.Popen] = []
        self._database = ""

    def __enter__(self) -> Deployment:
        database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
        if not database.startswith("postgres") or not redis.startswith("redis"):
            raise SystemExit(
                "the deployment needs DATABASE_URL and REDIS_URL: run it under .ci/with-services"
            )
        if shutil.which("haproxy") is None:
            raise SystemExit("the deployment's balancer is haproxy: apt-get install -y haproxy")
        self.fake = FakeDatadog(self.workdir, DOWNTIMES)
        self.fake.start(latency_ms=50)
        self.receiver_context = webhook_receiver.running()
        self.receiver = self.receiver_context.__enter__()
        self._database = _new_database(database)
        self.balancer_port = free_port()
        self.url = f"http://127.0.0.1:{self.balancer_port}"
        self.env = base_env(
            self._database,
            REDIS_URL=urlsplit(redis)._replace(path="/5").geturl(),
            DD_API_KEY=KEYS["DD-API-KEY"],
            DD_APP_KEY=KEYS["DD-APPLICATION-KEY"],
            DD_API_URL=self.fake.url,
            DOWNTIME_CACHE_TTL=str(TTL),
            DASHBOARD_URL=self.url,
            DASHBOARD_NOTIFY=f"bench=webhook:{self.receiver.url(HOOK)}",
            DASHBOARD_REMINDER_MINUTES="1",
        )
        manage(self.env, "shell", "--no-imports", "-c", _FLUSH_REDIS)
        manage(self.env, "migrate", "--noinput")  # once, from one place
        manage(self.env, "shell", "--no-imports", "-c", MAKE_USERS)
        self.instances = []
        for name in ("a", "b"):
            port = free_port()
            log = self.workdir / f"instance-{name}-access.log"
            self.processes.append(
                gunicorn(self.env, port, 1, 4, log, more=("--no-control-socket",))
            )
            self.instances.append((f"http://127.0.0.1:{port}", log))
        for n in (1, 2):
            self.processes.append(consumer(self.env, self.workdir / f"consumer-{n}.log"))
        self.processes.append(self._balancer())
        return self

    def _balancer(self) -> subprocess.Popen:
        servers = "\n".join(
            f"  server {name} {urlsplit(url).netloc}"
            for name, (url, _) in zip("ab", self.instances, strict=True)
        )
        config = self.workdir / "haproxy.cfg"
        config.write_text(_HAPROXY.format(port=self.balancer_port, servers=servers))
        balancer = subprocess.Popen(
            ["haproxy", "-db", "-f", str(config)],  # noqa: S607 - Debian's haproxy
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(f"{self.url}/healthz", balancer)
        return balancer

    def __exit__(self, *exc: object) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.fake.stop()
        self.receiver_context.__exit__(None, None, None)
        if self._database:
            _drop_database(self._database)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def session(self, username: str = "editor-0"):
        return sign_in(self.url, username)

    def served(self) -> list[int]:
        """Requests each instance has answered so far."""
        return [
            len(log.read_text().splitlines()) if log.exists() else 0 for _, log in self.instances
        ]


def _new_database(server: str) -> str:
    import psycopg

    name = f"bench_{os.getpid()}_{int(time.time())}"
    admin = urlsplit(server)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def _drop_database(url: str) -> None:
    import psycopg

    admin = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path[1:]}" WITH (FORCE)')


_FLUSH_REDIS = """
from django.core.cache import cache
cache.clear()
"""

_HAPROXY = """
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend dashboard
  bind 127.0.0.1:{port}
  default_backend instances
backend instances
  balance roundrobin
{servers}
"""


def _quiet_minute(deployment: Deployment, url: str, seconds: float) -> dict:
    since = deployment.fake.lines()
    crowd_of(deployment, 10, 0, seconds, url=url)
    loads = deployment.fake.loads(since)
    # Without faults or writes every load reads as many pages, its first page first: another
    # load's first page among them (a load cut short) means two ran at once.
    pages = Counter(len(load) for load in loads[:-1]).most_common(1)
    overlapped = sum(1 for load in loads[:-1] if len(load) != pages[0][0]) if pages else 0
    return {"loads": len(loads) * 60 / seconds, "overlapped": overlapped}


def _across_instances(deployment: Deployment, count: int = 10) -> tuple[int, int]:
    """Creates made on one instance, looked for on the other's next list page: (seen, made)."""
    editor = deployment.session("editor-9")
    record = people.Record()
    seen = made = 0
    for n in range(count):
        here, there = deployment.instances[n % 2][0], deployment.instances[(n + 1) % 2][0]
        before = set(record.made)
        downtime = people.create(here, editor, record)
        token = (set(record.made) - before).pop()
        if not downtime:
            continue
        made += 1
        page = editor.get(f"{there}/downtimes/?status=all&q=bench-{token}", timeout=60)
        seen += page.status_code == 200 and downtime in page.text
    return seen, made


def _messages(deployment: Deployment, made: list[str], reminded: list[str]) -> dict:
    """Messages per downtime, once every reminder is due and two sweeps have run since."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        reminders = Counter(b["downtime"]["id"] for b in deployment.receiver.bodies("reminder"))
        if all(reminders[d] for d in reminded):
            break
        time.sleep(1)
    time.sleep(65)  # each worker's sweep after the last reminder: neither sends it again
    created = Counter(b["downtime"]["id"] for b in deployment.receiver.bodies("created"))
    reminders = Counter(b["downtime"]["id"] for b in deployment.receiver.bodies("reminder"))
    return {
        "created": sorted({created[d] for d in made}),
        "reminders": sorted({reminders[d] for d in reminded}),
        "made": len(made),
        "reminded": len(reminded),
    }


def figures() -> dict:
    with Deployment() as deployment:
        editor = deployment.session("editor-8")
        record = people.Record()
        reminded = [
            people.create(deployment.url, editor, record, duration="2m") for _ in range(REMINDED)
        ]
        reminded = [d for d in reminded if d]
        one = _quiet_minute(deployment, deployment.instances[0][0], 60)
        two = _quiet_minute(deployment, deployment.url, 60)
        deployment.fake.stop()
        deployment.fake.start(latency_ms=50, faults=FAULTS)
        before = deployment.served()
        crowd = crowd_of(deployment, 20, 5, 60, url=deployment.url)
        served = [after - then for after, then in zip(deployment.served(), before, strict=True)]
        seen, across = _across_instances(deployment)
        duplicates, lost = writes_kept(deployment.fake, crowd)
        lists = [v for v in crowd.views if v.kind == "list"]
        made = [d for d in [*crowd.made.values(), *record.made.values()] if d]
        return {
            "quiet_one": one,
            "quiet_two": two,
            "served": served,
            "server_errors": sum(1 for v in crowd.views if v.status >= 500),
            "over_10s": sum(1 for v in crowd.views if v.seconds > 10),
            "p95_ms": people.percentile([v.seconds for v in lists], 0.95) * 1000,
            "stale_share": sum(v.stale for v in lists) / max(1, len(lists)),
            "views": len(crowd.views),
            "found": sum(crowd.found_after_save),
            "searched": len(crowd.found_after_save),
            "seen_across": seen,
            "made_across": across,
            "duplicates": duplicates,
            "lost": lost,
            **_messages(deployment, made, reminded),
        }


def rows(f: dict) -> list[tuple[str, str, str]]:
    one, two = f["quiet_one"], f["quiet_two"]
    return [
        (
            "2 instances: requests each answered through the balancer",
            " / ".join(f"{n:,}" for n in f["served"]),
            "about even",
        ),
        (
            "2 instances: whole-set loads a quiet minute, 1 instance / 2",
            f"{one['loads']:.0f} / {two['loads']:.0f}",
            f"as many with two ({two['loads'] / max(1, one['loads']):.2f}x)",
        ),
        (
            "2 instances: loads that overlapped another",
            f"{one['overlapped'] + two['overlapped']}",
            "0 (one at a time)",
        ),
        (
            "2 instances, faults: 5xx answers / answers over 10 s",
            f"{f['server_errors']} / {f['over_10s']}",
            "0 / 0",
        ),
        ("2 instances, faults: list p95", f"{f['p95_ms']:,.0f} ms", "at most 1,500 ms"),
        ("2 instances, faults: stale list views", f"{f['stale_share']:.1%}", "at most 10%"),
        (
            "2 instances, faults: creator found a just-saved downtime",
            f"{f['found']} of {f['searched']}",
            "every time",
        ),
        (
            "2 instances: a create seen on the other instance's list",
            f"{f['seen_across']} of {f['made_across']}",
            "every time",
        ),
        (
            "2 instances: duplicated / lost writes",
            f"{f['duplicates']} / {f['lost']}",
            "0 / 0",
        ),
        (
            "2 workers: messages per create / reminders per downtime",
            f"{_once(f['created'])} ({f['made']}) / {_once(f['reminders'])} ({f['reminded']})",
            "1 / 1",
        ),
    ]


def _once(counts: list[int]) -> str:
    return ", ".join(str(c) for c in counts) or "none"


if __name__ == "__main__":  # `.ci/with-services python -m bench.deployment`: this part alone
    from .inprocess import print_rows

    print_rows("Several instances", rows(figures()))
