"""The current authenticator-app code for a stored TOTP secret (demo and tests only)."""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from accord.accounts.adapters import MFAAdapter


def code_for_secret(secret: str, at: float | None = None) -> str:
    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return str(format_hotp_value(hotp_value(secret, counter)))


def stored_secret(authenticator: Authenticator) -> str:
    return str(MFAAdapter().decrypt(authenticator.data["secret"]))
