"""`python -m bench.history` runs against the sandbox and gives its rows (times unchecked)."""

from __future__ import annotations

from bench import history


def test_history_figures_count_what_refreshes_write_and_answer_a_moment(db, monkeypatch):
    monkeypatch.setattr(history, "ROUNDS", 2)
    monkeypatch.setattr(history, "DOWNTIMES", 300)  # the same path, a smaller org
    monkeypatch.setattr(history, "CHANGES", 10)
    monkeypatch.setattr(history, "GENERATED", 4_000)
    monkeypatch.setattr(history, "PER_DOWNTIME", 40)
    rows = {row[0]: row[1:] for row in history.history_figures()}
    assert rows["history's first sight of 300 downtimes"][0] == "300 versions"
    assert rows["versions written by 2 unchanged refreshes"] == ("0", "0")
    assert rows["versions written by it"] == ("10", "10")
    moment = next(key for key in rows if key.startswith("warm /history/?at= over 4,000"))
    shown = int(moment.split("(", 1)[1].split(" ")[0])
    assert 0 < shown <= 100  # of the 100 generated downtimes, the ones muting half a year back
    assert rows[moment][1] == "within 2x of the warm list page"
