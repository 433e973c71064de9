"""The dashboard's own records: the audit trail, form tokens, links to single sign-on, and the
messages about downtimes (who is reminded where, and every message to send)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class AuditQuerySet(models.QuerySet):
    def writes(self) -> AuditQuerySet:
        """Entries about downtimes (not sign-ins)."""
        return self.filter(action__in=WRITE_ACTIONS)


class AuditEntry(models.Model):
    """One write through the dashboard, or one sign-in event: who, when, from where, what.

    Writes carry the downtime, before/after and the outcome; sign-ins, failed sign-ins,
    lockouts and role changes carry the name used and the address they came from. Entries are
    only ever added. Nothing in the dashboard edits or deletes them, and the admin shows them
    read-only.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        EDIT = "edit", "Edited"
        CANCEL = "cancel", "Canceled"
        END_NOW = "end_now", "Ended now"
        EXTEND = "extend", "Extended"
        BULK_CANCEL = "bulk_cancel", "Canceled in bulk"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Locked out"
        LOCKOUT_LIFTED = "lockout_lifted", "Lockout lifted"
        ROLE_CHANGED = "role_changed", "Role changed"
        NOTIFIED = "notified", "Message"
        APPROVAL_ASKED = "approval_asked", "Asked for approval"
        DECLINED = "declined", "Declined"
        APPROVAL_EXPIRED = "approval_expired", "Approval expired"

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
    # A message's outcome (action "notified"): what the destination answered, never its URL.
    # Where a sign-in event came from (the client's address, behind DASHBOARD_PROXY_COUNT proxies).
    address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.downtime_id}"


WRITE_ACTIONS = ("create", "edit", "cancel", "end_now", "extend", "bulk_cancel")


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


class ProxyAccount(models.Model):
    """An account the signing-in proxy's header created: the only kind that header may reach
    (unless DASHBOARD_PROXY_LOCAL_ACCOUNTS says otherwise), so a passwordless account made in
    the shell or the admin cannot be claimed by naming it in a header."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proxy_account"
    )
    first_seen = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"proxy account of user {self.user_id}"


class SsoIdentity(models.Model):
    """The account a person of the identity provider signs in to: issuer and subject, never e-mail.

    Linking by the provider's stable subject (not by a name or e-mail address that could match a
    local account) means single sign-on only ever reaches accounts it created itself.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identity"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    first_seen = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_account_per_subject")
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class Reminder(models.Model):
    """A destination that hears about one downtime: its reminders before each window ends, and
    word when it is created, canceled or ended through the dashboard. Chosen in the form."""

    downtime_id = models.CharField(max_length=64, db_index=True)
    destination = models.CharField(max_length=40)
    chosen_by = models.CharField(max_length=150)
    chosen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["downtime_id", "destination"], name="one_reminder_choice_per_destination"
            )
        ]

    def __str__(self) -> str:
        return f"{self.destination} for {self.downtime_id}"


