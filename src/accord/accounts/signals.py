"""Write sign-in events to the audit log (never the password or the code typed)."""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accord.accounts.middleware import AUTH_AT, SEEN_AT
from accord.audit.services import record


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[AUTH_AT] = now
        request.session[SEEN_AT] = now
    record(request, "auth.login", "user", str(user.pk), actor=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(request, "auth.logout", "user", str(user.pk), actor=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    # The username typed is not recorded: it may be a password typed in the wrong box.
    record(request, "auth.login_failed", "user", "", actor=None)


@receiver(authenticator_added)
def _mfa_added(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any) -> None:
    record(request, f"mfa.added.{authenticator.type}", "authenticator", str(authenticator.pk))


@receiver(authenticator_removed)
def _mfa_removed(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any
) -> None:
    record(request, f"mfa.removed.{authenticator.type}", "authenticator", str(authenticator.pk))
