"""What the downtime page's tests share: the page as a client reads it, its text and meta tags,
a downtime's end as the sandbox stored it, and the payments database's monitor alerting."""

from __future__ import annotations

import html
import re
from datetime import datetime

from django.urls import reverse

from sandbox.models import SandboxDowntime, SandboxMonitor
from tests.factories import payments_db


def page_of(client, downtime: SandboxDowntime, **params) -> str:
    response = client.get(reverse("downtimes:detail", args=[downtime.uuid]), params)
    assert response.status_code == 200
    return response.content.decode()


def text_of(page: str) -> str:
    """The page as a person reads it: tags gone, entities decoded, spaces collapsed."""
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    return re.sub(r" ([.,;:])", r"\1", text)


def meta(page: str, name: str) -> str:
    match = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', page)
    assert match, f"no {name} meta tag"
    return html.unescape(match.group(1))


def stored_end(downtime: SandboxDowntime) -> datetime | None:
    downtime.refresh_from_db()
    end = downtime.schedule.get("end")
    return datetime.fromisoformat(end) if end else None


def alerting_payments_db() -> SandboxMonitor:
    """The monitor the incident downtime mutes by id, with one group alerting and one no data."""
    monitor = payments_db()
    for index, group in enumerate(monitor.groups):
        group["status"] = {0: "Alert", 1: "No Data"}.get(index, "OK")
    monitor.overall_state = "Alert"
    monitor.save()
    return monitor
