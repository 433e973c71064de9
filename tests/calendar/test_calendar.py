"""The calendar's pure parts: windows on the timeline and in the feed are `schedules`' own,
across daylight-saving changes; the feed is RFC 5545 the library reads back; overlaps; rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from dateutil import rrule as dateutil_rrule

from downtimes_app.calendar import feed, overlaps, query, rows, timeline
from downtimes_app.calendar.index import CalendarIndex
from downtimes_app.core import schedules
from downtimes_app.core.domain import (
    CANCELED,
    Downtime,
    Monitor,
    OneTimeSchedule,
    Recurrence,
    RecurringSchedule,
    Window,
)

# (zone, the day its clocks change, which way)
CHANGES = [
    ("America/New_York", date(2026, 3, 8), "forward"),
    ("America/New_York", date(2026, 11, 1), "back"),
    ("Australia/Sydney", date(2026, 4, 5), "back"),
    ("Australia/Sydney", date(2026, 10, 4), "forward"),
]


def rules_around(day: date) -> dict[str, tuple[str, datetime, str]]:
    """(rrule, wall-time start, duration) for each kind of rule, near a clock change on `day`."""
    early = datetime.combine(day - timedelta(days=10), datetime.min.time())
    return {
        "daily": ("FREQ=DAILY", early.replace(hour=2, minute=30), "1h"),
        "weekly BYDAY": ("FREQ=WEEKLY;BYDAY=SU,WE", early.replace(hour=1, minute=30), "2h"),
        "monthly nth weekday": ("FREQ=MONTHLY;BYDAY=1SU,2SU", early.replace(hour=2), "1d"),
        "UNTIL": (
            f"FREQ=DAILY;UNTIL={day + timedelta(days=2):%Y%m%d}T020000",
            early.replace(hour=2, minute=15),
            "30m",
        ),
        "COUNT": ("FREQ=DAILY;COUNT=14", early.replace(hour=23), "4h"),
    }


def recurring(zone: str, rrule: str, start: datetime, duration: str, **more) -> Downtime:
    schedule = RecurringSchedule(zone, (Recurrence(rrule, duration, start),))
    more.setdefault("created", datetime(2026, 1, 1, tzinfo=UTC))
    more.setdefault("scope", "env:prod")
    return Downtime(id="d-1", status="scheduled", schedule=schedule, **more)


def span_around(zone: str, day: date) -> timeline.Span:
    return timeline.make_span(day - timedelta(days=3), 7, schedules.get_zone(zone))


def schedules_windows(downtime: Downtime, span: timeline.Span) -> list[Window]:
    """`schedules`' own answer: every window that meets the span, from its public API."""
    schedule = downtime.schedule
    specs = timeline.specs_of(downtime)
    found = schedules.upcoming_windows(specs, schedule.timezone, span.start, limit=500)
    return [w for w in found if w.start < span.end]


def feed_windows(downtime: Downtime, span: timeline.Span) -> list[Window]:
    """The feed read back with `icalendar`, its RRULE expanded by dateutil, RFC 5545's way:
    a DTEND gives every occurrence the first one's exact length; a DURATION in days is
    calendar days."""
    parsed = icalendar.Calendar.from_ical(
        feed.calendar([downtime], now=span.start, link=lambda d: "http://x/", name="t")
    )
    found = []
    for event in parsed.walk("VEVENT"):
        start = event.decoded("dtstart")
        rule = dateutil_rrule.rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
        for instant in rule.between(span.start - timedelta(days=40), span.end, inc=True):
            if "duration" in event:
                end = (instant + event.decoded("duration")).astimezone(UTC)  # wall-clock days
            else:
                length = event.decoded("dtend").astimezone(UTC) - start.astimezone(UTC)
                end = instant.astimezone(UTC) + length
            if end > span.start:
                found.append(Window(instant.astimezone(UTC), end))
    return sorted(found, key=lambda w: w.start)


