"""``accord audit verify``: check the audit chain and print its head for off-site anchoring."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.audit.services import head, verify


class Command(BaseCommand):
    help = "Work with the audit log. 'verify' checks every link of the hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify()
        if broken is not None:
            raise CommandError(
                f"The audit chain is broken at event #{broken.seq}: {broken.reason}."
            )
        count, last_hash = head()
        self.stdout.write(
            self.style.SUCCESS(f"The audit chain is intact: {count} events, head {last_hash}.")
        )
