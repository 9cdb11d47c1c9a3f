"""Session lifetimes and forced MFA enrolment, enforced on every request."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from accord.policy.roles import Role, Zone
from accord.policy.rules import principal_of

AUTH_AT = "accord_auth_at"
SEEN_AT = "accord_seen_at"

# Pages a person who must enrol in MFA may still open: the enrolment pages themselves,
# the re-authentication they may ask for, and signing out.
MFA_ENROLMENT_URL_NAMES = frozenset(
    {
        "mfa_required",
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_logout",
        "quick_exit",
        "csp_report",
        "session_time",
    }
)


def _lifetime_class(request: HttpRequest) -> str:
    principal = principal_of(request.user)
    return "casework" if principal is not None and principal.zone is Zone.CASEWORK else "default"


def limits(request: HttpRequest) -> tuple[int, int]:
    """The signed-in person's idle and absolute session limits, in seconds."""
    lifetime = _lifetime_class(request)
    return (
        int(settings.ACCORD_SESSION_IDLE_SECONDS[lifetime]),
        int(settings.ACCORD_SESSION_ABSOLUTE_SECONDS[lifetime]),
    )


def time_left(request: HttpRequest) -> tuple[int, int]:
    """Seconds until the session ends for want of activity, and in any case."""
    now = time.time()
    idle_limit, absolute_limit = limits(request)
    seen_at = float(request.session.get(SEEN_AT, now))
    auth_at = float(request.session.get(AUTH_AT, now))
    return (
        max(0, int(idle_limit - (now - seen_at))),
        max(0, int(absolute_limit - (now - auth_at))),
    )


def idle_message(idle_limit: int) -> str:
    return (
        f"You were signed out because there was no activity for {idle_limit // 60} minutes. "
        "Sign in again to carry on."
    )


@functools.cache
def _time_check_path() -> str:
    return reverse("session_time")


def _is_time_check(request: HttpRequest) -> bool:
    """The page asking how long is left: not activity, or it would keep the session alive.

    Compared by path (reversed once), not by resolving every request's URL again.
    """
    return request.method == "GET" and request.path_info == _time_check_path()


def end_session(request: HttpRequest, reason: str) -> HttpResponseRedirect:
    """Sign out because the session's time is up: audited, and the reason shown at sign-in."""
    from accord.audit.services import record

    record(request, "session.expired", "user", str(request.user.pk))
    logout(request)
    messages.info(request, reason)
    return redirect(settings.LOGIN_URL)


class SessionLifetimeMiddleware:
    """Sign people out after a period without activity, and after an absolute limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            now = time.time()
            idle_limit, absolute_limit = limits(request)
            auth_at = float(request.session.get(AUTH_AT, now))
            seen_at = float(request.session.get(SEEN_AT, now))
            reason = None
            if now - seen_at > idle_limit:
                reason = idle_message(idle_limit)
            elif now - auth_at > absolute_limit:
                reason = (
                    f"You were signed out because you had been signed in for "
                    f"{absolute_limit // 3600} hours. Sign in again to carry on."
                )
            if reason is not None:
                return end_session(request, reason)
            request.session.setdefault(AUTH_AT, now)
            if not _is_time_check(request):
                request.session[SEEN_AT] = now
        return self.get_response(request)


class RequireMFAMiddleware:
    """Everyone enrols in MFA before any other page (``User.needs_mfa``; SECURITY.md AU-1).

    Where ``ACCORD_CASEWORK_REQUIRE_WEBAUTHN`` is on (production), casework roles must also
    have a security key or passkey and must have signed in with it (SECURITY.md AU-1: only a
    phishing-resistant factor for the most sensitive data). Someone who signed in with an
    authenticator app or a recovery code reaches only the pages that add a key.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "needs_mfa", False)
            and not request.path.startswith(settings.STATIC_URL)
            and not mfa_satisfied(request)
        ):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in MFA_ENROLMENT_URL_NAMES:
                return redirect("mfa_required")
        return self.get_response(request)


#: Where one request keeps its answer to :func:`mfa_satisfied`, with whose it is.
_SATISFIED = "_accord_mfa_satisfied"


def mfa_satisfied(request: HttpRequest) -> bool:
    """Has this person set up (and, where casework needs a key, signed in with) their second
    factor? Until then they reach only the enrolment pages.

    Asked twice on every page (the middleware, then the menu), and each answer takes up to
    two queries: the answer is kept on the request for the same user. The middleware asks
    first, so no page is reached on a kept answer it did not give.
    """
    user = request.user
    kept = getattr(request, _SATISFIED, None)
    if kept is not None and kept[0] == user.pk:
        return bool(kept[1])
    answer = _satisfied(request)
    setattr(request, _SATISFIED, (user.pk, answer))
    return answer


def _satisfied(request: HttpRequest) -> bool:
    user = request.user
    if not is_mfa_enabled(user):
        return False
    if not needs_webauthn(user):
        return True
    return is_mfa_enabled(user, [Authenticator.Type.WEBAUTHN]) and signed_in_with_webauthn(request)


def needs_webauthn(user: object) -> bool:
    """Casework roles and system administrators must sign in with a security key or passkey
    (SECURITY.md AU-1: an app code can be phished). A system administrator manages every
    account, the advisory service's included; only statistics-only accounts may use an app.
    """
    principal = principal_of(user)
    return (
        principal is not None
        and (principal.zone is Zone.CASEWORK or principal.role is Role.SYSTEM_ADMIN)
        and bool(getattr(settings, "ACCORD_CASEWORK_REQUIRE_WEBAUTHN", True))
    )


def signed_in_with_webauthn(request: HttpRequest) -> bool:
    """Did this session's last second step use a security key or passkey?"""
    methods = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY, [])
    mfa = [m for m in methods if isinstance(m, dict) and m.get("method") == "mfa"]
    return bool(mfa) and mfa[-1].get("type") == Authenticator.Type.WEBAUTHN
