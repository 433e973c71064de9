"""Personal API tokens: made (shown once), found by their digest, revoked.

A token is `dt_` and 43 random characters; only its SHA-256 digest is stored, so a copy of the
database gives no working token. Lookups compare digests through the unique index.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from downtimes_app.models import ApiToken

PREFIX = "dt_"
NAME_MAX = 100


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make(user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`: the row, and the token itself (shown once, never stored)."""
    token = PREFIX + secrets.token_urlsafe(32)
    name = " ".join(name.split())[:NAME_MAX] or "API token"
    row = ApiToken.objects.create(user=user, name=name, prefix=token[:10], digest=digest(token))
    return row, token


def owner(token: str, now: datetime) -> AbstractBaseUser | None:
    """The active person a token belongs to, or None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    found = ApiToken.objects.select_related("user").filter(digest=digest(token)).first()
    if found is None or not found.user.is_active:
        return None
    # At most a write a minute per token: a busy pipeline does not queue writes on every call.
    stale = Q(last_used__isnull=True) | Q(last_used__lt=now - timedelta(minutes=1))
    ApiToken.objects.filter(stale, pk=found.pk).update(last_used=now)
    return found.user


def revoke(user: AbstractBaseUser, token_id: int) -> bool:
    return ApiToken.objects.filter(user=user, pk=token_id).delete()[0] > 0
