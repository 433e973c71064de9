"""The secret in a person's calendar feed URL: calendar apps cannot sign in, so the URL does.

The token is not stored. It is an HMAC of the user and a random salt under SECRET_KEY, so the
page can show it again whenever its owner asks; the database keeps the salt and a SHA-256 of
the token to find the feed by, and a copy of the database alone opens no feed. Regenerating
draws a new salt: the old URL stops at once. A token from a URL is found by its hash and then
compared with the one worked out again, in constant time. Changing SECRET_KEY stops every feed
URL (people regenerate theirs).

The token sits in the URL's path, `/calendar/feed/<token>.ics`, where the log filter and the
gunicorn logger in `dashboard/logs.py` blank it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.utils.crypto import salted_hmac

from downtimes_app.models import CalendarFeed

_PURPOSE = "downtimes_app.calendar.feed"
TOKEN = re.compile(r"[0-9a-f]{64}")


def _token(user_id: int, salt: str) -> str:
    return salted_hmac(_PURPOSE, f"{user_id}:{salt}", algorithm="sha256").hexdigest()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(feed: CalendarFeed) -> str:
    return _token(feed.user_id, feed.salt)


def feed_of(user: AbstractBaseUser) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def regenerate(user: AbstractBaseUser) -> CalendarFeed:
    """A new token for the user's feed (the first one, or one that replaces the last)."""
    salt = secrets.token_hex(16)
    digest = _digest(_token(user.pk, salt))
    feed, _ = CalendarFeed.objects.update_or_create(
        user=user, defaults={"salt": salt, "token_hash": digest}
    )
    return feed


def turn_off(user: AbstractBaseUser) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def owner(token: str) -> AbstractBaseUser | None:
    """The active user whose feed this token opens, or None."""
    if not TOKEN.fullmatch(token or ""):
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=_digest(token)).first()
    if feed is None or not hmac.compare_digest(token_of(feed), token):
        return None
    return feed.user if feed.user.is_active else None
