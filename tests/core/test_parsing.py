"""The one set of readers for numbers, dates and durations from outside: bounded, ASCII, calm."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from downtimes_app.core import parsing
from downtimes_app.core.parsing import Unreadable

NINES = "9" * 5000
# Digits that str.isdigit() accepts: int() refuses the first and reads the others.
SUPERSCRIPT_TWO, FULL_WIDTH_ONE, ARABIC_THREE = "\u00b2", "\uff11", "\u0663"


@pytest.mark.parametrize("text", ["0", "7", "007", " 42 ", "999999999999999999"])
def test_whole_number_reads_ascii_digits(text):
    assert parsing.whole_number(text) == int(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        SUPERSCRIPT_TWO,
        FULL_WIDTH_ONE,
        ARABIC_THREE,
        "-1",
        "+1",
        "1.0",
        "1e3",
        "0x10",
        NINES,
        "1" * 19,
        None,
    ],
)
def test_whole_number_refuses_what_int_or_isdigit_would_stumble_on(text):
    with pytest.raises(Unreadable, match="is not a whole number"):
        parsing.whole_number(text)


def test_whole_number_checks_its_range_and_says_which():
    assert parsing.whole_number("12", low=1, high=12) == 12
    with pytest.raises(Unreadable, match="'13' is out of range: give a month from 1 to 12"):
        parsing.whole_number("13", low=1, high=12, what="a month")


def test_an_unreadable_value_is_shown_cut_short_in_its_message():
    with pytest.raises(Unreadable) as caught:
        parsing.whole_number(NINES)
    assert len(str(caught.value)) < 80


@pytest.mark.parametrize(("text", "number"), [("-1", -1), ("+31", 31), ("5", 5)])
def test_signed_number_reads_a_sign_and_ascii_digits(text, number):
    assert parsing.signed_number(text, low=-31, high=31) == number


@pytest.mark.parametrize(
    "text", ["--1", "+", "-", "-" + FULL_WIDTH_ONE, SUPERSCRIPT_TWO, "32", "-32", NINES]
)
def test_signed_number_refuses_the_rest(text):
    with pytest.raises(Unreadable):
        parsing.signed_number(text, low=-31, high=31)


def test_maybe_whole_is_none_for_anything_whole_number_refuses():
    assert parsing.maybe_whole("12") == 12
    assert parsing.maybe_whole("²") is None
    assert parsing.maybe_whole(NINES) is None
    assert parsing.maybe_whole("5", high=3) is None


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [("30m", 30, "m"), (" 2h ", 2, "h"), ("520w", 520, "w"), ("3653d", 3653, "d")],
)
def test_duration_reads_an_amount_and_a_unit(text, amount, unit):
    assert parsing.duration(text) == (amount, unit)


@pytest.mark.parametrize(
    "text",
    ["0m", FULL_WIDTH_ONE + "h", SUPERSCRIPT_TWO + "h", "1.5h", "1y", "h", "", "1h" + " " * 50],
)
def test_duration_refuses_malformed_text(text):
    with pytest.raises(Unreadable, match="use a whole number followed by m, h, d or w"):
        parsing.duration(text)


@pytest.mark.parametrize("text", ["999999999999999w", "99999999999999w", "3654d", "522w"])
def test_duration_refuses_one_longer_than_ten_years_before_any_arithmetic(text):
    with pytest.raises(Unreadable, match="is too long: at most"):
        parsing.duration(text)


def test_date_time_reads_iso_times_in_the_years_a_person_types():
    assert parsing.date_time("2026-11-17T02:00") == datetime(2026, 11, 17, 2, 0)
    assert parsing.date_time("2026-11-17T02:00+01:00").utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9999-12-31T23:00", "out of range: give a date from the year 1970 to 2999"),
        ("0001-01-01T00:00", "out of range"),
        ("tomorrow", "is not a date and time"),
        ("2026-11-17T02:00" + "0" * 100, "is not a date and time"),
        ("2026-11-17T02:00".replace("2", "\uff12"), "is not a date and time"),
    ],
)
def test_date_time_refuses_the_rest(text, message):
    with pytest.raises(Unreadable, match=message):
        parsing.date_time(text)


def test_date_time_from_datadog_takes_a_wider_range_that_still_leaves_room():
    moment = parsing.date_time("9998-12-31T23:00:00+00:00", years=parsing.STORED_YEARS)
    assert parsing.add(moment, timedelta(hours=2)).year == 9999
    with pytest.raises(Unreadable):
        parsing.date_time("9999-12-31T23:00:00+00:00", years=parsing.STORED_YEARS)


def test_add_turns_overflow_into_a_sentence():
    assert parsing.add(datetime(2026, 1, 1), timedelta(hours=1)) == datetime(2026, 1, 1, 1)
    with pytest.raises(Unreadable, match="after the year 9999"):
        parsing.add(datetime(9999, 12, 31, 23), timedelta(hours=2))
    with pytest.raises(Unreadable, match="before the year 1"):
        parsing.add(datetime(1, 1, 1), timedelta(days=-1))


def test_add_or_edge_stops_at_datetimes_first_and_last_moment():
    assert parsing.add_or_edge(datetime(9999, 12, 31), timedelta(days=9)) == datetime.max
    assert parsing.add_or_edge(datetime(1, 1, 2), timedelta(days=-9)) == datetime.min


@given(st.text(max_size=60) | st.from_regex(r"[+-]?[0-9]{1,30}", fullmatch=True))
def test_every_reader_answers_a_value_or_unreadable_for_any_text(text):
    for read in (
        parsing.whole_number,
        lambda t: parsing.signed_number(t, low=-366, high=366),
        parsing.duration,
        parsing.date_time,
        lambda t: parsing.date_time(t, years=parsing.STORED_YEARS),
    ):
        try:
            value = read(text)
        except Unreadable as refused:
            assert str(refused)  # a sentence to show, never an empty error
        else:
            assert isinstance(value, int | tuple | datetime)
