"""The attention view and the policy agree: a downtime made outside the dashboard (straight
through the sandbox's API) that the policy would have refused is flagged, in the words the form
refuses it with, and one the policy allows is not."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from downtimes_app.core.domain import Definition
from downtimes_app.datadog import parse_attributes
from downtimes_app.policy import rules
from tests.attention.test_views_attention import rows
from tests.conftest import create_body
from tests.factories import NOW
from tests.policy.support import use_policy


def made(api, **attributes) -> str:
    response = api.post("/api/v2/downtime", create_body(**attributes))
    assert response.status_code == 200, response.content
    return response.json()["data"]["id"]


def test_what_the_policy_refuses_made_in_datadog_is_flagged_with_the_forms_words(
    settings, viewer_client, api, org
):
    use_policy(settings, max_duration="1d", message_pattern="INC-[0-9]+")
    two_days = {"start": NOW.isoformat(), "end": (NOW + timedelta(days=2)).isoformat()}
    two_hours = {"start": NOW.isoformat(), "end": (NOW + timedelta(hours=2)).isoformat()}
    long = made(api, scope="env:qa", schedule=two_days, message="INC-1 disk swap")
    untitled = made(api, scope="env:qa", schedule=two_hours, message="no ticket")
    fine = made(api, scope="env:qa", schedule=two_hours, message="INC-2 reboot")
    found = rows(viewer_client, rule="against-policy")
    assert "Against the policy: It lasts 2 days; a window may last at most 1 day." in found[long]
    assert "Against the policy: The message needs text matching INC-[0-9]+." in found[untitled]
    assert fine not in found
    # The same words the form would refuse it with: one function decides both.
    policy = settings.DASHBOARD_POLICY.base
    body = api.get(f"/api/v2/downtime/{long}").json()["data"]["attributes"]
    definition = Definition(**parse_attributes(body))
    words = [b.words for b in rules.judge(definition, policy, NOW).breaches]
    assert words == ["It lasts 2 days; a window may last at most 1 day."]
    page = viewer_client.get(reverse("downtimes:attention")).content.decode()
    assert "Against the policy" in page


def test_a_teams_tags_at_the_top_flag_a_mute_of_another_teams_monitor_from_the_copy(
    settings, viewer_client, api, org
):
    use_policy(settings, allowed_monitor_tags=["team:payments"])
    theirs = next(m for m in org.monitors if "team:payments" not in m.tags)
    ours = next(m for m in org.monitors if "team:payments" in m.tags)
    window = {"start": NOW.isoformat(), "end": (NOW + timedelta(hours=1)).isoformat()}
    outside = made(api, monitor_identifier={"monitor_id": theirs.id}, schedule=window)
    inside = made(api, monitor_identifier={"monitor_id": ours.id}, schedule=window)
    found = rows(viewer_client)
    assert (
        f"You may mute only monitors tagged team:payments; not “{theirs.name}” ({theirs.id})"
        in (found[outside])
    )
    assert "Against the policy" not in found.get(inside, "")


def test_what_some_group_may_make_is_not_flagged_as_against_the_policy(
    settings, viewer_client, api, org
):
    use_policy(settings, max_duration="1d", groups={"sre": {"max_duration": ""}})
    two_days = {"start": NOW.isoformat(), "end": (NOW + timedelta(days=2)).isoformat()}
    long = made(api, scope="env:qa", schedule=two_days)
    assert "Against the policy" not in rows(viewer_client).get(long, "")


def test_the_loosest_groups_limit_is_the_one_the_attention_view_holds_to(
    settings, viewer_client, api, org
):
    use_policy(settings, max_duration="1d", groups={"sre": {"max_duration": "3d"}})
    four_days = {"start": NOW.isoformat(), "end": (NOW + timedelta(days=4)).isoformat()}
    longer = made(api, scope="env:qa", schedule=four_days)
    assert "It lasts 4 days; a window may last at most 3 days." in rows(viewer_client)[longer]


def test_a_policy_put_in_force_within_the_same_minute_is_judged_at_once(
    settings, viewer_client, api, org
):
    two_days = {"start": NOW.isoformat(), "end": (NOW + timedelta(days=2)).isoformat()}
    long = made(api, scope="env:qa", schedule=two_days, message="INC-1")
    assert "Against the policy" not in rows(viewer_client).get(long, "")
    use_policy(settings, max_duration="1d")
    from downtimes_app import attention

    attention._reviews.clear()  # as after a change to a copy: the same minute, a new review
    assert "Against the policy" in rows(viewer_client)[long]
