from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox import seed
from sandbox.models import SandboxDowntime, SandboxMonitor


class Command(BaseCommand):
    help = "Fill the built-in sandbox with a believable org: users, monitors and downtimes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--downtimes",
            type=int,
            default=60,
            help="how many downtimes to create in all (default 60; 10000 for benchmarks)",
        )
        parser.add_argument(
            "--monitors",
            type=int,
            default=0,
            help="at least this many monitors (the demo org has 72; 5000 for benchmarks)",
        )
        parser.add_argument("--reset", action="store_true", help="delete all sandbox data first")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the sandbox already has data (what `make run` uses)",
        )
        parser.add_argument("--seed", type=int, default=7, help="random seed for generated data")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["downtimes"] < 0 or options["monitors"] < 0:
            raise CommandError("--downtimes and --monitors must be zero or more")
        has_data = SandboxMonitor.objects.exists()
        if options["if_empty"] and has_data and not options["reset"]:
            count = SandboxDowntime.objects.count()
            self.stdout.write(f"Sandbox already has data ({count} downtimes); not seeding.")
            return
        if has_data and not options["reset"]:
            raise CommandError("The sandbox already has data; add --reset to replace it.")
        started = time.monotonic()
        seed.reset()
        created = seed.seed(
            downtimes=options["downtimes"], seed_value=options["seed"], monitors=options["monitors"]
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded the sandbox with {created} downtimes, "
                f"{SandboxMonitor.objects.count()} monitors in {time.monotonic() - started:.1f}s."
            )
        )
