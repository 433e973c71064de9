"""What the list and the calendar both read: the list's index of the downtime copy, once per
process per version of it, and the downtimes the viewer created ("created by me")."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from downtimes_app import store
from downtimes_app.downtimes import listing
from downtimes_app.models import AuditEntry
from downtimes_app.store.memo import Kept, per_snapshot

_indexes: Kept[listing.Index] = Kept()


def list_index(snapshot: store.Snapshot | None) -> listing.Index:
    """The list's per-snapshot work, done once per process per version of the copy."""
    return per_snapshot(_indexes, snapshot, listing.Index)


def my_downtime_ids(user: AbstractBaseUser | AnonymousUser) -> list[str]:
    """The downtimes this person created through the dashboard ("created by me")."""
    if not user.is_authenticated:
        return []
    return list(
        AuditEntry.objects.filter(
            actor=user, action=AuditEntry.Action.CREATE, outcome=AuditEntry.Outcome.OK
        ).values_list("downtime_id", flat=True)
    )