class Delivery(models.Model):
    """One message to one destination, and how sending it went.

    Made once: a reminder is unique per downtime, window end and destination, an event message
    per audit entry and destination (database constraints, so two workers that both find it due
    make one row). Sent once: a worker *claims* a row with one conditional UPDATE (pending, or
    sending with an expired lease) before it sends, and only the worker holding the claim
    records the outcome. `message_id` is the same on every attempt: receivers drop repeats by it.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        CREATED = "created", "Created"
        CANCELED = "canceled", "Canceled"
        ENDED = "ended", "Ended"
        APPROVAL = "approval", "Approval asked"
        OUTSIDE = "outside", "Changed outside"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        DROPPED = "dropped", "Not sent"

    message_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    downtime_id = models.CharField(max_length=64, db_index=True)
    destination = models.CharField(max_length=40)
    # A reminder's window end; an event's audit entry (who did what, when).
    window_end = models.DateTimeField(null=True, blank=True)
    cause = models.ForeignKey(
        AuditEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A change seen outside the dashboard (kind "outside"): the version that records it.
    version = models.ForeignKey(
        "DowntimeVersion", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # When the next attempt may be made (the first: when it is due).
    due = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    first_attempt = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Why the last attempt failed, or why it was not sent: words, never a URL.
    error = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["downtime_id", "window_end", "destination"],
                condition=models.Q(kind="reminder"),
                name="one_reminder_per_window_per_destination",
            ),
            models.UniqueConstraint(
                fields=["cause", "destination"],
                condition=~models.Q(kind="reminder"),
                name="one_message_per_event_per_destination",
            ),
            models.UniqueConstraint(
                fields=["version", "destination"],
                condition=models.Q(kind="outside"),
                name="one_message_per_outside_change_per_destination",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.downtime_id} to {self.destination}: {self.state}"


class RecoveryWatch(models.Model):
    """A downtime that should end once what it mutes has recovered ("until it recovers").

    The downtime in Datadog always ends at its cap; this row is the dashboard's intent to end it
    sooner. One row per downtime (a unique constraint, so a resent form makes one), ended once:
    a worker *claims* it with one conditional UPDATE (watching to ending) before it ends the
    downtime, so two workers at once end it once; a failed end gives it back to watching.
    """

    class State(models.TextChoices):
        WATCHING = "watching", "Watching"
        ENDING = "ending", "Being ended"
        RECOVERED = "recovered", "Ended on recovery"
        STOPPED = "stopped", "No longer watched"

    downtime_id = models.CharField(max_length=64, unique=True)
    # What it mutes, in words ("host:web-3", "“[prod] api latency”"), for pages and messages.
    what = models.CharField(max_length=300)
    cap = models.DateTimeField()  # its end in Datadog: it ends then whatever happens
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150)
    # Indexed: the worker's every-minute look and the pages read the watches in force by it.
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.WATCHING, db_index=True
    )
    # Since when everything it mutes has been OK, as far as the worker has seen; None: not all.
    ok_since = models.DateTimeField(null=True, blank=True)
    # When a look last saw a group failing (the copy's moment): no recovery is older than that.
    failed_seen = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Why it is no longer watched, or what the last look found: words.
    reason = models.CharField(max_length=300, blank=True)
    started = models.DateTimeField()  # the dashboard's clock when it was asked for
    changed = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started", "-id"]

    def __str__(self) -> str:
        return f"{self.downtime_id} until {self.what} recovers: {self.state}"


class ApprovalRequest(models.Model):
    """A downtime the policy holds for a second editor: what would be sent, who asked, why.

    Made once: the form's one-time token is unique here, so a double-clicked submit asks once.
    Decided once: an approver *claims* the request with one conditional UPDATE (pending, not
    expired, not their own; or sending under a claim older than a write can take) before the
    downtime is sent, so two approvers at once make one downtime. The write itself goes through
    the form's once-only saving under the request's own token, so a retry after a timeout looks
    for the downtime the first attempt made before sending again.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        SENDING = "sending", "Approved, being sent"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        FAILED = "failed", "Could not be sent"

    token = models.CharField(max_length=64, unique=True)
    action = models.CharField(max_length=10)  # "new" or "edit"
    downtime_id = models.CharField(max_length=64, blank=True)  # the downtime an edit changes
    # What would be sent: Datadog's JSON attributes, as the form's save would send them.
    attributes = models.JSONField()
    summary = models.CharField(max_length=500)  # what it does, in the audit trail's words
    reasons = models.JSONField(default=list)  # why it waits, each in words
    remind_to = models.JSONField(null=True, blank=True)
    ends_on_recovery = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150)
    requested_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)  # a decline's reason
    claim = models.CharField(max_length=32, blank=True)  # whose send it is, for its outcome
    claimed_at = models.DateTimeField(null=True, blank=True)
    result_id = models.CharField(max_length=64, blank=True)  # the downtime it made or changed
    error = models.TextField(blank=True)  # why the last send failed, in words

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.summary} asked by {self.requested_by_name}: {self.state}"


