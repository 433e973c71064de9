"""What the form's tests share: opening the form and posting it as a browser would, what the
sandbox stored, the errors a page shows, and the stories and values most tests start from."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.urls import reverse

from sandbox.models import SandboxDowntime
from tests.html_forms import as_post, form_data

NEW = reverse("downtimes:new")


def monitor_named(org, fragment: str):
    return next(m for m in org.monitors if fragment in m.name)


def open_form(client, url: str = NEW, **query):
    response = client.get(url + (f"?{urlencode(query)}" if query else ""))
    assert response.status_code == 200
    return response, form_data(response.content)


def submit(client, data, changes=None, url: str = NEW, action: str = "save", **more):
    return client.post(url, as_post(data, changes, _action=action, **more))


def stored(**filters) -> SandboxDowntime:
    return SandboxDowntime.objects.filter(**filters).order_by("-id").first()


def landed_on_new_downtime(response) -> SandboxDowntime:
    assert response.status_code == 302, response.content.decode()[:2000]
    downtime = SandboxDowntime.objects.order_by("-id").first()
    assert response["Location"] == reverse("downtimes:detail", args=[str(downtime.uuid)])
    return downtime


def errors_in(response) -> str:
    page = response.content.decode()
    return " ".join(re.findall(r'class="field-errors[^"]*">(.*?)</(?:ul|p)>', page, re.S))


def valid_one_time(org) -> dict:
    return {
        "scope": "env:prod",
        "target": "monitor",
        "monitor_id": str(org.monitors[0].id),
        "timezone": "UTC",
    }


def story(fragment: str) -> SandboxDowntime:
    return SandboxDowntime.objects.get(message__contains=fragment)


def edit_url(downtime: SandboxDowntime) -> str:
    return reverse("downtimes:edit", args=[str(downtime.uuid)])
