"""`python -m bench.hostile` runs against the sandbox and gives its three rows (times unchecked)."""

from __future__ import annotations

from bench import hostile


def test_hostile_page_figures_render_both_pages_and_give_three_rows(db, monkeypatch, walk_steps):
    monkeypatch.setattr(hostile, "REQUESTS", 2)
    rows = hostile.hostile_page_figures()
    assert [row[0] for row in rows] == [
        "downtime page, ordinary (one weekly recurrence)",
        "downtime page, 5 never-occurring recurrences and a 100,020-character message",
        "ratio hostile / ordinary",
    ]
    assert rows[2][1].endswith("x") and rows[2][2] == "within 2x"
    # Three views of each page: the hostile one walks its empty spans on the first only.
    assert len(walk_steps) <= 5 * 3 * (366 * 5 + 2)
