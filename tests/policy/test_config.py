"""The policy file: a good one read into rules, and every kind of bad one refused at start-up
with one sentence naming the file, the key and what was expected."""

from __future__ import annotations

from datetime import timedelta

import pytest

from downtimes_app.policy import rules
from downtimes_app.policy.config import BadPolicy, read_policy
from downtimes_app.policy.rules import Need
from tests.web.support import _start

GOOD = """
max_duration = "1d"
message_pattern = "(INC|CHG)-[0-9]+"
message_hint = "a ticket id such as INC-1234"
approval_for = ["every_monitor", "wildcard_scope", "longer_than:3d"]

[groups."payments"]
allowed_monitor_tags = ["team:payments"]
max_duration = "4h"

[groups."sre"]
max_duration = ""
approval_for = []
"""


def write(tmp_path, text: str) -> str:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return str(path)


def test_a_good_file_gives_every_editor_its_rules_and_each_group_its_overrides(tmp_path):
    policy = read_policy(write(tmp_path, GOOD))
    base = policy.base
    assert base.max_duration == timedelta(days=1)
    assert base.message_pattern == "(INC|CHG)-[0-9]+"
    assert base.approval_for == (
        Need(rules.EVERY_MONITOR),
        Need(rules.WILDCARD_SCOPE),
        Need(rules.LONGER_THAN, timedelta(days=3)),
    )
    payments = policy.rules_for({"payments"})
    assert payments.allowed_monitor_tags == ("team:payments",)
    assert payments.max_duration == timedelta(hours=4)
    assert payments.message_pattern == base.message_pattern  # not overridden: inherited
    sre = policy.rules_for({"sre"})
    assert sre.max_duration is None and sre.approval_for == ()
    assert read_policy("") == rules.Policy()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('max_duraton = "1d"', "max_duraton is not a policy key; expected one of max_duration"),
        ('max_duration = "1 day"', "max_duration = '1 day' is not a duration such as"),
        ("max_duration = 24", "max_duration = 24 must be a string"),
        ('message_pattern = "(INC"', "message_pattern = '(INC' is not a regular expression"),
        (
            'approval_for = ["everything"]',
            "approval_for has 'everything'; expected \"every_monitor\"",
        ),
        ('approval_for = ["longer_than:soon"]', "approval_for has 'longer_than:soon'; expected"),
        (
            'approval_for = "every_monitor"',
            "approval_for = 'every_monitor' must be a list of strings",
        ),
        ('[groups."a"]\nallowed_monitor_tags = ["team:*"]', 'groups."a".allowed_monitor_tags has'),
        ('[groups."a"]\nmax_duraton = "1h"', 'groups."a".max_duraton is not a policy key'),
        ("groups = 3", "groups must be tables"),
        ("max_duration = ", "the file is not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_in_one_sentence_naming_the_key(tmp_path, text, said):
    path = write(tmp_path, text)
    with pytest.raises(BadPolicy) as raised:
        read_policy(path)
    message = str(raised.value)
    assert message.startswith(f"DASHBOARD_POLICY_FILE={path}: ")
    assert said in message
    assert "\n" not in message


def test_a_missing_file_is_refused_naming_it(tmp_path):
    with pytest.raises(BadPolicy, match=r"policy\.toml: the file cannot be read"):
        read_policy(str(tmp_path / "policy.toml"))


def test_start_up_stops_on_a_bad_policy_file_with_its_sentence_and_starts_with_a_good_one(tmp_path):
    bad = write(tmp_path, 'max_duration = "forever"')
    stopped = _start({"DEBUG": "true", "DASHBOARD_POLICY_FILE": bad})
    assert stopped.returncode != 0
    assert (
        f"DASHBOARD_POLICY_FILE={bad}: max_duration = 'forever' is not a duration" in stopped.stderr
    )
    assert "Traceback" not in stopped.stderr
    good = write(tmp_path, GOOD)
    started = _start({"DEBUG": "true", "DASHBOARD_POLICY_FILE": good})
    assert started.returncode == 0, started.stderr
