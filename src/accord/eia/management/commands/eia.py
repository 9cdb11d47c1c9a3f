"""``accord eia remind [--dry-run]``: email the authors of published assessments due for
review within 30 days or overdue (once per review date). For cron, daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from accord.eia import reminders


class Command(BaseCommand):
    help = "Jobs for equality impact assessments."

    def add_arguments(self, parser: CommandParser) -> None:
        jobs = parser.add_subparsers(dest="job", required=True)
        remind = jobs.add_parser("remind", help="Email authors whose assessment is due a review.")
        remind.add_argument("--dry-run", action="store_true", help="Send and change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reminders.send_reminders(timezone.localdate(), dry_run=options["dry_run"])
        verb = "would be sent" if options["dry_run"] else "sent"
        self.stdout.write(
            f"{sent.due} assessment(s) due for review; {sent.emails} email(s) {verb}."
        )
