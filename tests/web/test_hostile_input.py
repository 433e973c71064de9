"""Issue 16's reproductions: hostile and malformed input costs a moment, never a minute or a 500.

Each answers a notice or a field error. Work is counted (periods walked by window searches,
`walk_steps`), never timed. A rule that never occurs would walk about 2.7 million days to the
year 9999; here a page or a preview with five of them walks a few tens of thousands at most.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from downtimes_app.core.schedules import HORIZON_YEARS
from downtimes_app.datadog import MalformedResponse, codec
from downtimes_app.models import AuditEntry
from sandbox.models import SandboxDowntime
from tests.conftest import create_body
from tests.html_forms import as_post, form_data

NEW = reverse("downtimes:new")
LIST = reverse("downtimes:list")
NINES = "9" * 5000
SUPERSCRIPT_TWO = "\u00b2"
NEVER = "FREQ=DAILY;BYSETPOS=-366"
NEVER_RULES = [
    NEVER,
    "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2",
]
# Five recurrences, each walking its five years a handful of times (validation, preview, the
# page's windows and its note): far from the 13 million days five walks to 9999 would take.
WALK_BUDGET = 5 * 12 * (366 * HORIZON_YEARS + 2)


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def never_link(count: int = 1) -> str:
    query = [("scope", "a:b"), ("monitor_tags", "*")]
    for rule in NEVER_RULES[:count]:
        query += [("rrule", rule), ("start", "2026-12-01T02:00"), ("duration", "1h")]
    return NEW + "?" + urlencode(query)


# --- the list: every number in its URL is a notice -------------------------------------------


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ({"page": SUPERSCRIPT_TWO}, "is not a page number; showing the first page"),
        ({"per_page": SUPERSCRIPT_TWO}, "is not one of 25, 50, 100; showing 25"),
        ({"monitor": SUPERSCRIPT_TWO}, "is not a monitor id; showing every monitor"),
        ({"page": NINES}, "is not a page number; showing the first page"),
        ({"monitor": NINES}, "is not a monitor id; showing every monitor"),
        ({"page": "99999999999"}, "There is no page 1000000; showing the last page"),
        ({"status": "x" * 100_000}, "There is no 'xxxx"),
    ],
)
def test_list_reads_a_malformed_number_as_a_notice(viewer_client, org, query, notice):
    response = viewer_client.get(LIST, query)
    assert response.status_code == 200
    assert notice in text_of(response)
    assert len(response.content) < 200_000  # the notice quotes the value cut short


# --- the form, opened from a link ------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"scope": "a:b", "duration": "999999999999999w"}, "is too long: at most 521w"),
        ({"start": "9999-12-31T23:00", "duration": "2h"}, "out of range: give a date from"),
        ({"rrule": f"FREQ=DAILY;COUNT={SUPERSCRIPT_TWO}"}, "COUNT must be a whole number"),
        ({"rrule": "FREQ=DAILY;UNTIL=2026"}, "UNTIL=2026 is not a date or date-time"),
        ({"rrule": "FREQ=YEARLY;BYEASTER=0"}, "BYEASTER is not one Datadog accepts"),
        ({"rrule": "FREQ=DAILY", "duration": "99999999999999w"}, "is too long"),
        ({"monitor_id": "9" * 30}, "is not a whole number"),
        ({"monitor_id": SUPERSCRIPT_TWO}, "is not a whole number"),
    ],
)
def test_a_link_with_a_malformed_value_opens_the_form_with_the_error(
    editor_client, org, query, error
):
    response = editor_client.get(NEW + "?" + urlencode(query))
    assert response.status_code == 200
    assert error in text_of(response)


@pytest.mark.parametrize("count", [1, 5])
def test_a_link_with_rules_that_never_occur_answers_at_once_with_the_error(
    editor_client, org, walk_steps, count
):
    response = editor_client.get(never_link(count))
    assert response.status_code == 200
    page = text_of(response)
    assert page.count(f"This rule never occurs (within {HORIZON_YEARS} years of its start)") >= 1
    assert len(walk_steps) <= WALK_BUDGET


def test_submitting_a_rule_that_never_occurs_puts_the_error_beside_that_rule(
    editor_client, org, walk_steps
):
    response = editor_client.get(never_link(5))
    data = form_data(response.content)
    before = SandboxDowntime.objects.count()
    sent = editor_client.post(NEW, as_post(data, None, _action="save"))
    assert sent.status_code == 200
    assert SandboxDowntime.objects.count() == before
    page = sent.content.decode()
    for index in range(5):
        errors = page.split(f'id="id_r-{index}-rrule"', 1)[1].split("</div>", 1)[0]
        assert "never occurs" in html.unescape(errors), index
    assert len(walk_steps) <= WALK_BUDGET


def test_the_live_preview_of_rules_that_never_occur_answers_at_once(editor_client, org, walk_steps):
    data = form_data(editor_client.get(never_link(5)).content)
    response = editor_client.post(reverse("downtimes:form_preview"), as_post(data, None))
    assert response.status_code == 200
    assert "never occurs" in text_of(response)
    assert len(walk_steps) <= WALK_BUDGET


# --- the form, posted ------------------------------------------------------------------------


def opened(client) -> dict:
    return form_data(client.get(NEW).content)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"r-TOTAL_FORMS": SUPERSCRIPT_TWO, "schedule": "recurring"}, ""),
        ({"r-TOTAL_FORMS": NINES, "schedule": "recurring"}, ""),
        # Django reads 30 nines as five forms; the empty four must not validate as recurrences.
        ({"r-TOTAL_FORMS": "9" * 30, "schedule": "recurring"}, "needs at least one recurrence"),
        ({"r-TOTAL_FORMS": "7", "schedule": "recurring"}, "at most 5 recurrences"),
        ({"_duration": "99999999999999w"}, "is too long: at most 521w"),
        ({"start_mode": "at", "start": "9999-12-31T23:00"}, "out of range"),
        ({"r-0-interval": "\uff13", "schedule": "recurring"}, "is not a whole number"),
        ({"r-0-count": NINES, "r-0-ends": "count", "schedule": "recurring"}, "not a whole"),
        ({"token": "t" * 65}, "one-time token is not one this dashboard made"),
        ({"monitor_query": "x" * 5000}, "at most 200 characters"),
    ],
)
def test_a_tampered_post_answers_the_form_with_the_error(
    editor_client, org, upstream_calls, changes, error
):
    data = opened(editor_client)
    response = editor_client.post(NEW, as_post(data, changes, _action="save"))
    assert response.status_code == 200
    assert error in text_of(response)
    assert ("POST", "/api/v2/downtime") not in upstream_calls


def test_a_posted_baseline_and_a_hostile_seen_do_no_harm_to_an_edit(editor_client, stories):
    """The edit baseline stays on the server; a posted `_baseline` is ignored, never parsed,
    and `_seen` is only compared with the downtime's `modified` time."""
    downtime = stories["upgrade"]
    url = reverse("downtimes:edit", args=[downtime.uuid])
    data = form_data(editor_client.get(url).content)
    changes = {"message": "Changed", "_baseline": "[" * 100_000, "_seen": "]" * 100_000}
    response = editor_client.post(url, as_post(data, changes, _action="save"))
    assert response.status_code == 302
    downtime.refresh_from_db()
    assert downtime.message == "Changed"
    hostile = {"_baseline": "[" * 100_000, "_seen": "{" * 100_000}
    stale = editor_client.post(url, as_post(data, {**hostile, "message": "Again"}))
    assert stale.status_code == 200  # its copy is out of date now: the form asks first
    assert "{" * 100 not in stale.content.decode()


