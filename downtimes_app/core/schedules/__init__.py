"""Pure functions for downtime schedules: durations, RRULEs, occurrences and their windows.

Shared by the sandbox (to compute `status` and `current_downtime` the way Datadog does) and by
the dashboard (previews, summaries, the next windows). No Django, no I/O; `now` is always passed.

Time zones: a recurrence's `start` is wall time in the schedule's zone, and so is every
occurrence the RRULE produces. Occurrences are turned into UTC one by one, so a 02:00 window
stays at 02:00 local across daylight-saving changes. Durations follow RFC 5545: days and weeks
are calendar amounts (a `1d` window ends at the same wall time the next day), hours and minutes
are exact. A wall time that does not exist (the hour skipped in spring) moves forward by the
size of the gap, as zoneinfo's `fold=0` does.

Modules: `times` (durations, zones), `rules` (RRULE text), `scan` (a rule's instants for
bounded work), `windows` (occurrences and status, up to HORIZON_YEARS past the later of now
and a rule's start), `words` (schedules in words).
Everything public is re-exported here: callers write `schedules.parse_duration`.
"""

from __future__ import annotations

from downtimes_app.core.schedules.rules import (
    ALLOWED_FREQS,
    FORBIDDEN_RRULE_PARTS,
    MAX_RECURRENCES,
    WEEKDAYS,
    cached_rule,
    check_rrule,
    parse_until,
    rrule_parts,
)
from downtimes_app.core.schedules.scan import HORIZON_YEARS
from downtimes_app.core.schedules.times import (
    DURATION_UNITS,
    Duration,
    ScheduleError,
    duration_from_delta,
    get_zone,
    parse_duration,
    timezone_names,
    to_local,
    to_utc,
)
from downtimes_app.core.schedules.windows import (
    NEVER_OCCURS,
    RecurrenceSpec,
    current_window,
    has_run_its_course,
    last_window_before,
    merge_windows,
    never_occurs,
    runs_out,
    upcoming_windows,
    windows_from,
)
from downtimes_app.core.schedules.words import (
    BYDAY_RE,
    MONTHS,
    ORDINALS,
    WEEKDAY_LONG,
    WEEKDAY_SHORT,
    describe_recurrence,
    describe_rule,
)

__all__ = [
    "ALLOWED_FREQS",
    "BYDAY_RE",
    "DURATION_UNITS",
    "FORBIDDEN_RRULE_PARTS",
    "HORIZON_YEARS",
    "MAX_RECURRENCES",
    "MONTHS",
    "NEVER_OCCURS",
    "ORDINALS",
    "WEEKDAYS",
    "WEEKDAY_LONG",
    "WEEKDAY_SHORT",
    "Duration",
    "RecurrenceSpec",
    "ScheduleError",
    "cached_rule",
    "check_rrule",
    "current_window",
    "describe_recurrence",
    "describe_rule",
    "duration_from_delta",
    "get_zone",
    "has_run_its_course",
    "last_window_before",
    "merge_windows",
    "never_occurs",
    "parse_duration",
    "parse_until",
    "rrule_parts",
    "runs_out",
    "timezone_names",
    "to_local",
    "to_utc",
    "upcoming_windows",
    "windows_from",
]
