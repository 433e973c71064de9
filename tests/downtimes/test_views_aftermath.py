"""What would notify if a downtime ended now: on its page (loaded after it) and in the form's
preview, from the cached monitor states."""

from __future__ import annotations

from django.urls import reverse

from tests.downtimes.support import alerting_payments_db
from tests.factories import grouped
from tests.html_forms import as_post, form_data
from tests.monitors.support import text_of


def test_a_downtimes_page_loads_what_would_notify_if_it_ended(viewer_client, stories):
    monitor = alerting_payments_db()
    incident = stories["incident"]
    url = reverse("downtimes:aftermath", args=[incident.uuid])
    page = viewer_client.get(reverse("downtimes:detail", args=[incident.uuid])).content.decode()
    assert f'hx-get="{url}"' in page and f'href="{url}"' in page  # after the page, or a link
    fragment = viewer_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    text = text_of(fragment)
    assert "If this ended now, 1 monitor would notify (1 Alert)." in text
    assert monitor.name in text and reverse("downtimes:monitor", args=[monitor.id]) in fragment
    # Without JavaScript the link is a page of its own.
    assert "When it ends" in text_of(viewer_client.get(url).content.decode())


def test_a_downtime_set_not_to_notify_says_nothing_would_page_the_moment_it_ended(
    viewer_client, stories
):
    alerting_payments_db()
    incident = stories["incident"]
    incident.notify_end_types = []
    incident.save()
    url = reverse("downtimes:aftermath", args=[incident.uuid])
    text = text_of(viewer_client.get(url).content.decode())
    assert "It is set not to notify when it ends" in text


def test_the_forms_preview_says_what_would_notify(editor_client, org):
    monitor = grouped("Alert")  # nothing else mutes it
    data = form_data(editor_client.get(reverse("downtimes:new")).content)
    changes = {
        "target": "monitor",
        "monitor_id": str(monitor.id),
        "scope": "env:prod",
        "timezone": "UTC",
        "duration": "1h",
    }
    preview = editor_client.post(reverse("downtimes:form_preview"), as_post(data, changes))
    assert "If this ended now, 1 monitor would notify (1 Alert)." in text_of(
        preview.content.decode()
    )
    narrower = {**changes, "scope": "env:staging"}  # none of its groups
    preview = editor_client.post(reverse("downtimes:form_preview"), as_post(data, narrower))
    assert "It mutes no monitor right now" in text_of(preview.content.decode())
