"""The form when Datadog answers badly or late, and saving once when it is sent twice, through
the Django test client, against the sandbox.

Each test opens the page, reads its form as a browser would submit it, changes what a person
would change, posts it, and checks what the sandbox stored (or why nothing was stored)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from downtimes_app import datadog
from downtimes_app.models import AuditEntry, SubmissionToken
from sandbox import clock, faults
from sandbox.models import SandboxDowntime
from tests.editing.support import (
    NEW,
    landed_on_new_downtime,
    open_form,
    submit,
    valid_one_time,
)
from tests.factories import NOW
from tests.html_forms import as_post, form_data

# --- Datadog's answers -------------------------------------------------------------------


def test_datadog_400_is_shown_beside_the_field_it_concerns(editor_client, org):
    _, data = open_form(editor_client)
    response = submit(editor_client, data, {**valid_one_time(org), "monitor_id": "12345"})
    assert response.status_code == 200
    page = response.content.decode()
    monitor_section = page[
        page.index('class="sub when-target-monitor"') : page.index('class="sub when-target-tags"')
    ]
    assert "Datadog refused the downtime; nothing was saved." in page
    assert "Monitor 12345 not found" in monitor_section
    assert form_data(response.content)["monitor_id"] == "12345"
    entry = AuditEntry.objects.writes().get()
    assert entry.outcome == AuditEntry.Outcome.FAILED and "Monitor 12345 not found" in entry.error
    assert SubmissionToken.objects.get().state == SubmissionToken.State.FAILED


def test_datadog_400_that_names_no_field_is_shown_above_the_form_and_can_be_resent(
    editor_client, org, monkeypatch
):
    duplicate = "The downtime being created is a duplicate of one or more existing downtimes: ['x']"

    def refuse(**kwargs):
        raise datadog.BadRequest("Datadog rejected the request", errors=(duplicate,))

    _, data = open_form(editor_client)
    with monkeypatch.context() as patch:
        patch.setattr(datadog, "create_downtime", refuse)
        response = submit(editor_client, data, valid_one_time(org))
    page = response.content.decode()
    problems = page[page.index('class="form-problems"') : page.index('id="schedule-form"')]
    assert "Datadog refused the downtime" in problems and "is a duplicate" in problems
    # After fixing things, the same form (and token) may be sent again.
    again = form_data(response.content)
    landed_on_new_downtime(submit(editor_client, again))


def test_timeout_keeps_the_input_and_a_resubmit_creates_one_downtime(editor_client, org):
    _, data = open_form(editor_client)
    changes = {**valid_one_time(org), "message": "Kernel patching, wave 2"}
    with faults.inject(sequence=["timeout"]):
        response = submit(editor_client, data, changes)
    assert response.status_code == 200
    page = response.content.decode()
    assert "may or may not have been made" in page and "Submitting again is safe" in page
    kept = form_data(response.content)
    assert kept["message"] == "Kernel patching, wave 2" and kept["scope"] == "env:prod"
    assert not SandboxDowntime.objects.filter(message__startswith="Kernel patching").exists()
    assert SubmissionToken.objects.get().state == SubmissionToken.State.UNCERTAIN
    landed_on_new_downtime(submit(editor_client, kept))
    assert SandboxDowntime.objects.filter(message="Kernel patching, wave 2").count() == 1


def test_resubmit_after_a_lost_answer_lands_on_the_downtime_already_made(
    editor_client, org, monkeypatch
):
    from downtimes_app.datadog import client as service

    original = service._request

    def answer_lost(method, path, **kwargs):
        result = original(method, path, **kwargs)
        if method == "POST":
            raise datadog.Unavailable(
                "Datadog did not answer; the change may or may not have been made"
            )
        return result

    _, data = open_form(editor_client)
    changes = {**valid_one_time(org), "message": "Made, but the answer was lost"}
    with monkeypatch.context() as patch:
        patch.setattr(service, "_request", answer_lost)
        response = submit(editor_client, data, changes)
    assert "may or may not have been made" in response.content.decode()
    made = SandboxDowntime.objects.get(message="Made, but the answer was lost")
    again = submit(editor_client, form_data(response.content))
    assert again.status_code == 302
    assert again["Location"] == reverse("downtimes:detail", args=[str(made.uuid)])
    assert SandboxDowntime.objects.filter(message="Made, but the answer was lost").count() == 1
    assert "had gone through" in editor_client.get(again["Location"]).content.decode()


def test_resubmit_after_a_timeout_sends_nothing_while_datadog_cannot_be_asked(
    editor_client, org, upstream_calls
):
    _, data = open_form(editor_client)
    with faults.inject(sequence=["timeout"]):
        first = submit(editor_client, data, valid_one_time(org))
    with faults.inject(rates={"500": 1.0}):
        second = submit(editor_client, form_data(first.content))
    assert "cannot be asked whether it went through" in second.content.decode()
    assert upstream_calls.count(("POST", "/api/v2/downtime")) == 1


def test_a_resubmit_looks_for_the_earlier_attempt_within_half_the_budget_keeping_half_to_save(
    editor_client, org, monkeypatch, settings
):
    from downtimes_app.editing import saving

    settings.DATADOG_CALL_DEADLINE = 6
    budgets = {}
    look, create = saving._earlier_result, datadog.create_downtime

    def looking(claim):
        budgets["look"] = datadog.seconds_left(100)
        return look(claim)

    def creating(**kwargs):
        budgets["save"] = datadog.seconds_left(100)
        return create(**kwargs)

    monkeypatch.setattr(saving, "_earlier_result", looking)
    monkeypatch.setattr(datadog, "create_downtime", creating)
    _, data = open_form(editor_client)
    with faults.inject(sequence=["timeout"]):
        first = submit(editor_client, data, valid_one_time(org))
    landed_on_new_downtime(submit(editor_client, form_data(first.content)))
    assert 0 < budgets["look"] <= 3  # half of it
    assert 0 < budgets["save"] <= 6  # what is left of the whole, not a fresh call's deadline


# --- once, even when sent twice -------------------------------------------------------------


def test_the_same_form_sent_twice_makes_one_downtime(editor_client, org, upstream_calls):
    _, data = open_form(editor_client)
    first = submit(editor_client, data, valid_one_time(org))
    created = landed_on_new_downtime(first)
    # A double click, or the back button and submit again: same token.
    second = submit(editor_client, data, valid_one_time(org))
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert upstream_calls.count(("POST", "/api/v2/downtime")) == 1
    assert SandboxDowntime.objects.filter(created=NOW, scope="env:prod").count() == 1
    page = editor_client.get(second["Location"]).content.decode()
    assert "already been submitted" in page and str(created.uuid) in second["Location"]


def test_a_second_submit_while_the_first_is_on_its_way_waits_for_it(
    editor_client, org, monkeypatch
):
    """The second request arrives while the first is inside its call to Datadog."""
    _, data = open_form(editor_client)
    post = as_post(data, valid_one_time(org), _action="save")
    seen = {}
    real_create = datadog.create_downtime

    def slow_create(**kwargs):
        seen["second"] = editor_client.post(NEW, post)
        return real_create(**kwargs)

    monkeypatch.setattr(datadog, "create_downtime", slow_create)
    first = editor_client.post(NEW, post)
    token = data["token"]
    assert seen["second"].status_code == 302
    assert seen["second"]["Location"] == reverse("downtimes:submission", args=[token])
    created = landed_on_new_downtime(first)
    # The waiting page now takes the second tab to the same downtime.
    waiting = editor_client.get(seen["second"]["Location"])
    assert waiting["Location"] == reverse("downtimes:detail", args=[str(created.uuid)])
    assert SandboxDowntime.objects.filter(created=NOW, scope="env:prod").count() == 1


def test_the_waiting_page_refreshes_itself_while_the_first_submit_is_pending(editor_client, org):
    SubmissionToken.objects.create(token="t-pending", action="new", attempt_started=NOW)
    page = editor_client.get(reverse("downtimes:submission", args=["t-pending"])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and "Saving" in page


def test_the_waiting_page_stops_waiting_for_a_submit_whose_worker_died(editor_client, org):
    SubmissionToken.objects.create(token="t-stuck", action="new", attempt_started=NOW)
    clock.set_now(NOW + timedelta(minutes=5))
    page = editor_client.get(reverse("downtimes:submission", args=["t-stuck"])).content.decode()
    assert "http-equiv" not in page
    assert "Not saved yet" in page and "submit it again" in page
