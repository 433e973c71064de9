"""The list's pure parts: the glance over a cached copy, whatever its age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from downtimes_app import listing
from downtimes_app.domain import Downtime, OneTimeSchedule

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def active(end_in: timedelta | None) -> Downtime:
    end = NOW + end_in if end_in is not None else None
    return Downtime(
        id=str(end_in),
        status="active",
        scope="*",
        schedule=OneTimeSchedule(NOW - timedelta(days=1), end),
    )


def test_glance_counts_only_what_ends_within_the_next_hour():
    index = listing.Index(
        (
            active(timedelta(minutes=-30)),  # the copy is older than this window: already over
            active(timedelta(minutes=20)),
            active(timedelta(minutes=59)),
            active(timedelta(hours=3)),
            active(None),
        )
    )
    glance = listing.glance(index, NOW)
    assert (glance.active, glance.ending_soon, glance.without_end) == (5, 2, 1)
    assert glance.next_up is None
