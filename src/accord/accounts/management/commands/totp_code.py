"""``accord totp_code EMAIL``: the current authenticator code for a demo account."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.accounts.totp import code_for_secret, stored_secret


class Command(BaseCommand):
    help = "Print the current authenticator code for a demo account (demo settings only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        if "demo-only" not in str(settings.SECRET_KEY):
            raise CommandError("This only works with the demo settings.")
        authenticator = Authenticator.objects.filter(
            user__email=options["email"].lower(), type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError(f"{options['email']} has no authenticator app set up.")
        self.stdout.write(code_for_secret(stored_secret(authenticator)))
