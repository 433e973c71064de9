"""How one downtime reads on its page and in link previews: message, notify settings, changes."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from downtimes_app.core import messages, presenters, schedules
from downtimes_app.core.domain import Downtime, OneTimeSchedule, Recurrence, RecurringSchedule, User
from downtimes_app.downtimes import sharing
from tests import factories
from tests.factories import NOW

one_time = partial(factories.one_time, scope="env:prod AND service:db")


# --- the message ------------------------------------------------------------------------------


def test_message_is_escaped_before_anything_is_marked():
    html = presenters.render_message('<b onclick="x()">hi</b> & <script>alert(1)</script>')
    assert html == (
        "&lt;b onclick=&quot;x()&quot;&gt;hi&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;"
    )


def test_message_links_only_http_urls_with_safe_rel():
    html = presenters.render_message(
        "See https://wiki.example.com/runbook. Not javascript:alert(1)"
    )
    assert html == (
        'See <a href="https://wiki.example.com/runbook" rel="noopener noreferrer nofollow" '
        'target="_blank">https://wiki.example.com/runbook</a>. Not javascript:alert(1)'
    )


def test_message_url_stops_at_a_quote_so_no_attribute_can_be_injected():
    html = presenters.render_message('http://x.example/"onmouseover="alert(1)')
    assert html.startswith('<a href="http://x.example/" ')
    assert "&quot;onmouseover=&quot;alert(1)" in html


def test_message_url_keeps_query_ampersands_escaped_in_the_href():
    html = presenters.render_message("https://e.example/a?b=1&c=2")
    assert 'href="https://e.example/a?b=1&amp;c=2"' in html


def test_message_url_in_parentheses_leaves_the_closing_parenthesis_out():
    html = presenters.render_message("(runbook: https://e.example/x)")
    assert 'href="https://e.example/x"' in html and html.endswith("</a>)")


def test_message_marks_mentions_but_not_emails_or_urls():
    html = presenters.render_message(
        "Ping @slack-payments-oncall, or mail dana@example.com; https://u@e.example/p "
        "@priya.raman@example.com."
    )
    assert '<span class="mention">@slack-payments-oncall</span>,' in html
    assert "dana@example.com" in html and '<span class="mention">@example.com' not in html
    assert 'href="https://u@e.example/p"' in html
    assert '<span class="mention">@priya.raman@example.com</span>.' in html


def test_message_keeps_line_breaks_and_handles_none():
    assert presenters.render_message("one\r\ntwo") == "one<br>two"
    assert presenters.render_message(None) == ""


class CountingText(str):
    """Text that counts the characters read from it (slices stay counting), to hold a function
    to linear work: the old `_trim_url` counted the parentheses again for each one it cut."""

    reads = 0

    def count(self, *args):
        CountingText.reads += len(self)
        return super().count(*args)

    def __getitem__(self, key):
        part = super().__getitem__(key)
        CountingText.reads += len(part)
        return CountingText(part)


def test_trimming_closing_parentheses_after_a_link_reads_each_character_once():
    url = CountingText("http://x.y/" + ")" * 100_000)
    CountingText.reads = 0
    assert messages._trim_url(url) == ("http://x.y/", ")" * 100_000)
    # Two counts of the whole text, one look at each trailing character, two slices: linear.
    assert CountingText.reads <= 4 * len(url)


def test_trimming_keeps_a_parenthesis_the_url_opened():
    assert messages._trim_url("https://w.example/Foo_(bar))).") == (
        "https://w.example/Foo_(bar)",
        ")).",
    )


def test_a_long_message_is_shown_cut_with_a_note_and_copied_whole():
    text = "http://x.y/" + ")" * 100_000
    html = str(presenters.render_message(text))
    assert html.count(")") == messages.MESSAGE_SHOWN - len("http://x.y/") + 1
    assert "message cut at 20,000 characters of 100,011; Copy as JSON has all of it" in html
    downtime = Downtime(id="d", status="active", scope="*", schedule=OneTimeSchedule(None, None))
    copied = sharing.request_json(dataclasses.replace(downtime, message=text))
    assert ")" * 100_000 in copied


# --- notify settings --------------------------------------------------------------------------


def test_notify_words_for_datadogs_defaults():
    downtime = one_time(
        NOW, None, notify_end_states=("warn", "alert", "no data"), notify_end_types=("expired",)
    )
    assert presenters.notify_words(downtime) == [
        "When this downtime ends on schedule, monitors still in Alert, Warn or No Data "
        "notify again.",
        "Recovery notifications are sent as usual.",
    ]


def test_notify_words_for_both_end_types_and_muted_recovery():
    downtime = one_time(
        NOW,
        None,
        notify_end_states=("alert",),
        notify_end_types=("expired", "canceled"),
        mute_first_recovery_notification=True,
    )
    assert presenters.notify_words(downtime) == [
        "When this downtime ends on schedule or is canceled, monitors still in Alert notify again.",
        "The first recovery notification during the downtime is muted.",
    ]


def test_notify_words_when_nothing_is_sent_at_the_end():
    downtime = one_time(NOW, None, notify_end_states=("alert",), notify_end_types=())
    assert presenters.notify_words(downtime)[0] == (
        "Monitors do not notify when this downtime ends, even if they are still alerting."
    )


# --- link previews ----------------------------------------------------------------------------


def test_share_title_names_status_window_and_scope_in_utc():
    downtime = one_time(NOW - timedelta(hours=1), NOW.replace(hour=14, minute=0))
    assert (
        presenters.share_title(downtime, NOW) == "Active until 14:00 UTC · env:prod AND service:db"
    )


def test_share_title_gives_the_date_when_it_is_not_today_in_utc():
    downtime = one_time(NOW - timedelta(hours=1), NOW + timedelta(days=1, hours=2))
    assert presenters.share_title(downtime, NOW).startswith("Active until 17 Nov 11:30 UTC")


def test_share_title_for_a_scheduled_window_crossing_midnight():
    start = datetime(2026, 11, 16, 23, 0, tzinfo=UTC)
    downtime = one_time(start, start + timedelta(hours=3), status="scheduled", scope="*")
    assert presenters.share_title(downtime, NOW) == (
        "Scheduled 23:00\u201317 Nov 02:00 UTC · all scopes (*)"
    )


def test_share_title_for_a_recurring_series_says_next_and_recurring():
    downtime = Downtime(
        id="d2",
        status="active",
        scope="env:prod",
        schedule=RecurringSchedule(
            "UTC",
            (Recurrence("FREQ=DAILY", "2h", datetime(2026, 11, 1, 9, 0)),),
            current_downtime=presenters.Window(
                NOW.replace(minute=0), NOW.replace(hour=11, minute=0)
            ),
        ),
    )
    assert presenters.share_title(downtime, NOW) == "Active until 11:00 UTC (recurring) · env:prod"


def test_share_description_says_what_is_muted_and_when_but_not_the_message():
    downtime = one_time(
        NOW - timedelta(hours=1),
        NOW.replace(hour=14, minute=0),
        monitor_tags=("team:db",),
        creator=User(id="u", name="Sofia Lindqvist"),
        message="DB failover.\nMore lines.",
    )
    text = presenters.share_description(downtime, NOW, schedules.get_zone("UTC"))
    assert text == "Mutes monitors tagged team:db. Today 08:30 to 14:00 UTC."


# --- audit changes ----------------------------------------------------------------------------


def test_attribute_changes_lists_only_what_differs_with_dotted_names():
    before = {
        "scope": "env:prod",
        "schedule": {"start": "2026-11-16T08:00:00+00:00", "end": "2026-11-16T10:00:00+00:00"},
        "notify_end_types": ["expired"],
        "message": None,
        "mute_first_recovery_notification": False,
    }
    after = {
        **before,
        "schedule": {"start": "2026-11-16T08:00:00+00:00", "end": "2026-11-16T11:00:00+00:00"},
        "message": "now with words",
        "mute_first_recovery_notification": True,
    }
    assert presenters.attribute_changes(before, after) == [
        presenters.Change("message", "(none)", "now with words"),
        presenters.Change("mute_first_recovery_notification", "no", "yes"),
        presenters.Change("schedule.end", "2026-11-16T10:00:00+00:00", "2026-11-16T11:00:00+00:00"),
    ]


def test_attribute_changes_index_recurrences():
    before = {"schedule": {"recurrences": [{"duration": "1h", "rrule": "FREQ=DAILY"}]}}
    after = {"schedule": {"recurrences": [{"duration": "2h", "rrule": "FREQ=DAILY"}]}}
    assert presenters.attribute_changes(before, after) == [
        presenters.Change("schedule.recurrences[0].duration", "1h", "2h")
    ]


@pytest.mark.parametrize(("before", "after"), [(None, {"a": 1}), ({"a": 1}, None), (None, None)])
def test_attribute_changes_need_both_sides(before, after):
    assert presenters.attribute_changes(before, after) == []


# --- the windows partial ----------------------------------------------------------------------


def test_windows_partial_shows_each_column_in_its_own_zone():
    from django.template.loader import render_to_string

    downtime = Downtime(
        id="d3",
        status="scheduled",
        scope="env:prod",
        schedule=RecurringSchedule(
            "America/New_York", (Recurrence("FREQ=DAILY", "3h", datetime(2026, 11, 1, 2, 0)),)
        ),
    )
    berlin = schedules.get_zone("Europe/Berlin")
    html = render_to_string(
        "partials/_windows.html",
        {
            "windows": presenters.next_windows(downtime, NOW, berlin, limit=1),
            "schedule_zone": "America/New_York",
            "viewer_zone": "Europe/Berlin",
        },
    )
    # The window in progress: 02:00 in New York is 07:00 UTC and 08:00 in Berlin.
    assert "Mon 16 Nov 2026, 02:00" in html and "Mon 16 Nov, 08:00" in html
    shown = re.sub(r'(datetime|title)="[^"]*"', "", html)
    assert "07:00" not in shown


_OURS = re.compile(
    r'<a href="[^"]*" rel="noopener noreferrer nofollow" target="_blank">|</a>'
    r'|<span class="mention">|</span>|<br>'
)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("<>\"'&@:/.() \nabcjvsrpthx=;")) | st.characters(),
        max_size=80,
    )
)
def test_message_never_lets_markup_through_whatever_the_text(text):
    html = str(presenters.render_message(text))
    assert "<" not in _OURS.sub("", html) and ">" not in _OURS.sub("", html)
    for href in re.findall(r'<a href="([^"]*)"', html):
        assert href.startswith(("http://", "https://"))


def test_initials_stand_in_for_an_avatar():
    assert presenters.initials("Sofia Lindqvist") == "SL"
    assert presenters.initials("dana.k@example.com") == "D"
    assert presenters.initials("") == "?"


def _trim_one_at_a_time(url: str) -> tuple[str, str]:
    """The rule as first written: a character at a time, from the end."""
    tail = ""
    while url and (url[-1] in ".,;:!?" or (url[-1] == ")" and url.count("(") < url.count(")"))):
        tail, url = url[-1] + tail, url[:-1]
    return url, tail


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("()/.,;:!?ab")), max_size=40))
def test_trimming_in_bulk_cuts_what_a_character_at_a_time_would(tail):
    url = "https://e.example/" + tail
    assert messages._trim_url(url) == _trim_one_at_a_time(url)
