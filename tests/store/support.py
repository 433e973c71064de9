"""What the store tests share: a short wait for what goes on behind the pages."""

from __future__ import annotations

import time


def wait_until(check, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError("timed out waiting")
