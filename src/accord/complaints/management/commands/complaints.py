"""``accord complaints ...``: jobs for the complaints navigator.

    accord complaints remind [--within N] [--dry-run]   email advocates whose complaint
                                                       deadlines are due (for cron, daily)

Output never contains case content, not even references: counts only, because cron mails
a command's output to whoever runs the server.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.complaints import reminders


class Command(BaseCommand):
    help = "Jobs for the complaints navigator."

    def add_arguments(self, parser: CommandParser) -> None:
        jobs = parser.add_subparsers(dest="job", required=True)
        remind = jobs.add_parser(
            "remind",
            help="Email each advocate with a complaint deadline due soon or passed (once per "
            "due date).",
        )
        remind.add_argument(
            "--within",
            type=int,
            default=reminders.DEFAULT_WITHIN_WORKING_DAYS,
            metavar="N",
            help="Remind about deadlines due within N working days (default: %(default)s).",
        )
        remind.add_argument(
            "--dry-run",
            action="store_true",
            help="Say how many emails would be sent; send nothing and change nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["job"] == "remind":
            self._remind(within=options["within"], dry_run=options["dry_run"])

    def _remind(self, *, within: int, dry_run: bool) -> None:
        if within < 0:
            raise CommandError("--within must be 0 or more working days.")
        run = reminders.send_reminders(within=within, dry_run=dry_run)
        self.stdout.write(
            f"Checked {run.complaints_checked} complaints on open cases; "
            f"{run.deadlines_due} deadlines are due within {within} working days or have passed."
        )
        if dry_run:
            self.stdout.write(
                f"Dry run: {run.emails_sent} reminder emails would be sent. "
                "Nothing was sent or saved."
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Reminder emails sent: {run.emails_sent}."))
        if run.problems:
            raise CommandError(
                f"{run.problems} complaints could not be checked; their advocates got no "
                "reminder for them. The error log names each complaint by its random id."
            )