@pytest.mark.parametrize(("zone", "day", "way"), CHANGES)
@pytest.mark.parametrize("kind", list(rules_around(date(2026, 3, 8))))
def test_timeline_and_feed_show_schedules_own_windows_across_a_clock_change(zone, day, way, kind):
    rrule, start, duration = rules_around(day)[kind]
    downtime = recurring(zone, rrule, start, duration)
    span = span_around(zone, day)
    expected = schedules_windows(downtime, span)
    assert expected, "the case must have windows in the span to prove anything"
    shown = timeline.occurrences(downtime, timeline.specs_of(downtime), span.start, span.end)
    assert [Window(o.start, o.end) for o in shown] == expected
    assert feed_windows(downtime, span) == expected
    # The span really does hold the change, marked on the axis.
    (change,) = timeline.clock_changes(span)
    assert f"Clocks go {way}" in change.label


def test_a_one_time_window_is_on_the_timeline_and_in_the_feed_as_scheduled():
    start, end = datetime(2026, 3, 8, 6, 30, tzinfo=UTC), datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
    downtime = Downtime(
        "d-2",
        "scheduled",
        "env:prod",
        OneTimeSchedule(start, end),
        display_timezone="America/New_York",
    )
    span = span_around("America/New_York", date(2026, 3, 8))
    assert timeline.occurrences(downtime, [], span.start, span.end) == (
        timeline.Occurrence(start, end),
    )
    (event,) = icalendar.Calendar.from_ical(
        feed.calendar([downtime], now=start, link=lambda d: "http://x/d-2/", name="t")
    ).walk("VEVENT")
    assert event.decoded("dtstart") == start and event.decoded("dtend") == end
    assert str(event.decoded("dtstart").tzinfo) == "America/New_York"  # the schedule's zone
    assert str(event["url"]) == "http://x/d-2/"


def test_the_feed_carries_the_vtimezone_scope_and_message_and_utc_until():
    downtime = recurring(
        "Australia/Sydney",
        "FREQ=DAILY;UNTIL=20261010T020000",
        datetime(2026, 10, 1, 2),
        "1h",
        message="Kernel patching, ask @sre",
        scope="env:prod AND service:db",
    )
    text = feed.calendar([downtime], now=datetime(2026, 10, 1, tzinfo=UTC), link=str, name="t")
    parsed = icalendar.Calendar.from_ical(text)
    (zone,) = parsed.walk("VTIMEZONE")
    assert zone["tzid"] == "Australia/Sydney"
    (event,) = parsed.walk("VEVENT")
    assert "env:prod AND service:db" in event["description"]
    assert "Kernel patching, ask @sre" in event["description"]
    # 02:00 on 10 October in Sydney (AEDT, UTC+11) is 15:00 UTC the day before.
    assert event["rrule"]["UNTIL"] == [datetime(2026, 10, 9, 15, 0, tzinfo=UTC)]
    assert event["status"] == "CONFIRMED"


def offset_by_vtimezone(text: bytes, zone_name: str, wall: datetime) -> timedelta:
    """The UTC offset a calendar app gives a wall time from the feed's own VTIMEZONE, as RFC 5545
    reads one (the latest observance begun by then), not from its own copy of the zone's rules."""
    (zone,) = [
        z for z in icalendar.Calendar.from_ical(text).walk("VTIMEZONE") if z["tzid"] == zone_name
    ]
    onsets = []
    for observance in zone.subcomponents:
        offset = observance.decoded("tzoffsetto")
        onsets.append((observance.decoded("dtstart"), offset))
        rdates = observance.get("rdate", [])
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            onsets += [(moment.dt, offset) for moment in rdate.dts]
        if "rrule" in observance:
            rule = dateutil_rrule.rrulestr(
                observance["rrule"].to_ical().decode(), dtstart=observance.decoded("dtstart")
            )
            onsets += [(moment, offset) for moment in rule.between(wall - timedelta(400), wall)]
    return max((o for o in onsets if o[0] <= wall), key=lambda o: o[0])[1]


