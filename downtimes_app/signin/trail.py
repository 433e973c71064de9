"""What signing in leaves behind: an audit entry for `/audit/` and one log line, never a secret.

The audit trail names who signed in, or which name was tried, and from where. Log lines name the
address and what happened, but never the name typed into a failed password sign-in (people type
passwords into the name field) nor anything the provider sent.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest

from downtimes_app.audit.entries import actor_name, entry
from downtimes_app.models import AuditEntry
from downtimes_app.signin.addresses import client_address

log = logging.getLogger("downtimes_app.signin")
Action = AuditEntry.Action

HOW = {
    "downtimes_app.signin.oidc.SsoBackend": "with single sign-on",
    "downtimes_app.signin.proxy.ProxyUserBackend": "through the proxy's header",
}
# A refused proxy header comes with every request of that person; say so once in a while.
PROXY_REFUSAL_QUIET_SECONDS = 600


def record_event(
    user: AbstractBaseUser | AnonymousUser | None,
    action: str,
    *,
    name: str = "",
    summary: str,
    address: str | None = None,
    failed: bool = False,
) -> AuditEntry:
    """A sign-in event: `user` when known, else `name` (what was typed, or the provider's name)."""
    known = user is not None and user.is_authenticated
    return entry(
        actor=user if known else None,
        actor_name=actor_name(user) if known else name or "unknown",
        action=action,
        summary=summary,
        outcome=AuditEntry.Outcome.FAILED if failed else AuditEntry.Outcome.OK,
        address=address,
    )


def _address(request: HttpRequest | None) -> str | None:
    return client_address(request) if request is not None else None


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


@receiver(user_logged_in, dispatch_uid="downtimes_app.signin.trail.signed_in")
def signed_in(sender, request: HttpRequest | None, user: AbstractBaseUser, **kwargs) -> None:
    how = HOW.get(getattr(user, "backend", ""), "with a password")
    address = _address(request)
    record_event(user, Action.SIGN_IN, summary=f"Signed in {how}", address=address)
    log.info("%s signed in %s from %s", user.get_username(), how, address)


def password_failed(request: HttpRequest, name: str, *, failures: int | None, limit: int) -> None:
    address = _address(request)
    counted = f" ({failures} of {limit} allowed failures)" if failures else ""
    record_event(
        None,
        Action.SIGN_IN_FAILED,
        name=name,
        summary=f"Wrong name or password{counted}",
        address=address,
        failed=True,
    )
    log.warning("Password sign-in failed from %s%s", address, counted)


def locked_out(request: HttpRequest, name: str, *, until: datetime, failures: int) -> None:
    address = _address(request)
    record_event(
        None,
        Action.LOCKED_OUT,
        name=name,
        summary=(
            f"Password sign-in refused until {_when(until)} after {failures} failures "
            "for this name or from this address"
        ),
        address=address,
        failed=True,
    )
    log.warning(
        "Password sign-in locked out until %s after %s failures from %s",
        _when(until),
        failures,
        address,
    )


def refused_while_locked(request: HttpRequest, until: datetime | None) -> None:
    """Not in the trail (the lockout is, once); hammering would only fill it."""
    ending = f" until {_when(until)}" if until else ""
    log.warning("Password sign-in refused: locked out%s, from %s", ending, _address(request))


def sso_failed(request: HttpRequest, reason: str, *, provider: str, name: str = "") -> None:
    address = _address(request)
    record_event(
        None,
        Action.SIGN_IN_FAILED,
        name=name or "unknown",
        summary=f"Single sign-on with {provider} refused: {reason}",
        address=address,
        failed=True,
    )
    log.warning("Single sign-on refused from %s: %s", address, reason)


def proxy_refused(request: HttpRequest, name: str, reason: str) -> None:
    address = _address(request)
    if cache.add(f"signin:proxy-refused:{name}:{address}", 1, PROXY_REFUSAL_QUIET_SECONDS):
        record_event(
            None,
            Action.SIGN_IN_FAILED,
            name=name,
            summary=f"The proxy's header was refused: {reason}",
            address=address,
            failed=True,
        )
    log.warning("Proxy header sign-in refused from %s: %s", address, reason)


def role_changed(
    request: HttpRequest | None,
    user: AbstractBaseUser,
    *,
    before: str | None,
    after: str,
    groups: list[str],
    provider: str,
) -> None:
    held = ", ".join(sorted(groups)[:20]) or "none"
    was = f"from {before} " if before else ""
    record_event(
        user,
        Action.ROLE_CHANGED,
        summary=f"Role changed {was}to {after} by the groups at {provider} ({held})"[:500],
        address=_address(request),
    )
    log.info("%s is now %s (was %s) by group mapping", user.get_username(), after, before or "none")


def lockout_lifted(
    request: HttpRequest, staff: AbstractBaseUser | AnonymousUser, what: str
) -> None:
    record_event(
        staff,
        Action.LOCKOUT_LIFTED,
        summary=f"Lifted the lockout of {what}",
        address=_address(request),
    )
    log.info("%s lifted the lockout of %s", staff.get_username(), what)
