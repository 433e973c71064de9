"""Demo data for the sandbox: a believable org with monitors, users and downtimes in every state.

A hand-written set of downtimes tells the stories people look for (an incident mute ending soon,
a weekly patch window, a nightly batch, the monthly third-Wednesday maintenance, one that has
run for weeks with no end); `extra` more are generated for volume and benchmarks.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from downtimes_app import schedules

from . import clock
from .models import SandboxDowntime, SandboxMonitor, SandboxUser
from .resources import DEFAULT_NOTIFY_END_STATES, DEFAULT_NOTIFY_END_TYPES, iso, wall

USERS = [
    # (name, handle, title); a null name, a service account and the key owner are deliberate.
    ("Priya Raman", "priya.raman@example.com", "Staff SRE"),
    ("Marcus Oyelaran", "marcus.oyelaran@example.com", "Payments on-call lead"),
    ("Sofia Lindqvist", "sofia.lindqvist@example.com", "Database reliability"),
    ("Kenji Watanabe", "kenji.watanabe@example.com", "Platform engineer"),
    ("Amara Chukwu", "amara.chukwu@example.com", "Search team"),
    (None, "dana.k@example.com", None),
    ("Terraform CI", "terraform-ci@example.com", "Service account"),
]
KEY_OWNER = ("Dashboard API key", "downtime-dashboard@example.com", "Service account")

TEAMS = {
    "payments": ["payments-api", "payments-db", "ledger-worker"],
    "checkout": ["checkout-web", "cart-service", "checkout-redis"],
    "search": ["search-api", "search-indexer", "elasticsearch"],
    "identity": ["auth-api", "sessions-redis", "sso-gateway"],
    "data-platform": ["kafka", "nightly-etl", "warehouse-loader"],
    "sre": ["edge-proxy", "dns", "k8s-control-plane"],
}
ENVS = ("prod", "staging")
REGIONS = ("us-east-1", "eu-west-1")
STATES = ["OK"] * 12 + ["Alert", "Warn", "No Data"]

MONITOR_TEMPLATES = [
    (
        "metric alert",
        "{svc} p99 latency above {n}ms",
        "avg(last_5m):p99:trace.http.request{{service:{svc},env:{env}}} by {{host}} > {n}",
    ),
    (
        "query alert",
        "{svc} error rate above {p}%",
        "sum(last_10m):sum:trace.http.request.errors{{service:{svc},env:{env}}}.as_count() / sum:trace.http.request.hits{{service:{svc},env:{env}}}.as_count() * 100 > {p}",
    ),
    (
        "service check",
        "{svc} health check failing",
        '"http.can_connect".over("service:{svc}","env:{env}").by("host").last(3).count_by_status()',
    ),
    (
        "log alert",
        "{svc} logging fatal errors",
        'logs("service:{svc} env:{env} status:error").index("main").rollup("count").by("host").last("5m") > {n}',
    ),
    (
        "metric alert",
        "{svc} disk usage above {p}%",
        "avg(last_15m):avg:system.disk.in_use{{service:{svc},env:{env}}} by {{host,device}} > 0.{p}",
    ),
]

MESSAGES = [
    "Failover drill for {svc}. Ping @slack-{team}-oncall if alerts look real.",
    "Planned maintenance: upgrading {svc}. Runbook: https://wiki.example.com/runbooks/{svc}",
    "Noisy during the migration, tracked in INC-{n}. @{owner}",
    "Kernel patching window, hosts reboot one at a time.",
    "Muted while we roll back the bad deploy. See #inc-{n} for status.",
    None,
    "",
]


@dataclass
class Org:
    users: list[SandboxUser]
    monitors: list[SandboxMonitor]
    key_owner: SandboxUser


def current_org() -> Org:
    """The seeded org as stored (for tests and tools that build on the demo data)."""
    users = list(SandboxUser.objects.filter(owns_app_key=False))
    return Org(
        users=users,
        monitors=list(SandboxMonitor.objects.all()),
        key_owner=SandboxUser.objects.get(owns_app_key=True),
    )


def reset() -> None:
    SandboxDowntime.objects.all().delete()
    SandboxMonitor.objects.all().delete()
    SandboxUser.objects.all().delete()


def _users(now: datetime) -> tuple[list[SandboxUser], SandboxUser]:
    users = []
    for index, (name, handle, title) in enumerate([*USERS, KEY_OWNER]):
        users.append(
            SandboxUser(
                id=uuid.uuid5(uuid.NAMESPACE_DNS, handle),
                name=name,
                handle=handle,
                email=handle,
                title=title,
                icon=f"https://secure.gravatar.com/avatar/{uuid.uuid5(uuid.NAMESPACE_URL, handle).hex}?s=48&d=retro",
                service_account=title == "Service account",
                owns_app_key=(name, handle, title) == KEY_OWNER,
                created_at=now - timedelta(days=400 - index * 30),
                modified_at=now - timedelta(days=20 + index),
            )
        )
    SandboxUser.objects.bulk_create(users)
    return users[:-1], users[-1]


def _monitors(rng: random.Random, users: list[SandboxUser], now: datetime) -> list[SandboxMonitor]:
    monitors = []
    next_id = 48_213_001
    for team, services in TEAMS.items():
        for svc in services:
            for env in ENVS:
                # Every service has two or three monitors in prod and one in staging.
                templates = rng.sample(MONITOR_TEMPLATES, 3 if env == "prod" else 1)
                for kind, name, query in templates:
                    values = {
                        "svc": svc,
                        "env": env,
                        "n": rng.choice([250, 500, 800, 1200]),
                        "p": rng.choice([2, 5, 85, 90]),
                    }
                    monitors.append(
                        SandboxMonitor(
                            id=next_id,
                            name=f"[{env}] " + name.format(**values),
                            type=kind,
                            query=query.format(**values),
                            message=f"{{{{#is_alert}}}}@slack-{team}-alerts @pagerduty-{team}{{{{/is_alert}}}}",
                            tags=[
                                f"team:{team}",
                                f"service:{svc}",
                                f"env:{env}",
                                f"region:{rng.choice(REGIONS)}",
                            ]
                            + (
                                ["tier:1"]
                                if env == "prod" and team in ("payments", "identity", "checkout")
                                else []
                            ),
                            overall_state=rng.choice(STATES) if env == "prod" else "OK",
                            priority=rng.choice([1, 2, 3, None]) if env == "prod" else None,
                            creator=rng.choice(users),
                            created=now - timedelta(days=rng.randint(30, 700)),
                            modified=now - timedelta(days=rng.randint(0, 29)),
                        )
                    )
                    next_id += rng.randint(1, 90)
    SandboxMonitor.objects.bulk_create(monitors)
    return monitors


def _round(moment: datetime, minutes: int = 5) -> datetime:
    return moment.replace(second=0, microsecond=0) - timedelta(minutes=moment.minute % minutes)


def _one_time(start: datetime, end: datetime | None) -> dict:
    return {"start": iso(start), "end": iso(end)}


def _recurring(zone: str, *recurrences: tuple[datetime, str, str]) -> dict:
    return {
        "timezone": zone,
        "recurrences": [
            {"start": wall(start), "duration": duration, "rrule": rule}
            for start, duration, rule in recurrences
        ],
    }


def _by_name(monitors: list[SandboxMonitor], fragment: str) -> SandboxMonitor:
    return next(m for m in monitors if fragment in m.name)


def _story_downtimes(org: Org, now: datetime) -> Iterator[SandboxDowntime]:
    """The hand-written downtimes, one for each situation the dashboard must show well."""
    u = {user.handle.split("@")[0]: user for user in org.users}
    m = org.monitors
    hour = timedelta(hours=1)
    day = timedelta(days=1)
    local = lambda zone, moment: schedules.to_local(moment, schedules.get_zone(zone))  # noqa: E731
    stories = [
        # Incident mute on one monitor, ending within the hour.
        dict(
            scope="env:prod AND service:payments-db",
            monitor_id=_by_name(m, "[prod] payments-db").id,
            schedule=_one_time(now - 70 * timedelta(minutes=1), now + 35 * timedelta(minutes=1)),
            message="Failover drill on payments-db. Ping @slack-payments-oncall if alerts look real.",
            created_by=u["marcus.oyelaran"],
            created=now - 75 * timedelta(minutes=1),
        ),
        # Forgotten mute: no end, running for weeks.
        dict(
            scope="host:legacy-batch-01",
            monitor_tags=["team:data-platform"],
            schedule=_one_time(now - 23 * day, None),
            message="Decommissioning legacy-batch-01; will remove once the host is gone.",
            created_by=u["dana.k"],
            created=now - 23 * day,
        ),
        # Active, by tags across a team, scoped with a value group.
        dict(
            scope="env:prod AND region:(us-east-1 OR eu-west-1)",
            monitor_tags=["team:search", "tier:1"],
            schedule=_one_time(now - 2 * hour, now + 6 * hour),
            message="Elasticsearch 8 rolling upgrade. Runbook: https://wiki.example.com/runbooks/es-upgrade @amara.chukwu@example.com",
            created_by=u["amara.chukwu"],
            created=now - 3 * hour,
        ),
        # Scheduled for tomorrow night.
        dict(
            scope="env:prod AND service:checkout-redis",
            monitor_tags=["service:checkout-redis"],
            schedule=_one_time(
                _round(now + day).replace(hour=2, minute=0),
                _round(now + day).replace(hour=4, minute=0),
            ),
            message="Redis 7.2 upgrade for checkout. @slack-checkout-oncall",
            created_by=u["priya.raman"],
            created=now - 5 * hour,
        ),
        # Scheduled next week, one monitor.
        dict(
            scope="*",
            monitor_id=_by_name(m, "[prod] auth-api").id,
            schedule=_one_time(_round(now + 6 * day), _round(now + 6 * day) + 3 * hour),
            message="Identity provider certificate rotation.",
            created_by=u["kenji.watanabe"],
            created=now - day,
        ),
        # Ended yesterday.
        dict(
            scope="env:staging",
            monitor_tags=["*"],
            schedule=_one_time(now - day - 4 * hour, now - day),
            message="Staging rebuilt from scratch.",
            created_by=u["terraform-ci"],
            created=now - 2 * day,
        ),
        # Canceled this morning.
        dict(
            scope="env:prod AND service:kafka",
            monitor_tags=["service:kafka"],
            schedule=_one_time(now + 2 * hour, now + 5 * hour),
            message="Broker disk replacement (postponed, vendor delayed the parts).",
            created_by=u["sofia.lindqvist"],
            created=now - 30 * hour,
            canceled=now - 9 * hour,
        ),
        # Weekly patch window, Tuesdays and Thursdays 02:00-05:00 New York time.
        dict(
            scope="env:prod AND -service:payments-db",
            monitor_tags=["team:sre"],
            schedule=_recurring(
                "America/New_York",
                (
                    local("America/New_York", now - 60 * day).replace(hour=2, minute=0, second=0),
                    "3h",
                    "FREQ=WEEKLY;BYDAY=TU,TH",
                ),
            ),
            display_timezone="America/New_York",
            message="Weekly OS patch window. Hosts reboot in waves; see https://wiki.example.com/patching",
            created_by=u["priya.raman"],
            created=now - 61 * day,
        ),
        # Nightly batch, every day 01:00-03:00 Berlin time.
        dict(
            scope="service:nightly-etl",
            monitor_tags=["service:nightly-etl"],
            schedule=_recurring(
                "Europe/Berlin",
                (
                    local("Europe/Berlin", now - 30 * day).replace(hour=1, minute=0, second=0),
                    "2h",
                    "FREQ=DAILY",
                ),
            ),
            display_timezone="Europe/Berlin",
            message="Nightly ETL saturates the warehouse; latency alerts are expected.",
            created_by=u["kenji.watanabe"],
            created=now - 31 * day,
        ),
        # Monthly maintenance on the third Wednesday, plus a quarterly DR test.
        dict(
            scope="env:prod",
            monitor_tags=["team:payments"],
            schedule=_recurring(
                "UTC",
                (
                    local("UTC", now - 90 * day).replace(hour=22, minute=0, second=0),
                    "4h",
                    "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3",
                ),
                (
                    local("UTC", now - 90 * day).replace(hour=9, minute=0, second=0),
                    "1d",
                    "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR",
                ),
            ),
            message="Payments maintenance window (third Wednesday) and quarterly DR test (last Friday).",
            created_by=u["marcus.oyelaran"],
            created=now - 91 * day,
        ),
        # A recurring schedule that has run its course.
        dict(
            scope="env:staging AND service:search-indexer",
            monitor_tags=["service:search-indexer"],
            schedule=_recurring(
                "Asia/Tokyo",
                (
                    local("Asia/Tokyo", now - 40 * day).replace(hour=3, minute=0, second=0),
                    "1h",
                    "FREQ=DAILY;COUNT=10",
                ),
            ),
            display_timezone="Asia/Tokyo",
            message="Reindex after the schema change.",
            created_by=u["amara.chukwu"],
            created=now - 41 * day,
        ),
    ]
    for story in stories:
        yield _downtime(**story)


def _downtime(**fields) -> SandboxDowntime:
    fields.setdefault("notify_end_states", list(DEFAULT_NOTIFY_END_STATES))
    fields.setdefault("notify_end_types", list(DEFAULT_NOTIFY_END_TYPES))
    fields.setdefault("display_timezone", "UTC")
    fields.setdefault("modified", fields["created"])
    return SandboxDowntime(**fields)


def _generated_downtimes(
    org: Org, rng: random.Random, count: int, now: datetime
) -> Iterator[SandboxDowntime]:
    """Volume: plausible downtimes spread over the last two months and the next one."""
    services = [(team, svc) for team, svcs in TEAMS.items() for svc in svcs]
    zones = [
        "UTC",
        "America/New_York",
        "Europe/London",
        "Europe/Berlin",
        "Asia/Tokyo",
        "Australia/Sydney",
    ]
    for index in range(count):
        team, svc = rng.choice(services)
        env = rng.choice(ENVS)
        created = now - timedelta(minutes=rng.randint(10, 60 * 24 * 60))
        scope = rng.choice(
            [
                f"env:{env} AND service:{svc}",
                f"host:{svc}-{rng.randint(1, 40):02d}",
                f"env:{env}",
                f"service:{svc} AND region:{rng.choice(REGIONS)}",
                f"env:({env} OR dev) AND team:{team}",
                "*",
            ]
        )
        if rng.random() < 0.4:
            monitor = rng.choice(
                [mon for mon in org.monitors if f"service:{svc}" in mon.tags] or org.monitors
            )
            identifier = {"monitor_id": monitor.id}
        else:
            identifier = {
                "monitor_tags": rng.choice(
                    [[f"team:{team}"], [f"service:{svc}"], [f"team:{team}", f"env:{env}"], ["*"]]
                )
            }
        message = rng.choice(MESSAGES)
        if message:
            message = message.format(
                svc=svc, team=team, n=rng.randint(1000, 9999), owner=rng.choice(org.users).handle
            )
        roll = rng.random()
        canceled = None
        if roll < 0.3:
            zone = rng.choice(zones)
            start = schedules.to_local(created, schedules.get_zone(zone)).replace(
                minute=0, second=0, microsecond=0
            )
            rule = rng.choice(
                [
                    "FREQ=DAILY",
                    f"FREQ=WEEKLY;BYDAY={rng.choice(['MO', 'TU', 'WE', 'TH', 'FR', 'SA,SU', 'TU,TH'])}",
                    "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3",
                    f"FREQ=MONTHLY;BYMONTHDAY={rng.randint(1, 28)}",
                    f"FREQ=DAILY;COUNT={rng.randint(3, 20)}",
                ]
            )
            schedule = _recurring(zone, (start, rng.choice(["30m", "1h", "2h", "3h", "4h"]), rule))
            display_timezone = zone
        else:
            start = created + timedelta(
                minutes=rng.choice([0, 0, 30, 60 * 12, 60 * 24 * rng.randint(1, 30)])
            )
            end = (
                None
                if rng.random() < 0.1
                else start + timedelta(minutes=rng.choice([30, 60, 120, 240, 480, 1440]))
            )
            schedule = _one_time(start, end)
            display_timezone = "UTC"
        if roll > 0.95 and created > now - timedelta(days=2):
            canceled = created + (now - created) * rng.random()
        yield _downtime(
            scope=scope,
            monitor_id=identifier.get("monitor_id"),
            monitor_tags=identifier.get("monitor_tags"),
            schedule=schedule,
            display_timezone=display_timezone,
            message=message,
            mute_first_recovery_notification=rng.random() < 0.2,
            created_by=rng.choice(org.users),
            created=created,
            modified=created,
            canceled=canceled,
        )
        del index


def seed(*, downtimes: int = 60, seed_value: int = 7, now: datetime | None = None) -> int:
    """Create an org with at least `downtimes` downtimes; returns how many were created."""
    now = now or clock.now()
    rng = random.Random(seed_value)
    with transaction.atomic():
        users, key_owner = _users(now)
        org = Org(users=users, monitors=_monitors(rng, users, now), key_owner=key_owner)
        stories = list(_story_downtimes(org, now))
        extra = max(0, downtimes - len(stories))
        # Generated ones are older on average; keep creation order as list order.
        rows = sorted(
            [*_generated_downtimes(org, rng, extra, now), *stories], key=lambda d: d.created
        )
        SandboxDowntime.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
