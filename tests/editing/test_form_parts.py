"""The form's live parts (preview, recurrence, scope check, monitor search) and who may use the
form, through the Django test client, against the sandbox.

Each test opens the page, reads its form as a browser would submit it, changes what a person
would change, posts it, and checks what the sandbox stored (or why nothing was stored)."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.editing.support import (
    NEW,
    edit_url,
    monitor_named,
    open_form,
    story,
    submit,
    valid_one_time,
)
from tests.html_forms import as_post

# --- the live parts -----------------------------------------------------------------------


def test_preview_lists_new_york_windows_across_the_spring_clock_change(editor_client, org):
    _, data = open_form(editor_client)
    changes = {
        **valid_one_time(org),
        "schedule": "recurring",
        "timezone": "America/New_York",
        "r-0-start": "2027-03-02T02:00",
        "r-0-duration": "3h",
        "r-0-rrule": "FREQ=WEEKLY;BYDAY=TU,TH",
    }
    editor_client.cookies["tz"] = "Europe/Paris"
    page = editor_client.post(
        reverse("downtimes:form_preview"), as_post(data, changes)
    ).content.decode()
    assert "Every Tue and Thu, 02:00\u201305:00 America/New_York" in page
    # Each column in its own zone: 02:00 in New York is 08:00 in Paris, until New York's
    # clocks change (14 March) and Paris's do not yet (28 March): then it is 07:00.
    assert "Tue 2 Mar 2027, 02:00</time> \u2192 <time" in page
    assert "Tue 2 Mar, 08:00</time> \u2192 11:00" in page
    assert (
        "Tue 16 Mar 2027, 02:00</time>" in page and "Tue 16 Mar, 07:00</time> \u2192 10:00" in page
    )
    starts = re.findall(r'<time datetime="([^"]+)" title="[^"]+">\w{3} \d', page)
    assert starts[:6] == [
        "2027-03-02T07:00:00+00:00",
        "2027-03-04T07:00:00+00:00",
        "2027-03-09T07:00:00+00:00",
        "2027-03-11T07:00:00+00:00",
        "2027-03-16T06:00:00+00:00",  # 02:00 EDT after clocks went forward on 14 March
        "2027-03-18T06:00:00+00:00",
    ]
    assert "Clocks change in America/New_York: UTC\u22125 \u2192 UTC\u22124" in page


def test_preview_warns_when_a_downtime_already_covers_the_same_monitors_and_scope(
    editor_client, org
):
    _, data = open_form(editor_client)
    changes = {
        "scope": "env:prod AND service:checkout-redis AND host:redis-1",
        "target": "tags",
        "monitor_tags": "service:checkout-redis",
        "start_mode": "at",
        "start": "2026-11-17T03:00",
    }
    page = editor_client.post(
        reverse("downtimes:form_preview"), as_post(data, changes)
    ).content.decode()
    redis = story("Redis 7.2 upgrade")
    assert "Already covered" in page and str(redis.uuid) in page
    elsewhere = editor_client.post(
        reverse("downtimes:form_preview"), as_post(data, changes, scope="env:staging")
    ).content.decode()
    assert "Already covered" not in elsewhere


def test_preview_shows_the_exact_request_and_an_edits_patch(editor_client, org):
    _, data = open_form(editor_client)
    page = editor_client.post(
        reverse("downtimes:form_preview"), as_post(data, valid_one_time(org))
    ).content.decode()
    assert "&quot;monitor_identifier&quot;: {\n        &quot;monitor_id&quot;" in page
    assert "&quot;end&quot;: &quot;2026-11-16T10:30:00+00:00&quot;" in page
    redis = story("Redis 7.2 upgrade")
    _, edit_data = open_form(editor_client, edit_url(redis))
    patch = editor_client.post(
        reverse("downtimes:form_preview"), as_post(edit_data, message="new words")
    ).content.decode()
    assert "Only what changed: message." in patch
    assert (
        f"&quot;id&quot;: &quot;{redis.uuid}&quot;" in patch and "&quot;schedule&quot;" not in patch
    )


def test_preview_lists_the_problems_to_fix(editor_client, org):
    _, data = open_form(editor_client)
    page = editor_client.post(
        reverse("downtimes:form_preview"), as_post(data, scope="", monitor_id="")
    ).content.decode()
    assert '<a href="#id_scope">Give a scope' in page
    assert '<a href="#id_monitor_id">Choose a monitor' in page


def test_scope_check_explains_the_fix_or_shows_the_parts(editor_client, org):
    url = reverse("downtimes:form_scope")
    bad = editor_client.get(url, {"scope": "env:prod AND web01"}).content.decode()
    assert "&#x27;web01&#x27; has no key: write key:value, for example host:web01" in bad
    good = editor_client.get(url, {"scope": "env:(prod OR staging) -host:a"}).content.decode()
    assert "Valid scope" in good and "env:(prod OR staging)" in good and ">-host:a<" in good


def test_monitor_search_lists_name_type_state_and_tags_and_keeps_the_choice(editor_client, org):
    chosen = monitor_named(org, "[prod] auth-api")
    url = reverse("downtimes:form_monitors")
    page = editor_client.get(
        url, {"monitor_query": "payments-db", "monitor_id": chosen.id}
    ).content.decode()
    found = [m for m in org.monitors if "payments-db" in m.name]
    for monitor in found:
        assert monitor.name in page and monitor.type in page
    assert f"team:{'payments'}" in page
    assert page.index(chosen.name) < page.index(found[0].name)
    assert re.search(rf'value="{chosen.id}" checked', page)


def test_tag_count_counts_monitors_with_all_the_tags(editor_client, org):
    expected = [m for m in org.monitors if {"team:payments", "env:prod"} <= set(m.tags)]
    page = editor_client.get(
        reverse("downtimes:form_tags"), {"monitor_tags": "team:payments, env:prod"}
    ).content.decode()
    assert re.search(
        rf'<strong class="num">{len(expected)}</strong> monitors with all of these tags', page
    )
    assert page.count('class="monitor-name"') == min(5, len(expected))


def test_recurrence_sync_writes_the_rule_from_the_controls_or_the_controls_from_the_rule(
    editor_client, org
):
    _, data = open_form(editor_client)
    url = reverse("downtimes:form_recurrence")
    controls = editor_client.post(
        url, as_post(data, {"_index": "0", "r-0-freq": "DAILY", "r-0-interval": "3"})
    ).content.decode()
    assert 'value="FREQ=DAILY;INTERVAL=3"' in controls
    assert 'id="r-0-controls"' not in controls  # the controls the user is using stay put
    written = editor_client.post(
        url, as_post(data, {"_index": "0", "r-0-rrule": "FREQ=MONTHLY;BYMONTHDAY=-1"})
    ).content.decode()
    assert 'id="r-0-controls" hx-swap-oob="true"' in written
    assert re.search(r'<option value="-1" selected>last day</option>', written)


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["downtimes:new", "downtimes:form_scope", "downtimes:form_monitors", "downtimes:form_tags"],
)
def test_viewers_cannot_open_the_form_or_its_lookups(viewer_client, org, name):
    assert viewer_client.get(reverse(name)).status_code == 403


def test_viewers_cannot_post_the_form(viewer_client, org):
    assert viewer_client.post(NEW, {"scope": "*"}).status_code == 403
    assert viewer_client.post(reverse("downtimes:form_preview"), {}).status_code == 403
    redis = story("Redis 7.2 upgrade")
    assert viewer_client.get(edit_url(redis)).status_code == 403
    assert viewer_client.get(reverse("downtimes:clone", args=[str(redis.uuid)])).status_code == 403


def test_the_list_offers_the_form_to_editors(editor_client, org):
    assert f'href="{NEW}"' in editor_client.get(reverse("downtimes:list")).content.decode()


def test_text_from_datadog_is_escaped_in_the_form(editor_client, org):
    redis = story("Redis 7.2 upgrade")
    redis.message = "<script>alert(1)</script> @ops"
    redis.save()
    page = editor_client.get(edit_url(redis)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; @ops" in page


def test_the_form_has_no_inline_script_style_or_handlers(editor_client, org):
    page = editor_client.get(NEW).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert not re.search(r"\sstyle=|\son[a-z]+=|hx-on", page)
    assert "{#" not in page and "{%" not in page  # no template comment leaks as text


@pytest.mark.parametrize("action", ["save", "add", "remove-0", "preview"])
def test_a_tampered_recurrence_count_is_an_answer_not_an_error(editor_client, org, action):
    _, data = open_form(editor_client, schedule_kind="recurring")
    response = submit(editor_client, data, {"r-TOTAL_FORMS": "lots"}, action=action)
    assert response.status_code in (200, 302)


def test_a_link_with_an_out_of_range_rule_says_so(editor_client, org):
    response = editor_client.get(
        NEW
        + "?"
        + urlencode(
            {"rrule": "FREQ=YEARLY;BYMONTH=13", "start": "2026-12-01T02:00", "duration": "1h"}
        )
    )
    assert response.status_code == 200
    assert "BYMONTH=13 is out of range" in html.unescape(response.content.decode())
