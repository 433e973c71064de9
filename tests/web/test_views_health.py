"""/healthz: no sign-in, says what is wrong, never what the keys are."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from sandbox import faults

URL = reverse("downtimes:healthz")


def test_health_is_public_and_ok(org):
    response = Client().get(URL)
    assert response.status_code == 200
    assert response.json() == {"app": "ok", "database": "ok", "datadog": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_reports_refused_keys_without_failing(org, settings):
    settings.DATADOG_API_KEY = "not-the-sandbox-key"
    response = Client().get(URL)
    assert response.status_code == 200
    assert response.json()["datadog"] == "keys refused"
    assert "not-the-sandbox-key" not in response.content.decode()


def test_health_reports_an_unavailable_datadog(org, monkeypatch):
    from downtimes_app.datadog import client

    monkeypatch.setattr(client, "_sleep", lambda s: None)
    with faults.inject(rates={"503": 1.0}):
        assert Client().get(URL).json()["datadog"] == "unavailable"


def test_health_fails_when_the_database_is_gone(org, monkeypatch):
    from django.db import DatabaseError, connection

    def broken(*args, **kwargs):
        raise DatabaseError("gone")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken)
        response = Client().get(URL)
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_health_asks_datadog_at_most_once_a_minute(org, upstream_calls):
    for _ in range(5):
        assert Client().get(URL).json()["datadog"] == "ok"
    assert len(upstream_calls) == 1


def test_health_makes_one_quick_try_without_retries(org, upstream_calls, monkeypatch):
    from downtimes_app.datadog import client

    sleeps = []
    monkeypatch.setattr(client, "_sleep", sleeps.append)
    with faults.inject(rates={"503": 1.0}):
        assert Client().get(URL).json()["datadog"] == "unavailable"
    assert len(upstream_calls) == 1 and sleeps == []


def test_health_answers_the_probes_some_load_balancers_send(org):
    head = Client().head(URL)
    assert head.status_code == 200 and head.content == b""
    options = Client().options(URL)
    assert options.status_code == 200
    assert options["Allow"] == "GET, HEAD, OPTIONS"
    assert options.json()["database"] == "ok"
    assert Client().post(URL).status_code == 405
