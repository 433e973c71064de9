"""Once, even when sent twice: the one-time token guard of the create and edit forms.

Every rendered form carries a random token. Submitting it first *claims* the token by inserting
a `SubmissionToken` row; the unique constraint settles a race between two simultaneous submits
(one insert wins, the other finds the row). What a later submit with the same token does depends
on how the first one ended:

- done: nothing is sent again; the user goes to the downtime the first submit made;
- still being sent: nothing is sent; the user waits for the first submit's outcome;
- refused by Datadog (a 400, say): the user fixed the form, so it is sent again;
- outcome unknown (a timeout or 5xx on the write): the downtime may exist. Before sending
  again, the dashboard looks for a downtime matching what an earlier attempt sent.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction

from downtimes_app import datadog
from downtimes_app.core import planning
from downtimes_app.core.domain import Downtime
from downtimes_app.models import SubmissionToken

State = SubmissionToken.State
GO = "go"
DONE = "done"
IN_FLIGHT = "in_flight"
# A request still "being sent" after its own timeouts plus this margin has died (a worker
# restart, say); its token may then be taken over.
GRACE = timedelta(seconds=5)


# What `new_token` makes (and a form may post): letters, digits, `-` and `_`. Tokens the
# dashboard uses on its own (an approval's: `approval:12`) have a `:`, so no form can take one.
TOKEN_SHAPE = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def well_formed(token: str) -> bool:
    return TOKEN_SHAPE.fullmatch(token) is not None


def in_flight_limit() -> timedelta:
    return (
        timedelta(seconds=settings.DATADOG_CONNECT_TIMEOUT + settings.DATADOG_READ_TIMEOUT) + GRACE
    )


def waiting(row: SubmissionToken, now: datetime) -> bool:
    """Whether a pending submit may still be under way, or was abandoned (its worker died)."""
    return row.state == State.PENDING and now - row.attempt_started < in_flight_limit()


@dataclass(frozen=True)
class Claim:
    outcome: str  # GO, DONE or IN_FLIGHT
    row: SubmissionToken
    # Earlier attempts whose outcome is unknown; look for their downtime before sending.
    unsure: tuple[Mapping[str, Any], ...] = ()


def _attempt(attributes: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """What was sent, kept as the JSON Datadog was sent."""
    return {
        "at": at.isoformat(),
        "attributes": datadog.request_body(attributes)["data"]["attributes"],
    }


def claim(
    token: str,
    user: AbstractBaseUser | AnonymousUser,
    *,
    action: str,
    attributes: Mapping[str, Any],
    now: datetime,
    downtime_id: str = "",
) -> Claim:
    actor = user if user.is_authenticated else None
    try:
        with transaction.atomic():
            row = SubmissionToken.objects.create(
                token=token,
                actor=actor,
                action=action,
                downtime_id=downtime_id,
                attempt_started=now,
                sent=[_attempt(attributes, now)],
            )
        return Claim(GO, row)
    except IntegrityError:
        row = SubmissionToken.objects.get(token=token)
    if row.state == State.DONE:
        return Claim(DONE, row)
    if waiting(row, now):
        return Claim(IN_FLIGHT, row)
    # Refused, unknown, or abandoned: take the token over unless another request just did.
    unsure = tuple(row.sent or ()) if row.state in (State.UNCERTAIN, State.PENDING) else ()
    taken = SubmissionToken.objects.filter(
        pk=row.pk, state=row.state, attempt_started=row.attempt_started
    ).update(
        state=State.PENDING,
        attempt_started=now,
        sent=[*(row.sent or ()), _attempt(attributes, now)],
        error="",
    )
    row.refresh_from_db()
    if not taken:
        return Claim(DONE if row.state == State.DONE else IN_FLIGHT, row)
    return Claim(GO, row, unsure=unsure)


def succeeded(row: SubmissionToken, downtime_id: str) -> None:
    row.state = State.DONE
    row.downtime_id = downtime_id
    row.error = ""
    row.save(update_fields=["state", "downtime_id", "error"])


def failed(row: SubmissionToken, error: str, *, uncertain: bool) -> None:
    row.state = State.UNCERTAIN if uncertain else State.FAILED
    row.error = error[:2000]
    row.save(update_fields=["state", "error"])


def earlier_result(
    attempts: Iterable[Mapping[str, Any]], downtimes: Iterable[Downtime]
) -> Downtime | None:
    """The downtime an earlier attempt with an unknown outcome did create, if one did."""
    sent = [
        (datetime.fromisoformat(a["at"]), datadog.parse_attributes(a["attributes"]))
        for a in attempts
    ]
    for downtime in downtimes:
        for since, attributes in sent:
            if planning.made_by(downtime, attributes, since=since):
                return downtime
    return None
