"""The calendar: every window of every downtime on a timeline, and iCalendar feeds.

- `query`: the calendar's state in its URL (the list's filters under the same names).
- `timeline`: the span shown, each downtime's windows in it (from `schedules`), the axis.
- `overlaps`: which windows mute the same monitors at the same time.
- `rows`: rows by downtime, scope term, monitor tag or creator; bars in lanes; free slots.
- `index`: the work above, kept per snapshot of the copy, so warm pages are cheap.
- `page`: one page put together for the view, and its words.
- `feed`: iCalendar (RFC 5545) with the `icalendar` library.
- `tokens`: the per-user secret in a feed's URL (stored as a hash, compared in constant time).

All but `tokens` are pure functions of records; none calls Datadog.
"""
