"""What the monitor pages' tests share: a monitor's page and its text, and quick mute's
confirmation as a browser gets it."""

from __future__ import annotations

import html
import re

from django.test import Client
from django.urls import reverse

from tests.html_forms import form_data


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def page_of(client: Client, monitor_id: int) -> str:
    response = client.get(reverse("downtimes:monitor", args=[monitor_id]))
    assert response.status_code == 200
    return response.content.decode()


def mute_url(monitor) -> str:
    return reverse("downtimes:monitor_mute", args=[monitor.id])


def confirmation(client, monitor, **query) -> tuple[str, dict]:
    response = client.get(mute_url(monitor), query)
    assert response.status_code == 200
    page = response.content.decode()
    return page, form_data(page, f"mute-form-{monitor.id}")