def test_the_feeds_zone_rules_reach_a_series_that_starts_years_ahead():
    downtime = recurring("America/New_York", "FREQ=WEEKLY", datetime(2042, 7, 13, 1, 2, 3), "1d")
    text = feed.calendar([downtime], now=datetime(2026, 11, 16, tzinfo=UTC), link=str, name="t")
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2042, 7, 13, 5, 2, 3, tzinfo=UTC)
    # A calendar app that trusts the VTIMEZONE puts it at 01:02 EDT too, not an hour later.
    first = datetime(2042, 7, 13, 1, 2, 3)
    assert offset_by_vtimezone(text, "America/New_York", first) == timedelta(hours=-4)
    assert offset_by_vtimezone(text, "America/New_York", first + timedelta(weeks=20)) == (
        timedelta(hours=-5)  # 30 November 2042, standard time
    )


def test_a_series_a_millennium_ahead_keeps_the_feeds_zone_rules_short():
    downtime = recurring("America/New_York", "FREQ=WEEKLY", datetime(3022, 7, 15, 1, 2, 3), "1m")
    text = feed.calendar([downtime], now=datetime(2026, 11, 16, tzinfo=UTC), link=str, name="t")
    assert len(text) < 10_000  # not two thousand years of clock changes on every fetch


def test_a_canceled_downtime_is_cancelled_in_the_feed_and_its_later_windows_on_the_timeline():
    canceled = datetime(2026, 3, 9, 12, tzinfo=UTC)
    downtime = recurring(
        "America/New_York", "FREQ=DAILY", datetime(2026, 3, 1, 2, 30), "1h", canceled=canceled
    )
    events = icalendar.Calendar.from_ical(
        feed.calendar([downtime], now=canceled, link=str, name="t")
    ).walk("VEVENT")
    assert [e["status"] for e in events] == ["CANCELLED"]
    span = span_around("America/New_York", date(2026, 3, 8))
    shown = timeline.occurrences(downtime, timeline.specs_of(downtime), span.start, span.end)
    statuses = [(o.start < canceled, o.status(canceled)) for o in shown]
    assert all(status == CANCELED for before, status in statuses if not before)
    assert all(status != CANCELED for before, status in statuses if before)


def test_a_window_without_end_runs_to_the_edge_and_says_so_in_the_feed():
    start = datetime(2026, 3, 1, tzinfo=UTC)
    downtime = Downtime("d-3", "active", "*", OneTimeSchedule(start, None))
    span = span_around("UTC", date(2026, 3, 8))
    (occurrence,) = timeline.occurrences(downtime, [], span.start, span.end)
    (row,) = rows.lay_out(
        [(rows.keys_of(downtime, 0, query.BY_DOWNTIME, "team")[0], (0,))],
        [downtime],
        {0: (occurrence,)},
        lambda shown: {},
        span,
        span.start,
        "/new/",
    )
    (bar,) = row.bars
    assert (bar.x, bar.x + bar.w, bar.starts_before, bar.runs_on) == (0, 500, True, True)
    (event,) = icalendar.Calendar.from_ical(
        feed.calendar([downtime], now=start, link=str, name="t")
    ).walk("VEVENT")
    assert "dtend" not in event and "No end" in event["description"]


def one_time(id_: str, scope: str, start: datetime, hours: int, **more) -> Downtime:
    end = start + timedelta(hours=hours)
    return Downtime(id_, "scheduled", scope, OneTimeSchedule(start, end), **more)


def test_overlaps_mark_windows_that_mute_the_same_monitors_at_the_same_time():
    at = datetime(2026, 3, 10, 10, tzinfo=UTC)
    downtimes = [
        one_time("wide", "env:prod", at, 4, monitor_tags=("team:db",)),
        one_time(
            "narrow",
            "env:prod AND service:db",
            at + timedelta(hours=1),
            1,
            monitor_tags=("team:db",),
        ),
        one_time("later", "env:prod", at + timedelta(hours=5), 1, monitor_tags=("team:db",)),
        one_time("elsewhere", "env:staging", at, 4, monitor_tags=("team:db",)),
        one_time("other-team", "env:prod", at, 4, monitor_tags=("team:web",)),
    ]
    span = span_around("UTC", date(2026, 3, 10))
    index = CalendarIndex(downtimes)
    found = index.overlaps(span, range(len(downtimes)))
    assert found == {(0, 0): frozenset({1}), (1, 0): frozenset({0})}
    assert overlaps.mute_same(downtimes[0], downtimes[1])
    assert not overlaps.mute_same(downtimes[0], downtimes[3])


