"""Demo data for the sandbox: a believable org with monitors, users and downtimes in every state.

A hand-written set of downtimes tells the stories people look for (an incident mute ending soon,
a weekly patch window, a nightly batch, the monthly third-Wednesday maintenance, one that has
run for weeks with no end); `extra` more are generated for volume and benchmarks.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from downtimes_app.core import schedules

from . import clock
from .models import SandboxDowntime, SandboxMonitor, SandboxUser
from .stories import downtime, one_time, recurring, story_downtimes

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


def _monitor(
    rng: random.Random,
    monitor_id: int,
    where: tuple[str, str, str],
    template: tuple[str, str, str],
    users: list[SandboxUser],
    now: datetime,
) -> SandboxMonitor:
    team, svc, env = where
    kind, name, query = template
    values = {
        "svc": svc,
        "env": env,
        "n": rng.choice([250, 500, 800, 1200]),
        "p": rng.choice([2, 5, 85, 90]),
    }
    region = rng.choice(REGIONS)
    state = rng.choice(STATES) if env == "prod" else "OK"
    tier = ["tier:1"] if env == "prod" and team in ("payments", "identity", "checkout") else []
    return SandboxMonitor(
        id=monitor_id,
        name=f"[{env}] " + name.format(**values),
        type=kind,
        query=query.format(**values),
        message=f"{{{{#is_alert}}}}@slack-{team}-alerts @pagerduty-{team}{{{{/is_alert}}}}",
        tags=[f"team:{team}", f"service:{svc}", f"env:{env}", f"region:{region}", *tier],
        overall_state=state,
        groups=monitor_groups(monitor_id, query.format(**values), [svc, env, region], state),
        priority=rng.choice([1, 2, 3, None]) if env == "prod" else None,
        creator=rng.choice(users),
        created=now - timedelta(days=rng.randint(30, 700)),
        modified=now - timedelta(days=rng.randint(0, 29)),
    )


def _monitors(
    rng: random.Random, users: list[SandboxUser], now: datetime, extra: int = 0
) -> list[SandboxMonitor]:
    monitors = []
    next_id = 48_213_001
    for team, services in TEAMS.items():
        for svc in services:
            for env in ENVS:
                # Every service has two or three monitors in prod and one in staging.
                templates = rng.sample(MONITOR_TEMPLATES, 3 if env == "prod" else 1)
                for template in templates:
                    monitors.append(_monitor(rng, next_id, (team, svc, env), template, users, now))
                    next_id += rng.randint(1, 90)
    # Volume, from a generator of its own so that the demo org above stays as it is.
    more = random.Random(next_id)
    for n in range(extra):
        team = more.choice(list(TEAMS))
        where = (team, f"{team}-svc-{n // 4:04d}", more.choice(ENVS))
        template = more.choice(MONITOR_TEMPLATES)
        monitors.append(_monitor(more, next_id, where, template, users, now))
        next_id += more.randint(1, 90)
    SandboxMonitor.objects.bulk_create(monitors, batch_size=2000)
    return monitors


_BY = re.compile(r'by \{([^}]*)\}|\.by\("([^"]*)"\)')


def monitor_groups(monitor_id: int, query: str, where: list[str], state: str) -> list[dict]:
    """The groups a monitor's `by {...}` makes: two to four hosts of its service (and a disk
    each, for `by {host,device}`), tagged with what the query filters on. When the monitor is
    alerting, one of them is the group that alerts."""
    svc, env, region = where
    found = _BY.search(query)
    if not found:
        return []
    keys = [k.strip() for k in (found.group(1) or found.group(2)).split(",")]
    rng = random.Random(monitor_id)  # its own: the rest of the seed stays as it was
    tags = [f"service:{svc}", f"env:{env}", f"region:{region}"]
    groups = []
    for n in range(1, rng.randint(2, 4) + 1):
        values = {"host": f"{svc}-{n}", "device": "/dev/nvme0n1"}
        name_tags = [f"{key}:{values.get(key, key)}" for key in keys]
        groups.append({"name": ",".join(name_tags), "tags": name_tags + tags, "status": "OK"})
    # One group is in the monitor's state; two, sometimes, where there are three or more.
    count = rng.randint(1, 2) if len(groups) > 2 and state != "OK" else 1
    for group in rng.sample(groups, count):
        group["status"] = state
    return groups


ZONES = (
    "UTC",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
)


def _generated_target(org: Org, rng: random.Random, team: str, svc: str, env: str) -> dict:
    if rng.random() < 0.4:
        monitors = [mon for mon in org.monitors if f"service:{svc}" in mon.tags] or org.monitors
        return {"monitor_id": rng.choice(monitors).id}
    tags = [[f"team:{team}"], [f"service:{svc}"], [f"team:{team}", f"env:{env}"], ["*"]]
    return {"monitor_tags": rng.choice(tags)}


def _generated_message(org: Org, rng: random.Random, team: str, svc: str) -> str | None:
    message = rng.choice(MESSAGES)
    if not message:
        return message
    number = rng.randint(1000, 9999)
    return message.format(svc=svc, team=team, n=number, owner=rng.choice(org.users).handle)


def _generated_schedule(rng: random.Random, recurs: bool, created: datetime) -> tuple[dict, str]:
    """A schedule and its zone: a recurrence from around its creation, or a one-time window."""
    if recurs:
        zone = rng.choice(ZONES)
        start = schedules.to_local(created, schedules.get_zone(zone))
        start = start.replace(minute=0, second=0, microsecond=0)
        days = rng.choice(["MO", "TU", "WE", "TH", "FR", "SA,SU", "TU,TH"])
        rule = rng.choice(
            [
                "FREQ=DAILY",
                f"FREQ=WEEKLY;BYDAY={days}",
                "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3",
                f"FREQ=MONTHLY;BYMONTHDAY={rng.randint(1, 28)}",
                f"FREQ=DAILY;COUNT={rng.randint(3, 20)}",
            ]
        )
        return recurring(zone, (start, rng.choice(["30m", "1h", "2h", "3h", "4h"]), rule)), zone
    later = rng.choice([0, 0, 30, 60 * 12, 60 * 24 * rng.randint(1, 30)])
    start = created + timedelta(minutes=later)
    length = None if rng.random() < 0.1 else rng.choice([30, 60, 120, 240, 480, 1440])
    return one_time(start, start + timedelta(minutes=length) if length else None), "UTC"


def _generated_downtimes(
    org: Org, rng: random.Random, count: int, now: datetime
) -> Iterator[SandboxDowntime]:
    """Volume: plausible downtimes spread over the last two months and the next one."""
    services = [(team, svc) for team, svcs in TEAMS.items() for svc in svcs]
    for _ in range(count):
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
        target = _generated_target(org, rng, team, svc, env)
        message = _generated_message(org, rng, team, svc)
        roll = rng.random()
        schedule, zone = _generated_schedule(rng, roll < 0.3, created)
        canceled = None
        if roll > 0.95 and created > now - timedelta(days=2):
            canceled = created + (now - created) * rng.random()
        yield downtime(
            scope=scope,
            monitor_id=target.get("monitor_id"),
            monitor_tags=target.get("monitor_tags"),
            schedule=schedule,
            display_timezone=zone,
            message=message,
            mute_first_recovery_notification=rng.random() < 0.2,
            created_by=rng.choice(org.users),
            created=created,
            modified=created,
            canceled=canceled,
        )


def seed(
    *, downtimes: int = 60, seed_value: int = 7, now: datetime | None = None, monitors: int = 0
) -> int:
    """Create an org with at least `downtimes` downtimes and `monitors` monitors; returns how
    many downtimes were created."""
    now = now or clock.now()
    rng = random.Random(seed_value)
    with transaction.atomic():
        users, key_owner = _users(now)
        base = sum(len(services) for services in TEAMS.values()) * 4  # 3 in prod, 1 in staging
        made = _monitors(rng, users, now, extra=max(0, monitors - base))
        org = Org(users=users, monitors=made, key_owner=key_owner)
        stories = list(story_downtimes(org.users, org.monitors, now))
        extra = max(0, downtimes - len(stories))
        # Generated ones are older on average; keep creation order as list order.
        rows = sorted(
            [*_generated_downtimes(org, rng, extra, now), *stories], key=lambda d: d.created
        )
        SandboxDowntime.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
