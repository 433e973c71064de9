"""Approvals through the Django test client against the sandbox: a held downtime is a request,
announced, that another editor approves (once, however many click) or declines with a reason,
or that expires; the requester cannot approve their own, and the trail names both people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from downtimes_app.approvals import deciding
from downtimes_app.editing import saving
from downtimes_app.models import ApprovalRequest, AuditEntry
from sandbox import clock
from sandbox.models import SandboxDowntime
from tests.editing.support import open_form, submit
from tests.factories import NOW, grouped
from tests.html_forms import as_post
from tests.monitors.support import confirmation, mute_url, text_of
from tests.policy.support import client_of, second_editor, use_policy

State = ApprovalRequest.State
EVERY_MONITOR = {
    "scope": "env:prod",
    "target": "all",
    "timezone": "UTC",
    "end_mode": "after",
    "duration": "2h",
    "message": "Datacenter power work",
}


@pytest.fixture
def held(settings, editor_client, org):
    """Erin has asked, through the form, for a mute of every monitor; the policy holds it."""
    use_policy(settings, approval_for=["every_monitor"])
    _, data = open_form(editor_client)
    before = SandboxDowntime.objects.count()
    response = submit(editor_client, data, **EVERY_MONITOR)
    request = ApprovalRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("downtimes:approval", args=[request.pk])
    assert SandboxDowntime.objects.count() == before
    return request, data, before


def test_a_held_downtime_is_a_request_the_requester_sees_and_nothing_is_sent(
    held, editor_client, upstream_calls
):
    request, data, before = held
    assert ("POST", "/api/v2/downtime") not in upstream_calls
    assert request.state == State.PENDING and request.requested_by_name == "Erin (erin)"
    assert request.expires_at == NOW + timedelta(minutes=60)
    assert request.attributes["monitor_identifier"] == {"monitor_tags": ["*"]}
    page = text_of(
        editor_client.get(reverse("downtimes:approval", args=[request.pk])).content.decode()
    )
    assert "Waiting for approval Asked by Erin (erin)" in page
    assert "Mutes All monitors Scope env:prod" in page
    assert "The policy asks a second editor to approve a downtime of every monitor." in page
    assert "Approve and send" not in page  # not to the person who asked
    asked = AuditEntry.objects.get(action=AuditEntry.Action.APPROVAL_ASKED)
    assert asked.actor_name == "Erin (erin)"
    assert asked.summary.startswith("Asked for approval: Scheduled for every monitor over env:prod")
    # The form sent again (a double click): the same request, not a second one.
    again = submit(editor_client, data, **EVERY_MONITOR)
    assert again["Location"] == reverse("downtimes:approval", args=[request.pk])
    assert ApprovalRequest.objects.count() == 1
    assert SandboxDowntime.objects.count() == before


def test_the_requester_cannot_approve_their_own(held, editor_client):
    request, _, before = held
    response = editor_client.post(
        reverse("downtimes:approval_approve", args=[request.pk]), follow=True
    )
    assert "You asked for this downtime; another editor must approve it." in text_of(
        response.content.decode()
    )
    request.refresh_from_db()
    assert request.state == State.PENDING and SandboxDowntime.objects.count() == before


def test_another_editor_approves_it_once_and_the_trail_names_both(held):
    request, _, before = held
    sam = client_of(second_editor())
    listed = text_of(sam.get(reverse("downtimes:approvals")).content.decode())
    assert "Waiting (1)" in listed and "Approve and send" in listed
    assert "Approvals 1 Audit trail" in listed  # the top bar's count
    approved = sam.post(reverse("downtimes:approval_approve", args=[request.pk]))
    made = SandboxDowntime.objects.order_by("-id").first()
    assert approved["Location"] == reverse("downtimes:detail", args=[str(made.uuid)])
    assert made.monitor_tags == ["*"] and made.message == "Datacenter power work"
    request.refresh_from_db()
    assert request.state == State.APPROVED and request.result_id == str(made.uuid)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CREATE, downtime_id=str(made.uuid))
    assert entry.actor_name == "Sam (sam)"
    assert entry.summary.startswith("Approved by Sam (sam), asked by Erin (erin): Scheduled for")
    # A second click, or a third editor a moment later: nothing more is sent.
    again = sam.post(reverse("downtimes:approval_approve", args=[request.pk]), follow=True)
    assert "already approved it; nothing was sent twice" in text_of(again.content.decode())
    assert "Approvals Audit trail" in text_of(again.content.decode())
    assert SandboxDowntime.objects.count() == before + 1


def test_two_approvers_at_once_make_one_downtime(held, monkeypatch):
    request, _, before = held
    sam, tess = second_editor(), second_editor("tess")
    send, seen = saving.send_approved, []

    def while_sending(approver, row, **kwargs):
        # Tess clicks while Sam's approval is on its way to Datadog.
        seen.append(deciding.approve(tess, row.pk, NOW))
        return send(approver, row, **kwargs)

    monkeypatch.setattr(saving, "send_approved", while_sending)
    first = deciding.approve(sam, request.pk, NOW)
    assert first.ok and len(seen) == 1
    assert not seen[0].ok and "approved it; it is being sent now" in seen[0].words
    assert SandboxDowntime.objects.count() == before + 1


def test_a_request_nobody_decides_expires_and_cannot_be_approved_after(held):
    request, _, before = held
    later = NOW + timedelta(minutes=61)
    clock.set_now(later)
    sam = client_of(second_editor())
    response = sam.post(reverse("downtimes:approval_approve", args=[request.pk]), follow=True)
    assert "This request has expired" in text_of(response.content.decode())
    assert deciding.expire(later) == 1 and deciding.expire(later) == 0
    request.refresh_from_db()
    assert request.state == State.EXPIRED
    entry = AuditEntry.objects.get(action=AuditEntry.Action.APPROVAL_EXPIRED)
    assert "Erin (erin) asked for Scheduled for every monitor" in entry.summary
    assert SandboxDowntime.objects.count() == before


def test_a_decline_needs_a_reason_and_the_requester_reads_it(held, editor_client):
    request, _, before = held
    sam = client_of(second_editor())
    url = reverse("downtimes:approval_decline", args=[request.pk])
    empty = sam.post(url, {"reason": "  "})
    assert empty.status_code == 400
    assert "Say why it is declined" in text_of(empty.content.decode())
    request.refresh_from_db()
    assert request.state == State.PENDING
    sam.post(url, {"reason": "Mute team:storage only, not everything"})
    request.refresh_from_db()
    assert request.state == State.DECLINED and request.decided_by_name == "Sam (sam)"
    page = text_of(
        editor_client.get(reverse("downtimes:approval", args=[request.pk])).content.decode()
    )
    assert "Declined Asked by Erin (erin)" in page
    assert "Declined by Sam (sam): Mute team:storage only, not everything" in page
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DECLINED)
    assert entry.actor_name == "Sam (sam)"
    assert entry.summary.startswith("Declined the request of Erin (erin): Scheduled for every")
    assert entry.summary.endswith("Reason: Mute team:storage only, not everything")
    late = sam.post(reverse("downtimes:approval_approve", args=[request.pk]), follow=True)
    assert "Sam (sam) declined it: Mute team:storage only" in text_of(late.content.decode())
    assert SandboxDowntime.objects.count() == before


def test_a_viewer_reads_requests_but_cannot_decide(held, viewer_client):
    request, _, _ = held
    page = viewer_client.get(reverse("downtimes:approval", args=[request.pk]))
    assert page.status_code == 200 and "Approve and send" not in page.content.decode()
    refused = viewer_client.post(reverse("downtimes:approval_approve", args=[request.pk]))
    assert refused.status_code == 403
    request.refresh_from_db()
    assert request.state == State.PENDING


def test_a_failed_send_goes_back_to_waiting_and_approving_again_makes_one(held, api):
    request, _, before = held
    sam = second_editor()
    from sandbox import faults

    with faults.inject(sequence=["500"]):
        failed = deciding.approve(sam, request.pk, NOW)
    assert not failed.ok and "Nothing was made yet" in failed.words
    request.refresh_from_db()
    assert request.state == State.PENDING and request.error
    assert request.decided_by is None and request.decided_by_name == ""  # undecided again
    assert SandboxDowntime.objects.count() == before
    assert deciding.approve(sam, request.pk, NOW).ok
    assert SandboxDowntime.objects.count() == before + 1


def test_a_request_is_announced_to_the_message_destinations(settings, destinations, receiver, held):
    request, _, _ = held
    bodies = receiver.bodies("approval")
    assert len(bodies) == 1
    assert bodies[0]["text"].startswith("Erin (erin): Asked for approval: Scheduled for every")
    assert bodies[0]["approval_url"] == (f"https://downtimes.example.com/approvals/{request.pk}/")
    slack = [b for b in receiver.bodies() if isinstance(b, dict) and "blocks" in b]
    assert "Approve or decline" in str(slack[0]["blocks"])


def test_an_edit_that_needs_approval_is_held_then_applied_once_approved(
    settings, editor_client, stories
):
    use_policy(settings, approval_for=["longer_than:10h"])
    upgrade = stories["upgrade"]  # from 2 hours before NOW to 6 hours after: 8 hours
    url = reverse("downtimes:edit", args=[upgrade.uuid])
    _, data = open_form(editor_client, url)
    held = submit(editor_client, data, url=url, end_mode="after", duration="12h")
    request = ApprovalRequest.objects.get()
    assert held["Location"] == reverse("downtimes:approval", args=[request.pk])
    assert request.action == "edit" and request.downtime_id == str(upgrade.uuid)
    assert list(request.attributes) == ["schedule"]  # only what the edit changes
    end = upgrade.schedule["end"]
    upgrade.refresh_from_db()
    assert upgrade.schedule["end"] == end
    sam = client_of(second_editor())
    approved = sam.post(reverse("downtimes:approval_approve", args=[request.pk]))
    assert approved["Location"] == reverse("downtimes:detail", args=[str(upgrade.uuid)])
    upgrade.refresh_from_db()
    assert upgrade.schedule["end"] == (NOW + timedelta(hours=10)).isoformat()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EDIT)
    assert entry.actor_name == "Sam (sam)" and "asked by Erin (erin)" in entry.summary


def test_a_quick_mute_of_every_group_waits_for_approval(settings, editor_client, org):
    use_policy(settings, approval_for=["wildcard_scope"])
    monitor = grouped("Alert")
    before = SandboxDowntime.objects.count()
    _, data = confirmation(editor_client, monitor, duration="1h")  # the whole monitor: scope *
    response = editor_client.post(mute_url(monitor), as_post(data))
    request = ApprovalRequest.objects.get()
    assert response["Location"] == reverse("downtimes:approval", args=[request.pk])
    assert request.attributes["scope"] == "*"
    assert SandboxDowntime.objects.count() == before


def test_a_request_whose_contents_cannot_be_read_fails_in_words_and_is_not_left_half_sent(held):
    request, _, before = held
    ApprovalRequest.objects.filter(pk=request.pk).update(
        attributes={**request.attributes, "monitor_identifier": 5}
    )
    sam = client_of(second_editor())
    response = sam.post(reverse("downtimes:approval_approve", args=[request.pk]), follow=True)
    assert response.status_code == 200
    assert "What it holds cannot be read" in text_of(response.content.decode())
    request.refresh_from_db()
    assert request.state == State.FAILED and SandboxDowntime.objects.count() == before


def test_a_request_left_being_sent_by_a_worker_that_died_can_be_approved_again_once(held):
    request, _, before = held
    tess = second_editor("tess")
    ApprovalRequest.objects.filter(pk=request.pk).update(
        state=State.SENDING,
        decided_by=tess,
        decided_by_name="Tess (tess)",
        claim="dead",
        claimed_at=NOW - timedelta(minutes=2),
    )
    sam = client_of(second_editor())
    page = text_of(sam.get(reverse("downtimes:approval", args=[request.pk])).content.decode())
    assert "Approve and send" in page
    approved = sam.post(reverse("downtimes:approval_approve", args=[request.pk]))
    assert approved.status_code == 302
    assert SandboxDowntime.objects.count() == before + 1
    # The dead worker's claim no longer decides anything.
    assert deciding._settle(request, "dead", saving.Failed("late")).ok is False
    request.refresh_from_db()
    assert request.state == State.APPROVED and request.decided_by_name == "Sam (sam)"


def test_a_form_cannot_take_a_requests_own_token(held, editor_client, org):
    request, _, before = held
    _, data = open_form(editor_client)
    taken = submit(
        editor_client,
        data,
        token=f"approval:{request.pk}",
        scope="env:qa",
        target="monitor",
        monitor_id=str(org.monitors[0].id),
        timezone="UTC",
    )
    assert taken.status_code == 200  # refused: not a token this dashboard made
    assert "one-time token is not one this dashboard made" in text_of(taken.content.decode())
    assert SandboxDowntime.objects.count() == before
    approved = deciding.approve(second_editor(), request.pk, NOW)
    assert approved.ok and approved.words == "Approved and sent."


def test_an_announcement_still_waiting_is_not_sent_once_the_request_is_decided(
    settings, destinations, receiver, held, monkeypatch
):
    from downtimes_app.models import Delivery
    from downtimes_app.notify import send

    request, _, _ = held
    deciding.decline(second_editor(), request.pk, "no", NOW)
    rows = Delivery.objects.filter(kind=Delivery.Kind.APPROVAL)
    rows.update(state=Delivery.State.PENDING, attempts=0)
    assert [send.attempt(row.pk).outcome for row in rows] == ["dropped", "dropped"]
