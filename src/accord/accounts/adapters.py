"""allauth hooks: invite-only sign-up, encrypted MFA secrets, client IP from trusted proxies."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest

from accord.accounts.client_ip import client_ip
from accord.crypto import keyring_from_settings

MFA_SECRET_CONTEXT = b"accord:mfa-secret"


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Accounts are created by invitation only."""
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request)

    def add_message(self, request: HttpRequest, level: int, *args: Any, **kwargs: Any) -> None:
        """No "Successfully signed in" above a page that says they cannot go on yet."""
        template = kwargs.get("message_template", args[0] if args else None)
        if template == "account/messages/logged_in.txt":
            from accord.web.context_processors import setting_up

            if setting_up(request):
                return
        super().add_message(request, level, *args, **kwargs)

    def get_reauthentication_methods(self, user: Any) -> list[dict[str, Any]]:
        """Only second factors confirm an enrolled person (SECURITY.md SE-5).

        The first entry is where a step-up sends them; for casework roles that must use a
        security key, only the key is offered.
        """
        from accord.accounts.stepup import accepted_types

        methods: list[dict[str, Any]] = super().get_reauthentication_methods(user)
        types = accepted_types(user)
        if types is None:
            return methods
        if types == {"webauthn"}:
            return [m for m in methods if m["id"] == "mfa_reauthenticate:webauthn"]
        return [m for m in methods if m["id"] != "reauthenticate"]


class MFAAdapter(DefaultMFAAdapter):  # type: ignore[misc]
    """TOTP seeds and recovery-code seeds are stored encrypted, with keys outside the database."""

    def encrypt(self, text: str) -> str:
        return keyring_from_settings().encrypt(text.encode(), MFA_SECRET_CONTEXT)

    def decrypt(self, encrypted_text: str) -> str:
        return keyring_from_settings().decrypt(encrypted_text, MFA_SECRET_CONTEXT).decode()

    def get_public_key_credential_rp_entity(self) -> dict[str, Any]:
        entity: dict[str, Any] = super().get_public_key_credential_rp_entity()
        entity["name"] = "Accord"
        return entity
