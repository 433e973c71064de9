"""Every write path obeys the policy, through the Django test client against the sandbox: the
form (create, edit, clone, a prefilled link), quick mute (for a while and until a time) and
extend. A refusal names the rule beside its field, keeps what was typed and sends nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.urls import reverse

from downtimes_app.models import ApprovalRequest, AuditEntry
from sandbox.models import SandboxDowntime
from tests.editing.support import (
    edit_url,
    errors_in,
    landed_on_new_downtime,
    open_form,
    submit,
    valid_one_time,
)
from tests.factories import grouped
from tests.html_forms import as_post, form_data
from tests.monitors.support import confirmation, mute_url, text_of
from tests.policy.support import use_policy

TICKET = {"message_pattern": "(INC|CHG)-[0-9]+", "message_hint": "a ticket id such as INC-1234"}


def test_the_form_refuses_a_window_longer_than_the_limit_beside_its_end_and_keeps_the_typing(
    settings, editor_client, org, upstream_calls
):
    use_policy(settings, max_duration="4h")
    _, data = open_form(editor_client)
    before = SandboxDowntime.objects.count()
    typed = {**valid_one_time(org), "end_mode": "after", "duration": "6h", "message": "typed words"}
    response = submit(editor_client, data, **typed)
    assert response.status_code == 200
    assert "It lasts 6 hours; a window may last at most 4 hours." in errors_in(response)
    page = response.content.decode()
    assert "policy</a> does not allow this downtime; nothing was sent." in page
    assert 'value="6h"' in page and "typed words" in page
    assert SandboxDowntime.objects.count() == before
    assert ("POST", "/api/v2/downtime") not in upstream_calls
    within = submit(editor_client, data, **{**typed, "duration": "4h"})
    assert landed_on_new_downtime(within).schedule["end"]


def test_the_form_refuses_a_window_with_no_end_and_a_message_without_a_ticket(
    settings, editor_client, org
):
    use_policy(settings, max_duration="1d", **TICKET)
    _, data = open_form(editor_client)
    before = SandboxDowntime.objects.count()
    response = submit(
        editor_client, data, **valid_one_time(org), end_mode="never", message="no ticket here"
    )
    said = errors_in(response)
    assert "It has no end; a window may last at most 1 day." in said
    assert "The message needs a ticket id such as INC-1234." in said
    assert SandboxDowntime.objects.count() == before
    fixed = submit(
        editor_client,
        data,
        **valid_one_time(org),
        end_mode="after",
        duration="2h",
        message="Failover, CHG-981",
    )
    assert landed_on_new_downtime(fixed).message == "Failover, CHG-981"


def test_a_recurrence_whose_window_is_too_long_is_refused_beside_that_duration(
    settings, editor_client, org
):
    use_policy(settings, max_duration="4h")
    _, data = open_form(editor_client, schedule="recurring", rrule="FREQ=DAILY", duration="6h")
    response = submit(editor_client, data, **valid_one_time(org))
    assert "One of its windows lasts 6 hours; a window may last at most 4 hours." in errors_in(
        response
    )
    assert '<a href="#id_r-0-duration">One of its windows lasts' in response.content.decode()


def test_an_edit_answers_for_what_it_changes_only(settings, editor_client, stories):
    use_policy(settings, max_duration="1d", **TICKET)
    forgotten = stories["forgotten"]  # no end, made before the policy
    _, data = open_form(editor_client, edit_url(forgotten))
    # Changing its scope does not answer for its length or its message.
    changed = submit(editor_client, data, url=edit_url(forgotten), scope="host:legacy-batch-02")
    assert changed.status_code == 302
    forgotten.refresh_from_db()
    assert forgotten.scope == "host:legacy-batch-02"
    # Changing its message does.
    _, data = open_form(editor_client, edit_url(forgotten))
    refused = submit(editor_client, data, url=edit_url(forgotten), message="still no ticket")
    assert "The message needs a ticket id such as INC-1234." in errors_in(refused)
    forgotten.refresh_from_db()
    assert "still no ticket" not in (forgotten.message or "")


def test_a_clone_and_a_prefilled_link_are_refused_as_the_form_is(settings, editor_client, stories):
    use_policy(settings, max_duration="1h")
    before = SandboxDowntime.objects.count()
    clone = editor_client.get(reverse("downtimes:clone", args=[stories["upgrade"].uuid]))
    refused = submit(editor_client, form_data(clone.content))
    assert "a window may last at most 1 hour" in errors_in(refused)
    _, linked = open_form(
        editor_client, scope="env:prod", monitor_tags="team:payments", duration="3h"
    )
    refused = submit(editor_client, linked)
    assert "It lasts 3 hours; a window may last at most 1 hour." in errors_in(refused)
    assert SandboxDowntime.objects.count() == before


def test_quick_mute_for_a_while_or_until_a_time_obeys_the_limit(settings, editor_client, org):
    use_policy(settings, max_duration="1h")
    monitor = grouped("Alert")
    before = SandboxDowntime.objects.count()
    _, data = confirmation(editor_client, monitor, duration="4h")
    refused = editor_client.post(mute_url(monitor), as_post(data))
    assert refused.status_code == 403
    assert (
        "The dashboard's policy does not allow it: It lasts 4 hours; a window may last at most "
        "1 hour." in text_of(refused.content.decode())
    )
    _, data = confirmation(editor_client, monitor, duration="until", until="2026-11-16T15:00")
    refused = editor_client.post(mute_url(monitor), as_post(data))
    assert refused.status_code == 403
    assert SandboxDowntime.objects.count() == before
    _, data = confirmation(editor_client, monitor, duration="1h")
    assert editor_client.post(mute_url(monitor), as_post(data)).status_code == 302
    assert SandboxDowntime.objects.count() == before + 1


def test_extend_past_the_limit_is_refused_and_sends_nothing(settings, editor_client, stories):
    use_policy(settings, max_duration="9h")
    upgrade = stories["upgrade"]  # from 2 hours before NOW to 6 hours after
    end = upgrade.schedule["end"]
    response = editor_client.post(
        reverse("downtimes:extend", args=[upgrade.uuid]), {"by": "4h"}, follow=True
    )
    said = text_of(response.content.decode())
    assert "It lasts 12 hours; a window may last at most 9 hours." in said
    upgrade.refresh_from_db()
    assert upgrade.schedule["end"] == end
    assert not AuditEntry.objects.writes().exists()
    editor_client.post(reverse("downtimes:extend", args=[upgrade.uuid]), {"by": "30m"})
    upgrade.refresh_from_db()
    assert datetime.fromisoformat(upgrade.schedule["end"]) == datetime.fromisoformat(
        end
    ) + timedelta(minutes=30)


def test_extend_into_what_needs_approval_says_to_ask_through_the_form(
    settings, editor_client, stories
):
    use_policy(settings, approval_for=["longer_than:8h"])
    upgrade = stories["upgrade"]
    response = editor_client.post(
        reverse("downtimes:extend", args=[upgrade.uuid]), {"by": "4h"}, follow=True
    )
    said = text_of(response.content.decode())
    assert "the policy asks a second editor to approve a window longer than 8 hours" in said
    assert "Use Edit to ask for it." in said
    assert not ApprovalRequest.objects.exists()


def test_a_groups_allowed_tags_refuse_another_teams_monitor_naming_it(
    settings, editor, editor_client, org
):
    use_policy(settings, groups={"payments": {"allowed_monitor_tags": ["team:payments"]}})
    editor.groups.add(Group.objects.get_or_create(name="payments")[0])
    theirs = next(m for m in org.monitors if "team:payments" not in m.tags)
    ours = next(m for m in org.monitors if "team:payments" in m.tags)
    _, data = open_form(editor_client)
    before = SandboxDowntime.objects.count()
    refused = submit(editor_client, data, **{**valid_one_time(org), "monitor_id": str(theirs.id)})
    said = errors_in(refused)
    assert "You may mute only monitors tagged team:payments; not" in said
    assert f"({theirs.id})" in said
    assert SandboxDowntime.objects.count() == before
    allowed = submit(editor_client, data, **{**valid_one_time(org), "monitor_id": str(ours.id)})
    assert landed_on_new_downtime(allowed).monitor_id == ours.id
    # By tags: the team's own tag passes without a look; every monitor does not.
    _, data = open_form(editor_client)
    tagged = submit(
        editor_client,
        data,
        scope="env:prod",
        target="tags",
        monitor_tags="team:payments",
        timezone="UTC",
    )
    assert tagged.status_code == 302
    everything = submit(editor_client, data, scope="env:prod", target="all", timezone="UTC")
    assert "team:payments; this mutes every monitor." in text_of(everything.content.decode())
    assert SandboxDowntime.objects.count() == before + 2


def test_someone_outside_the_group_keeps_the_top_level_rules(settings, editor_client, org):
    use_policy(settings, groups={"payments": {"allowed_monitor_tags": ["team:payments"]}})
    theirs = next(m for m in org.monitors if "team:payments" not in m.tags)
    _, data = open_form(editor_client)
    response = submit(editor_client, data, **{**valid_one_time(org), "monitor_id": str(theirs.id)})
    assert landed_on_new_downtime(response).monitor_id == theirs.id


def test_the_policies_page_says_the_rules_in_words_for_everyone_who_reads(
    settings, viewer_client, editor, editor_client
):
    use_policy(
        settings,
        max_duration="1d",
        approval_for=["every_monitor"],
        groups={"payments": {"allowed_monitor_tags": ["team:payments"], "max_duration": "4h"}},
    )
    editor.groups.add(Group.objects.get_or_create(name="payments")[0])
    page = text_of(viewer_client.get(reverse("downtimes:policies")).content.decode())
    assert "For every editor A window may last at most 1 day." in page
    assert "A second editor approves a downtime of every monitor." in page
    assert "For members of payments A window may last at most 4 hours." in page
    mine = text_of(editor_client.get(reverse("downtimes:policies")).content.decode())
    assert "Yours As a member of payments. A window may last at most 4 hours." in mine
    settings.DASHBOARD_POLICY = type(settings.DASHBOARD_POLICY)()
    none = text_of(viewer_client.get(reverse("downtimes:policies")).content.decode())
    assert "No policy is in force" in none


def test_the_preview_says_before_saving_what_the_policy_will_do(settings, editor_client, org):
    use_policy(settings, max_duration="4h", approval_for=["every_monitor"])
    _, data = open_form(editor_client)
    url = reverse("downtimes:form_preview")

    def preview(**changes) -> str:
        return text_of(editor_client.post(url, as_post(data, changes)).content.decode())

    long = preview(**valid_one_time(org), end_mode="after", duration="6h")
    assert "The policy will refuse it It lasts 6 hours; a window may last at most 4 hours." in long
    wide = preview(scope="env:prod", target="all", timezone="UTC", end_mode="after", duration="1h")
    assert "Waits for a second editor. The policy asks another editor to approve a downtime" in wide
    fine = preview(**valid_one_time(org), end_mode="after", duration="1h")
    assert "policy will refuse" not in fine and "Waits for a second editor" not in fine


def test_giving_a_forgotten_mute_an_end_passes_a_limit_it_still_breaks(
    settings, editor_client, stories
):
    """What the attention view asks for (end it, shorten it) is never held back by length."""
    use_policy(settings, max_duration="1d", approval_for=["longer_than:2d"])
    forgotten = stories["forgotten"]  # no end, started weeks ago
    _, data = open_form(editor_client, edit_url(forgotten))
    response = submit(
        editor_client, data, url=edit_url(forgotten), end_mode="at", end="2026-11-16T12:00"
    )
    assert response.status_code == 302, errors_in(response)
    forgotten.refresh_from_db()
    assert forgotten.schedule["end"] == "2026-11-16T12:00:00+00:00"
    assert not ApprovalRequest.objects.exists()
