"""A whole deployment for the benchmark: a fake Datadog and the dashboard, each under gunicorn,
and the dashboard's background worker (`manage.py run_huey`).

The fake Datadog is the sandbox served alone (its own database, seeded, with added latency and
faults as asked), as Datadog serves many requests at once. The dashboard runs against it as it
would against a real org (`DD_API_URL`), with production settings and the default shared cache
(a table in its own database). People are `requests` sessions that sign in through the form.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"DD-API-KEY": "sandbox-api-key", "DD-APPLICATION-KEY": "sandbox-app-key"}
PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throwaway database's demo account


ACCESS_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(D)s'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(database: Path | str, **more: str) -> dict[str, str]:
    """Production settings on `database` (a SQLite file, or a database URL)."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-secret-key-" + "x" * 30,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database if isinstance(database, str) else f"sqlite:///{database}",
        "LOG_LEVEL": "WARNING",
        **more,
    }


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args[:2])} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def gunicorn(
    env: dict[str, str],
    port: int,
    workers: int,
    threads: int,
    log: Path,
    *,
    nice: int = 0,
    more: tuple[str, ...] = (),
):
    command = [sys.executable, "-m", "gunicorn", *more, "--workers", str(workers)]
    command += ["--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--timeout", "60"]
    # Each line ends with the request's time in the server, in microseconds (`server_ms`).
    command += ["--access-logfile", str(log), "--access-logformat", ACCESS_FORMAT]
    command += ["dashboard.wsgi"]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )
    wait_for(f"http://127.0.0.1:{port}/healthz", server)
    return server


def wait_for(url: str, process: subprocess.Popen) -> None:
    """Until `url` answers, or `process` ended (then the benchmark stops)."""
    deadline = time.monotonic() + 90
    while True:
        try:
            requests.get(url, timeout=5)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"a benchmark server did not start ({url})") from None
            time.sleep(0.2)


