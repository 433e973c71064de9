"""How downtimes read: words, relative times, badges and the next windows across clock changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from downtimes_app.core import presenters, schedules
from downtimes_app.core.domain import Downtime, Recurrence, RecurringSchedule, User
from tests import factories

MARCH_1 = datetime(2026, 3, 1, 12, tzinfo=UTC)
PARIS = schedules.get_zone("Europe/Paris")
UTC_ZONE = schedules.get_zone("UTC")


one_time = factories.one_time


def weekly_new_york() -> Downtime:
    return Downtime(
        id="d2",
        status="scheduled",
        scope="env:prod",
        display_timezone="America/New_York",
        schedule=RecurringSchedule(
            "America/New_York",
            (Recurrence("FREQ=WEEKLY;BYDAY=TU,TH", "3h", datetime(2026, 2, 24, 2, 0)),),
        ),
    )


def test_span_rounds_to_two_units():
    assert presenters.span(timedelta(minutes=80)) == "1h 20m"
    assert presenters.span(timedelta(days=3, hours=4, minutes=9)) == "3d 4h"
    assert presenters.span(timedelta(seconds=20)) == "less than a minute"
    assert presenters.span(timedelta(days=23, hours=5)) == "23d"


def test_one_time_schedule_words_in_the_viewers_zone():
    same_day = one_time(MARCH_1 + timedelta(hours=2), MARCH_1 + timedelta(hours=4))
    assert presenters.schedule_words(same_day, UTC_ZONE, MARCH_1) == "Today 14:00 to 16:00 UTC"
    assert presenters.schedule_words(same_day, PARIS, MARCH_1) == "Today 15:00 to 17:00 CET"
    open_ended = one_time(datetime(2026, 2, 3, 9, tzinfo=UTC), None)
    assert (
        presenters.schedule_words(open_ended, UTC_ZONE, MARCH_1) == "From 3 Feb 09:00 UTC, no end"
    )


def test_recurring_schedule_words_name_the_zone():
    assert (
        presenters.schedule_words(weekly_new_york(), UTC_ZONE, MARCH_1)
        == "Every Tue and Thu, 02:00\u201305:00 America/New_York"
    )


def test_window_text_and_badges():
    ending = one_time(MARCH_1 - timedelta(days=8), MARCH_1 + timedelta(minutes=80))
    assert presenters.window_text(ending, MARCH_1, UTC_ZONE) == "ends in 1h 20m"
    assert [b.label for b in presenters.badges(ending, MARCH_1)] == ["over a week"]
    soon = one_time(MARCH_1 - timedelta(hours=1), MARCH_1 + timedelta(minutes=20))
    assert [b.label for b in presenters.badges(soon, MARCH_1)] == ["ends within the hour"]
    forever = one_time(MARCH_1 - timedelta(hours=1), None)
    assert presenters.window_text(forever, MARCH_1, UTC_ZONE) == "running for 1h, no end"
    assert [b.label for b in presenters.badges(forever, MARCH_1)] == ["no end"]
    later = one_time(MARCH_1 + timedelta(days=1, hours=2), None, status="scheduled")
    assert presenters.window_text(later, MARCH_1, UTC_ZONE) == "starts tomorrow 14:00"


def test_target_names_the_monitor_or_the_tags():
    by_tags = one_time(MARCH_1, None, monitor_tags=("team:db", "env:prod"))
    assert presenters.target(by_tags) == ("tags", "team:db, env:prod")
    everything = one_time(MARCH_1, None, monitor_tags=("*",))
    assert presenters.target(everything) == ("all", "All monitors")
    by_id = one_time(MARCH_1, None, monitor_id=42)
    assert presenters.target(by_id) == ("monitor", "Monitor 42")


def test_row_uses_the_creators_handle_before_its_at_when_name_is_missing():
    downtime = one_time(
        MARCH_1, None, creator=User(id="u", handle="dana.k@example.com"), message="first\nsecond"
    )
    row = presenters.row(downtime, MARCH_1, UTC_ZONE)
    assert row.creator == "dana.k"
    assert row.excerpt == "first"


def test_a_creator_is_never_shown_as_an_address():
    def shown(**fields) -> str:
        return User(id="u-1", **fields).display_name

    assert shown(name="Dana Kim", handle="dana.k@example.com") == "Dana Kim"
    assert shown(name="dana.k@example.com") == "dana.k"  # a name that is an address
    assert shown(email="ops@example.com") == "ops"
    assert shown(handle="@example.com") == "someone"
    assert shown() == "someone"


def test_next_windows_mark_the_clock_change_and_show_both_zones():
    rows = presenters.next_windows(weekly_new_york(), MARCH_1, PARIS, limit=4)
    starts = [r.start.local.strftime("%a %d %H:%M") for r in rows]
    assert starts == ["Tue 03 02:00", "Thu 05 02:00", "Tue 10 02:00", "Thu 12 02:00"]
    # In Paris the same windows move from 08:00 to 07:00 after New York springs forward.
    assert [r.viewer_start.local.strftime("%H:%M") for r in rows] == [
        "08:00",
        "08:00",
        "07:00",
        "07:00",
    ]
    assert [bool(r.shift) for r in rows] == [False, False, True, False]
    assert rows[2].shift == "Clocks change in America/New_York: UTC\u22125 \u2192 UTC\u22124"


def test_next_windows_of_a_one_time_downtime_is_its_window():
    rows = presenters.next_windows(one_time(MARCH_1 - timedelta(hours=1), None), MARCH_1, PARIS)
    assert len(rows) == 1 and rows[0].ongoing and rows[0].end is None


def test_windows_note_of_a_far_series_says_it_looked_from_its_start():
    """A series that begins in 2042 is searched from 2042: "the next 5 years" would be untrue."""
    rule = Recurrence("FREQ=YEARLY;INTERVAL=7;BYMONTH=1", "1h", datetime(2042, 2, 1, 2, 0))
    far = Downtime("d3", "ended", "env:prod", RecurringSchedule("UTC", (rule,)))
    assert presenters.next_windows(far, MARCH_1, UTC_ZONE) == []  # 1 January 2049 is past its reach
    assert presenters.windows_note(far, MARCH_1) == "No window within 5 years of its start."
    near = dataclasses.replace(rule, start=datetime(2026, 2, 1, 2, 0))
    soon = Downtime("d4", "ended", "env:prod", RecurringSchedule("UTC", (near,)))
    assert presenters.windows_note(soon, MARCH_1) == "No upcoming window in the next 5 years."


def test_a_stale_copy_still_says_what_the_clock_says():
    """During an outage the list shows the last copy: its "active" may have ended since."""
    stale = one_time(MARCH_1 - timedelta(hours=2), MARCH_1 - timedelta(minutes=40), status="active")
    assert presenters.window_text(stale, MARCH_1, UTC_ZONE) == "ended 40m ago"
    assert [b.label for b in presenters.badges(stale, MARCH_1)] == []
    started = one_time(
        MARCH_1 - timedelta(minutes=20), MARCH_1 + timedelta(hours=1), status="scheduled"
    )
    assert presenters.window_text(started, MARCH_1, UTC_ZONE) == "ends in 1h"
