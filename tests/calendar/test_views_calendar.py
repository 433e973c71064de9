"""The calendar's pages through Django's test client, against the sandbox at a frozen NOW
(Monday 16 November 2026, 09:30 UTC)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import gunicorn.config
import icalendar
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse, set_script_prefix

from dashboard.logs import GunicornLogger, RedactFeedTokens
from downtimes_app import datadog
from downtimes_app.calendar import tokens

URL = reverse("downtimes:calendar")
SUBSCRIBE = reverse("downtimes:calendar_subscribe")
IN_THIS_WEEK = {
    "incident",
    "forgotten",
    "upgrade",
    "tomorrow",
    "next_week",
    "canceled",
    "patching",
    "nightly",
    "monthly",
}


@pytest.fixture
def stories(stories) -> dict[str, str]:
    return {name: str(row.uuid) for name, row in stories.items()}


def bars(response) -> list[tuple[str, str]]:
    """(downtime id, status) of every bar on the timeline."""
    page = response.content.decode()
    return re.findall(
        r'class="bar bar-(\w+)[^"]*" href="[^"]*" title="[^"]*" data-downtime="([^"]+)"', page
    )


def bar_ids(response) -> set[str]:
    return {downtime for _, downtime in bars(response)}


def test_the_week_view_shows_every_window_of_the_week_and_none_from_outside(viewer_client, stories):
    response = viewer_client.get(URL, {"tz": "UTC"})
    assert response.status_code == 200
    assert bar_ids(response) == {stories[n] for n in IN_THIS_WEEK}
    statuses = {(status, downtime) for status, downtime in bars(response)}
    assert ("canceled", stories["canceled"]) in statuses
    assert ("active", stories["incident"]) in statuses
    # Tuesdays and Thursdays in New York: two patch windows this week; every night's ETL.
    assert sum(1 for _, d in bars(response) if d == stories["patching"]) == 2
    assert sum(1 for _, d in bars(response) if d == stories["nightly"]) == 7


def test_each_bar_links_its_downtimes_page_under_the_address_the_dashboard_is_served_at(
    viewer_client, stories
):
    """The bars' addresses are worked out once per process: a dashboard served under a path
    prefix (SCRIPT_NAME, which gunicorn sets per request) still links its own pages."""
    page = viewer_client.get(URL, {"tz": "UTC"}).content.decode()
    incident = reverse("downtimes:detail", args=[stories["incident"]])
    assert f'href="{incident}" title=' in page
    set_script_prefix("/dash/")  # what a WSGI server's SCRIPT_NAME does for a request
    try:
        page = viewer_client.get(URL, {"tz": "UTC"}).content.decode()
    finally:
        set_script_prefix("/")
    assert f'href="/dash{incident}" title=' in page


def test_a_day_and_thirty_days_show_their_own_windows(viewer_client, stories):
    day = viewer_client.get(URL, {"tz": "UTC", "span": "day", "date": "2026-11-17"})
    assert stories["tomorrow"] in bar_ids(day) and stories["next_week"] not in bar_ids(day)
    month = viewer_client.get(URL, {"tz": "UTC", "span": "30d", "date": "2026-11-01"})
    assert stories["ended"] in bar_ids(month) and stories["reindex"] not in bar_ids(month)


def test_a_series_that_starts_years_ahead_shows_in_its_week_and_in_the_feed(viewer_client, stories):
    made = datadog.create_downtime(
        attributes={
            "scope": "env:prod",
            "monitor_identifier": {"monitor_tags": ["team:sre"]},
            "display_timezone": "UTC",
            "schedule": {
                "timezone": "UTC",
                "recurrences": [
                    {"start": "2042-07-13T01:02:03", "duration": "1d", "rrule": "FREQ=WEEKLY"}
                ],
            },
        }
    )
    week = viewer_client.get(URL, {"tz": "UTC", "date": "2042-07-20"})
    assert ("scheduled", made.id) in bars(week)
    events = icalendar.Calendar.from_ical(fetch(make_feed(viewer_client)).content).walk("VEVENT")
    assert made.id in {downtime_of(e) for e in events}


def test_a_warm_calendar_view_makes_no_upstream_call(viewer_client, stories, upstream_calls):
    viewer_client.get(URL)
    upstream_calls.clear()
    for params in ({}, {"group": "tag"}, {"span": "30d", "q": "prod"}, {"date": "2026-11-23"}):
        assert viewer_client.get(URL, params).status_code == 200
    assert upstream_calls == []


def test_filters_carry_between_the_list_and_the_calendar(viewer_client, stories):
    listed = viewer_client.get(
        reverse("downtimes:list"), {"q": "payments", "kind": "one-time", "tz": "Asia/Tokyo"}
    )
    link = re.search(r'href="([^"]+)" id="calendar-link"', listed.content.decode()).group(1)
    link = link.replace("&amp;", "&")
    assert link == "/calendar/?q=payments&kind=one-time&tz=Asia%2FTokyo"
    calendar = viewer_client.get(link)
    assert bar_ids(calendar) == {stories["incident"]}
    back = re.search(r'href="([^"]+)" id="list-link"', calendar.content.decode()).group(1)
    back = back.replace("&amp;", "&")
    assert back == "/downtimes/?q=payments&kind=one-time&tz=Asia%2FTokyo"
    # Days and grouping stay with the calendar; the list gets only the filters.
    moved = viewer_client.get(URL, {"q": "payments", "span": "day", "group": "creator"})
    assert 'href="/downtimes/?q=payments" id="list-link"' in moved.content.decode()


def test_grouping_by_tag_puts_windows_in_rows_by_tag_value(viewer_client, stories):
    page = viewer_client.get(URL, {"tz": "UTC", "group": "tag"}).content.decode()
    labels = re.findall(r'<span class="row-title" title="[^"]*">([^<]+)</span>', page)
    assert labels == [
        "team:data-platform",
        "team:payments",
        "team:search",
        "team:sre",
        "No team: tag",
    ]


def test_the_axis_marks_a_clock_change_in_the_viewers_zone(viewer_client, org):
    page = viewer_client.get(URL, {"tz": "America/New_York", "date": "2026-10-29"}).content.decode()
    assert "Clocks go back 1 h (EDT \u2192 EST)" in page
    assert "Clocks go" not in viewer_client.get(URL, {"tz": "UTC"}).content.decode()


def test_bad_values_in_the_link_are_notices_not_errors(viewer_client, org):
    response = viewer_client.get(URL, {"span": "year", "date": "yesterday", "page": "x"})
    assert response.status_code == 200
    assert "There is no &#x27;year&#x27; view" in response.content.decode()


def test_htmx_gets_the_body_and_a_filter_change_pushes_the_clean_url(viewer_client, org):
    response = viewer_client.get(
        URL,
        {
            "q": "",
            "creator": "",
            "monitor": "",
            "kind": "",
            "tz": "",
            "span": "week",
            "group": "downtime",
        },
        headers={"HX-Request": "true", "HX-Trigger": "calendar-filters"},
    )
    assert response.content.decode().startswith('<section id="calendar-body"')
    assert response["HX-Push-Url"] == URL


def test_schedule_here_opens_the_form_with_the_rows_scope_and_a_start(editor_client, stories):
    page = editor_client.get(URL, {"tz": "UTC", "q": "legacy-batch"}).content.decode()
    link = re.search(r'class="row-schedule" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    form = editor_client.get(link).content.decode()
    assert 'value="host:legacy-batch-01"' in form
    assert 'value="team:data-platform"' in form


# --- feeds ------------------------------------------------------------------------------------


def make_feed(client: Client, **filters) -> str:
    """The feed URL the subscribe page gives after "Make my feed address"."""
    client.post(
        SUBSCRIBE + ("?" + "&".join(f"{k}={v}" for k, v in filters.items()) if filters else ""),
        {"action": "regenerate"},
    )
    page = client.get(SUBSCRIBE, filters).content.decode()
    return (
        re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', page)
        .group(1)
        .replace("&amp;", "&")
    )


def downtime_of(event) -> str:
    return re.fullmatch(r"(.+)-(?:once|[0-9]+)@downtime-dashboard", str(event["uid"])).group(1)


def fetch(url: str):
    return Client().get(url.removeprefix("http://testserver"))  # a calendar app: no session


def test_a_viewer_makes_a_feed_that_a_calendar_app_reads_without_signing_in(
    viewer_client, stories, upstream_calls
):
    url = make_feed(viewer_client)
    viewer_client.get(URL)  # the copy is there and fresh
    upstream_calls.clear()
    response = fetch(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert {downtime_of(e) for e in events} == set(stories.values())
    canceled = [e for e in events if downtime_of(e) == stories["canceled"]]
    assert [e["status"] for e in canceled] == ["CANCELLED"]
    assert upstream_calls == []  # the copy was fresh


def test_a_feed_keeps_the_calendars_filters(viewer_client, stories):
    url = make_feed(viewer_client, q="payments", kind="recurring")
    assert "q=payments" in url and "kind=recurring" in url
    events = icalendar.Calendar.from_ical(fetch(url).content).walk("VEVENT")
    listed = viewer_client.get(
        reverse("downtimes:list"), {"status": "all", "q": "payments", "kind": "recurring"}
    )
    expected = set(re.findall(r'id="downtime-([0-9a-f-]{36})"', listed.content.decode()))
    assert {downtime_of(e) for e in events} == expected == {stories["monthly"], stories["patching"]}


def test_a_wrong_regenerated_or_turned_off_token_gets_404_and_no_data(viewer_client, stories):
    first = make_feed(viewer_client)
    token = re.search(r"/calendar/feed/([0-9a-f]{64})\.ics", first).group(1)
    wrong = first.replace(token, ("0" if token[0] != "0" else "1") + token[1:])
    for url in (wrong, first.replace(token, "x"), first.replace(token, token[:-1])):
        response = fetch(url)
        assert response.status_code == 404 and b"VEVENT" not in response.content
    second = make_feed(viewer_client)
    assert second != first
    assert fetch(first).status_code == 404
    assert fetch(second).status_code == 200
    viewer_client.post(SUBSCRIBE, {"action": "off"})
    assert fetch(second).status_code == 404


def test_the_token_is_stored_only_as_a_hash_and_shown_only_to_its_owner(
    viewer_client, editor_client, viewer, org
):
    url = make_feed(viewer_client)
    token = re.search(r"/calendar/feed/([0-9a-f]{64})\.ics", url).group(1)
    feed = tokens.feed_of(viewer)
    assert token not in (feed.salt, feed.token_hash)
    assert tokens.owner(token) == viewer
    assert token not in editor_client.get(SUBSCRIBE).content.decode()
    assert viewer_client.get(SUBSCRIBE)["Cache-Control"] == "no-store"


def test_a_deactivated_users_feed_stops(viewer_client, viewer, org):
    url = make_feed(viewer_client)
    viewer.is_active = False
    viewer.save()
    assert fetch(url).status_code == 404


def test_a_feed_stops_as_soon_as_its_owners_role_is_removed(viewer_client, viewer, org):
    url = make_feed(viewer_client)
    assert fetch(url).status_code == 200
    viewer.groups.clear()
    response = fetch(url)
    assert response.status_code == 404 and b"VEVENT" not in response.content


def test_an_anonymous_reader_is_sent_to_sign_in_to_subscribe(settings, org):
    settings.DASHBOARD_ANONYMOUS_READ = True
    response = Client().get(SUBSCRIBE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_feed_tokens_never_reach_a_log_line(viewer_client, org, caplog):
    url = make_feed(viewer_client)
    token = re.search(r"/calendar/feed/([0-9a-f]{64})\.ics", url).group(1)
    with caplog.at_level(logging.INFO):
        fetch(url.replace(token, "f" * 64))  # Django logs "Not Found: <path>"
        fetch(url)
    assert caplog.records, "a 404 is logged, which is what the filter is for"
    redact = RedactFeedTokens()
    for record in caplog.records:
        redact.filter(record)
        assert token not in record.getMessage() and "f" * 64 not in record.getMessage()
    # The dashboard's handler, runserver's request lines among them, filters every record.
    assert "feed_tokens" in settings.LOGGING["handlers"]["console"]["filters"]
    assert settings.LOGGING["loggers"]["django.server"]["handlers"] == ["console"]


@pytest.mark.parametrize("server_variable", ["RAW_URI", "REQUEST_URI"])
def test_calendar_feed_answers_only_the_spelling_it_gave(viewer_client, org, server_variable):
    path = make_feed(viewer_client).removeprefix("http://testserver")
    token = re.search(r"/calendar/feed/([0-9a-f]{64})\.ics", path).group(1)
    assert fetch_as_sent(path, path, server_variable).status_code == 200
    # A server decodes these to the same path; a proxy's log filter for /calendar/feed/ would not.
    for sent in (
        path.replace("/feed/", "/%66eed/"),
        path.replace("/feed/", "/%66%65%65%64/"),
        path.replace("/feed/", "%2Ffeed%2F"),
        path.replace(token, f"%{ord(token[0]):02X}{token[1:]}"),
    ):
        response = fetch_as_sent(path, sent, server_variable)
        assert response.status_code == 404 and b"VEVENT" not in response.content, sent


def fetch_as_sent(path: str, sent: str, server_variable: str):
    """`path` as a server hands it to Django, decoded, with the request line's own spelling."""
    return Client().get(path, **{server_variable: sent})


