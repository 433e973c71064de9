"""The policy as a write meets it: the rules of the person writing, and the monitors the
downtime targets when a rule needs them.

Every write path (the form's saving, extend, and what saves through them: quick mute, clone,
prefilled links) calls `judge` before anything is sent. It asks Datadog nothing unless
`allowed_monitor_tags` needs to know what a target matches and the monitor copy cannot say.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from downtimes_app import datadog
from downtimes_app.core.domain import Definition, Monitor
from downtimes_app.muting import monitoring
from downtimes_app.policy import rules
from downtimes_app.store import monitors as monitor_store

User = AbstractBaseUser | AnonymousUser


def policy() -> rules.Policy:
    return settings.DASHBOARD_POLICY


def in_force() -> bool:
    current = policy()
    return bool(current.groups) or not current.base.empty


def asks_for_approval() -> bool:
    """Whether any rule of the file holds a downtime for a second editor."""
    current = policy()
    return bool(current.base.approval_for) or any(r.approval_for for _, r in current.groups)


def loosest() -> rules.Rules:
    """What the policy refuses for everyone: the most lenient of its rules, the top level's
    and every group's (the attention view flags what nobody may make, never what some group
    may)."""
    current = policy()
    return rules.lenient([current.base, *(r for _, r in current.groups)])


def rules_of(user: User) -> rules.Rules:
    """This person's rules: the file's, with the overrides of the groups they are in."""
    current = policy()
    if not current.groups or not user.is_authenticated:
        return current.base
    names = set(user.groups.values_list("name", flat=True))  # type: ignore[union-attr]
    return current.rules_for(names)


def targeted(definition: Definition) -> Sequence[Monitor] | None:
    """The monitors it targets now, from the copy or else Datadog; None if neither can say."""
    identifier = definition.monitor_identifier
    try:
        if identifier.monitor_id is not None:
            found = monitor_store.find(identifier.monitor_id)
            return [found or datadog.get_monitor(identifier.monitor_id)]
        tags = tuple(t for t in identifier.monitor_tags if t != "*")
        carrying = monitoring.carrying(tags)
        if carrying is not None:
            return carrying
        return datadog.list_monitors(monitor_tags=tags).monitors
    except datadog.NotFound:
        return []
    except datadog.DatadogError:
        return None


def _needs_monitors(definition: Definition, mine: rules.Rules) -> bool:
    identifier = definition.monitor_identifier
    if not mine.allowed_monitor_tags or identifier.everything:
        return False
    return identifier.monitor_id is not None or not (
        set(identifier.monitor_tags) & set(mine.allowed_monitor_tags)
    )


def judge(
    user: User,
    definition: Definition,
    now: datetime,
    *,
    changed: Sequence[str] | None = None,
    before: Definition | None = None,
) -> rules.Verdict:
    """How this write fares: refused (each rule in words), waiting for approval, or clear.
    `changed` and `before`: an edit's changed attributes and the downtime it changes (an edit
    answers for what it changes, and only for a length it makes longer)."""
    if not in_force():
        return rules.Verdict()
    mine = rules_of(user)
    if changed is not None and not set(changed) & {"monitor_identifier"}:
        monitors = None  # the target is not asked about
    else:
        monitors = targeted(definition) if _needs_monitors(definition, mine) else None
    return rules.judge(definition, mine, now, monitors=monitors, changed=changed, before=before)


def unheld(
    user: User, definition: Definition, now: datetime, *, before: Definition, edit_hint: bool
) -> str:
    """For a quick change of a window's end, which no form can hold for approval: "" when the
    policy allows it, else why not in words (and, where there is a form, to ask through Edit)."""
    verdict = judge(user, definition, now, changed=["schedule"], before=before)
    if verdict.breaches:
        said = " ".join(b.words for b in verdict.breaches)
        return f"The dashboard's policy does not allow it, so nothing was sent: {said}"
    if verdict.needs:
        why = "; ".join(n.words for n in verdict.needs)
        hint = " Use Edit to ask for it." if edit_hint else ""
        return f"Nothing was sent: the policy asks a second editor to approve {why}.{hint}"
    return ""
