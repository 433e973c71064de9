"""`python -m bench.attention` runs against the sandbox and gives its rows (times unchecked)."""

from __future__ import annotations

from bench import attention


def test_attention_figures_review_a_seeded_org_with_no_upstream_call_when_warm(db, monkeypatch):
    monkeypatch.setattr(attention, "ROUNDS", 2)
    monkeypatch.setattr(attention, "DOWNTIMES", 300)  # the same path, a smaller org
    monkeypatch.setattr(attention, "MONITORS", 50)
    rows = attention.attention_figures()
    assert rows[0][0].startswith("attention review of the whole copy, 300 downtimes, 50 monitors (")
    # With a policy, the review flags what it flagged and what the policy refuses (which
    # tests/attention/test_against_policy.py checks row by row).
    plain = int(rows[0][0].rsplit("(", 1)[1].split(" ")[0])
    assert rows[1][0].startswith("the same with a policy in force (")
    assert int(rows[1][0].split("(", 1)[1].split(" ")[0]) >= plain
    assert rows[1][1].endswith(" ms")
    assert rows[2][0] == "warm attention page, 300 downtimes, 50 monitors"
    assert rows[2][1].endswith(" ms")
    assert rows[3] == ("upstream calls, warm attention pages and their counts", "0", "0")
