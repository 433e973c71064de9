"""`python -m bench.calendar` runs against the sandbox and gives its four rows (times unchecked)."""

from __future__ import annotations

from bench import calendar


def test_calendar_figures_render_both_pages_and_give_four_rows(db, monkeypatch):
    monkeypatch.setattr(calendar, "REQUESTS", 2)
    rows = calendar.calendar_figures(count=60)
    assert [row[0] for row in rows] == [
        "calendar week view, first after a new copy, 60 downtimes",
        "warm list page, 60 downtimes",
        "warm calendar week view, 60 downtimes",
        "ratio week view / list page",
    ]
    assert rows[3][1].endswith("x") and rows[3][2] == "within 2x"
