"""`manage.py sandbox_monitor_state <monitor id> <group> <OK|Alert|Warn|No Data>`: move one
group of a sandbox monitor to a state, to try by hand what follows (a mute "until it recovers"
ending, a reminder naming what still alerts). The dashboard sees it at its next monitor refresh."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.monitors import GROUP_STATUSES, set_group_state


class Command(BaseCommand):
    help = "Set one group of a sandbox monitor to OK, Alert, Warn or No Data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("monitor_id", type=int, help="the monitor's id")
        parser.add_argument("group", help="the group's name (host:web-3), or * when not grouped")
        parser.add_argument("state", choices=GROUP_STATUSES, help="its new state")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            monitor = set_group_state(options["monitor_id"], options["group"], options["state"])
        except ValueError as problem:
            raise CommandError(f"{problem}.") from None
        self.stdout.write(
            f"{options['group']} of monitor {monitor.pk} is {options['state']} "
            f"(the monitor is {monitor.overall_state})."
        )
