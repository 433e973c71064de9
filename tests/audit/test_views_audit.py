"""The audit trail: what perform() records, the audit page and its filters, and immutability."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from downtimes_app import datadog
from downtimes_app.audit import entries, writes
from downtimes_app.core import presenters
from downtimes_app.models import AuditEntry
from sandbox import faults
from sandbox.models import SandboxDowntime
from tests.conftest import make_user

URL = reverse("downtimes:audit")


@pytest.fixture
def incident(org) -> str:
    return str(SandboxDowntime.objects.get(message__contains="Failover drill").uuid)


def test_perform_records_a_name_from_outside_on_one_line(org, incident):
    # A provider's claim or a proxy's header names the account, and can say anything.
    eve = make_user("eve\n2026-11-16 09:30 erin cancel", "editor")
    writes.perform(
        eve,
        AuditEntry.Action.EDIT,
        lambda: datadog.update_downtime(incident, attributes={"message": "drill moved"}),
        downtime_id=incident,
        summary="Changed the message",
    )
    entry = AuditEntry.objects.get()
    assert entry.actor == eve and "\n" not in entry.actor_name
    assert entry.actor_name == entries.actor_name(eve).replace("\n", "\\n")


def test_perform_records_a_successful_write_with_before_and_after(editor, incident):
    before = datadog.attributes_of(datadog.get_downtime(incident))
    updated = writes.perform(
        editor,
        AuditEntry.Action.EDIT,
        lambda: datadog.update_downtime(incident, attributes={"message": "drill moved"}),
        downtime_id=incident,
        summary="Changed the message",
        before=before,
        after=datadog.attributes_of,
    )
    entry = AuditEntry.objects.get()
    assert updated.message == "drill moved"
    assert (entry.actor, entry.actor_name, entry.action, entry.outcome) == (
        editor,
        "Erin (erin)",
        "edit",
        "ok",
    )
    assert entry.downtime_id == incident
    assert presenters.attribute_changes(entry.before, entry.after) == [
        presenters.Change("message", before["message"], "drill moved")
    ]


def test_perform_records_a_failed_write_and_reraises(editor, incident):
    with faults.inject(sequence=["500"]), pytest.raises(datadog.Unavailable):
        writes.perform(
            editor,
            AuditEntry.Action.CANCEL,
            lambda: datadog.cancel_downtime(incident),
            downtime_id=incident,
            summary="Canceled",
        )
    entry = AuditEntry.objects.get()
    assert entry.outcome == AuditEntry.Outcome.FAILED
    assert "answered 500" in entry.error
    assert SandboxDowntime.objects.get(uuid=incident).canceled is None


def test_create_records_the_new_downtimes_id(editor, org):
    created = writes.perform(
        editor,
        AuditEntry.Action.CREATE,
        lambda: datadog.create_downtime(
            attributes={"scope": "env:qa", "monitor_identifier": {"monitor_tags": ["*"]}}
        ),
        summary="Created",
        after=datadog.attributes_of,
    )
    assert AuditEntry.objects.get().downtime_id == created.id


@pytest.fixture
def trail(editor, viewer, incident):
    entries = [
        AuditEntry.objects.create(
            actor=editor,
            actor_name="Erin (erin)",
            action="create",
            downtime_id=incident,
            summary="Created env:prod",
            outcome="ok",
            after={"message": "a"},
        ),
        AuditEntry.objects.create(
            actor=editor,
            actor_name="Erin (erin)",
            action="extend",
            downtime_id=incident,
            summary="Extended by 1h",
            outcome="failed",
            error="Datadog is unavailable (PATCH answered 503)",
        ),
        AuditEntry.objects.create(
            actor=viewer,
            actor_name="Victor (victor)",
            action="cancel",
            downtime_id="other-id",
            summary="Canceled",
            outcome="ok",
        ),
    ]
    return entries


def test_audit_page_lists_every_entry_newest_first(viewer_client, trail):
    page = viewer_client.get(URL).content.decode()
    positions = [page.index(f'id="audit-{e.pk}"') for e in reversed(trail)]
    assert positions == sorted(positions)
    assert "Datadog is unavailable (PATCH answered 503)" in page
    assert "Extended by 1h" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "victor"}, [2]),
        ({"action": "extend"}, [1]),
        ({"outcome": "failed"}, [1]),
        ({"downtime": "other-id"}, [2]),
        ({"actor": "erin", "outcome": "ok"}, [0]),
    ],
)
def test_audit_filters_are_in_the_link(viewer_client, trail, params, expected):
    page = viewer_client.get(URL, params).content.decode()
    shown = [i for i, e in enumerate(trail) if f'id="audit-{e.pk}"' in page]
    assert shown == expected


def test_unknown_audit_filter_says_so(viewer_client, trail):
    page = viewer_client.get(URL, {"action": "delete"}).content.decode()
    assert "Unknown action &#x27;delete&#x27;; showing every action." in page
    assert all(f'id="audit-{e.pk}"' in page for e in trail)


def test_audit_entries_cannot_be_changed_or_deleted_even_by_a_superuser(trail):
    root = User.objects.create_superuser("root", "root@example.com", "pw")
    admin = Client()
    admin.force_login(root)
    entry = trail[0]
    change = reverse("admin:downtimes_app_auditentry_change", args=[entry.pk])
    assert admin.get(change).status_code == 200  # readable...
    admin.post(change, {"summary": "rewritten", "outcome": "failed"})
    delete = reverse("admin:downtimes_app_auditentry_delete", args=[entry.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert (entry.summary, entry.outcome) == ("Created env:prod", "ok")
    assert AuditEntry.objects.writes().count() == 3
