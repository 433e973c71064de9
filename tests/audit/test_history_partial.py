"""The history partial on its own, as the site-wide audit page will use it."""

from __future__ import annotations

from django.template.loader import render_to_string

from downtimes_app.audit.entries import record
from downtimes_app.models import AuditEntry


def test_history_lists_who_what_outcome_error_and_changes(editor, db):
    before = {
        "schedule": {"start": "2026-11-16T08:00:00+00:00", "end": "2026-11-16T10:00:00+00:00"}
    }
    after = {"schedule": {"start": "2026-11-16T08:00:00+00:00", "end": "2026-11-16T11:00:00+00:00"}}
    record(
        editor,
        AuditEntry.Action.EXTEND,
        downtime_id="abc-1",
        summary="Moved the end",
        before=before,
        after=after,
    )
    record(
        editor,
        AuditEntry.Action.CANCEL,
        downtime_id="abc-2",
        summary="Canceled",
        before=before,
        error="Datadog is rate-limiting requests",
    )
    html = render_to_string(
        "audit/partials/_history.html",
        {"entries": AuditEntry.objects.all(), "show_downtime": True},
    )
    assert html.index("Canceled") < html.index("Extended")  # newest first
    assert "Erin (erin)" in html
    assert '<span class="badge badge-danger">failed</span>' in html
    assert "Datadog said: Datadog is rate-limiting requests" in html
    assert "<code>schedule.end</code>" in html
    assert (
        "<del>2026-11-16T10:00:00+00:00</del>" in html
        and "<ins>2026-11-16T11:00:00+00:00</ins>" in html
    )
    assert 'href="/downtimes/abc-1/"' in html and 'href="/downtimes/abc-2/"' in html
    assert "UTC" in html  # no zone given: times in UTC, and it says so


def test_history_says_when_there_is_nothing_yet():
    html = render_to_string("audit/partials/_history.html", {"entries": []})
    assert "Nothing changed through this dashboard yet." in html
