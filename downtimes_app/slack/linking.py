"""Tying a Slack person to an account here, and finding them again.

The first time an unlinked person uses `/downtime`, the answer (seen only by them) holds a
one-time link. Opened by a signed-in person, it links that Slack person to that account:
nothing acts for a Slack person before that. The link's token is kept as a digest, used once,
and expires after `OFFER_LIFETIME`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from downtimes_app.models import SlackLink, SlackLinkOffer

OFFER_LIFETIME = timedelta(minutes=30)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def person(team_id: str, slack_user_id: str) -> AbstractBaseUser | None:
    found = (
        SlackLink.objects.select_related("user")
        .filter(team_id=team_id, slack_user_id=slack_user_id)
        .first()
    )
    return found.user if found is not None and found.user.is_active else None


def offer(team_id: str, slack_user_id: str, name: str, now: datetime) -> str:
    """A new one-time token for linking this Slack person."""
    token = secrets.token_urlsafe(24)
    SlackLinkOffer.objects.filter(expires__lt=now).delete()
    SlackLinkOffer.objects.create(
        digest=_digest(token),
        team_id=team_id[:32],
        slack_user_id=slack_user_id[:32],
        slack_user_name=name[:150],
        expires=now + OFFER_LIFETIME,
    )
    return token


def open_offer(token: str, now: datetime) -> SlackLinkOffer | None:
    if len(token) > 100:
        return None
    return SlackLinkOffer.objects.filter(digest=_digest(token), used=False, expires__gt=now).first()


def link(token: str, user: AbstractBaseUser, now: datetime) -> SlackLinkOffer | None:
    """Use the offer once (one conditional UPDATE) and link its Slack person to `user`."""
    found = open_offer(token, now)
    if found is None:
        return None
    with transaction.atomic():
        if not SlackLinkOffer.objects.filter(pk=found.pk, used=False).update(used=True):
            return None
        SlackLink.objects.update_or_create(
            team_id=found.team_id,
            slack_user_id=found.slack_user_id,
            defaults={"user": user, "linked_at": now},
        )
    return found
