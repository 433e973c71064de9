"""Sandbox mode: the service module reaches the sandbox in-process, through the same code path."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from downtimes_app import datadog
from downtimes_app.datadog import client, whole
from sandbox import faults, seed
from sandbox.models import SandboxDowntime

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_sleep(monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(client, "_sleep", sleeps.append)
    return sleeps


def test_service_module_uses_the_in_process_sandbox_by_default(org, settings):
    assert settings.DATADOG_SANDBOX is True
    downtimes = datadog.list_all_downtimes()
    assert len(downtimes) == SandboxDowntime.objects.count()
    incident = next(d for d in downtimes if d.scope == "env:prod AND service:payments-db")
    assert incident.monitor is not None and "payments-db" in incident.monitor.name
    assert incident.creator is not None and incident.creator.name == "Marcus Oyelaran"


def test_writes_round_trip_in_process(org):
    created = datadog.create_downtime(
        attributes={
            "scope": "env:staging",
            "monitor_identifier": {"monitor_tags": ["team:sre"]},
            "message": "drill",
        }
    )
    assert created.creator is not None and created.creator.id == str(org.key_owner.id)
    updated = datadog.update_downtime(created.id, attributes={"message": "drill 2"})
    assert updated.message == "drill 2"
    datadog.cancel_downtime(created.id)
    assert datadog.get_downtime(created.id).status == "canceled"
    with pytest.raises(datadog.NotFound):
        datadog.get_downtime("00000000-0000-1234-0000-000000000000")
    with pytest.raises(datadog.BadRequest) as caught:
        datadog.create_downtime(
            attributes={"scope": "web01", "monitor_identifier": {"monitor_tags": ["*"]}}
        )
    assert caught.value.errors == ("All values must have a key",)


def test_injected_429_is_retried_in_process(org, no_sleep, settings):
    settings.DATADOG_RATE_LIMIT_WAIT_CAP = 10  # the reset is whatever is left of the window
    settings.DATADOG_CALL_DEADLINE = 15  # so any reset fits (past the deadline it is not waited)
    with faults.inject(sequence=["429", "ok"]):
        assert datadog.get_downtime(str(SandboxDowntime.objects.first().uuid))
    assert len(no_sleep) == 1
    assert 1 <= no_sleep[0] <= 10  # the sandbox's X-RateLimit-Reset


def test_injected_faults_surface_as_the_service_errors(org, no_sleep):
    with faults.inject(sequence=["500", "502", "503"]), pytest.raises(datadog.Unavailable):
        datadog.list_downtimes()
    with faults.inject(sequence=["malformed"] * 3), pytest.raises(datadog.MalformedResponse):
        datadog.list_downtimes()


def test_a_body_that_cannot_be_read_is_read_again(org, no_sleep):
    with faults.inject(sequence=["malformed", "ok"]):
        assert datadog.list_downtimes().downtimes
    assert len(no_sleep) == 1


def test_injected_timeout_raises_after_the_read_timeout(org, no_sleep, settings):
    settings.DATADOG_READ_TIMEOUT = 0.1
    settings.DATADOG_RETRIES = 0
    with faults.inject(sequence=["timeout"]):
        started = time.monotonic()
        with pytest.raises(datadog.Unavailable, match="did not answer"):
            datadog.list_downtimes()
    assert time.monotonic() - started >= 0.1


@pytest.fixture
def page_threads(monkeypatch) -> set[str]:
    """The names of the threads that fetched each page of the whole set."""
    threads: set[str] = set()
    original = datadog.list_downtimes

    def spy(**kwargs):
        threads.add(threading.current_thread().name)
        return original(**kwargs)

    monkeypatch.setattr(whole, "list_downtimes", spy)
    return threads


def test_inside_a_transaction_pages_are_fetched_on_this_thread(org, settings, page_threads):
    settings.DATADOG_PAGE_SIZE = 3
    assert len(datadog.list_all_downtimes()) == SandboxDowntime.objects.count()
    assert len(page_threads) == 1


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_pages_are_fetched_concurrently(frozen_now, settings, page_threads):
    seed.seed(downtimes=40, now=frozen_now)
    settings.DATADOG_PAGE_SIZE = 5
    with faults.inject(latency_ms=20):
        downtimes = datadog.list_all_downtimes()
    assert len(downtimes) == 40
    assert len({d.id for d in downtimes}) == 40
    assert len(page_threads) > 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_single_worker_server_never_waits_on_itself(tmp_path):
    """`gunicorn -w 1 --threads 1` serves a page that calls the sandbox: in-process, no deadlock."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "SECRET_KEY": "x" * 50,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",  # a plain-HTTP deployment
        "SECURE_COOKIES": "false",  # which start-up asks for with plain HTTP
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    subprocess.run(
        [*manage, "seed_sandbox"], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "--threads",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "dashboard.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=20)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json() == {"app": "ok", "database": "ok", "datadog": "ok"}
        # The same sandbox is still served over HTTP for everyone else.
        listed = requests.get(
            f"http://127.0.0.1:{port}/sandbox/api/v2/downtime",
            headers={"DD-API-KEY": "sandbox-api-key", "DD-APPLICATION-KEY": "sandbox-app-key"},
            timeout=20,
        )
        assert listed.json()["meta"]["page"]["total_filtered_count"] == 60
    finally:
        server.terminate()
        server.wait(timeout=20)
