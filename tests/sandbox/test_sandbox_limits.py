"""The sandbox over HTTP: rate limits and injected faults, as Datadog sends them."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from sandbox import clock, faults
from tests.sandbox.support import create

pytestmark = pytest.mark.django_db

# --- rate limits and faults -----------------------------------------------------------------


def test_responses_carry_rate_limit_headers(api, org):
    response = api.get("/api/v2/downtime")
    for header in (
        "X-RateLimit-Limit",
        "X-RateLimit-Period",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "X-RateLimit-Name",
    ):
        assert response[header]
    assert response["X-RateLimit-Period"] == "10"


def test_exceeding_the_rate_limit_is_429(api, org, settings):
    settings.SANDBOX_RATE_LIMIT = 2
    from sandbox import views

    views._limiter.count = 0
    statuses = [api.get("/api/v2/downtime").status_code for _ in range(3)]
    assert statuses[-1] == 429


def test_injected_429_has_honest_headers(api, org):
    with faults.inject(sequence=["429"]):
        response = api.get("/api/v2/downtime")
        after = api.get("/api/v2/downtime")
    assert response.status_code == 429
    assert response.json() == {"errors": ["Too many requests"]}
    assert response["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(response["X-RateLimit-Reset"]) <= 10
    assert after.status_code == 200


@pytest.mark.parametrize(
    ("fault", "status", "json_body"), [("500", 500, True), ("502", 502, False), ("503", 503, False)]
)
def test_injected_server_errors(api, org, fault, status, json_body):
    with faults.inject(sequence=[fault]):
        response = api.get("/api/v2/downtime")
    assert response.status_code == status
    assert (response["Content-Type"] == "application/json") is json_body


def test_injected_malformed_body_is_truncated_json(api, org):
    with faults.inject(sequence=["malformed"]):
        response = api.get("/api/v2/downtime")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_injected_timeout_over_http_holds_the_response(api, org, settings):
    settings.SANDBOX_TIMEOUT_SECONDS = 0.2
    with faults.inject(sequence=["timeout"]):
        started = time.monotonic()
        response = api.get("/api/v2/downtime")
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 504


def test_injected_latency_delays_every_request(api, org):
    with faults.inject(latency_ms=60):
        started = time.monotonic()
        api.get("/api/v2/downtime")
        api.get("/api/v1/validate")
    assert time.monotonic() - started >= 0.12


def test_fault_rates_from_settings_apply_to_the_process(api, org, settings):
    settings.SANDBOX_FAULTS = "500=1"
    faults.reset()
    assert api.get("/api/v2/downtime").status_code == 500


def test_wrong_method_is_405(api, org):
    response = api.call("PUT", "/api/v2/downtime")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


def test_created_times_are_microsecond_utc(api, org):
    clock.set_now(datetime(2026, 11, 16, 9, 30, 1, 123456, tzinfo=UTC))
    attributes = create(api)["data"]["attributes"]
    assert attributes["created"] == "2026-11-16T09:30:01.123456+00:00"
