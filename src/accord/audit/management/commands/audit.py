"""``accord audit verify|anchor``: check the audit chain; write its head outside the database."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.audit.models import AuditEvent
from accord.audit.services import AnchorFileError, head, verify, write_anchor


class Command(BaseCommand):
    help = (
        "Work with the audit log. 'verify' checks every link of the hash chain and every "
        "anchor; 'anchor' appends the chain's head to ACCORD_AUDIT_ANCHOR_FILE (run it daily)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["verify", "anchor"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            broken = verify()
        except AnchorFileError as error:
            raise CommandError(str(error)) from error
        if broken is not None:
            advice = ""
            first = AuditEvent.objects.order_by("id").values_list("pk", flat=True).first()
            if broken.seq == first and not settings.ACCORD_AUDIT_UNKEYED_UNTIL:
                advice = (
                    " If this log was started before the chain was keyed, set "
                    "ACCORD_AUDIT_UNKEYED_UNTIL to the number of the last event written then."
                )
            raise CommandError(
                f"The audit chain is broken at event #{broken.seq}: {broken.reason}.{advice}"
            )
        count, last_hash = head()
        if options["subcommand"] == "anchor":
            anchor = write_anchor()
            if anchor is None:
                self.stdout.write("The audit log is empty: nothing to anchor yet.")
                return
            self.stdout.write(
                self.style.SUCCESS(
                    f"Anchored event #{anchor.seq} ({anchor.hash}) in "
                    f"{settings.ACCORD_AUDIT_ANCHOR_FILE}."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"The audit chain is intact: {count} events, head {last_hash}.")
        )
