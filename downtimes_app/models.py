"""The dashboard's own records: the audit trail of writes made through it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One write through the dashboard: who, when, what, the downtime, before/after, outcome.

    Entries are only ever added. Nothing in the dashboard edits or deletes them, and the admin
    shows them read-only.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        EDIT = "edit", "Edited"
        CANCEL = "cancel", "Canceled"
        END_NOW = "end_now", "Ended now"
        EXTEND = "extend", "Extended"
        BULK_CANCEL = "bulk_cancel", "Canceled in bulk"

    class Outcome(models.TextChoices):
        OK = "ok", "Succeeded"
        FAILED = "failed", "Failed"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too, so the trail still names people whose accounts were removed.
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    downtime_id = models.CharField(max_length=64, blank=True, db_index=True)
    summary = models.CharField(max_length=500)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.downtime_id}"


class SubmissionToken(models.Model):
    """One rendered create or edit form, and what became of submitting it.

    Each form carries a random token. The first submit inserts this row (the unique token decides
    between two simultaneous submits); a repeated submit finds it and goes to the downtime the
    first one made instead of writing again. After a timeout the row remembers what was sent, so
    a resubmit can look for a downtime that the lost answer would have named.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Being sent"
        DONE = "done", "Done"
        FAILED = "failed", "Refused"
        UNCERTAIN = "uncertain", "Outcome unknown"

    token = models.CharField(max_length=64, unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20)
    # The downtime made (create) or changed (edit); empty until known.
    downtime_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempt_started = models.DateTimeField()
    sent = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.action} {self.state} {self.downtime_id or '-'}"


class CalendarFeed(models.Model):
    """A person's calendar feed: what its secret URL is worked out from, and found by.

    The token itself is never stored (`calendar/tokens.py`): `salt` and SECRET_KEY make it,
    and `token_hash` (its SHA-256) finds the feed a URL names.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    salt = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"calendar feed of user {self.user_id}"
