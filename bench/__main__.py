"""`make bench`: how fast the list gets the whole set, and how little a warm page costs.

1. A real server (gunicorn) serves the sandbox seeded with 10,000 downtimes and 50 ms of added
   latency per request. The whole set is loaded cold through the service module and through
   Datadog's official client (`list_downtimes_with_pagination`, its default page size), in turns,
   and the ids compared.
2. The list page is rendered warm (server side, Django's test client) at 100 and at 10,000
   downtimes, and the upstream calls of warm views counted.

Prints a Markdown table; README keeps the latest one.
"""

from __future__ import annotations

import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOWNTIMES = 10_000
LATENCY_MS = 50
ROUNDS = 3
PAGE_REQUESTS = 40
KEYS = {"DD-API-KEY": "sandbox-api-key", "DD-APPLICATION-KEY": "sandbox-app-key"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--threads",
            "16",
            "--bind",
            f"127.0.0.1:{port}",
            "dashboard.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import requests

    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return server
        except requests.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the benchmark server did not start") from None
            time.sleep(0.2)


def _load_with_service_module(base_url: str):
    from django.conf import settings

    from downtimes_app.datadog import client

    config = client.Config(
        base_url=base_url,
        api_key="sandbox-api-key",
        app_key="sandbox-app-key",
        transport="",
        connect_timeout=5,
        read_timeout=60,
        retries=settings.DATADOG_RETRIES,
        backoff=settings.DATADOG_BACKOFF,
        rate_limit_wait_cap=settings.DATADOG_RATE_LIMIT_WAIT_CAP,
        page_size=settings.DATADOG_PAGE_SIZE,
        max_workers=settings.DATADOG_MAX_WORKERS,
    )
    # A new session each time: "cold" includes opening connections.
    client._sessions.clear()
    started = time.perf_counter()
    downtimes = client.list_all_downtimes(config=config)
    return time.perf_counter() - started, [d.id for d in downtimes]


def _load_with_official_client(base_url: str):
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.v2.api.downtimes_api import DowntimesApi

    configuration = Configuration(host=base_url)
    configuration.api_key["apiKeyAuth"] = KEYS["DD-API-KEY"]
    configuration.api_key["appKeyAuth"] = KEYS["DD-APPLICATION-KEY"]
    started = time.perf_counter()
    with ApiClient(configuration) as api_client:
        pages = DowntimesApi(api_client).list_downtimes_with_pagination(
            include="created_by,monitor"
        )
        ids = [d.id for d in pages]
    return time.perf_counter() - started, ids


def _time_pages(client, urls: list[str], *, fresh: bool = False) -> float:
    samples = []
    for round_number in range(PAGE_REQUESTS):
        for url in urls:
            if fresh:
                url = f"{url}-{round_number}"  # a search not seen before
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
    return _median_ms(samples)


def _warm_page(count: int) -> tuple[float, float, int, int]:
    """Median ms of warm list views and of new searches at `count` downtimes, and upstream calls."""
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from downtimes_app.datadog import client as service

    call_command("seed_sandbox", "--reset", "--downtimes", str(count), verbosity=0)
    cache.clear()
    user, _ = User.objects.get_or_create(username="bench", defaults={"is_superuser": True})
    browser = Client()
    browser.force_login(user)
    calls: list[str] = []
    original = service._request

    def counting(method, path, **kwargs):
        calls.append(path)
        return original(method, path, **kwargs)

    service._request = counting
    try:
        browser.get("/downtimes/?status=all")  # cold: fetches the set
        calls.clear()
        browser.get("/downtimes/?status=all")
        view_calls = len(calls)
        for url in (
            "/downtimes/?status=ended",
            "/downtimes/?status=all&q=payments",
            "/downtimes/?status=all&page=2",
        ):
            browser.get(url)
        change_calls = len(calls) - view_calls
        pages = _time_pages(browser, ["/downtimes/", "/downtimes/?status=all&page=3"])
        # A new search each time: the first view of a search scans the whole set.
        searches = _time_pages(
            browser, [f"/downtimes/?status=all&q=svc{n}" for n in range(3)], fresh=True
        )
    finally:
        service._request = original
    return pages, searches, view_calls, change_calls


def _environment(workdir: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DD_", "SANDBOX_"))},
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-secret-key-" + "x" * 30,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "LOG_LEVEL": "WARNING",
    }


def _cold_loads(env: dict[str, str]) -> tuple[list[float], list[float], int]:
    """Seconds of each cold load of the whole set: ours, the official client's; and the count."""
    port = _free_port()
    server = _start_server({**env, "SANDBOX_LATENCY_MS": str(LATENCY_MS)}, port)
    base_url = f"http://127.0.0.1:{port}/sandbox"
    ours, theirs = [], []
    try:
        _load_with_service_module(base_url)  # warm the server, not the client
        for _ in range(ROUNDS):
            seconds, our_ids = _load_with_service_module(base_url)
            ours.append(seconds)
            seconds, their_ids = _load_with_official_client(base_url)
            theirs.append(seconds)
            print(
                f"  cold load: service module {ours[-1]:.2f}s, official client {seconds:.2f}s",
                file=sys.stderr,
            )
            if our_ids != their_ids:
                raise SystemExit("the two clients saw different downtimes")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return ours, theirs, len(our_ids)


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="downtime-bench-"))
    env = _environment(workdir)
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    print(f"Seeding {DOWNTIMES:,} downtimes into {workdir} ...", file=sys.stderr)
    call_command("migrate", verbosity=0)
    call_command("seed_sandbox", "--downtimes", str(DOWNTIMES), verbosity=0)
    ours, theirs, count = _cold_loads(env)
    assert count == DOWNTIMES
    small_ms, small_search_ms, _, _ = _warm_page(100)
    large_ms, large_search_ms, view_calls, change_calls = _warm_page(DOWNTIMES)
    ours_ms, theirs_ms = _median_ms(ours), _median_ms(theirs)
    print()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; medians of {ROUNDS} cold loads and "
        f"{PAGE_REQUESTS * 2} warm page views (the Active tab, and page 3 of All)"
    )
    print()
    rows = [
        (
            f"whole set cold, service module ({DOWNTIMES:,} downtimes, {LATENCY_MS} ms latency)",
            f"{ours_ms:,.0f} ms",
            "",
        ),
        (
            "whole set cold, official client (`list_downtimes_with_pagination`)",
            f"{theirs_ms:,.0f} ms",
            "",
        ),
        (
            f"speed-up, same {count:,} ids in the same order",
            f"{theirs_ms / ours_ms:.1f}x",
            "at least 10x",
        ),
        ("warm list page, 100 downtimes", f"{small_ms:.1f} ms", ""),
        (f"warm list page, {DOWNTIMES:,} downtimes", f"{large_ms:.1f} ms", ""),
        ("ratio 10,000 / 100", f"{large_ms / small_ms:.2f}x", "within 2x"),
        (
            f"new search over the whole set, 100 / {DOWNTIMES:,} downtimes",
            f"{small_search_ms:.1f} / {large_search_ms:.1f} ms",
            "",
        ),
        ("upstream calls, warm page view", str(view_calls), "0"),
        ("upstream calls, tab + search + page change", str(change_calls), "0"),
    ]
    from bench.hostile import hostile_page_figures  # a downtime's page, ordinary and hostile

    rows += hostile_page_figures()
    print("| measurement | result | target |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
