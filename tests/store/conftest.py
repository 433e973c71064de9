"""The store tests' fixture: the thread each whole-set load ran on."""

from __future__ import annotations

import threading

import pytest

from downtimes_app import datadog


@pytest.fixture
def list_calls(monkeypatch):
    """The thread each load of the whole set ran on, in order."""
    calls = []
    original = datadog.load_all_downtimes

    def counting(**kwargs):
        calls.append(threading.current_thread().name)
        return original(**kwargs)

    monkeypatch.setattr(datadog, "load_all_downtimes", counting)
    return calls
