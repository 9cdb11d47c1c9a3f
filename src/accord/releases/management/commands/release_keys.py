"""``accord release_keys new|public``: make a release signing key; print its public half."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.releases.file import ReleaseFileError, new_private_text, private_key, public_text


class Command(BaseCommand):
    help = (
        "'new KEY_ID' prints a new signing key for ACCORD_RELEASE_SIGNING_KEY (keep it as "
        "secret as the case keys) and the public half that partnership deployments add to "
        "ACCORD_RELEASE_TRUSTED_KEYS. 'public' prints the public half of the key in use."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["new", "public"])
        parser.add_argument("key_id", nargs="?", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "new":
            key_id = options["key_id"].strip()
            if not key_id or any(c in key_id for c in ":=; "):
                raise CommandError(
                    "Give the new key a name without spaces, ':', '=' or ';', for example "
                    "'service-2027'."
                )
            seed = new_private_text()
            self.stdout.write(f"ACCORD_RELEASE_SIGNING_KEY={key_id}:{seed}")
            self.stdout.write(
                f"For partnership deployments: {key_id}=<your service's name>="
                f"{public_text(private_key(seed))}"
            )
            return
        key_id, _, seed = settings.ACCORD_RELEASE_SIGNING_KEY.partition(":")
        if not seed:
            raise CommandError("ACCORD_RELEASE_SIGNING_KEY is not set on this deployment.")
        try:
            self.stdout.write(f"{key_id}=<your service's name>={public_text(private_key(seed))}")
        except ReleaseFileError as error:
            raise CommandError(str(error)) from error
