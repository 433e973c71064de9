"""`python -m bench.hostile`: a downtime's page costs about the same whatever Datadog holds.

Two downtimes are created through the sandbox's HTTP API: an ordinary one (a weekly recurrence
and a one-line message) and a hostile one (five recurrences whose rules never occur, and a
message of 100,000 characters, which Datadog does not cap). Each page is rendered warm,
server side, with Django's test client signed in; the medians are compared. Before issue 16
the hostile page took about 40 s (a walk to the year 9999 for each rule, and a quadratic trim
of the message's links).

`hostile_page_figures()` gives the rows for `make bench`'s table; run alone, this module sets up
its own throwaway database first.
"""

from __future__ import annotations

import statistics
import time

from .inprocess import print_rows, signed_in, standalone

REQUESTS = 30
KEYS = {"DD-API-KEY": "sandbox-api-key", "DD-APPLICATION-KEY": "sandbox-app-key"}
NEVER = [
    "FREQ=DAILY;BYSETPOS=-366",
    "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31",
    "FREQ=DAILY;BYSETPOS=2",
    "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=31",
]
MESSAGE = "Runbook: http://x.y/" + ")" * 100_000


def _create(client, schedule: dict, message: str) -> str:
    import json

    body = {
        "data": {
            "type": "downtime",
            "attributes": {
                "scope": "env:bench",
                "monitor_identifier": {"monitor_tags": ["team:bench"]},
                "schedule": schedule,
                "display_timezone": "UTC",
                "message": message,
            },
        }
    }
    response = client.post(
        "/sandbox/api/v2/downtime",
        data=json.dumps(body),
        content_type="application/json",
        headers=KEYS,
    )
    assert response.status_code == 200, response.content[:500]
    return response.json()["data"]["id"]


def _median_page_ms(browser, downtime_id: str) -> float:
    url = f"/downtimes/{downtime_id}/"
    assert browser.get(url).status_code == 200  # warm: caches, the sandbox's window memo
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = browser.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples) * 1000


def hostile_page_figures() -> list[tuple[str, str, str]]:
    """(measurement, result, target) rows. Needs Django set up on a migrated sandbox database."""
    from django.test import Client

    api = Client()
    start = "2026-12-01T02:00:00"
    ordinary = _create(
        api,
        {
            "timezone": "UTC",
            "recurrences": [{"start": start, "duration": "1h", "rrule": "FREQ=WEEKLY;BYDAY=TU"}],
        },
        "Weekly OS patch window, see http://runbooks.example/patching (ask @sre-oncall)",
    )
    hostile = _create(
        api,
        {
            "timezone": "UTC",
            "recurrences": [{"start": start, "duration": "1h", "rrule": r} for r in NEVER],
        },
        MESSAGE,
    )
    browser = signed_in()
    ordinary_ms = _median_page_ms(browser, ordinary)
    hostile_ms = _median_page_ms(browser, hostile)
    return [
        ("downtime page, ordinary (one weekly recurrence)", f"{ordinary_ms:.1f} ms", ""),
        (
            f"downtime page, {len(NEVER)} never-occurring recurrences and a "
            f"{len(MESSAGE):,}-character message",
            f"{hostile_ms:.1f} ms",
            "",
        ),
        ("ratio hostile / ordinary", f"{hostile_ms / ordinary_ms:.2f}x", "within 2x"),
    ]


def main() -> None:
    standalone()
    from django.core.management import call_command

    call_command("seed_sandbox", verbosity=0)  # the demo org, for an ordinary page's company
    print_rows(f"Medians of {REQUESTS} warm page views each", hostile_page_figures())


if __name__ == "__main__":
    main()
