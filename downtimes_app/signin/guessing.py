"""Password guessing, slowed and then stopped: django-axes with a cool-down that grows.

Axes counts failed password sign-ins in the database every worker and instance shares, for
one name and from one address (`AXES_LOCKOUT_PARAMETERS`), and refuses a sign-in, the right
password included, while either is locked out. This module decides for how long:

- The `DASHBOARD_LOCKOUT_FAILURES`-th failure locks out for `DASHBOARD_LOCKOUT_SECONDS`.
- Failures are remembered for a day after the last one (`AXES_COOLOFF_TIME`), so each failure
  after a cool-down ends locks out again for twice as long, up to `DASHBOARD_LOCKOUT_MAX_SECONDS`.
- Attempts refused during a lockout neither count nor extend it.
- A successful sign-in forgets the failures of its name and address.

Only password sign-ins are counted: single sign-on and the proxy's header pass untouched
(`not_a_password_attempt`), so an address locked out for guessing can still use them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone

from downtimes_app.signin import trail

# Past this many doublings the cool-down is at its maximum anyway.
MAX_DOUBLINGS = 30


def cooldown(failures: int, *, limit: int, base: int, cap: int) -> timedelta | None:
    """How long `failures` failures lock out for: none below the limit, then doubling to the cap."""
    if failures < limit:
        return None
    return timedelta(seconds=min(cap, base * 2 ** min(failures - limit, MAX_DOUBLINGS)))


def _cooldown(failures: int) -> timedelta | None:
    return cooldown(
        failures,
        limit=settings.DASHBOARD_LOCKOUT_FAILURES,
        base=settings.DASHBOARD_LOCKOUT_SECONDS,
        cap=settings.DASHBOARD_LOCKOUT_MAX_SECONDS,
    )


def not_a_password_attempt(request: HttpRequest, credentials: dict | None) -> bool:
    """Axes' whitelist: only attempts that carry a password are counted or refused.

    Axes' backend fills in `password: None` for the other sign-ins (single sign-on's callback,
    the proxy's header), so the value is what tells them apart, not the key.
    """
    return not (credentials or {}).get("password")


class GrowingLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, with the growing cool-down and the trail of each failure."""

    def locked_until(
        self, request: HttpRequest, credentials: dict | None = None
    ) -> datetime | None:
        """When the later of the name's and the address's lockouts ends; None if neither is on."""
        latest = None
        for attempts in self.get_user_attempts(request, credentials):
            seen = attempts.aggregate(
                failures=Sum("failures_since_start"), last=Max("attempt_time")
            )
            wait = _cooldown(seen["failures"] or 0)
            if wait is not None:
                until = seen["last"] + wait
                latest = until if latest is None else max(latest, until)
        return latest if latest is not None and latest > timezone.now() else None

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        return self.locked_until(request, credentials) is not None

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        refused = bool(getattr(request, "axes_locked_out", False))  # the backend refused it
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or not_a_password_attempt(request, credentials):
            return
        if refused:
            trail.refused_while_locked(request, self.locked_until(request, credentials))
            return
        name = str(credentials.get("username") or "")
        failures = request.axes_failures_since_start
        until = self.locked_until(request, credentials) if request.axes_locked_out else None
        if until is not None:
            trail.locked_out(request, name, until=until, failures=failures)
        else:
            limit = settings.DASHBOARD_LOCKOUT_FAILURES
            trail.password_failed(request, name, failures=failures, limit=limit)


def handler() -> GrowingLockoutHandler:
    return AxesProxyHandler.get_implementation()  # type: ignore[return-value]


@dataclass(frozen=True)
class Lockout:
    """Remembered failures for one name or one address, and until when they lock it out."""

    kind: str  # "name" or "address"
    value: str
    failures: int
    last: datetime
    until: datetime | None  # None: not locked out now

    @property
    def locked(self) -> bool:
        return self.until is not None


def remembered(now: datetime | None = None) -> list[Lockout]:
    """Every name and address with remembered failures, locked ones first, latest first."""
    now = now or timezone.now()
    since = now - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(attempt_time__gte=since)
    found = []
    for kind, field in (("name", "username"), ("address", "ip_address")):
        rows = attempts.exclude(**{f"{field}__isnull": True}).values(field)
        for row in rows.annotate(failures=Sum("failures_since_start"), last=Max("attempt_time")):
            wait = _cooldown(row["failures"])
            until = row["last"] + wait if wait is not None else None
            found.append(
                Lockout(
                    kind,
                    row[field],
                    row["failures"],
                    row["last"],
                    until if until and until > now else None,
                )
            )
    return sorted(found, key=lambda lock: (not lock.locked, -lock.last.timestamp()))


def lift(kind: str, value: str) -> int:
    """Forget the failures of one name or one address; how many records went."""
    if not value:
        return 0  # axes would read an empty value as "every record"
    if kind == "name":
        return handler().reset_attempts(username=value)
    return handler().reset_attempts(ip_address=value)


def wait_words(until: datetime, now: datetime, zone: tzinfo) -> str:
    """'at 14:05 UTC, in 2 minutes': when someone locked out may try again, in their zone."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    if seconds < 60:
        span = f"{seconds} second{'s' if seconds != 1 else ''}"
    elif seconds < 3600:
        minutes = math.ceil(seconds / 60)
        span = f"{minutes} minute{'s' if minutes != 1 else ''}"
    else:
        hours = round(seconds / 3600, 1)
        span = f"about {hours:g} hour{'s' if hours != 1 else ''}"
    local = until.astimezone(zone)
    return f"at {local:%H:%M} {local:%Z}, in {span}"