def test_rows_group_by_scope_term_tag_and_creator_and_schedule_here_prefills_the_row():
    at = datetime(2026, 3, 10, 10, tzinfo=UTC)
    monitor = Monitor(7, "db latency", tags=("team:db", "env:prod"))
    downtimes = [
        one_time("a", "env:prod AND service:db", at, 1, monitor_tags=("team:db",)),
        one_time("b", "env:prod", at, 1, monitor_id=7, monitor=monitor),
        one_time("c", "*", at, 1, monitor_tags=("*",)),
    ]
    span = span_around("UTC", date(2026, 3, 10))
    index = CalendarIndex(downtimes)
    by = {
        group: [(k.label, p) for k, p in index.rows(span, range(3), None, group, "team")]
        for group in (query.BY_SCOPE, query.BY_TAG)
    }
    assert by[query.BY_SCOPE] == [("*", (2,)), ("env:prod", (0, 1)), ("service:db", (0,))]
    assert by[query.BY_TAG] == [("team:db", (0, 1)), (rows.ALL_MONITORS, (2,))]
    key = index.rows(span, range(3), None, query.BY_TAG, "team")[0][0]
    url = rows.schedule_url("/downtimes/new/", key, at, span)
    assert (
        url == "/downtimes/new/?monitor_tags=team%3Adb&start=2026-03-10T10%3A00"
        "&duration=1h&timezone=UTC"
    )


def test_free_slots_are_the_future_days_no_bar_covers():
    at = datetime(2026, 3, 10, 10, tzinfo=UTC)
    downtime = one_time("a", "env:prod", at, 1, monitor_tags=("team:db",))
    span = timeline.make_span(date(2026, 3, 9), 7, schedules.get_zone("UTC"))
    key = rows.keys_of(downtime, 0, query.BY_DOWNTIME, "team")[0]
    windows = {0: timeline.occurrences(downtime, [], span.start, span.end)}
    now = datetime(2026, 3, 9, 12, 5, tzinfo=UTC)
    (row,) = rows.lay_out([(key, (0,))], [downtime], windows, lambda s: {}, span, now, "/n/")
    starts = [slot.start for slot in row.slots]
    # Monday has begun: its slot starts at the next quarter hour; Tuesday holds the bar.
    assert starts[0] == datetime(2026, 3, 9, 12, 15, tzinfo=UTC)
    assert [s.date() for s in starts[1:]] == [date(2026, 3, d) for d in range(11, 16)]
    assert "scope=env%3Aprod&monitor_tags=team%3Adb&start=2026-03-09T12%3A15" in row.slots[0].url


def test_calendar_query_reads_its_url_with_notices_and_writes_it_back():
    wanted, notices = query.CalendarQuery.from_params(
        {"span": "day", "date": "2026-03-08", "group": "tag", "tag": "service", "q": "db"}
    )
    assert notices == []
    assert (
        wanted.url("/calendar/") == "/calendar/?q=db&span=day&date=2026-03-08&group=tag&tag=service"
    )
    bad, notices = query.CalendarQuery.from_params({"span": "year", "date": "soon", "group": "x"})
    assert bad == query.CalendarQuery() and len(notices) == 3
    assert wanted.moved("/calendar/", date(2026, 1, 1), 1).endswith(
        "date=2026-03-09&group=tag&tag=service"
    )


def test_the_step_stylesheet_is_the_one_the_layout_makes():
    from pathlib import Path

    from downtimes_app.calendar import page

    css = Path(__file__).resolve().parents[2] / "static/css/calendar-steps.css"
    assert css.read_text() == page.step_css()
    assert ".x-500{left:100%}" in css.read_text()
