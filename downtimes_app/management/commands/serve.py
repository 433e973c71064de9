"""`make run`'s server: Django's development server and the background worker, as one.

Both start as child processes, each in a process group of its own, and stop together:
Ctrl-C (or SIGTERM) stops both; either one exiting stops the other; and if this process is
killed outright, Linux sends each child SIGTERM (PR_SET_PDEATHSIG). No orphan is left running.
The worker is `manage.py run_huey`, exactly as production runs it (README: Production).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

MANAGE = Path(__file__).resolve().parents[3] / "manage.py"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# How long each child has to finish what it is doing (a message being sent) before it is killed.
GRACE_SECONDS = 15
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    """The child gets SIGTERM if this process dies, even by SIGKILL (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Command(BaseCommand):
    help = "Serve the dashboard (runserver) and its background worker (run_huey) together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        stopping: list[int] = []
        for number in STOP_SIGNALS:
            signal.signal(number, lambda received, _frame: stopping.append(received))
        queue = "Redis" if "Redis" in settings.HUEY["huey_class"] else settings.HUEY_FILE.name
        self.stdout.write(f"Starting the background worker (Huey, queue in {queue}).")
        children = {
            "worker": self._start("run_huey"),
            "server": self._start("runserver", addrport),
        }
        ended = ""
        while not stopping and not ended:
            ended = next((name for name, child in children.items() if child.poll() is not None), "")
            time.sleep(0.2)
        if ended:
            other = "worker" if ended == "server" else "server"
            self.stderr.write(f"The {ended} stopped; stopping the {other} too.")
        code = self._stop(children)
        sys.exit(children[ended].returncode if ended else code)

    def _start(self, *command: str) -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603 - our own manage.py, with our own arguments
            [sys.executable, str(MANAGE), *command],
            start_new_session=True,  # a group of its own: runserver's reloader child goes too
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )

    def _stop(self, children: dict[str, subprocess.Popen]) -> int:
        """SIGINT first (the worker finishes the message in hand), then SIGKILL after a grace."""
        for child in children.values():
            _signal_group(child, signal.SIGINT)
        deadline = time.monotonic() + GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait()
            _signal_group(child, signal.SIGKILL)  # anything its group left behind
        return 0


def _signal_group(child: subprocess.Popen, number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, number)
