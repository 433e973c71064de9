"""One downtime as something to share: a curl command, a Terraform resource, JSON, UI links.

Each recreates the downtime from its writable attributes (`datadog.attributes_of`), so what is
copied is what Datadog would be sent, never what the dashboard thinks it means. Keys never
appear: commands read `$DD_API_KEY` and `$DD_APP_KEY` from the shell of whoever runs them.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from downtimes_app import datadog
from downtimes_app.core.domain import Downtime, OneTimeSchedule, RecurringSchedule


def datadog_downtime_url(app_url: str, downtime_id: str) -> str:
    """The downtime in Datadog's own UI (Monitors > Manage Downtimes, opened on this one)."""
    return f"{app_url.rstrip('/')}/monitors/downtimes?id={quote(str(downtime_id), safe='')}"


def datadog_monitor_url(app_url: str, monitor_id: int) -> str:
    return f"{app_url.rstrip('/')}/monitors/{int(monitor_id)}"


def request_json(downtime: Downtime) -> str:
    """The create request body that recreates `downtime`, as Datadog's API reference shows it."""
    body = datadog.request_body(datadog.attributes_of(downtime))
    return json.dumps(body, indent=2, ensure_ascii=False)


def curl_command(downtime: Downtime, api_url: str) -> str:
    """A shell command that creates the same downtime; the keys come from the environment.

    The body goes through a quoted here-document so that nothing in it (quotes, `$`, backticks
    in a message) is interpreted by the shell. JSON never puts a raw newline inside a string,
    so no line of the body can be the terminator.
    """
    url = shlex.quote(f"{api_url.rstrip('/')}/api/v2/downtime")
    return "\n".join(
        [
            f"curl -X POST {url} \\",
            '  -H "Accept: application/json" \\',
            '  -H "Content-Type: application/json" \\',
            '  -H "DD-API-KEY: ${DD_API_KEY}" \\',
            '  -H "DD-APPLICATION-KEY: ${DD_APP_KEY}" \\',
            "  --data-binary @- <<'JSON'",
            request_json(downtime),
            "JSON",
        ]
    )


# --- Terraform ---------------------------------------------------------------------------------
# Attribute and block names are the provider's documented schema for `datadog_downtime_schedule`:
# scope, monitor_identifier {monitor_id | monitor_tags}, one_time_schedule {start, end},
# recurring_schedule {timezone, recurrence {duration, rrule, start}}, display_timezone, message,
# mute_first_recovery_notification, notify_end_states, notify_end_types.

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# One pass in C (str.translate): a message may be 100,000 characters long.
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def hcl_string(text: str) -> str:
    """A quoted HCL string whose content is literal: no `${...}` or `%{...}` templates run."""
    out = text.translate(_ESCAPES)
    out = _CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", out)
    out = out.replace("${", "$${").replace("%{", "%%{")
    return f'"{out}"'


def _hcl_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_hcl_value(v) for v in value) + "]"
    return hcl_string(str(value))


Item = tuple[str, str, Any]  # ("attr", name, value) or ("block", name, [items])


def _hcl_lines(items: list[Item], indent: int) -> list[str]:
    """A block's body, `=` aligned across neighbouring attributes as `terraform fmt` does."""
    pad = " " * indent
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(name) for name, _ in run), default=0)
        lines.extend(f"{pad}{name.ljust(width)} = {value}" for name, value in run)
        run.clear()

    for kind, name, value in items:
        if kind == "attr":
            run.append((name, _hcl_value(value)))
            continue
        flush()
        lines.append(f"{pad}{name} {{")
        lines.extend(_hcl_lines(value, indent + 2))
        lines.append(f"{pad}}}")
    flush()
    return lines


def _tf_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def terraform_name(downtime: Downtime) -> str:
    slug = re.sub(r"[^A-Za-z0-9]", "", downtime.id)[:8].lower() or "copy"
    return f"downtime_{slug}"


def terraform_resource(downtime: Downtime) -> str:
    """A `datadog_downtime_schedule` resource with the same attributes as `downtime`."""
    items: list[Item] = [("attr", "scope", downtime.scope)]
    if downtime.monitor_id is not None:
        items.append(("block", "monitor_identifier", [("attr", "monitor_id", downtime.monitor_id)]))
    else:
        tags = list(downtime.monitor_tags) or ["*"]
        items.append(("block", "monitor_identifier", [("attr", "monitor_tags", tags)]))
    schedule = downtime.schedule
    if isinstance(schedule, RecurringSchedule):
        body: list[Item] = []
        for recurrence in schedule.recurrences:
            fields: list[Item] = [
                ("attr", "duration", recurrence.duration),
                ("attr", "rrule", recurrence.rrule),
            ]
            if recurrence.start is not None:
                fields.append(("attr", "start", recurrence.start.strftime("%Y-%m-%dT%H:%M:%S")))
            body.append(("block", "recurrence", fields))
        body.append(("attr", "timezone", schedule.timezone))
        items.append(("block", "recurring_schedule", body))
    elif isinstance(schedule, OneTimeSchedule):
        fields = []
        if schedule.start is not None:
            fields.append(("attr", "start", _tf_time(schedule.start)))
        if schedule.end is not None:
            fields.append(("attr", "end", _tf_time(schedule.end)))
        items.append(("block", "one_time_schedule", fields))
    items.append(("attr", "display_timezone", downtime.display_timezone))
    if downtime.message is not None:
        items.append(("attr", "message", downtime.message))
    items += [
        ("attr", "mute_first_recovery_notification", downtime.mute_first_recovery_notification),
        ("attr", "notify_end_states", sorted(downtime.notify_end_states)),
        ("attr", "notify_end_types", sorted(downtime.notify_end_types)),
    ]
    header = f'resource "datadog_downtime_schedule" "{terraform_name(downtime)}" {{'
    return "\n".join([header, *_hcl_lines(items, 2), "}"])


def copy_note(downtime: Downtime, now: datetime) -> str:
    """What to change before running a copy whose window Datadog would refuse."""
    schedule = downtime.schedule
    if isinstance(schedule, OneTimeSchedule) and schedule.end is not None and schedule.end <= now:
        return (
            "This window is over, and Datadog refuses an end in the past: change the schedule's "
            "start and end before running these."
        )
    return ""