def gunicorn_access_line(tmp_path, access_log_format: str, **environ: str) -> str:
    """The line gunicorn's access log gets, through the logger gunicorn.conf.py names."""
    config = gunicorn.config.Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    config.set("access_log_format", access_log_format)
    logger = GunicornLogger(config)

    class Response:
        status, headers, sent = "200 OK", [], 10

    request = {"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", **environ}
    headers = [(k[5:].replace("_", "-"), v) for k, v in request.items() if k.startswith("HTTP_")]
    logger.access(Response(), headers, request, timedelta(seconds=1))
    for handler in logger.access_log.handlers:
        handler.flush()
    return (tmp_path / "access.log").read_text()


def test_gunicorns_access_log_blanks_feed_tokens(tmp_path):
    token = "a" * 64
    line = gunicorn_access_line(
        tmp_path,
        '"%(r)s" %(U)s %(q)s "%(f)s" "%({referer}i)s"',
        RAW_URI=f"/calendar/feed/{token}.ics?q=db",
        PATH_INFO=f"/calendar/feed/{token}.ics",
        QUERY_STRING=f"next=%2Fcalendar%2Ffeed%2F{token}.ics",
        HTTP_REFERER=f"https://dash.example/calendar/%66eed/{token}.ics",
    )
    assert line.startswith('"GET /calendar/feed/[token].ics?q=db HTTP/1.1" ')
    assert token not in line and line.count("[token]") == 5


