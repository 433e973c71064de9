"""Fixtures the tests in this folder share."""

from __future__ import annotations

import pytest
import responses

from downtimes_app.datadog import client
from tests.datadog.support import API, API_KEY, APP_KEY


@pytest.fixture
def dd(settings, monkeypatch):
    """A real-Datadog configuration whose HTTP is answered by `responses`."""
    settings.DATADOG_SANDBOX = False
    settings.DATADOG_TRANSPORT = ""
    settings.DATADOG_API_URL = API
    settings.DATADOG_API_KEY = API_KEY
    settings.DATADOG_APP_KEY = APP_KEY
    settings.DATADOG_PAGE_SIZE = 2
    settings.DATADOG_RETRIES = 2
    settings.DATADOG_RATE_LIMIT_WAIT_CAP = 5.0
    sleeps: list[float] = []
    monkeypatch.setattr(client, "_sleep", sleeps.append)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.sleeps = sleeps
        yield mock
