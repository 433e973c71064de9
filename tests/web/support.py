"""What the request plumbing's tests share: hostile records planted in the sandbox, and the
dashboard started in a process of its own with a given environment."""

from __future__ import annotations

import os
import subprocess
import sys

from sandbox.models import SandboxDowntime, SandboxMonitor, SandboxUser
from tests.processes import ROOT

HOSTILE = {
    "message": (
        '<script>alert("msg")</script> see <a href="javascript:alert(1)">this</a> '
        '"><img src=x onerror=alert(2)>'
    ),
    "scope": 'env:"><svg/onload=alert(3)>',
    "monitor": '[prod] "><img src=x onerror=alert(4)> <script>alert(5)</script>',
    "tag": "team:<b>bold</b><script>alert(6)</script>",
    "user": "<script>alert(7)</script>Mallory",
}


def plant_hostile(frozen_now) -> tuple[str, str]:
    """Downtimes whose every Datadog-supplied text is an attack, stored as Datadog would."""
    user = SandboxUser.objects.create(
        handle="mallory@example.com",
        email="mallory@example.com",
        name=HOSTILE["user"],
        created_at=frozen_now,
        modified_at=frozen_now,
    )
    monitor = SandboxMonitor.objects.create(
        id=99_000_001,
        name=HOSTILE["monitor"],
        type="metric alert",
        query="avg(last_5m):avg:x{*} > 1",
        tags=[HOSTILE["tag"]],
        created=frozen_now,
        modified=frozen_now,
    )
    downtime = SandboxDowntime.objects.create(
        scope=HOSTILE["scope"],
        message=HOSTILE["message"],
        monitor_id=monitor.id,
        schedule={"start": frozen_now.isoformat(), "end": None},
        created_by=user,
        created=frozen_now,
        modified=frozen_now,
        notify_end_states=["alert"],
        notify_end_types=["expired"],
    )
    tagged = SandboxDowntime.objects.create(
        scope="env:prod",
        message="tags",
        monitor_tags=[HOSTILE["tag"]],
        schedule={"start": frozen_now.isoformat(), "end": None},
        created_by=user,
        created=frozen_now,
        modified=frozen_now,
        notify_end_states=["alert"],
        notify_end_types=["expired"],
    )
    return str(downtime.uuid), str(tagged.uuid)


def _start(env: dict[str, str], code: str = "") -> subprocess.CompletedProcess:
    """Run `manage.py` in a fresh process with exactly these variables."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    command = (
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code]
        if code
        else [sys.executable, "manage.py", "check"]
    )
    return subprocess.run(
        command,
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "dashboard.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
