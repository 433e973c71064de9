"""The demo org's hand-written downtimes: the stories people look for on the dashboard.

An incident mute ending soon, a forgotten mute with no end, a weekly patch window, a nightly
batch, the monthly third-Wednesday maintenance, one that ended, one canceled.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from downtimes_app.core import schedules

from .models import SandboxDowntime, SandboxMonitor, SandboxUser, one_time_end
from .resources import DEFAULT_NOTIFY_END_STATES, DEFAULT_NOTIFY_END_TYPES, iso, wall


def _round(moment: datetime, minutes: int = 5) -> datetime:
    return moment.replace(second=0, microsecond=0) - timedelta(minutes=moment.minute % minutes)


def one_time(start: datetime, end: datetime | None) -> dict:
    return {"start": iso(start), "end": iso(end)}


def recurring(zone: str, *recurrences: tuple[datetime, str, str]) -> dict:
    return {
        "timezone": zone,
        "recurrences": [
            {"start": wall(start), "duration": duration, "rrule": rule}
            for start, duration, rule in recurrences
        ],
    }


def _by_name(monitors: list[SandboxMonitor], fragment: str) -> SandboxMonitor:
    return next(m for m in monitors if fragment in m.name)


def _muting_now_stories(u: dict, m: list[SandboxMonitor], now: datetime) -> list[dict]:
    """An incident mute ending soon, a forgotten one with no end, an upgrade under way."""
    minute, hour, day = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
    return [
        # Incident mute on one monitor, ending within the hour.
        dict(
            scope="env:prod AND service:payments-db",
            monitor_id=_by_name(m, "[prod] payments-db").id,
            schedule=one_time(now - 70 * minute, now + 35 * minute),
            message="Failover drill on payments-db. Ping @slack-payments-oncall if alerts look real.",
            created_by=u["marcus.oyelaran"],
            created=now - 75 * minute,
        ),
        # Forgotten mute: no end, running for weeks.
        dict(
            scope="host:legacy-batch-01",
            monitor_tags=["team:data-platform"],
            schedule=one_time(now - 23 * day, None),
            message="Decommissioning legacy-batch-01; will remove once the host is gone.",
            created_by=u["dana.k"],
            created=now - 23 * day,
        ),
        # Active, by tags across a team, scoped with a value group.
        dict(
            scope="env:prod AND region:(us-east-1 OR eu-west-1)",
            monitor_tags=["team:search", "tier:1"],
            schedule=one_time(now - 2 * hour, now + 6 * hour),
            message="Elasticsearch 8 rolling upgrade. Runbook: https://wiki.example.com/runbooks/es-upgrade @amara.chukwu@example.com",
            created_by=u["amara.chukwu"],
            created=now - 3 * hour,
        ),
    ]


def _coming_and_gone_stories(u: dict, m: list[SandboxMonitor], now: datetime) -> list[dict]:
    """Work scheduled for tomorrow and next week; one that ended, one canceled."""
    hour, day = timedelta(hours=1), timedelta(days=1)
    tomorrow = _round(now + day)
    return [
        # Scheduled for tomorrow night.
        dict(
            scope="env:prod AND service:checkout-redis",
            monitor_tags=["service:checkout-redis"],
            schedule=one_time(
                tomorrow.replace(hour=2, minute=0), tomorrow.replace(hour=4, minute=0)
            ),
            message="Redis 7.2 upgrade for checkout. @slack-checkout-oncall",
            created_by=u["priya.raman"],
            created=now - 5 * hour,
        ),
        # Scheduled next week, one monitor.
        dict(
            scope="*",
            monitor_id=_by_name(m, "[prod] auth-api").id,
            schedule=one_time(_round(now + 6 * day), _round(now + 6 * day) + 3 * hour),
            message="Identity provider certificate rotation.",
            created_by=u["kenji.watanabe"],
            created=now - day,
        ),
        # Ended yesterday.
        dict(
            scope="env:staging",
            monitor_tags=["*"],
            schedule=one_time(now - day - 4 * hour, now - day),
            message="Staging rebuilt from scratch.",
            created_by=u["terraform-ci"],
            created=now - 2 * day,
        ),
        # Canceled this morning.
        dict(
            scope="env:prod AND service:kafka",
            monitor_tags=["service:kafka"],
            schedule=one_time(now + 2 * hour, now + 5 * hour),
            message="Broker disk replacement (postponed, vendor delayed the parts).",
            created_by=u["sofia.lindqvist"],
            created=now - 30 * hour,
            canceled=now - 9 * hour,
        ),
    ]


def _series(zone: str, since: datetime, *recurrences: tuple[int, str, str]) -> dict:
    """A recurring schedule whose recurrences start `since`, each at its hour of the day."""
    local = schedules.to_local(since, schedules.get_zone(zone))
    starts = [(local.replace(hour=h, minute=0, second=0), d, r) for h, d, r in recurrences]
    return recurring(zone, *starts)


def _recurring_stories(u: dict, now: datetime) -> list[dict]:
    """A weekly patch window, a nightly batch, monthly maintenance, a series that has ended."""
    day = timedelta(days=1)
    new_york, berlin, tokyo = "America/New_York", "Europe/Berlin", "Asia/Tokyo"
    return [
        # Weekly patch window, Tuesdays and Thursdays 02:00-05:00 New York time.
        dict(
            scope="env:prod AND -service:payments-db",
            monitor_tags=["team:sre"],
            schedule=_series(new_york, now - 60 * day, (2, "3h", "FREQ=WEEKLY;BYDAY=TU,TH")),
            display_timezone=new_york,
            message="Weekly OS patch window. Hosts reboot in waves; see https://wiki.example.com/patching",
            created_by=u["priya.raman"],
            created=now - 61 * day,
        ),
        # Nightly batch, every day 01:00-03:00 Berlin time.
        dict(
            scope="service:nightly-etl",
            monitor_tags=["service:nightly-etl"],
            schedule=_series(berlin, now - 30 * day, (1, "2h", "FREQ=DAILY")),
            display_timezone=berlin,
            message="Nightly ETL saturates the warehouse; latency alerts are expected.",
            created_by=u["kenji.watanabe"],
            created=now - 31 * day,
        ),
        # Monthly maintenance on the third Wednesday, plus a quarterly DR test.
        dict(
            scope="env:prod",
            monitor_tags=["team:payments"],
            schedule=_series(
                "UTC",
                now - 90 * day,
                (22, "4h", "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3"),
                (9, "1d", "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR"),
            ),
            message="Payments maintenance window (third Wednesday) and quarterly DR test (last Friday).",
            created_by=u["marcus.oyelaran"],
            created=now - 91 * day,
        ),
        # A recurring schedule that has run its course.
        dict(
            scope="env:staging AND service:search-indexer",
            monitor_tags=["service:search-indexer"],
            schedule=_series(tokyo, now - 40 * day, (3, "1h", "FREQ=DAILY;COUNT=10")),
            display_timezone=tokyo,
            message="Reindex after the schema change.",
            created_by=u["amara.chukwu"],
            created=now - 41 * day,
        ),
    ]


def story_downtimes(
    users: list[SandboxUser], monitors: list[SandboxMonitor], now: datetime
) -> Iterator[SandboxDowntime]:
    """The hand-written downtimes, one for each situation the dashboard must show well."""
    u = {user.handle.split("@")[0]: user for user in users}
    stories = [
        *_muting_now_stories(u, monitors, now),
        *_coming_and_gone_stories(u, monitors, now),
        *_recurring_stories(u, now),
    ]
    for story in stories:
        yield downtime(**story)


def downtime(**fields) -> SandboxDowntime:
    fields.setdefault("notify_end_states", list(DEFAULT_NOTIFY_END_STATES))
    fields.setdefault("notify_end_types", list(DEFAULT_NOTIFY_END_TYPES))
    fields.setdefault("display_timezone", "UTC")
    fields.setdefault("modified", fields["created"])
    # Made with bulk_create, which does not call save(): its end is set here.
    return SandboxDowntime(**fields, ends=one_time_end(fields["schedule"]))
