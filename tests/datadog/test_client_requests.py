"""The service module at its HTTP boundary: what every request carries, and payloads read.

`responses` stands in for api.datadoghq.com; the bodies are shaped like Datadog's recorded ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import responses
from responses import matchers

from downtimes_app import datadog
from downtimes_app.core.domain import OneTimeSchedule, RecurringSchedule, Window
from downtimes_app.datadog.codec import parse_time
from tests import payloads
from tests.datadog.support import API, API_KEY, APP_KEY

# --- requests carry the keys, a User-Agent and a timeout --------------------------------------


def test_request_sends_keys_user_agent_and_timeout(dd, settings):
    seen = {}

    def callback(request):
        seen.update(request.headers)
        seen["timeout"] = request.req_kwargs["timeout"]
        return 200, {}, json.dumps(payloads.TAG_DOWNTIME)

    dd.add_callback(
        responses.GET,
        f"{API}/api/v2/downtime/85428b34-0187-11ee-bb05-da7ad0900002",
        callback=callback,
    )
    datadog.get_downtime("85428b34-0187-11ee-bb05-da7ad0900002")
    assert seen["DD-API-KEY"] == API_KEY
    assert seen["DD-APPLICATION-KEY"] == APP_KEY
    assert seen["User-Agent"].startswith("downtime-dashboard/")
    assert seen["timeout"] == (settings.DATADOG_CONNECT_TIMEOUT, settings.DATADOG_READ_TIMEOUT)


# --- parsing realistic payloads ------------------------------------------------------------


def test_get_downtime_parses_tag_downtime_without_monitor(dd):
    dd.get(
        f"{API}/api/v2/downtime/85428b34-0187-11ee-bb05-da7ad0900002",
        json=payloads.TAG_DOWNTIME,
        match=[matchers.query_param_matcher({"include": "created_by,monitor"})],
    )
    downtime = datadog.get_downtime("85428b34-0187-11ee-bb05-da7ad0900002")
    assert downtime.monitor_id is None
    assert downtime.monitor is None
    assert downtime.monitor_tags == ("cat:hat",)
    assert downtime.status == "active"
    assert isinstance(downtime.schedule, OneTimeSchedule)
    assert downtime.schedule.end is None
    assert downtime.schedule.start == datetime(2023, 6, 2, 20, 53, 26, 286133, tzinfo=UTC)
    assert downtime.notify_end_states == ("warn", "alert", "no data")


def test_creator_with_null_name_is_shown_by_the_handle_before_its_at(dd):
    dd.get(
        f"{API}/api/v2/downtime/85428b34-0187-11ee-bb05-da7ad0900002", json=payloads.TAG_DOWNTIME
    )
    creator = datadog.get_downtime("85428b34-0187-11ee-bb05-da7ad0900002").creator
    assert creator is not None
    assert creator.name is None
    assert creator.display_name == "frog"  # never an address on a page
    assert creator.handle == "frog@datadoghq.com"


def test_get_downtime_resolves_included_monitor(dd):
    dd.get(
        f"{API}/api/v2/downtime/9a268050-4c00-11ee-bc79-da7ad0900002",
        json=payloads.MONITOR_DOWNTIME,
    )
    downtime = datadog.get_downtime("9a268050-4c00-11ee-bc79-da7ad0900002")
    assert downtime.monitor_id == 130846742
    assert downtime.monitor is not None and downtime.monitor.name == "[prod] payments-db latency"
    assert downtime.creator is not None and downtime.creator.id == payloads.CREATOR_ID
    # `Z` and `+0000` offsets both parse to UTC.
    assert downtime.schedule.start == datetime(2050, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert downtime.schedule.end == datetime(2050, 1, 2, 5, 4, 5, tzinfo=UTC)
    assert downtime.notify_end_types == ()


def test_get_downtime_parses_recurring_schedule_with_three_recurrences(dd):
    dd.get(
        f"{API}/api/v2/downtime/4fa0a24a-2bd5-11ee-b95a-da7ad0900002",
        json=payloads.RECURRING_DOWNTIME,
    )
    downtime = datadog.get_downtime("4fa0a24a-2bd5-11ee-b95a-da7ad0900002")
    schedule = downtime.schedule
    assert isinstance(schedule, RecurringSchedule)
    assert downtime.is_recurring
    assert schedule.timezone == "America/New_York"
    assert [r.rrule for r in schedule.recurrences] == [
        "FREQ=DAILY;INTERVAL=1",
        "FREQ=DAILY;INTERVAL=12",
        "FREQ=WEEKLY;BYDAY=TU,TH",
    ]
    # Recurrence starts are wall time, without an offset; minutes-only starts parse too.
    assert schedule.recurrences[0].start == datetime(2042, 7, 13, 1, 2, 3)
    assert schedule.recurrences[1].start == datetime(2042, 7, 15, 1, 2)
    assert schedule.current_downtime == Window(
        datetime(2042, 7, 13, 5, 2, 3, tzinfo=UTC), datetime(2042, 7, 14, 5, 2, 3, tzinfo=UTC)
    )
    assert downtime.window == schedule.current_downtime
    assert downtime.mute_first_recovery_notification is True
    # Without include, there are no relationships: no creator, and no error either.
    assert downtime.creator is None


def test_get_downtime_parses_canceled_downtime_with_nulls(dd):
    dd.get(
        f"{API}/api/v2/downtime/83718756-0187-11ee-8c18-da7ad0900002",
        json=payloads.CANCELED_DOWNTIME,
    )
    downtime = datadog.get_downtime("83718756-0187-11ee-8c18-da7ad0900002")
    assert downtime.status == "canceled"
    assert downtime.canceled == datetime(2023, 6, 2, 21, 0, 0, 123000, tzinfo=UTC)
    assert downtime.monitor_tags == ("*",)
    assert downtime.notify_end_states == ()
    assert downtime.message == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-06-02T20:53:26.300497+00:00", datetime(2023, 6, 2, 20, 53, 26, 300497, tzinfo=UTC)),
        ("2023-06-02T20:53:26Z", datetime(2023, 6, 2, 20, 53, 26, tzinfo=UTC)),
        ("2020-01-02T03:04:00.000Z", datetime(2020, 1, 2, 3, 4, tzinfo=UTC)),
        ("2020-01-02T05:04:05.282979+0200", datetime(2020, 1, 2, 3, 4, 5, 282979, tzinfo=UTC)),
        (1684790119, datetime(2023, 5, 22, 21, 15, 19, tzinfo=UTC)),
        (None, None),
    ],
)
def test_parse_time_accepts_datadogs_formats(text, expected):
    assert parse_time(text) == expected


def test_malformed_timestamp_is_a_malformed_response():
    with pytest.raises(datadog.MalformedResponse):
        parse_time("yesterday")
