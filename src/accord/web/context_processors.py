"""What the page shell needs: who is signed in, for which organisation, in which zone."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accord.policy.roles import Zone
from accord.policy.rules import can, principal_of

#: Which menu item a page sits under, by the start of its path.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("/home/", "home"),
    ("/casework/", "cases"),
    ("/plans/", "plans"),
    ("/eia/", "eia"),
    ("/datasets/", "data"),
    ("/analysis/", "analysis"),
    ("/training/", "training"),
    ("/releases/", "releases"),
    ("/people/", "people"),
    ("/account/2fa/", "security"),
    ("/account/sessions/", "security"),
    ("/account/security/", "security"),
)


#: Confirming it is you (step-up) interrupts whatever the person was doing, such as publishing
#: a plan: the menu should not claim they are now in "Sign-in security".
STEP_UP_PATHS = (
    "/account/reauthenticate/",
    "/account/2fa/reauthenticate/",
    "/account/2fa/webauthn/reauthenticate/",
)


def section_of(path: str) -> str | None:
    """The menu item to mark as current, so people can see where they are."""
    if path.startswith(STEP_UP_PATHS):
        return None
    for prefix, section in SECTIONS:
        if path.startswith(prefix):
            return section
    return None


def shows_quick_exit(request: HttpRequest, *, in_casework: bool) -> bool:
    """Quick exit on every page a survivor may see (CASEWORK.md), not only the casework zone.

    Anyone not signed in may be a survivor reading the public pages. The sign-in and
    password pages are left out: typing a password with capitals presses Shift often
    enough to trigger the three-Shift exit by accident.
    """
    if in_casework:
        return True
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return not signed_in and not request.path.startswith("/account/")


def setting_up(request: HttpRequest) -> bool:
    """Signed in but not yet through MFA set-up: every other menu item would only bounce
    them back to set-up, so the menu offers just that."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "needs_mfa", False):
        return False
    from accord.accounts.middleware import mfa_satisfied

    return not mfa_satisfied(request)


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    membership = getattr(user, "active_membership", None) if user is not None else None
    principal = principal_of(user)
    in_casework = principal is not None and principal.zone is Zone.CASEWORK
    return {
        "shell_membership": membership,
        "shell_in_casework": in_casework,
        "shell_can_view_people": principal is not None and can(user, "accounts.view_people"),
        "shell_can_analyse": principal is not None and can(user, "monitoring.analyse"),
        "shell_can_view_plans": principal is not None
        and "partnership" in settings.ACCORD_ZONES
        and can(user, "plan.view"),
        "shell_can_view_releases": principal is not None
        and "partnership" in settings.ACCORD_ZONES
        and can(user, "releases.view"),
        "shell_can_work_cases": principal is not None
        and "casework" in settings.ACCORD_ZONES
        and can(user, "casework.work"),
        "shell_section": section_of(request.path),
        "shell_setting_up": setting_up(request),
        "shell_quick_exit": shows_quick_exit(request, in_casework=in_casework),
        "quick_exit_url": settings.ACCORD_QUICK_EXIT_URL,
        # base.html asks for form.errors on every page. Without a default, a page with no
        # form makes the template engine log a failed lookup whose message holds the whole
        # context, case content included. A view's own ``form`` replaces this one.
        "form": None,
        **session_time(request),
    }


def session_time(request: HttpRequest) -> dict[str, Any]:
    """Seconds the session has left, for the page's sign-out warning (empty when signed out)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    from accord.accounts.middleware import time_left

    idle, absolute = time_left(request)
    return {
        "session_idle_left": idle,
        "session_absolute_left": absolute,
        "session_warning": settings.ACCORD_SESSION_WARNING_SECONDS,
    }
