"""``accord receive_release FILE --as EMAIL``: receive a signed release file (or a
withdrawal notice) from disk.

For a partnership deployment whose people receive files by other means than the web page
(a shared drive, an air gap). The same checks as the page: a file that fails any of them
exits with status 1 and the reason, and nothing is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.accounts.models import User
from accord.monitoring.models import ReceivedWithdrawal
from accord.monitoring.received_releases import ReleaseRefused, read_capped, receive
from accord.releases.file import ReleaseFileError


class Command(BaseCommand):
    help = "Check a signed release file from the advisory service and keep it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the release file (.json)")
        parser.add_argument(
            "--as",
            dest="email",
            required=True,
            help="email of the person receiving it (an analyst, plan owner or contributor)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["email"]).strip()
        try:
            user = User.objects.get(email__iexact=email)
        except User.DoesNotExist as missing:
            raise CommandError(f"There is no account with the email {email}.") from missing
        path: Path = options["file"]
        try:
            with path.open("rb") as handle:
                data = read_capped(handle, path.stat().st_size)
            received = receive(None, data, by=user)
        except OSError as error:
            raise CommandError(f"The file {path} cannot be read: {error.strerror}.") from None
        except (ReleaseFileError, ReleaseRefused, PermissionDenied) as refused:
            raise CommandError(str(refused)) from None
        if isinstance(received, ReceivedWithdrawal):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Received the withdrawal of '{received.release_title}', signed by "
                    f"{received.publisher} (key {received.key_id}): its figures are no longer "
                    f"shown.\nRelease {received.release_uid}, file SHA-256 "
                    f"{received.file_sha256}."
                )
            )
            return
        start, end = received.period_start, received.period_end
        self.stdout.write(
            self.style.SUCCESS(
                f"Received '{received.title}' ({start.day} {start:%B %Y} to "
                f"{end.day} {end:%B %Y}), signed by {received.publisher} "
                f"(key {received.key_id}).\nRelease {received.uid}, file SHA-256 "
                f"{received.file_sha256}."
            )
        )