def test_the_waiting_page_of_an_overlong_token_is_not_found_calmly(editor_client, org):
    response = editor_client.get(reverse("downtimes:submission", args=["t" * 10_000]))
    assert response.status_code == 200


def test_monitor_search_caps_its_query_on_the_server(editor_client, org, upstream_calls):
    response = editor_client.get(
        reverse("downtimes:form_monitors"), {"monitor_query": "db " * 1_000_000}
    )
    assert response.status_code == 200
    assert "at most 200 characters" in text_of(response)
    assert not [path for _, path in upstream_calls if "monitor/search" in path]


def test_tag_lookup_caps_the_query_it_sends(editor_client, org, upstream_calls):
    tags = ",".join(f"team:t{n}" for n in range(2000))
    response = editor_client.get(reverse("downtimes:form_tags"), {"monitor_tags": tags})
    assert response.status_code == 200
    assert not [path for _, path in upstream_calls if "monitor/search" in path]


@pytest.mark.parametrize(
    ("until", "refusal"),
    [
        ("9999-12-31T23:00", "out of range: give a date from the year 1970 to 2999"),
        ("2026-11-16T2" + SUPERSCRIPT_TWO + ":00", "is not a date and time such as"),
        ("2" * 5000, "is not a date and time such as"),
    ],
)
def test_extend_until_a_malformed_time_is_refused_in_words(editor_client, stories, until, refusal):
    downtime = stories["upgrade"]
    response = editor_client.post(
        reverse("downtimes:extend", args=[downtime.uuid]),
        {"until": until, "tz": "Pacific/Kiritimati"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code in (200, 400)
    assert refusal in text_of(response)
    assert not AuditEntry.objects.writes().exists()


# --- what Datadog sends is read with the same readers -------------------------------------------


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+00:00", "2026" * 20, 10**20]
)
def test_a_time_from_datadog_beyond_what_a_zone_can_show_is_malformed_not_a_crash(value):
    with pytest.raises(MalformedResponse, match="unreadable time"):
        codec.parse_time(value)


@pytest.mark.parametrize("value", [NINES, SUPERSCRIPT_TWO, 2**70, "1.5"])
def test_an_id_from_datadog_that_is_no_whole_number_is_malformed(value):
    with pytest.raises(MalformedResponse, match="expected an integer id"):
        codec.parse_monitor({"id": value, "name": "x"})


# --- downtimes made elsewhere ----------------------------------------------------------------


def test_a_stored_downtime_with_rules_that_never_occur_and_a_huge_message_renders_calmly(
    api, viewer_client, org, walk_steps
):
    recurrences = [
        {"start": "2026-12-01T02:00:00", "duration": "1h", "rrule": r} for r in NEVER_RULES
    ]
    # Datadog does not cap messages as the form does.
    message = "http://x.y/" + ")" * 100_000
    body = create_body(schedule={"timezone": "UTC", "recurrences": recurrences}, message=message)
    made = api.post("/api/v2/downtime", body)
    assert made.status_code == 200, made.content[:500]
    downtime_id = made.json()["data"]["id"]
    page = viewer_client.get(reverse("downtimes:detail", args=[downtime_id]))
    assert page.status_code == 200
    text = text_of(page)
    assert f"No window within {HORIZON_YEARS} years of its start." in text  # 1 December on
    assert "message cut at 20,000 characters of 100,011; Copy as JSON has all of it" in text
    assert ")" * 100_000 in text  # the copy-as outputs keep every character
    listed = viewer_client.get(LIST, {"status": "all", "q": "env:prod"})
    assert listed.status_code == 200
    assert "no upcoming window" in text_of(listed)
    assert len(walk_steps) <= WALK_BUDGET


# --- the sandbox answers Datadog-style JSON 400s and 404s, never an HTML 500 -------------------


def assert_json_error(response, status: int, words: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert words in " ".join(response.json()["errors"])


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v2/downtime", {"page[offset]": "99999999999999999999999"}),
        ("/api/v2/downtime", {"page[limit]": SUPERSCRIPT_TWO}),
        ("/api/v2/downtime", {"page[offset]": NINES}),
        ("/api/v1/monitor", {"page": SUPERSCRIPT_TWO}),
        ("/api/v1/monitor/search", {"per_page": "99999999999999999999"}),
    ],
)
def test_sandbox_refuses_bad_paging_with_a_json_400(api, org, path, params):
    response = api.get(
        path, **{k.replace("[", "%5B").replace("]", "%5D"): v for k, v in params.items()}
    )
    assert_json_error(response, 400, "must be a whole number from 0 to 2147483647")


