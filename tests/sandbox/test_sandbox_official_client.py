"""Datadog's own Python client, pointed at the sandbox over HTTP, works with no special cases."""

from __future__ import annotations

import pytest
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, NotFoundException
from datadog_api_client.v1.api.monitors_api import MonitorsApi
from datadog_api_client.v2.api.downtimes_api import DowntimesApi
from datadog_api_client.v2.model.downtime_create_request import DowntimeCreateRequest
from datadog_api_client.v2.model.downtime_create_request_attributes import (
    DowntimeCreateRequestAttributes,
)
from datadog_api_client.v2.model.downtime_create_request_data import DowntimeCreateRequestData
from datadog_api_client.v2.model.downtime_monitor_identifier_tags import (
    DowntimeMonitorIdentifierTags,
)
from datadog_api_client.v2.model.downtime_resource_type import DowntimeResourceType
from datadog_api_client.v2.model.downtime_schedule_recurrence_create_update_request import (
    DowntimeScheduleRecurrenceCreateUpdateRequest,
)
from datadog_api_client.v2.model.downtime_schedule_recurrences_create_request import (
    DowntimeScheduleRecurrencesCreateRequest,
)
from datadog_api_client.v2.model.downtime_update_request import DowntimeUpdateRequest
from datadog_api_client.v2.model.downtime_update_request_attributes import (
    DowntimeUpdateRequestAttributes,
)
from datadog_api_client.v2.model.downtime_update_request_data import DowntimeUpdateRequestData

from sandbox import seed
from tests.factories import NOW

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def official(live_server, frozen_now):
    seed.seed(downtimes=45, now=NOW)
    configuration = Configuration(host=f"{live_server.url}/sandbox")
    configuration.api_key["apiKeyAuth"] = "sandbox-api-key"
    configuration.api_key["appKeyAuth"] = "sandbox-app-key"
    with ApiClient(configuration) as api_client:
        yield api_client


def _create(api: DowntimesApi, **attributes):
    body = DowntimeCreateRequest(
        data=DowntimeCreateRequestData(
            type=DowntimeResourceType.DOWNTIME,
            attributes=DowntimeCreateRequestAttributes(
                scope=attributes.pop("scope", "env:prod"),
                monitor_identifier=DowntimeMonitorIdentifierTags(monitor_tags=["team:payments"]),
                **attributes,
            ),
        )
    )
    return api.create_downtime(body=body)


def test_official_client_creates_gets_updates_and_cancels(official):
    api = DowntimesApi(official)
    created = _create(
        api,
        message="drill",
        display_timezone="America/New_York",
        schedule=DowntimeScheduleRecurrencesCreateRequest(
            timezone="America/New_York",
            recurrences=[
                DowntimeScheduleRecurrenceCreateUpdateRequest(
                    duration="3h", rrule="FREQ=WEEKLY;BYDAY=TU,TH", start="2026-11-17T02:00"
                )
            ],
        ),
    )
    downtime_id = created.data.id
    assert created.data.attributes.status.value == "scheduled"

    fetched = api.get_downtime(downtime_id=downtime_id, include="created_by,monitor")
    schedule = fetched.data.attributes.schedule
    assert schedule.timezone == "America/New_York"
    assert schedule.current_downtime.start.isoformat() == "2026-11-17T07:00:00+00:00"
    assert fetched.included[0].attributes.handle == "downtime-dashboard@example.com"

    updated = api.update_downtime(
        downtime_id=downtime_id,
        body=DowntimeUpdateRequest(
            data=DowntimeUpdateRequestData(
                id=downtime_id,
                type=DowntimeResourceType.DOWNTIME,
                attributes=DowntimeUpdateRequestAttributes(message="drill moved"),
            )
        ),
    )
    assert updated.data.attributes.message == "drill moved"

    api.cancel_downtime(downtime_id=downtime_id)
    assert api.get_downtime(downtime_id=downtime_id).data.attributes.status.value == "canceled"


def test_official_client_pages_through_the_whole_list(official):
    api = DowntimesApi(official)
    ids = [d.id for d in api.list_downtimes_with_pagination(include="created_by,monitor")]
    page = api.list_downtimes(page_limit=100)
    assert len(ids) == len(set(ids)) == 45
    assert ids == [d.id for d in page.data]
    assert page.meta.page.total_filtered_count == 45


def test_official_client_sees_not_found_and_bad_request(official):
    api = DowntimesApi(official)
    with pytest.raises(NotFoundException) as missing:
        api.get_downtime(downtime_id="00000000-0000-1234-0000-000000000000")
    assert "Downtime not found" in str(missing.value.body)
    with pytest.raises(ApiException) as bad:
        _create(api, scope="BAD_SCOPE_MISSING_KEY_VALUE_FORMAT")
    assert bad.value.status == 400
    assert "All values must have a key" in str(bad.value.body)
    with pytest.raises(ApiException) as malformed:
        api.get_downtime(downtime_id="INVALID_UUID_LENGTH")
    assert malformed.value.status == 400


def test_official_client_reads_monitors_and_matches(official):
    monitors = MonitorsApi(official)
    found = monitors.search_monitors(query="payments-db")
    assert found.metadata.total_count == len(found.monitors) > 0
    monitor = monitors.get_monitor(monitor_id=found.monitors[0].id)
    assert "payments-db" in monitor.name
    listed = monitors.list_monitors(monitor_tags="team:payments", page=0, page_size=3)
    assert len(listed) == 3
    matches = DowntimesApi(official).list_monitor_downtimes(monitor_id=monitor.id)
    assert matches.meta.page.total_filtered_count == len(matches.data)


def test_official_client_reads_each_groups_state(official):
    from sandbox.models import SandboxMonitor

    grouped = next(m for m in SandboxMonitor.objects.all() if len(m.groups) > 1)
    monitor = MonitorsApi(official).get_monitor(monitor_id=grouped.id, group_states="all")
    states = {name: group.status.value for name, group in monitor.state.groups.items()}
    assert states == {g["name"]: g["status"] for g in grouped.groups}
