"""A whole deployment for the benchmark: a fake Datadog and the dashboard, each under gunicorn.

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


def base_env(database: Path, **more: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-secret-key-" + "x" * 30,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": f"sqlite:///{database}",
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
    env: dict[str, str], port: int, workers: int, threads: int, log: Path, *, nice: int = 0
):
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
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
    deadline = time.monotonic() + 90
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return server
        except requests.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("a benchmark server did not start") from None
            time.sleep(0.2)


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
        fake = self.workdir / "datadog.sqlite3"
        fake_env = base_env(fake)
        manage(fake_env, "migrate", "--noinput")
        manage(fake_env, "seed_sandbox", "--downtimes", str(self.downtimes))
        self.datadog_port = free_port()
        self.datadog_log = self.workdir / "datadog-access.log"
        fake_env = base_env(
            fake,
            SANDBOX_LATENCY_MS=str(self.settings["latency"]),
            SANDBOX_FAULTS=str(self.settings["faults"]),
            SANDBOX_RATE_LIMIT="100000",
        )
        # Datadog's own work does not run on the dashboard's cores; here the fake shares them,
        # so it yields most of them to the dashboard whenever both want them (nice 10 gets a
        # tenth of a contended core, not nothing: a starved fake would fail the dashboard).
        fake = gunicorn(
            fake_env, self.datadog_port, self.datadog_workers, 16, self.datadog_log, nice=10
        )
        self.servers.append(fake)
        self.database = self.workdir / "dashboard.sqlite3"
        self.env = base_env(
            self.database,
            DD_API_KEY=KEYS["DD-API-KEY"],
            DD_APP_KEY=KEYS["DD-APPLICATION-KEY"],
            DD_API_URL=f"http://127.0.0.1:{self.datadog_port}/sandbox",
            DOWNTIME_CACHE_TTL=str(self.settings["ttl"]),
        )
        manage(self.env, "migrate", "--noinput")
        manage(self.env, "shell", "--no-imports", "-c", _MAKE_USERS)
        self.port = free_port()
        self.log = self.workdir / "dashboard-access.log"
        self.servers.append(gunicorn(self.env, self.port, self.workers, self.threads, self.log))
        self.url = f"http://127.0.0.1:{self.port}"
        self.datadog_url = f"http://127.0.0.1:{self.datadog_port}/sandbox"
        return self

    def __exit__(self, *exc: object) -> None:
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
        person = requests.Session()
        login = f"{self.url}/accounts/login/"
        page = person.get(login, timeout=30).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        person.post(
            login,
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": login},
            timeout=60,
        )
        return person

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
        dashboard = self.servers[-1].pid
        children = Path(f"/proc/{dashboard}/task/{dashboard}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []


_MAKE_USERS = """
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
