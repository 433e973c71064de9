"""What the sandbox API's tests share: a downtime created over HTTP, and times as it writes them."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import create_body

UNKNOWN_ID = "00000000-0000-1234-0000-000000000000"


def iso(moment: datetime) -> str:
    return moment.isoformat()


def create(api, **attributes):
    response = api.post("/api/v2/downtime", create_body(**attributes))
    assert response.status_code == 200, response.content
    return response.json()
