"""`python -m bench.monitors` runs against the sandbox and gives its rows (times unchecked)."""

from __future__ import annotations

from bench import monitors


def test_monitor_page_figures_render_both_sizes_with_no_upstream_call_when_warm(db, monkeypatch):
    monkeypatch.setattr(monitors, "REQUESTS", 2)
    monkeypatch.setattr(monitors, "LARGE", 300)  # the same path, a smaller org
    rows = monitors.monitor_page_figures()
    assert [row[0] for row in rows] == [
        "warm monitor list, 100 monitors",
        "warm monitor list, 300 monitors",
        "ratio 300 / 100",
        "new monitor search, 100 / 300 monitors",
        "upstream calls, warm monitor list views",
    ]
    assert rows[2][1].endswith("x") and rows[2][2] == "within 2x"
    assert rows[4][1] == "0"