def sign_in(url: str, username: str) -> requests.Session:
    """A person, signed in through the sign-in form at `url`."""
    person = requests.Session()
    login = f"{url}/accounts/login/"
    page = person.get(login, timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    person.post(
        login,
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": login},
        timeout=60,
    )
    return person


def consumer(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`manage.py run_huey`, as production runs it beside gunicorn; started once it has said in
    the shared cache that it is there (refreshes behind the pages are then handed to it)."""
    with log.open("ab") as out:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_huey"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    deadline = time.monotonic() + 60
    while "store:consumer" not in manage(env, "shell", "--no-imports", "-c", _CONSUMER_SEEN):
        if time.monotonic() > deadline or worker.poll() is not None:
            raise SystemExit(f"the benchmark's consumer did not start: see {log}")
        time.sleep(0.5)
    return worker


_CONSUMER_SEEN = """
from django.core.cache import cache
from downtimes_app import datadog
print("store:consumer" if cache.get(f"store:consumer:{datadog.upstream()}") else "none")
"""


class FakeDatadog:
    """The sandbox served alone, seeded with `downtimes`, as Datadog serves many requests at
    once; started again with other latency or faults on the same data and port."""

    def __init__(self, workdir: Path, downtimes: int, *, workers: int = 3) -> None:
        self.database = workdir / "datadog.sqlite3"
        self.log = workdir / "datadog-access.log"
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/sandbox"
        self.server: subprocess.Popen | None = None
        env = base_env(self.database)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_sandbox", "--downtimes", str(downtimes))

    def start(self, *, latency_ms: int = 0, faults: str = "") -> None:
        env = base_env(
            self.database,
            SANDBOX_LATENCY_MS=str(latency_ms),
            SANDBOX_FAULTS=faults,
            SANDBOX_RATE_LIMIT="100000",
        )
        # Datadog's own work does not run on the dashboard's cores; here the fake shares them,
        # so it yields most of them to the dashboard whenever both want them (nice 10 gets a
        # tenth of a contended core, not nothing: a starved fake would fail the dashboard).
        self.server = gunicorn(env, self.port, self.workers, 16, self.log, nice=10)

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)
            self.server = None

    def loads(self, since: int = 0) -> list[list[str]]:
        """The whole-set loads it answered, from access-log line `since` on: each is the lines of
        one load, its first page (the one without an offset) first, in the order answered."""
        lines = self.log.read_text().splitlines()[since:] if self.log.exists() else []
        found: list[list[str]] = []
        for line in lines:
            if "/api/v2/downtime?" not in line:
                continue
            if "offset" not in line:
                found.append([])
            if found:
                found[-1].append(line)
        return found

    def lines(self) -> int:
        return len(self.log.read_text().splitlines()) if self.log.exists() else 0


class Stack:
    """`with Stack(10_000, latency_ms=50) as stack:` a fake Datadog and a dashboard, running."""

    def __init__(
        self,
        downtimes: int,
        *,
        latency_ms: int = 0,
        faults: str = "",
        workers: int = 1,
        threads: int = 8,
        ttl: int = 30,
        datadog_workers: int = 3,
    ) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="downtime-bench-"))
        self.downtimes = downtimes
        self.settings = {"latency": latency_ms, "faults": faults, "ttl": ttl}
        self.workers, self.threads, self.datadog_workers = workers, threads, datadog_workers
        self.servers: list[subprocess.Popen] = []

    def __enter__(self) -> Stack:
        self.fake = FakeDatadog(self.workdir, self.downtimes, workers=self.datadog_workers)
        self.fake.start(latency_ms=self.settings["latency"], faults=self.settings["faults"])
        self.datadog_port, self.datadog_log = self.fake.port, self.fake.log
        self.database = self.workdir / "dashboard.sqlite3"
        self.env = base_env(
            self.database,
            DD_API_KEY=KEYS["DD-API-KEY"],
            DD_APP_KEY=KEYS["DD-APPLICATION-KEY"],
            DD_API_URL=f"http://127.0.0.1:{self.datadog_port}/sandbox",
            DOWNTIME_CACHE_TTL=str(self.settings["ttl"]),
        )
        manage(self.env, "migrate", "--noinput")
        manage(self.env, "shell", "--no-imports", "-c", MAKE_USERS)
        self.port = free_port()
        self.log = self.workdir / "dashboard-access.log"
        self.dashboard = gunicorn(self.env, self.port, self.workers, self.threads, self.log)
        self.servers.append(self.dashboard)
        self.servers.append(consumer(self.env, self.workdir / "consumer.log"))
        self.url = f"http://127.0.0.1:{self.port}"
        self.datadog_url = f"http://127.0.0.1:{self.datadog_port}/sandbox"
        return self

    def __exit__(self, *exc: object) -> None:
        self.fake.stop()
        for server in self.servers:
            server.terminate()
        for server in self.servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def session(self, username: str = "editor-0") -> requests.Session:
        """A person, signed in through the sign-in form."""
        return sign_in(self.url, username)

    def settle(self) -> None:
        """Wait until no refresh is under way (a copy is stored for everyone behind a page)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sqlite3.connect(self.database) as db:
                locked = db.execute(
                    "SELECT count(*) FROM dashboard_cache WHERE cache_key LIKE '%snapshot:lock'"
                ).fetchone()[0]
            if not locked:
                return
            time.sleep(0.05)

    def forget_copy(self) -> None:
        """Empty the shared cache: the next page waits for a whole new copy (a cold start)."""
        self.settle()
        with sqlite3.connect(self.database) as db:
            db.execute("DELETE FROM dashboard_cache")

    def upstream_requests(self, path: str = "/sandbox/api/v2/downtime") -> int:
        """How many requests the fake Datadog has answered for `path` so far."""
        text = self.datadog_log.read_text() if self.datadog_log.exists() else ""
        return sum(1 for line in text.splitlines() if f"{path}?" in line or f"{path} " in line)

    def worker_pids(self) -> list[int]:
        dashboard = self.dashboard.pid
        children = Path(f"/proc/{dashboard}/task/{dashboard}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []


MAKE_USERS = """
from django.contrib.auth.models import Group, User
editors = Group.objects.get(name="editor")
viewers = Group.objects.get(name="viewer")
for n in range(10):
    editor = User.objects.create_user(f"editor-{n}", password="%s")
    editor.groups.add(editors)
for n in range(40):
    viewer = User.objects.create_user(f"viewer-{n}", password="%s")
    viewer.groups.add(viewers)
""" % (PASSWORD, PASSWORD)  # noqa: UP031 - the code is a literal; the password a constant
