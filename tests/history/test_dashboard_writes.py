"""Writes through the dashboard are versions that name their person; the refreshes after them
find nothing new, so nothing of theirs reads "outside the dashboard"."""

from __future__ import annotations

import json

from django.test import Client

from downtimes_app.api import tokens
from downtimes_app.models import DowntimeVersion
from tests.history.support import later, refresh


def _call(token: str, method: str, path: str, body=None):
    kwargs = {"headers": {"Authorization": f"Bearer {token}"}}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(Client(), method.lower())(f"/api{path}", **kwargs)


def test_the_dashboards_own_writes_name_the_person(editor, org, viewer_client):
    token = tokens.make(editor, "tests")[1]
    refresh()
    body = {"scope": "env:prod", "monitor_id": org.monitors[0].id, "duration": "1h"}
    made = _call(token, "POST", "/downtimes", {**body, "message": "Deploy 4711"})
    assert made.status_code == 201, made.content
    downtime_id = made.json()["downtime"]["id"]
    later(5)
    refresh()
    extended = _call(token, "POST", f"/downtimes/{downtime_id}/extend", {"by": "30m"})
    assert extended.status_code == 200
    later(5)
    refresh()
    assert _call(token, "DELETE", f"/downtimes/{downtime_id}").status_code == 200
    later(5)
    refresh()
    versions = list(DowntimeVersion.objects.filter(downtime_id=downtime_id).order_by("seq"))
    assert [v.event for v in versions] == ["created", "changed", "canceled"]
    assert {v.actor for v in versions} == {"Erin (erin) through the API"}
    assert all(v.entry_id is not None for v in versions)
    assert versions[1].changed == ["schedule"]
    page = viewer_client.get(f"/downtimes/{downtime_id}/").content.decode()
    assert "by <strong>Erin (erin) through the API</strong> through the dashboard" in page
    assert "outside the dashboard" not in page.split('id="versions-')[1].split("</section>")[0]


def test_a_downtimes_page_lists_its_newest_versions_and_the_export_has_all(
    editor, org, viewer_client
):
    from dataclasses import replace

    from downtimes_app import store
    from downtimes_app.history import reading, recording
    from downtimes_app.models import AuditEntry

    refresh()
    downtime = store.peek().items[0]
    entry = AuditEntry.objects.create(
        actor_name="Lease", action="extend", summary="x", outcome="ok"
    )
    for renewal in range(reading.SHOWN + 5):  # a lease renewed again and again
        later(5)
        recording.record_written(entry, replace(downtime, message=f"renewal {renewal}"))
    page = viewer_client.get(f"/downtimes/{downtime.id}/").content.decode()
    assert page.count('class="history-entry version-') == reading.SHOWN
    assert f"The {reading.SHOWN} newest of {reading.SHOWN + 6} versions" in page
    assert f"renewal {reading.SHOWN + 4}" in page and "renewal 0<" not in page
    exported = viewer_client.get(f"/downtimes/{downtime.id}/history.json").json()
    assert len(exported["versions"]) == reading.SHOWN + 6