@pytest.mark.parametrize("monitor_id", [SUPERSCRIPT_TWO, "9" * 30, NINES, "0"])
def test_sandbox_answers_404_for_a_monitor_id_no_database_holds(api, org, monitor_id):
    assert_json_error(api.get(f"/api/v1/monitor/{monitor_id}"), 404, "not found")
    matches = api.get(f"/api/v2/monitor/{monitor_id}/downtime_matches")
    assert_json_error(matches, 404, "not found")


def test_sandbox_monitor_search_refuses_a_huge_query_without_splitting_it(api, org):
    response = api.get("/api/v1/monitor/search", query="db%20" * 400_000)
    assert_json_error(response, 400, "the query is longer than 4000 characters")


def test_sandbox_monitor_search_reads_quoted_terms_without_shlex(api, org):
    body = api.get("/api/v1/monitor/search", query='latency%20tag:"team:payments"').json()
    assert body["monitors"] and all("team:payments" in m["tags"] for m in body["monitors"])
    unbalanced = api.get("/api/v1/monitor/search", query='tag:"team')
    assert_json_error(unbalanced, 400, "unbalanced quotes")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[" * 100_000, "Invalid JSON"),
        (
            create_body(monitor_identifier={"monitor_id": 2**70}),
            "not found",
        ),
        (
            create_body(schedule={"start": "9999-12-31T23:00:00+00:00", "end": None}),
            "out of range: give a date from the year 2 to 9998",
        ),
        (
            create_body(
                schedule={
                    "timezone": "UTC",
                    "recurrences": [{"rrule": "FREQ=DAILY", "duration": "999999999999999w"}],
                }
            ),
            "is too long",
        ),
        (
            create_body(
                schedule={
                    "timezone": "UTC",
                    "recurrences": [{"rrule": "FREQ=DAILY;BYMONTH=\uff11", "duration": "1h"}],
                }
            ),
            "out of range",
        ),
    ],
)
def test_sandbox_refuses_a_hostile_body_with_a_json_400(api, org, body, words):
    if isinstance(body, str):
        response = api.post("/api/v2/downtime", raw=body.encode())
    else:
        response = api.post("/api/v2/downtime", body)
    assert_json_error(response, 400, words)


def test_the_live_scope_check_caps_the_scope_it_parses(editor_client, org):
    response = editor_client.get(reverse("downtimes:form_scope"), {"scope": "a:b AND " * 100_000})
    assert response.status_code == 200
    assert "a scope is at most 2,000 characters" in text_of(response)


def test_bulk_cancel_by_a_huge_scope_says_so_and_selects_nothing(editor_client, org):
    response = editor_client.get(reverse("downtimes:bulk_cancel"), {"scope": "a:b " * 100_000})
    assert response.status_code == 200
    assert "a scope is at most 2,000 characters" in text_of(response)
