"""What the dashboard keeps belongs to one Datadog: another org's copy is never shown, and a copy
older than it may be is never shown without saying how old it is.

The first org is the sandbox; the second is another API URL with other keys, answered by
`responses`, on the same database and shared cache, as after a restart with new keys or beside a
second deployment on the same Redis.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
import responses
from django.core.cache import cache
from django.urls import reverse

from downtimes_app import datadog, store
from downtimes_app.datadog import client as service
from downtimes_app.store import monitors as monitor_store
from sandbox import faults, seed
from sandbox.models import SandboxDowntime, SandboxMonitor
from tests import payloads
from tests.conftest import STORIES
from tests.factories import NOW

SECOND_API = "https://api.second-org.example"
SECOND = payloads.TAG_DOWNTIME["data"]  # the one downtime the second org has
PAGES = (
    reverse("downtimes:list"),
    reverse("downtimes:list") + "?status=scheduled",
    reverse("downtimes:list") + "?status=ended",
    reverse("downtimes:list") + "?status=canceled",
    reverse("downtimes:list") + "?status=all",
    reverse("downtimes:calendar"),
    reverse("downtimes:attention"),
    reverse("downtimes:monitors_list"),
)


def restart() -> None:
    """What a new process has of the copies: nothing but the shared cache."""
    for kind in (store.DOWNTIMES, monitor_store.MONITORS):
        kind.local.forget()


def settled() -> None:
    """Refreshes still storing what a page already showed are done: none writes into the next
    test's cache."""
    for thread in threading.enumerate():
        if thread.name.endswith("-refresh"):
            thread.join(timeout=10)


@pytest.fixture
def second_org(settings, monkeypatch):
    """Another org's API and keys; its answers come from `responses`."""
    monkeypatch.setattr(service, "_sleep", lambda s: None)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            re.compile(re.escape(SECOND_API) + r"/api/v2/downtime(\?.*)?$"),
            json={"data": [SECOND], "meta": {"page": {"total_filtered_count": 1}}},
        )
        mock.get(re.compile(re.escape(SECOND_API) + r"/api/v1/monitor(\?.*)?$"), json=[])
        mock.get(
            re.compile(re.escape(SECOND_API) + r"/api/v1/monitor/[0-9]+(\?.*)?$"),
            status=404,
            json={"errors": ["Monitor not found"]},
        )
        mock.get(
            re.compile(re.escape(SECOND_API) + r"/api/v2/downtime/[^/?]+(\?.*)?$"),
            status=404,
            json={"errors": ["Downtime not found"]},
        )

        def switch() -> None:
            settings.DATADOG_SANDBOX = False
            settings.DATADOG_TRANSPORT = ""
            settings.DATADOG_API_URL = SECOND_API
            settings.DATADOG_API_KEY = "second-org-api-key-0123456789abcdef"
            settings.DATADOG_APP_KEY = "second-org-app-key-fedcba9876543210"

        mock.switch = switch
        yield mock


def test_after_switching_to_another_org_no_page_shows_the_first_orgs_downtimes(
    viewer_client, org, second_org
):
    first = {str(d.uuid): d.message for d in SandboxDowntime.objects.all()}
    assert first
    for path in PAGES:  # every copy of the sandbox is made and kept in the shared cache
        assert viewer_client.get(path).status_code == 200
    assert cache.get(store.KEY_VERSION)
    restart()
    second_org.switch()
    assert cache.get(store.KEY_VERSION) is None  # the sandbox's copy is not this org's
    for path in PAGES:
        page = viewer_client.get(path).content.decode()
        for downtime_id, message in first.items():
            assert downtime_id not in page, (path, message)
        for story in STORIES.values():
            assert story not in page, path
    listed = viewer_client.get(reverse("downtimes:list") + "?status=all").content.decode()
    assert SECOND["id"] in listed  # the second org's own downtime is there
    some_id = next(iter(first))
    detail = viewer_client.get(reverse("downtimes:detail", args=[some_id]))
    assert detail.status_code == 404 and first[some_id] not in detail.content.decode()
    monitor = SandboxMonitor.objects.order_by("id").first()
    page = viewer_client.get(reverse("downtimes:monitor", args=[monitor.id])).content.decode()
    assert monitor.name not in page and "has no monitor with this id" in page


def test_two_key_pairs_on_one_url_are_two_upstreams_and_neither_key_is_in_their_name(settings):
    settings.DATADOG_API_URL = SECOND_API
    settings.DATADOG_API_KEY, settings.DATADOG_APP_KEY = "api-one-0123456789", "app-one-abcdef"
    one = datadog.upstream()
    settings.DATADOG_APP_KEY = "app-two-abcdef"
    two = datadog.upstream()
    assert one != two and one.startswith("api.second-org.example/")
    for name in (one, two, store.DOWNTIMES.data):
        for secret in ("api-one-0123456789", "app-one-abcdef", "app-two-abcdef"):
            assert secret not in name and secret[:8] not in name


