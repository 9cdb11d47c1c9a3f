"""Write sign-in events to the audit log (never the password or the code typed)."""

from __future__ import annotations

import time
from typing import Any

from allauth.account.signals import user_logged_in as signed_in_fully
from allauth.mfa.signals import (
    authentication_failed,
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
)
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


@receiver(signed_in_fully)
def _signed_in_fully(
    sender: Any, request: HttpRequest | None, user: Any, response: Any = None, **kwargs: Any
) -> None:
    """After the password and the second factor (allauth's own signal, which a test's
    force_login does not send): tell the person about a browser new to them."""
    if request is not None and response is not None:
        from accord.accounts.devices import recognise

        recognise(request, response, user)


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
    _end_other_sessions(request, user)


@receiver(authenticator_removed)
def _mfa_removed(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any
) -> None:
    record(request, f"mfa.removed.{authenticator.type}", "authenticator", str(authenticator.pk))
    _end_other_sessions(request, user)


@receiver(authenticator_reset)
def _mfa_reset(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any) -> None:
    record(request, f"mfa.reset.{authenticator.type}", "authenticator", str(authenticator.pk))
    _end_other_sessions(request, user)


def _end_other_sessions(request: HttpRequest | None, user: Any) -> None:
    """A change to how someone signs in ends their other sessions (SECURITY.md SE-4).

    Someone who set up or removed an authenticator because a device was lost or watched
    must not leave a session open on that device. The session in use stays signed in.
    """
    if request is None:
        return
    from allauth.usersessions.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    # Not allauth's end_other_sessions: it finds the current session through the request
    # it keeps for the duration of a request, and allauth sends these signals on commit,
    # which may come after that.
    current = request.session.session_key
    others = list(UserSession.objects.filter(user_id=user.pk).exclude(session_key=current))
    if others:
        get_adapter().end_sessions(others)
        record(request, "session.ended_others", "user", str(user.pk))


#: At most one "wrong code" email per person in this time, however many codes are tried.
MFA_FAILED_NOTICE_SECONDS = 15 * 60


@receiver(authentication_failed)
def _mfa_failed(
    sender: Any, request: HttpRequest | None, user: Any, reauthentication: bool = False, **kw: Any
) -> None:
    """A wrong code after the right password: someone may know this person's password
    (SECURITY.md AU-11). Tell them, once in a while, and never with case content."""
    record(request, "auth.mfa_failed", "user", str(user.pk), actor=None)
    if reauthentication or request is None:
        return  # already signed in: a typo while confirming is not a sign of theft
    from allauth.account.adapter import get_adapter
    from django.core.cache import cache

    if cache.add(f"accord:mfa-failed-notice:{user.pk}", 1, timeout=MFA_FAILED_NOTICE_SECONDS):
        get_adapter(request).send_notification_mail("accounts/email/mfa_failed", user)
