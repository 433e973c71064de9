"""The policy file (`DASHBOARD_POLICY_FILE`, TOML), read and checked once, at start-up.

A file that cannot be read, a key nobody knows or a value of the wrong shape stops start-up
with one sentence naming the file, the key and what was expected: a guardrail that silently
does nothing is worse than none. Without the setting there is no policy (`Policy()`).

    max_duration = "1d"
    message_pattern = "(INC|CHG)-[0-9]+"
    message_hint = "a ticket id such as INC-1234"      # how the form says it (optional)
    approval_for = ["every_monitor", "wildcard_scope", "longer_than:3d"]

    [groups."payments"]                                # members of the Django group
    allowed_monitor_tags = ["team:payments"]
    max_duration = "4h"

A group's table overrides only the keys it sets; an empty value (`""`, `[]`) lifts a limit.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from downtimes_app.core import schedules
from downtimes_app.policy.rules import (
    EVERY_MONITOR,
    LONGER_THAN,
    WILDCARD_SCOPE,
    Need,
    Policy,
    Rules,
)

SETTING = "DASHBOARD_POLICY_FILE"
KEYS = ("max_duration", "message_pattern", "message_hint", "approval_for", "allowed_monitor_tags")
DURATION = 'a duration such as "30m", "4h", "1d" or "1w"'
NEEDS = (
    f'"{EVERY_MONITOR}", "{WILDCARD_SCOPE}" or "{LONGER_THAN}:<duration>" such as "longer_than:3d"'
)
WILDCARDS = re.compile(r"[*?]")


class BadPolicy(ImproperlyConfigured):
    pass


def read_policy(path: str) -> Policy:
    """The policy in the file at `path`; `Policy()` when `path` is empty."""
    if not path:
        return Policy()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise BadPolicy(f"{SETTING}={path}: the file cannot be read ({error.strerror}).") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise BadPolicy(f"{SETTING}={path}: the file is not valid TOML ({error}).") from None
    return parse(data, path)


def parse(data: Mapping[str, Any], path: str = "") -> Policy:
    where = f"{SETTING}={path}: " if path else f"{SETTING}: "

    def fail(key: str, problem: str) -> BadPolicy:
        return BadPolicy(f"{where}{key} {problem}.")

    unknown = [k for k in data if k not in (*KEYS, "groups")]
    if unknown:
        raise fail(
            unknown[0], f'is not a policy key; expected one of {", ".join(KEYS)} or [groups."NAME"]'
        )
    base = _rules(data, Rules(), "", fail)
    groups = data.get("groups", {})
    if not isinstance(groups, dict):
        raise fail("groups", 'must be tables such as [groups."payments"]')
    found = []
    for name, table in groups.items():
        prefix = f'groups."{name}".'
        if not name.strip():
            raise fail('groups.""', "needs a Django group's name")
        if not isinstance(table, dict):
            raise fail(f'groups."{name}"', "must be a table of policy keys")
        unknown = [k for k in table if k not in KEYS]
        if unknown:
            raise fail(
                prefix + unknown[0], f"is not a policy key; expected one of {', '.join(KEYS)}"
            )
        found.append((name, _rules(table, base, prefix, fail)))
    return Policy(base, tuple(found), path)


def _rules(table: Mapping[str, Any], start: Rules, prefix: str, fail) -> Rules:
    changes: dict[str, Any] = {}
    for key in KEYS:
        if key in table:
            changes[key] = _value(key, table[key], lambda problem, k=key: fail(prefix + k, problem))
    return replace(start, **changes)


def _value(key: str, value: Any, fail) -> Any:
    if key in ("max_duration", "message_pattern", "message_hint") and not isinstance(value, str):
        raise fail(f"= {value!r} must be a string")
    if key == "max_duration":
        return _duration(value, fail, DURATION) if value.strip() else None
    if key == "message_pattern":
        try:
            re.compile(value)
        except re.error as error:
            raise fail(f"= {value!r} is not a regular expression ({error})") from None
        return value
    if key == "message_hint":
        return value.strip()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"= {value!r} must be a list of strings")
    if key == "approval_for":
        return tuple(_need(v, fail) for v in value)
    for tag in value:
        if not tag.strip() or WILDCARDS.search(tag):
            raise fail(
                f'has {tag!r}; expected whole monitor tags such as "team:payments", no wildcards'
            )
    return tuple(tag.strip() for tag in value)


def _duration(text: str, fail, expected: str):
    try:
        return schedules.parse_duration(text).delta
    except schedules.ScheduleError:
        raise fail(f"= {text!r} is not {expected}") from None


def _need(text: str, fail) -> Need:
    kind, _, limit = text.partition(":")
    if kind in (EVERY_MONITOR, WILDCARD_SCOPE) and not limit:
        return Need(kind)
    if kind == LONGER_THAN and limit:
        try:
            return Need(kind, schedules.parse_duration(limit).delta)
        except schedules.ScheduleError:
            pass
    raise fail(f"has {text!r}; expected {NEEDS}")
