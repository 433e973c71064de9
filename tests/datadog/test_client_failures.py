"""The service module at its HTTP boundary: errors, retries, secrets and deadlines.

`responses` stands in for api.datadoghq.com; the bodies are shaped like Datadog's recorded ones."""

from __future__ import annotations

import json
import logging

import pytest
import requests
import responses

from downtimes_app import datadog
from downtimes_app.datadog import client
from tests import payloads
from tests.datadog.support import API, API_KEY, APP_KEY

# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (
            400,
            {"errors": ["All values must have a key"]},
            datadog.BadRequest,
            "All values must have a key",
        ),
        (403, {"errors": ["Forbidden"]}, datadog.AuthError, "refused the API or application key"),
        (401, {"errors": ["Unauthorized"]}, datadog.AuthError, "Unauthorized"),
        (404, {"errors": ["Downtime not found"]}, datadog.NotFound, "Downtime not found"),
        (
            409,
            {"errors": [{"title": "Conflict", "detail": "duplicate"}]},
            datadog.BadRequest,
            "duplicate",
        ),
    ],
)
def test_error_statuses_map_to_one_hierarchy(dd, status, body, error, text):
    dd.get(f"{API}/api/v2/downtime/x", status=status, json=body)
    with pytest.raises(error, match=text) as caught:
        datadog.get_downtime("x")
    assert isinstance(caught.value, datadog.DatadogError)
    assert dd.sleeps == []


def test_bad_request_keeps_datadogs_messages(dd):
    dd.post(f"{API}/api/v2/downtime", status=400, json={"errors": ["a", "b"]})
    with pytest.raises(datadog.BadRequest) as caught:
        datadog.create_downtime(attributes={"scope": "x"})
    assert caught.value.errors == ("a", "b")


def test_body_that_is_not_json_is_malformed(dd):
    dd.get(f"{API}/api/v2/downtime/x", body='{"data": [{"type": "downt')
    with pytest.raises(datadog.MalformedResponse):
        datadog.get_downtime("x")


def test_document_without_data_is_malformed(dd):
    dd.get(f"{API}/api/v2/downtime", json={"unexpected": True})
    with pytest.raises(datadog.MalformedResponse):
        datadog.list_downtimes()


def test_connection_refused_is_unavailable(dd):
    dd.get(f"{API}/api/v2/downtime/x", body=requests.ConnectionError("refused"))
    dd.get(f"{API}/api/v2/downtime/x", body=requests.ConnectionError("refused"))
    dd.get(f"{API}/api/v2/downtime/x", body=requests.ConnectionError("refused"))
    with pytest.raises(datadog.Unavailable, match=r"could not reach Datadog at api\.datadoghq"):
        datadog.get_downtime("x")
    assert len(dd.sleeps) == 2


def test_read_timeout_is_unavailable_after_retries(dd):
    for _ in range(3):
        dd.get(f"{API}/api/v2/downtime/x", body=requests.ReadTimeout("slow"))
    with pytest.raises(datadog.Unavailable, match="did not answer"):
        datadog.get_downtime("x")
    assert len(dd.calls) == 3


# --- the retry policy for reads -------------------------------------------------------------


def test_read_waits_for_rate_limit_reset_then_succeeds(dd):
    dd.get(
        f"{API}/api/v2/downtime/x",
        status=429,
        json={"errors": ["Too many requests"]},
        headers={
            "X-RateLimit-Reset": "3",
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Remaining": "0",
        },
    )
    dd.get(f"{API}/api/v2/downtime/x", json=payloads.TAG_DOWNTIME)
    assert datadog.get_downtime("x").id == "85428b34-0187-11ee-bb05-da7ad0900002"
    assert dd.sleeps == [3.0]


def test_rate_limit_reset_beyond_cap_fails_at_once_with_reset(dd):
    dd.get(
        f"{API}/api/v2/downtime/x",
        status=429,
        json={"errors": ["Too many requests"]},
        headers={"X-RateLimit-Reset": "42"},
    )
    with pytest.raises(datadog.RateLimited, match="resets in 42s") as caught:
        datadog.get_downtime("x")
    assert caught.value.reset == 42.0
    assert dd.sleeps == []


def test_server_errors_back_off_exponentially_then_succeed(dd, settings):
    settings.DATADOG_BACKOFF = 1.0
    dd.get(f"{API}/api/v2/downtime/x", status=500, json={"errors": ["Internal Server Error"]})
    dd.get(f"{API}/api/v2/downtime/x", status=502, body="<html>bad gateway</html>")
    dd.get(f"{API}/api/v2/downtime/x", json=payloads.TAG_DOWNTIME)
    datadog.get_downtime("x")
    first, second = dd.sleeps
    assert 0.5 <= first <= 1.0  # backoff * 2**0 with jitter
    assert 1.0 <= second <= 2.0  # backoff * 2**1 with jitter