def test_gunicorns_access_log_keeps_a_request_on_one_line(tmp_path):
    forged = "127.0.0.1 - - [01/Jan/2026:00:00:00 +0000] GET /downtimes/ 200"
    line = gunicorn_access_line(
        tmp_path,
        '"%(r)s" "%(a)s"',
        RAW_URI="/downtimes/",
        # gunicorn refuses C0 controls in a header, but lets C1 and Unicode separators through.
        HTTP_USER_AGENT=f"cal\x85{forged}\u2028{forged}\x9b31m",
    )
    assert line.splitlines() == [line.rstrip("\n")]
    assert f"cal\\x85{forged}\\u2028{forged}\\x9b31m" in line


def test_add_to_calendar_downloads_one_downtimes_ics(viewer_client, stories, upstream_calls):
    detail = viewer_client.get(
        reverse("downtimes:detail", args=[stories["patching"]])
    ).content.decode()
    href = reverse("downtimes:ics", args=[stories["patching"]])
    assert f'href="{href}" download' in detail
    viewer_client.get(URL)  # the copy is there and fresh
    upstream_calls.clear()
    response = viewer_client.get(href)
    assert upstream_calls == []
    assert response["X-Content-Type-Options"] == "nosniff"  # never read as a page
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="downtime-{stories["patching"]}.ics"'
    )
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["rrule"].to_ical().decode()) == "FREQ=WEEKLY;BYDAY=TU,TH"
    assert str(event["url"]).endswith(f"/downtimes/{stories['patching']}/")
