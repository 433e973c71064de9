"""Slack's /downtime and the reminders' buttons, through the Django test client against the
sandbox: signatures (bad, stale, none), a retry acting once, linking, each command, the buttons
and the reminder that carries them."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client

from downtimes_app.models import AuditEntry, SlackLink
from downtimes_app.slack import linking, signing
from sandbox.models import SandboxDowntime
from tests.factories import NOW, grouped
from tests.notify.support import create_through_form, sweep_at
from tests.policy.support import use_policy

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM, SLACK_USER = "T0001", "U0ERIN"


@pytest.fixture
def slack(settings):
    settings.DASHBOARD_SLACK_SIGNING_SECRET = SECRET
    settings.DASHBOARD_URL = "https://downtimes.example.com"
    return settings


def post(path: str, form: dict, *, secret: str = SECRET, timestamp: int | None = None, sign=None):
    body = urlencode(form).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = sign if sign is not None else signing.signature(secret, stamp, body)
    return Client().post(
        path,
        body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature},
    )


def command(text: str, *, user: str = SLACK_USER, **more):
    form = {
        "team_id": TEAM,
        "user_id": user,
        "user_name": "erin",
        "command": "/downtime",
        "text": text,
    }
    return post("/slack/commands", form, **more)


def text_of(response) -> str:
    return response.json()["text"]


@pytest.fixture
def linked(slack, editor, org):
    SlackLink.objects.create(team_id=TEAM, slack_user_id=SLACK_USER, user=editor, linked_at=NOW)
    return editor


# --- who may ask ----------------------------------------------------------------------------


def test_without_the_signing_secret_the_urls_are_not_there(org):
    assert command("help").status_code == 404


def test_a_bad_or_stale_or_missing_signature_is_refused(slack, linked):
    before = SandboxDowntime.objects.count()
    wrong = command("end 123", secret="not-the-secret")
    assert wrong.status_code == 401 and "signature does not match" in wrong.json()["errors"][0]
    stale = command("help", timestamp=int(time.time()) - 6 * 60)
    assert stale.status_code == 401 and "older than five minutes" in stale.json()["errors"][0]
    assert command("help", sign="").status_code == 401
    assert SandboxDowntime.objects.count() == before


def test_an_unlinked_person_gets_a_one_time_link_and_nothing_acts(
    slack, editor, editor_client, org
):
    monitor = org.monitors[0]
    before = SandboxDowntime.objects.count()
    first_stamp = int(time.time())
    answer = command(f"mute {monitor.id} 1h", timestamp=first_stamp)
    assert answer.status_code == 200
    assert answer.json()["response_type"] == "ephemeral"
    assert "not linked to the dashboard yet, so nothing was done" in text_of(answer)
    assert SandboxDowntime.objects.count() == before
    url = answer.json()["blocks"][1]["elements"][0]["text"].split("|")[0].lstrip("<")
    path = url.removeprefix("https://downtimes.example.com")
    page = editor_client.get(path)
    assert page.status_code == 200 and "U0ERIN" in page.content.decode()
    linked = editor_client.post(path)
    assert linked.status_code == 302
    assert SlackLink.objects.get(slack_user_id=SLACK_USER).user == editor
    assert editor_client.get(path).status_code == 404  # once only
    # A new request: a retry of the first (its timestamp and signature) gets the first answer.
    muted = command(f"mute {monitor.id} 1h", timestamp=first_stamp + 1)
    assert text_of(muted).startswith("Muted:")
    assert SandboxDowntime.objects.count() == before + 1


def test_an_expired_link_offer_links_nobody(slack, editor, org):
    token = linking.offer(TEAM, "U0LATE", "late", NOW - timedelta(hours=1))
    assert linking.link(token, editor, NOW) is None
    assert not SlackLink.objects.filter(slack_user_id="U0LATE").exists()


# --- the commands ---------------------------------------------------------------------------------


def test_mute_a_monitor_by_name_for_an_hour_names_what_goes_quiet(linked, org):
    monitor = grouped("Alert")
    answer = command(f"mute {monitor.name[:25]} 1h")
    said = text_of(answer)
    groups = len(monitor.groups)
    assert said.startswith(f"Muted: all {groups} groups of “{monitor.name}” (Alert now) stops")
    made = SandboxDowntime.objects.order_by("-id").first()
    assert made.monitor_id == monitor.id
    link = answer.json()["blocks"][1]["elements"][0]["text"]
    assert f"https://downtimes.example.com/downtimes/{made.uuid}/" in link
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CREATE)
    assert entry.actor_name == "Erin (erin) through Slack"


def test_mute_one_group_until_a_time_of_day(linked, org):
    monitor = grouped("Alert")
    group = monitor.groups[1]["name"]
    answer = command(f"mute {monitor.id} until 18:00 {group}")
    assert text_of(answer).startswith(f"Muted: {group} of “{monitor.name}”")
    made = SandboxDowntime.objects.order_by("-id").first()
    assert made.schedule["end"] == "2026-11-16T18:00:00+00:00"


def test_a_retried_request_acts_once_and_gets_the_first_answer(linked, org):
    monitor = org.monitors[0]
    before = SandboxDowntime.objects.count()
    stamp = int(time.time())
    first = command(f"mute {monitor.id} 30m", timestamp=stamp)
    again = command(f"mute {monitor.id} 30m", timestamp=stamp)
    assert again.json() == first.json()
    assert SandboxDowntime.objects.count() == before + 1


def test_unclear_commands_and_help_say_how_to_write_them(linked):
    assert "/downtime mute <monitor id or name>" in text_of(command("help"))
    assert "Say how long" in text_of(command("mute 123"))
    assert text_of(command("snooze 123")) == "There is no /downtime snooze."
    # Slack's mrkdwn shows &lt; as <.
    assert text_of(command("end")) == "Write it as /downtime end &lt;downtime id&gt;."
    assert "No monitor's name contains" in text_of(command("mute no-such-monitor 1h"))


def test_list_shows_what_is_muted_now_matching_a_search(linked, stories):
    answer = command("list payments")
    said = text_of(answer)
    assert said.startswith("*Muted now matching payments*")
    assert str(stories["incident"].uuid) in said
    assert str(stories["upgrade"].uuid) not in said
    assert text_of(command("list zzz")) == "Nothing is muted now matching zzz."


def test_extend_and_end_by_id(linked, stories):
    upgrade, incident = stories["upgrade"], stories["incident"]
    extended = command(f"extend {upgrade.uuid} 1h")
    assert text_of(extended).startswith("Extended: it now ends")
    upgrade.refresh_from_db()
    assert upgrade.schedule["end"] == (NOW + timedelta(hours=7)).isoformat()
    ended = command(f"end {incident.uuid}")
    assert text_of(ended).startswith("Ended.")
    refused = command(f"extend {stories['patching'].uuid} 1h")
    assert "Recurring schedules have no End now or Extend" in text_of(refused)
    kinds = set(AuditEntry.objects.writes().values_list("actor_name", flat=True))
    assert kinds == {"Erin (erin) through Slack"}


def test_a_viewer_linked_from_slack_may_list_but_not_change(slack, viewer, stories):
    SlackLink.objects.create(team_id=TEAM, slack_user_id="U0VIC", user=viewer, linked_at=NOW)
    assert "Muted now" in text_of(command("list", user="U0VIC"))
    refused = command(f"end {stories['incident'].uuid}", user="U0VIC")
    assert "Only editors can change downtimes" in text_of(refused)
    assert not AuditEntry.objects.writes().exists()


def test_the_policy_holds_and_refuses_from_slack_too(linked, settings, org):
    use_policy(settings, max_duration="30m")
    refused = command(f"mute {org.monitors[0].id} 1h")
    assert "policy does not allow it: It lasts 1 hour" in text_of(refused)


# --- the buttons ----------------------------------------------------------------------------------


def press(action_id: str, downtime_id: str, *, user: str = SLACK_USER, response_url: str = ""):
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user, "username": "erin"},
        "actions": [{"action_id": action_id, "value": downtime_id}],
        "response_url": response_url,
    }
    return post("/slack/actions", {"payload": json.dumps(payload)})


def test_a_reminder_to_slack_carries_extend_and_end_buttons_that_act(
    linked, editor_client, destinations, receiver, settings
):
    settings.SLACK_RESPONSE_URL_PREFIXES = (receiver.url("/"),)
    downtime_id = create_through_form(editor_client, duration="1h", remind="sre")
    sweep_at(NOW + timedelta(minutes=45))
    slack_bodies = [b for b in receiver.bodies() if isinstance(b, dict) and "blocks" in b]
    [buttons] = [x for b in slack_bodies for x in b["blocks"] if x["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in buttons["elements"]] == [
        ("extend_1h", downtime_id),
        ("end_now", downtime_id),
    ]
    answered = press("extend_1h", downtime_id, response_url=receiver.url("/respond/1"))
    assert answered.status_code == 200
    stored = SandboxDowntime.objects.get(uuid=downtime_id)
    assert stored.schedule["end"] == (NOW + timedelta(hours=2)).isoformat()
    posted = [r.body for r in receiver.received if r.path == "/respond/1"]
    assert posted and posted[0]["text"].startswith("Extended: it now ends")
    ended = press("end_now", downtime_id)
    assert ended.json()["text"].startswith("Ended.")


def test_a_button_pressed_by_an_unlinked_person_does_nothing(slack, stories):
    incident = stories["incident"]
    end = incident.schedule["end"]
    answer = press("end_now", str(incident.uuid), user="U0STRANGER")
    assert "not linked to the dashboard yet" in answer.json()["text"]
    incident.refresh_from_db()
    assert incident.schedule["end"] == end
    bad = post("/slack/actions", {"payload": "not json"})
    assert bad.status_code == 400


def test_an_answer_is_never_posted_outside_slack(linked, stories, receiver):
    press("end_now", str(stories["incident"].uuid), response_url=receiver.url("/elsewhere"))
    assert [r for r in receiver.received if r.path == "/elsewhere"] == []


def test_a_linked_person_whose_role_was_taken_gets_nothing(linked, editor, stories):
    editor.groups.clear()
    assert (
        text_of(command("list"))
        == "Your account on the dashboard has no role, so nothing was done."
    )
    answer = press("end_now", str(stories["incident"].uuid))
    assert (
        answer.json()["text"] == "Your account on the dashboard has no role, so nothing was done."
    )


def test_a_first_handling_that_fails_lets_the_retry_act(linked, org, monkeypatch):
    from downtimes_app.slack import acting

    run, calls = acting.run, []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return run(*args, **kwargs)

    monkeypatch.setattr(acting, "run", failing_once)
    stamp = int(time.time())
    first = command(f"mute {org.monitors[0].id} 30m", timestamp=stamp)
    assert first.status_code == 200 and "Something went wrong" in text_of(first)
    retry = command(f"mute {org.monitors[0].id} 30m", timestamp=stamp)
    assert text_of(retry).startswith("Muted:")


def test_a_timestamp_of_other_digits_is_refused_not_a_500(slack):
    body = b"text=help"
    answer = Client().post(
        "/slack/commands",
        body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Slack-Request-Timestamp": "\u00b2", "X-Slack-Signature": "v0=x"},
    )
    assert answer.status_code == 401 and "no timestamp" in answer.json()["errors"][0]


def test_a_monitor_whose_name_holds_a_duration_is_read_to_the_last_one():
    from downtimes_app.slack import parsing

    read = parsing.read("mute batch 1h rollup 4H host:a")
    assert (read.subject, read.duration, read.group) == ("batch 1h rollup", "4h", "host:a")


def test_slack_without_the_dashboards_address_stops_start_up():
    from tests.web.support import _start

    env = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "SECURE_SSL_REDIRECT": "false"}
    env |= {"SECURE_COOKIES": "false", "DASHBOARD_SLACK_SIGNING_SECRET": "s"}
    stopped = _start(env)
    assert stopped.returncode != 0
    assert "DASHBOARD_SLACK_SIGNING_SECRET needs DASHBOARD_URL" in stopped.stderr
