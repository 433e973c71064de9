"""Cancel together: choose rows on the list or give a scope, preview, confirm, read the result."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from downtimes_app import store
from downtimes_app.models import AuditEntry
from downtimes_app.store import monitors as monitor_store
from sandbox import faults
from sandbox.models import SandboxDowntime
from tests.conftest import create_body

URL = reverse("downtimes:bulk_cancel")


@pytest.fixture
def qa(org, api):
    """Three QA downtimes: two with the same scope written two ways, one broader."""

    def create(scope: str, message: str) -> str:
        response = api.post("/api/v2/downtime", create_body(scope=scope, message=message))
        assert response.status_code == 200, response.content
        return response.json()["data"]["id"]

    return {
        "x1": create("env:qa AND service:x", "qa x one"),
        "x2": create("service:x AND env:qa", "qa x two"),
        "all": create("env:qa", "qa all"),
    }


def preview_ids(page: str) -> list[str]:
    return re.findall(r'id="preview-([0-9a-f-]{36})"', page)


def canceled(downtime_id: str) -> bool:
    return SandboxDowntime.objects.get(uuid=downtime_id).canceled is not None


def test_preview_by_scope_lists_exactly_the_matching_downtimes(editor_client, qa):
    response = editor_client.get(URL, {"scope": "env:qa, service:x"})
    page = response.content.decode()
    assert response.status_code == 200
    assert sorted(preview_ids(page)) == sorted([qa["x1"], qa["x2"]])
    assert "These 2 downtimes will be canceled" in page
    # The confirmation carries exactly those ids.
    hidden = re.findall(r'<input type="hidden" name="id" value="([^"]+)">', page)
    assert sorted(hidden) == sorted([qa["x1"], qa["x2"]])
    assert not any(canceled(i) for i in qa.values())


def test_preview_can_include_narrower_scopes(editor_client, qa):
    page = editor_client.get(URL, {"scope": "env:qa", "match": "narrower"}).content.decode()
    assert sorted(preview_ids(page)) == sorted(qa.values())


def test_preview_by_scope_explains_a_bad_scope(editor_client, org):
    page = html.unescape(editor_client.get(URL, {"scope": "qa"}).content.decode())
    assert "has no key: write key:value" in page
    assert "will be canceled" not in page


def test_preview_says_when_nothing_matches(editor_client, org):
    page = editor_client.get(URL, {"scope": "env:nowhere"}).content.decode()
    assert "Nothing to cancel" in page and 'name="confirm"' not in page


def test_preview_of_rows_chosen_on_the_list_leaves_out_what_cannot_be_canceled(editor_client, qa):
    done = str(SandboxDowntime.objects.get(message__contains="Broker disk").uuid)
    response = editor_client.get(URL, {"id": [qa["x1"], done, "not-there"]})
    page = html.unescape(response.content.decode())
    assert preview_ids(page) == [qa["x1"]]
    assert "Already canceled." in page and "Not in Datadog's current list." in page


def test_rows_posted_from_the_list_without_confirmation_only_preview(editor_client, qa):
    response = editor_client.post(URL, {"id": [qa["x1"], qa["all"]]})
    assert sorted(preview_ids(response.content.decode())) == sorted([qa["x1"], qa["all"]])
    assert not any(canceled(i) for i in qa.values())


def test_preview_comes_from_the_cached_copy(editor_client, qa, upstream_calls):
    store.current()
    monitor_store.current()  # the top bar's count reads it beside the page
    upstream_calls.clear()
    editor_client.get(URL, {"scope": "env:qa"})
    assert upstream_calls == []


def test_confirmed_cancel_cancels_each_and_shows_the_result(editor_client, editor, qa):
    store.current()
    response = editor_client.post(URL, {"confirm": "yes", "id": [qa["x1"], qa["x2"]]})
    assert response.status_code == 302 and "?done=" in response["Location"]
    assert canceled(qa["x1"]) and canceled(qa["x2"]) and not canceled(qa["all"])
    page = html.unescape(editor_client.get(response["Location"]).content.decode())
    assert "Canceled 2 downtimes." in page
    assert page.count("Datadog confirmed.") == 2
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.BULK_CANCEL)
    assert sorted(e.downtime_id for e in entries) == sorted([qa["x1"], qa["x2"]])
    assert all(e.actor == editor and e.before["scope"] for e in entries)


def test_result_lists_what_failed_and_why_and_only_that_stays(editor_client, qa):
    store.current()
    # The confirm works from the copy (no list call), then sends one DELETE each.
    with faults.inject(sequence=["ok", "500"]):
        response = editor_client.post(
            URL, {"confirm": "yes", "id": [qa["x1"], qa["x2"]]}, headers={"HX-Request": "true"}
        )
    page = html.unescape(response.content.decode())
    assert "<html" not in page and 'id="bulk"' in page
    assert "Canceled 1 downtime; 1 not canceled." in page
    assert "Datadog is unavailable" in page
    assert canceled(qa["x1"]) and not canceled(qa["x2"])
    outcomes = dict(
        AuditEntry.objects.filter(action=AuditEntry.Action.BULK_CANCEL).values_list(
            "downtime_id", "outcome"
        )
    )
    assert outcomes == {qa["x1"]: "ok", qa["x2"]: "failed"}


def test_a_rate_limit_stops_the_rest_instead_of_hammering(editor_client, qa, upstream_calls):
    store.current()
    upstream_calls.clear()
    with faults.inject(sequence=["429"]):
        response = editor_client.post(
            URL, {"confirm": "yes", "id": [qa["x1"], qa["x2"], qa["all"]]}, follow=True
        )
    page = html.unescape(response.content.decode())
    assert [m for m, _ in upstream_calls if m == "DELETE"] == ["DELETE"]
    assert page.count("Not attempted: Datadog is rate-limiting requests") == 2
    assert "Canceled 0 downtimes; 3 not canceled." in page
    assert not any(canceled(i) for i in qa.values())


def test_a_confirm_sent_twice_cancels_once(editor_client, qa, upstream_calls):
    store.current()
    form = {"confirm": "yes", "id": [qa["x1"], qa["x2"]]}
    editor_client.post(URL, form)
    upstream_calls.clear()
    page = html.unescape(editor_client.post(URL, form, follow=True).content.decode())
    assert [m for m, _ in upstream_calls if m == "DELETE"] == []
    assert page.count("Not sent: it has canceled already.") == 2
    assert AuditEntry.objects.filter(action=AuditEntry.Action.BULK_CANCEL).count() == 2


def test_a_downtime_that_ended_since_the_preview_is_left_alone(editor_client, api, frozen_now):
    from datetime import timedelta

    from sandbox import clock

    end = (frozen_now + timedelta(hours=1)).isoformat()
    short = api.post("/api/v2/downtime", create_body(schedule={"end": end})).json()["data"]["id"]
    store.current()  # the preview's copy: still active
    clock.set_now(frozen_now + timedelta(hours=2))
    page = html.unescape(
        editor_client.post(URL, {"confirm": "yes", "id": [short]}, follow=True).content.decode()
    )
    assert "Not sent: it has ended already." in page
    assert not canceled(short)


def test_ids_the_copy_does_not_hold_are_still_tried_and_datadog_answers(editor_client, qa):
    response = editor_client.post(
        URL, {"confirm": "yes", "id": ["00000000-0000-1234-0000-000000000000"]}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert "Canceled 0 downtimes; 1 not canceled." in page
    assert "not found" in page


def test_viewers_may_preview_but_not_cancel(viewer_client, qa):
    page = viewer_client.get(URL, {"scope": "env:qa AND service:x"}).content.decode()
    assert len(preview_ids(page)) == 2 and "Only editors can cancel" in page
    assert 'name="confirm"' not in page
    response = viewer_client.post(URL, {"confirm": "yes", "id": [qa["x1"]]})
    assert response.status_code == 403
    assert not canceled(qa["x1"])


def test_stale_result_links_start_over(editor_client, org):
    response = editor_client.get(URL, {"done": "gone"})
    assert response.status_code == 302 and response["Location"] == URL


# --- the list page's selection ------------------------------------------------------------------


def test_list_offers_editors_a_checkbox_per_cancelable_row(editor_client, org):
    page = editor_client.get(reverse("downtimes:list"), {"status": "all", "per_page": 100})
    page = page.content.decode()
    boxes = re.findall(
        r'<input type="checkbox" class="row-select" name="id" value="([^"]+)" '
        r'form="bulk-select" data-select',
        page,
    )
    assert len(boxes) == 8  # 3 active + 5 scheduled in the demo org; none for ended or canceled
    assert f'<form id="bulk-select" class="bulk-bar" method="get" action="{URL}">' in page
    assert "data-select-all" in page


def test_list_shows_viewers_no_selection(viewer_client, org):
    page = viewer_client.get(reverse("downtimes:list")).content.decode()
    assert "data-select" not in page and "bulk-select" not in page
