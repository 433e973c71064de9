"""The JSON API through the Django test client against the sandbox: tokens and roles, every
endpoint and its errors, the form's validation and the policy, Idempotency-Key, and leases."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from downtimes_app.api import tokens
from downtimes_app.api import urls as api_urls
from downtimes_app.models import ApiToken, ApprovalRequest, AuditEntry
from sandbox import clock
from sandbox.models import SandboxDowntime
from tests.conftest import make_user
from tests.factories import NOW
from tests.policy.support import use_policy


@pytest.fixture
def editor_token(editor) -> str:
    return tokens.make(editor, "tests")[1]


@pytest.fixture
def viewer_token(viewer) -> str:
    return tokens.make(viewer, "tests")[1]


def call(method: str, path: str, token: str | None = None, body=None, **headers):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    kwargs = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(Client(), method.lower())(f"/api{path}", **kwargs)


def one_hour(org, **more):
    return {
        "scope": "env:prod",
        "monitor_id": org.monitors[0].id,
        "duration": "1h",
        "message": "Deploy 4711",
        **more,
    }


# --- who may ask ----------------------------------------------------------------------------------


def test_without_a_valid_token_every_endpoint_answers_401_in_json(org):
    for headers in (
        {},
        {"Authorization": "Bearer dt_not-one-we-made"},
        {"Authorization": "Basic abc"},
    ):
        response = Client().get("/api/downtimes", headers=headers)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["errors"]


def test_a_viewers_token_reads_but_cannot_write(viewer_token, org, stories):
    listed = call("GET", "/downtimes?status=active", viewer_token)
    assert listed.status_code == 200
    assert {d["id"] for d in listed.json()["downtimes"]} >= {str(stories["incident"].uuid)}
    for method, path, body in (
        ("POST", "/downtimes", one_hour(org)),
        ("POST", f"/downtimes/{stories['incident'].uuid}/extend", {"by": "1h"}),
        ("POST", f"/downtimes/{stories['incident'].uuid}/end", None),
        ("DELETE", f"/downtimes/{stories['incident'].uuid}", None),
        ("POST", "/leases", {"scope": "env:prod", "ttl": "15m"}),
    ):
        response = call(method, path, viewer_token, body)
        assert response.status_code == 403, path
        assert response.json() == {"errors": ["Only editors can change downtimes."]}
    assert not AuditEntry.objects.writes().exists()


def test_a_token_stops_with_its_owners_role_and_when_revoked(editor, editor_token, org):
    assert call("GET", "/downtimes", editor_token).status_code == 200
    editor.groups.clear()
    assert call("GET", "/downtimes", editor_token).status_code == 403
    row = ApiToken.objects.get(user=editor)
    assert tokens.revoke(editor, row.pk)
    assert call("GET", "/downtimes", editor_token).status_code == 401


def test_tokens_are_kept_as_digests_and_made_by_the_command(editor, capsys, org):
    call_command("api_token", "erin")
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("dt_") and len(printed) > 40
    stored = ApiToken.objects.get(user=editor)
    assert stored.digest == tokens.digest(printed) and printed not in stored.digest
    assert call("GET", "/downtimes", printed).status_code == 200


def test_a_session_may_read_but_must_send_its_csrf_token_to_write(editor, org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.get("/api/downtimes").status_code == 200
    refused = client.post(
        "/api/downtimes", json.dumps(one_hour(org)), content_type="application/json"
    )
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["errors"][0]
    page = client.get(reverse("downtimes:list"))
    token = page.cookies["csrftoken"].value
    made = client.post(
        "/api/downtimes",
        json.dumps(one_hour(org)),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert made.status_code == 201


def test_unknown_addresses_and_methods_answer_in_json(editor_token, org):
    missing = call("GET", "/nothing/here", editor_token)
    assert missing.status_code == 404 and missing.json()["errors"]
    wrong = call("PUT", "/downtimes", editor_token)
    assert wrong.status_code == 405 and wrong["Allow"] == "GET, POST"
    unknown = call("GET", "/downtimes/00000000-0000-1234-0000-000000000000", editor_token)
    assert unknown.status_code == 404 and unknown.json()["errors"]


# --- creating -------------------------------------------------------------------------------------


def test_create_validates_as_the_form_and_names_each_field(editor_token, org):
    before = SandboxDowntime.objects.count()
    bad = call(
        "POST",
        "/downtimes",
        editor_token,
        {"scope": "env:prod AND payments", "monitor_id": org.monitors[0].id, "duration": "2x"},
    )
    assert bad.status_code == 400
    fields = bad.json()["fields"]
    assert "payments" in fields["scope"][0] and "key" in fields["scope"][0]
    assert fields["duration"]
    assert call("POST", "/downtimes", editor_token, {"scope": "env:prod"}).json()["fields"] == {
        "end": ['Give an end, a duration, or "end": null for no end.']
    }
    odd = call("POST", "/downtimes", editor_token, {**one_hour(org), "colour": "red"})
    assert odd.json()["fields"] == {"colour": ["colour is not a field this API takes."]}
    assert call("POST", "/downtimes", editor_token, [1, 2]).status_code == 400
    assert SandboxDowntime.objects.count() == before


def test_create_makes_the_downtime_audited_through_the_api(editor_token, org):
    response = call("POST", "/downtimes", editor_token, one_hour(org))
    assert response.status_code == 201
    made = response.json()["downtime"]
    stored = SandboxDowntime.objects.get(uuid=made["id"])
    assert stored.monitor_id == org.monitors[0].id and stored.message == "Deploy 4711"
    assert datetime.fromisoformat(made["window"]["end"]) == NOW + timedelta(hours=1)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CREATE)
    assert entry.actor_name == "Erin (erin) through the API"
    assert entry.downtime_id == made["id"]


def test_a_recurring_downtime_from_an_rrule_and_a_zone(editor_token, org):
    response = call(
        "POST",
        "/downtimes",
        editor_token,
        {
            "scope": "env:prod",
            "monitor_tags": ["team:payments"],
            "rrule": "FREQ=WEEKLY;BYDAY=TU",
            "start": "2026-11-17T02:00",
            "duration": "3h",
            "timezone": "Europe/Paris",
        },
    )
    assert response.status_code == 201, response.json()
    stored = SandboxDowntime.objects.get(uuid=response.json()["downtime"]["id"])
    assert stored.schedule["timezone"] == "Europe/Paris"
    assert stored.schedule["recurrences"][0]["rrule"] == "FREQ=WEEKLY;BYDAY=TU"


def test_the_same_idempotency_key_makes_one_downtime(editor_token, org):
    before = SandboxDowntime.objects.count()
    first = call(
        "POST", "/downtimes", editor_token, one_hour(org), **{"Idempotency-Key": "deploy-4711"}
    )
    again = call(
        "POST", "/downtimes", editor_token, one_hour(org), **{"Idempotency-Key": "deploy-4711"}
    )
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["downtime"]["id"] == first.json()["downtime"]["id"]
    assert SandboxDowntime.objects.count() == before + 1
    bad = call("POST", "/downtimes", editor_token, one_hour(org), **{"Idempotency-Key": "a b"})
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["fields"]


def test_create_obeys_the_policy_403_with_the_rule_or_202_with_the_request(
    settings, editor_token, org
):
    use_policy(settings, max_duration="30m", approval_for=["every_monitor"])
    before = SandboxDowntime.objects.count()
    refused = call("POST", "/downtimes", editor_token, one_hour(org))
    assert refused.status_code == 403
    assert refused.json()["policy"] == [
        {"rule": "max_duration", "words": "It lasts 1 hour; a window may last at most 30 minutes."}
    ]
    held = call(
        "POST",
        "/downtimes",
        editor_token,
        {"scope": "env:prod", "monitor_tags": ["*"], "duration": "30m"},
    )
    assert held.status_code == 202
    approval = held.json()["approval"]
    assert approval["state"] == "pending"
    assert approval["url"] == reverse("downtimes:approval", args=[approval["id"]])
    assert ApprovalRequest.objects.get().requested_by_name == "Erin (erin) through the API"
    assert SandboxDowntime.objects.count() == before


# --- acting on one --------------------------------------------------------------------------------


def test_extend_end_and_cancel(editor_token, stories):
    upgrade, incident, tomorrow = stories["upgrade"], stories["incident"], stories["tomorrow"]
    extended = call("POST", f"/downtimes/{upgrade.uuid}/extend", editor_token, {"by": "90m"})
    assert extended.status_code == 200
    assert datetime.fromisoformat(extended.json()["downtime"]["window"]["end"]) == NOW + timedelta(
        hours=7, minutes=30
    )
    until = call(
        "POST",
        f"/downtimes/{upgrade.uuid}/extend",
        editor_token,
        {"until": "2026-11-16T20:00:00+00:00"},
    )
    assert until.json()["downtime"]["window"]["end"].startswith("2026-11-16T20:00")
    assert call("POST", f"/downtimes/{upgrade.uuid}/extend", editor_token, {}).status_code == 400
    ended = call("POST", f"/downtimes/{incident.uuid}/end", editor_token)
    assert ended.status_code == 200 and ended.json()["words"].startswith("Ended.")
    canceled = call("DELETE", f"/downtimes/{tomorrow.uuid}", editor_token)
    assert canceled.status_code == 200 and canceled.json()["downtime"]["status"] == "canceled"
    again = call("DELETE", f"/downtimes/{tomorrow.uuid}", editor_token)
    assert again.status_code == 409 and "already canceled" in again.json()["errors"][0]
    recurring = call(
        "POST", f"/downtimes/{stories['patching'].uuid}/extend", editor_token, {"by": "1h"}
    )
    assert recurring.status_code == 409


def test_extend_past_the_policy_is_403(settings, editor_token, stories):
    use_policy(settings, max_duration="9h")
    response = call(
        "POST", f"/downtimes/{stories['upgrade'].uuid}/extend", editor_token, {"by": "4h"}
    )
    assert response.status_code == 403
    assert "a window may last at most 9 hours" in response.json()["errors"][0]


# --- leases ---------------------------------------------------------------------------------------


def test_a_lease_ends_ttl_from_now_and_each_renewal_moves_its_end(editor_token, org):
    taken = call(
        "POST",
        "/leases",
        editor_token,
        {
            "scope": "host:web-3",
            "monitor_id": org.monitors[0].id,
            "ttl": "15m",
            "message": "reboot",
        },
    )
    assert taken.status_code == 201, taken.json()
    lease = taken.json()["lease"]
    stored = SandboxDowntime.objects.get(uuid=lease["id"])
    assert datetime.fromisoformat(stored.schedule["end"]) == NOW + timedelta(minutes=15)
    clock.set_now(NOW + timedelta(minutes=10))
    renewed = call("POST", f"/leases/{lease['id']}/renew", editor_token)
    assert renewed.status_code == 200
    stored.refresh_from_db()
    assert datetime.fromisoformat(stored.schedule["end"]) == NOW + timedelta(minutes=25)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXTEND).count() == 1


def test_a_lease_nobody_renews_ends_by_itself_in_datadog(editor_token, org, api):
    taken = call(
        "POST",
        "/leases",
        editor_token,
        {"scope": "host:web-3", "monitor_id": org.monitors[0].id, "ttl": "15m"},
    )
    lease_id = taken.json()["lease"]["id"]
    clock.set_now(NOW + timedelta(minutes=16))
    status = api.get(f"/api/v2/downtime/{lease_id}").json()["data"]["attributes"]["status"]
    assert status == "ended"
    late = call("POST", f"/leases/{lease_id}/renew", editor_token)
    assert late.status_code == 409  # over: a job that stopped renewing cannot bring it back


def test_lease_errors(editor_token, org):
    assert (
        call("POST", "/leases", editor_token, {"scope": "env:prod", "ttl": "soon"}).status_code
        == 400
    )
    assert (
        call("POST", "/leases", editor_token, {"scope": "env:prod", "ttl": "30d"}).status_code
        == 400
    )
    with_end = call(
        "POST", "/leases", editor_token, {"scope": "env:prod", "ttl": "1h", "end": None}
    )
    assert with_end.status_code == 400
    assert call("POST", "/leases/nothing/renew", editor_token).status_code == 404


# --- the description ------------------------------------------------------------------------------


def test_the_openapi_document_describes_every_address_of_the_api(editor_token, org):
    document = call("GET", "/openapi.json", editor_token).json()
    assert document["openapi"].startswith("3.1")
    served = {
        "/" + str(p.pattern).removeprefix("api/").replace("<str:downtime_id>", "{id}")
        for p in api_urls.urlpatterns
        if str(p.pattern).startswith("api/")
    }
    assert set(document["paths"]) == served


def test_a_person_makes_a_token_on_their_page_sees_it_once_and_revokes_it(
    editor, editor_client, org
):
    page = reverse("downtimes:account_tokens")
    made = editor_client.post(page, {"name": "deploy pipeline"}, follow=True)
    text = made.content.decode()
    token = re.search(r"<code>(dt_[A-Za-z0-9_-]+)</code>", text)[1]
    assert "shown this once" in text and "deploy pipeline" in text
    assert token not in editor_client.get(page).content.decode()  # never again
    assert call("GET", "/downtimes", token).status_code == 200
    row = ApiToken.objects.get(user=editor)
    editor_client.post(reverse("downtimes:account_token_revoke", args=[row.pk]))
    assert call("GET", "/downtimes", token).status_code == 401
    other = tokens.make(make_user("olga", "editor"), "hers")[0]
    refused = editor_client.post(
        reverse("downtimes:account_token_revoke", args=[other.pk]), follow=True
    )
    assert "There is no such token of yours." in refused.content.decode()
    assert ApiToken.objects.filter(pk=other.pk).exists()


def test_a_proxys_basic_credentials_leave_the_session_to_say_who_it_is(editor, org):
    client = Client()
    client.force_login(editor)
    assert (
        client.get("/api/downtimes", headers={"Authorization": "Basic cHJveHk6eA=="}).status_code
        == 200
    )


def test_an_idempotency_key_belongs_to_its_person_and_to_one_body(editor_token, org):
    olga = tokens.make(make_user("olga", "editor"), "hers")[1]
    key = {"Idempotency-Key": "deploy"}
    erins = call("POST", "/downtimes", editor_token, one_hour(org), **key)
    hers = call("POST", "/downtimes", olga, one_hour(org, scope="env:dev"), **key)
    assert erins.status_code == hers.status_code == 201
    assert erins.json()["downtime"]["id"] != hers.json()["downtime"]["id"]
    other_body = call("POST", "/downtimes", editor_token, one_hour(org, scope="env:qa"), **key)
    assert other_body.status_code == 422
    assert "sent before with another body" in other_body.json()["errors"][0]


def test_bad_input_is_400_in_json_never_a_409_or_a_500(editor_token, stories):
    upgrade = f"/downtimes/{stories['upgrade'].uuid}/extend"
    for body in ({"by": "2x"}, {"by": "-1h"}, {"until": "soon"}):
        response = call("POST", upgrade, editor_token, body)
        assert response.status_code == 400, body
    nested = Client().post(
        "/api/downtimes",
        "[" * 100_000 + "]" * 100_000,
        content_type="application/json",
        headers={"Authorization": f"Bearer {editor_token}"},
    )
    assert nested.status_code == 400 and nested["Content-Type"] == "application/json"
    huge = Client().post(
        "/api/downtimes",
        '{"message": "' + "x" * 3_000_000 + '"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {editor_token}"},
    )
    assert huge.status_code == 413 and huge.json()["errors"]


def test_a_lease_that_would_wait_for_approval_is_refused_and_only_its_holder_renews(
    settings, editor_token, org
):
    use_policy(settings, approval_for=["wildcard_scope"])
    held = call(
        "POST",
        "/leases",
        editor_token,
        {"scope": "*", "monitor_id": org.monitors[0].id, "ttl": "10m"},
    )
    assert held.status_code == 403 and "cannot wait for approval" in held.json()["errors"][0]
    assert not ApprovalRequest.objects.exists()
    taken = call(
        "POST",
        "/leases",
        editor_token,
        {"scope": "host:a", "monitor_id": org.monitors[0].id, "ttl": "10m"},
    )
    lease_id = taken.json()["lease"]["id"]
    olga = tokens.make(make_user("olga", "editor"), "hers")[1]
    refused = call("POST", f"/leases/{lease_id}/renew", olga)
    assert (
        refused.status_code == 403
        and "Only erin, who took this lease" in refused.json()["errors"][0]
    )


def test_a_create_through_the_api_is_announced_and_reminded_as_the_forms_is(
    editor_token, org, destinations, receiver
):
    from tests.notify.support import sweep_at

    made = call("POST", "/downtimes", editor_token, one_hour(org)).json()["downtime"]
    [created] = receiver.bodies("created")
    assert created["downtime"]["id"] == made["id"]
    assert created["actor"] == "Erin (erin) through the API"
    sweep_at(NOW + timedelta(minutes=45))
    [reminder] = receiver.bodies("reminder")
    assert reminder["downtime"]["id"] == made["id"]