class ApiToken(models.Model):
    """A personal API token: only its SHA-256 digest is kept; the token is shown once.

    A token acts as its owner, with the owner's role at the moment of each request: a person
    whose role is taken away, or whose account is deactivated, has tokens that stop working.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)  # its first characters, to tell tokens apart
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"


class Lease(models.Model):
    """A downtime a job keeps alive by renewing it: its end is real in Datadog (`ttl` from the
    last renewal), so a job that dies leaves a mute that ends by itself."""

    downtime_id = models.CharField(max_length=64, unique=True)
    ttl_seconds = models.PositiveIntegerField()
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    holder_name = models.CharField(max_length=150)
    created = models.DateTimeField()
    renewed = models.DateTimeField()

    class Meta:
        ordering = ["-renewed", "-id"]

    def __str__(self) -> str:
        return f"lease on {self.downtime_id} by {self.holder_name}"


class SlackLink(models.Model):
    """A Slack person, linked by them to their account here: only a linked person acts."""

    team_id = models.CharField(max_length=32)
    slack_user_id = models.CharField(max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slack_links"
    )
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team_id", "slack_user_id"], name="one_account_per_slack_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.slack_user_id} is {self.user}"


class SlackLinkOffer(models.Model):
    """A one-time link, answered to an unlinked Slack person, that links them once opened by
    a signed-in person; only its digest is kept, and it expires."""

    digest = models.CharField(max_length=64, unique=True)
    team_id = models.CharField(max_length=32)
    slack_user_id = models.CharField(max_length=32)
    slack_user_name = models.CharField(max_length=150, blank=True)
    expires = models.DateTimeField()
    used = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"link offer for {self.team_id}/{self.slack_user_id}"


class SlackRequest(models.Model):
    """A request from Slack, made once by its signature and timestamp: a retry (the same two)
    finds this row and gets the first answer, so it acts once."""

    key = models.CharField(max_length=64, unique=True)
    received = models.DateTimeField()
    answer = models.JSONField(null=True, blank=True)  # None while the first is being handled

    def __str__(self) -> str:
        return f"Slack request {self.key[:12]}"


class DowntimeVersion(models.Model):
    """One version of one downtime as the dashboard saw it, kept after Datadog forgets it; only
    `valid_until` (and what follows) is set later, once (`history.recording`)."""

    class Event(models.TextChoices):
        CREATED = "created", "Created"
        SEEN = "seen", "First seen"
        CHANGED = "changed", "Changed"
        CANCELED = "canceled", "Canceled"
        GONE = "gone", "Forgotten by Datadog"

    upstream = models.CharField(max_length=64)  # which Datadog: a fingerprint, never a key
    downtime_id = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    event = models.CharField(max_length=10, choices=Event.choices)
    changed = models.JSONField(default=list, blank=True)  # the attributes this version changed
    seen_at = models.DateTimeField()  # when the dashboard saw it
    # When it was Datadog's: from its `modified` (or cancel, or first sight) to the next's.
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    modified = models.DateTimeField(null=True, blank=True)  # Datadog's `modified`
    actor = models.CharField(max_length=150, blank=True)  # "": outside the dashboard
    entry = models.ForeignKey(
        AuditEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    digest = models.CharField(max_length=40)
    state = models.JSONField()  # Datadog's document for the downtime, as it was
    # When it could mute (its schedule within its validity), and that span's class (`spans`).
    mutes_from = models.DateTimeField(null=True, blank=True)
    mutes_until = models.DateTimeField(null=True, blank=True)
    reach = models.SmallIntegerField(null=True, blank=True)
    recurring = models.BooleanField(default=False)  # within its span, only its windows mute
    # What it targets, as `history.spans.target_key` writes it (a monitor's page looks it up).
    target = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["upstream", "downtime_id", "seq"], name="one_version_per_number"
            )
        ]
        indexes = [
            models.Index(fields=["upstream", "reach", "mutes_from"], name="version_moment"),
            models.Index(fields=["valid_until"], name="version_last"),
            models.Index(fields=["upstream", "seen_at"], name="version_seen"),
            models.Index(fields=["upstream", "target"], name="version_target"),
            models.Index(fields=["event", "downtime_id"], name="version_event"),
        ]

    def __str__(self) -> str:
        return f"{self.downtime_id} #{self.seq} {self.event}"