def test_server_errors_give_up_after_the_retries(dd):
    for _ in range(3):
        dd.get(f"{API}/api/v2/downtime/x", status=503, body="down")
    with pytest.raises(datadog.Unavailable, match="answered 503"):
        datadog.get_downtime("x")
    assert len(dd.sleeps) == 2


def test_client_errors_are_not_retried(dd):
    dd.get(
        f"{API}/api/v2/downtime/x",
        status=400,
        json={"errors": ["Invalid URL param: downtime_id must be an uuid"]},
    )
    with pytest.raises(datadog.BadRequest):
        datadog.get_downtime("x")
    assert len(dd.calls) == 1


# --- keys stay secret ------------------------------------------------------------------------


def test_keys_never_appear_in_errors_or_logs(dd, caplog):
    caplog.set_level(logging.DEBUG)
    dd.get(f"{API}/api/v2/downtime/x", status=403, json={"errors": ["Forbidden"]})
    for _ in range(3):
        dd.get(f"{API}/api/v2/downtime/y", status=500, json={"errors": ["boom"]})
    errors = []
    for downtime_id in ("x", "y"):
        with pytest.raises(datadog.DatadogError) as caught:
            datadog.get_downtime(downtime_id)
        errors.append(caught.value)
    text = " ".join(f"{e} {e!r} {e.args}" for e in errors) + caplog.text
    text += repr(client.Config.from_settings())
    assert "retrying" in caplog.text  # the retries were logged...
    assert API_KEY not in text  # ...without the keys
    assert APP_KEY not in text


# --- deadlines: a page must answer before its worker is killed ---------------------------------


def test_read_timeout_never_exceeds_what_is_left_of_the_call_deadline(dd, settings):
    settings.DATADOG_CALL_DEADLINE = 0.25
    seen = {}

    def callback(request):
        seen["timeout"] = request.req_kwargs["timeout"]
        return 200, {}, json.dumps(payloads.TAG_DOWNTIME)

    dd.add_callback(responses.GET, f"{API}/api/v2/downtime/x", callback=callback)
    datadog.get_downtime("x")
    connect, read = seen["timeout"]
    assert 0 < read <= 0.25 and 0 < connect <= 0.25


def test_retries_stop_where_waiting_would_pass_the_deadline(dd, settings):
    settings.DATADOG_CALL_DEADLINE = 1.0
    settings.DATADOG_RATE_LIMIT_WAIT_CAP = 5.0
    dd.get(
        f"{API}/api/v2/downtime/x",
        status=429,
        json={"errors": ["Too many requests"]},
        headers={"X-RateLimit-Reset": "3"},
    )
    with pytest.raises(datadog.RateLimited):
        datadog.get_downtime("x")
    assert dd.sleeps == []  # a 3 s wait cannot fit in a 1 s deadline: fail now, with the reason


def test_whole_set_gives_up_at_its_deadline(dd):
    with pytest.raises(datadog.Unavailable, match="gave up"):
        datadog.list_all_downtimes(deadline_seconds=0)
    assert len(dd.calls) == 0


def test_probe_makes_one_quick_attempt(dd):
    seen = {}

    def callback(request):
        seen["timeout"] = request.req_kwargs["timeout"]
        seen["params"] = dict(request.params)
        return 503, {}, "down"

    dd.add_callback(responses.GET, f"{API}/api/v2/downtime", callback=callback)
    with pytest.raises(datadog.Unavailable):
        datadog.probe(seconds=2)
    assert len(dd.calls) == 1 and dd.sleeps == []
    assert seen["timeout"][1] <= 2
    assert seen["params"] == {"page[limit]": "1"}


@pytest.mark.parametrize("reset", ["-5", "nan", "1e400", "\u00b2", "9" * 5000])
def test_a_rate_limit_reset_that_is_no_whole_number_of_seconds_backs_off_instead(dd, reset):
    dd.get(
        f"{API}/api/v2/downtime/x",
        status=429,
        json={"errors": ["Too many requests"]},
        headers={"X-RateLimit-Reset": reset},
    )
    dd.get(f"{API}/api/v2/downtime/x", json=payloads.TAG_DOWNTIME)
    assert datadog.get_downtime("x").id == "85428b34-0187-11ee-bb05-da7ad0900002"
    assert len(dd.sleeps) == 1 and 0 <= dd.sleeps[0] < 1
