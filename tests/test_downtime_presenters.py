"""How one downtime reads on its page and in link previews: message, notify settings, changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from downtimes_app import presenters, schedules
from downtimes_app.datadog import Downtime, Recurrence, RecurringSchedule

NOW = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)


# --- the windows partial ----------------------------------------------------------------------


def test_windows_partial_shows_each_column_in_its_own_zone():
    from django.template.loader import render_to_string

    downtime = Downtime(
        id="d3",
        status="scheduled",
        scope="env:prod",
        schedule=RecurringSchedule(
            "America/New_York", (Recurrence("FREQ=DAILY", "3h", datetime(2026, 11, 1, 2, 0)),)
        ),
    )
    berlin = schedules.get_zone("Europe/Berlin")
    html = render_to_string(
        "downtimes/partials/_windows.html",
        {
            "windows": presenters.next_windows(downtime, NOW, berlin, limit=1),
            "schedule_zone": "America/New_York",
            "viewer_zone": "Europe/Berlin",
        },
    )
    # The window in progress: 02:00 in New York is 07:00 UTC and 08:00 in Berlin.
    assert "Mon 16 Nov 2026, 02:00" in html and "Mon 16 Nov, 08:00" in html
    shown = re.sub(r'(datetime|title)="[^"]*"', "", html)
    assert "07:00" not in shown