@pytest.mark.django_db(transaction=True)
def test_a_copy_kept_across_a_restart_is_renewed_before_it_is_shown(viewer_client, stories):
    """Threads see the sandbox's rows here, so a refresh may run behind the page, as it does in
    production: the old copy must not be served while it does."""
    from sandbox import clock

    forgotten = str(stories["forgotten"].uuid)
    assert forgotten in viewer_client.get(reverse("downtimes:list")).content.decode()
    settled()
    restart()
    clock.set_now(NOW + timedelta(days=3))  # the dashboard was down for three days...
    cache.delete(store.KEY_FRESH)
    SandboxDowntime.objects.filter(uuid=forgotten).delete()  # ...and this one went meanwhile
    page = viewer_client.get(reverse("downtimes:list")).content.decode()
    assert forgotten not in page
    assert "Showing data from" not in page
    settled()


def test_an_old_copy_that_cannot_be_renewed_says_how_old_it_is(viewer_client, stories, monkeypatch):
    from sandbox import clock

    monkeypatch.setattr(service, "_sleep", lambda s: None)
    assert viewer_client.get(reverse("downtimes:list")).status_code == 200
    restart()
    clock.set_now(NOW + timedelta(days=3))
    cache.delete(store.KEY_FRESH)
    with faults.inject(rates={"500": 1.0}):
        page = viewer_client.get(reverse("downtimes:list")).content.decode()
    assert str(stories["forgotten"].uuid) in page
    assert "Showing data from" in page and "(3d old)" in page


def back_after_three_days(frozen_now, settings) -> None:
    """A restart three days and two hours on, its copy expired, with a short deadline for a
    renewal that will be late."""
    from sandbox import clock

    settled()
    restart()
    clock.set_now(frozen_now + timedelta(days=3, hours=2))
    cache.delete(store.KEY_FRESH)
    settings.DOWNTIME_REFRESH_DEADLINE = 0.2


@pytest.mark.django_db(transaction=True)
def test_an_old_copy_whose_renewal_is_late_is_shown_with_its_age_until_it_arrives(
    frozen_now, settings, viewer_client
):

    seed.seed(downtimes=0, now=frozen_now)
    url = reverse("downtimes:list")
    assert STORIES["incident"] in viewer_client.get(url).content.decode()
    back_after_three_days(frozen_now, settings)
    with faults.inject(latency_ms=500):
        waiting = viewer_client.get(url).content.decode()
        assert "Showing data from 3d 2h ago." in waiting
        assert "A newer copy is on its way from Datadog" in waiting
        renewed = waiting
        for _ in range(100):
            renewed = viewer_client.get(url, HTTP_HX_REQUEST="true").content.decode()
            if "Showing data from" not in renewed:
                break
            time.sleep(0.05)
    assert "Showing data from" not in renewed
    settled()


def test_upstream_name_carries_no_credentials_written_into_the_api_url(settings):
    """A proxy's user and password in `DD_API_URL` are as secret as the keys: cache keys (which
    Redis lists to anyone who may read it) name the host only."""
    settings.DATADOG_API_URL = "https://relay-user:relay-password-42@proxy.example:8443/datadog"
    settings.DATADOG_API_KEY, settings.DATADOG_APP_KEY = "api-0123456789", "app-abcdef"
    for name in (datadog.upstream(), store.DOWNTIMES.data, monitor_store.MONITORS.lock):
        assert "relay-user" not in name and "relay-password-42" not in name
        assert "proxy.example:8443/" in name
    settings.DATADOG_API_URL = "https://relay-user:another-password@proxy.example:8443/datadog"
    assert "another-password" not in datadog.upstream()


def test_monitor_pages_say_how_old_the_downtimes_they_show_are(viewer_client, stories, monkeypatch):
    """The monitors are renewed, the downtimes cannot be: what mutes each monitor comes from a
    copy three days old, and the monitor list and a monitor's page say so."""
    from sandbox import clock

    monkeypatch.setattr(service, "_sleep", lambda s: None)
    pages = (
        reverse("downtimes:monitors_list"),
        reverse("downtimes:monitor", args=[SandboxMonitor.objects.order_by("id").first().id]),
    )
    for path in pages:
        assert "Downtimes from" not in viewer_client.get(path).content.decode()
    restart()
    clock.set_now(NOW + timedelta(days=3))
    cache.delete_many([store.KEY_FRESH, monitor_store.MONITORS.fresh])

    def unavailable(deadline, known):
        raise datadog.Unavailable("Datadog is unavailable (GET /api/v2/downtime answered 503)")

    monkeypatch.setattr(store.DOWNTIMES, "fetch", unavailable)
    for path in pages:
        page = viewer_client.get(path).content.decode()
        assert "Downtimes from 3d ago." in page, path
        assert "answered 503" in page, path


@pytest.mark.django_db(transaction=True)
def test_bulk_cancel_preview_from_an_old_copy_whose_renewal_is_late_says_how_old_it_is(
    frozen_now, settings, editor_client
):
    """What a bulk cancel would cancel is read from the copy: from one three days old, the
    preview says so while the new one is on its way."""

    seed.seed(downtimes=0, now=frozen_now)
    incident = SandboxDowntime.objects.get(message__contains=STORIES["incident"])
    url = reverse("downtimes:bulk_cancel") + f"?id={incident.uuid}"
    assert "Showing data from" not in editor_client.get(url).content.decode()
    back_after_three_days(frozen_now, settings)
    with faults.inject(latency_ms=500):
        page = editor_client.get(url).content.decode()
        settled()
    assert f'id="preview-{incident.uuid}"' in page
    assert "Showing data from 3d 2h ago." in page
