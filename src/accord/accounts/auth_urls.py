"""allauth's sign-in, MFA and password pages, marked and throttled.

allauth guards its own pages (a sign-in page must open for people who are not signed in),
so each of its views is marked ``auth_flow``. The sign-in, MFA and password-reset views are
wrapped with Accord's per-(username, IP) throttle, and sign-out also clears the site. Once
someone has an authenticator, re-authentication means a second factor, never the password
alone (``accounts.stepup``, SECURITY.md SE-5).
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import URLPattern, URLResolver, include

from accord.accounts.stepup import accepted_types, step_up_if_enrolled
from accord.accounts.throttle import throttled
from accord.policy.views import auth_flow


def _login_username(request: HttpRequest) -> str:
    return str(request.POST.get("login", ""))


def _reset_username(request: HttpRequest) -> str:
    return str(request.POST.get("email", ""))


def _mfa_username(request: HttpRequest) -> str:
    # During the MFA stage allauth keeps the half-signed-in user in the session.
    from allauth.account.internal.stagekit import get_pending_stage

    stage = get_pending_stage(request)
    user = getattr(getattr(stage, "login", None), "user", None) if stage else None
    return str(getattr(user, "email", "")) or str(getattr(request.user, "email", ""))


def _form_rejected(response: HttpResponseBase) -> bool:
    """allauth re-shows the form (200) when the password or code was wrong."""
    return response.status_code == 200


def _always(response: HttpResponseBase) -> bool:
    return True


def clears_site_data(view: Any) -> Any:
    """Signing out also asks the browser to forget Accord (SECURITY.md DP-2).

    On a shared or watched device, pages kept in the cache or storage could show what
    someone was doing. Only a completed sign-out clears: the confirmation page does not.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase = view(request, *args, **kwargs)
        if request.method == "POST" and not request.user.is_authenticated:
            response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
        return response

    return wrapped


def password_only_before_enrolment(view: Any) -> Any:
    """The password re-authentication page, for people with no authenticator yet.

    Anyone enrolled is sent to confirm with their authenticator instead, keeping where they
    were going: a password alone must not pass a step-up.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if accepted_types(request.user) is None:
            return view(request, *args, **kwargs)  # type: ignore[no-any-return]
        from allauth.account.adapter import get_adapter

        methods = get_adapter().get_reauthentication_methods(request.user)
        query = request.META.get("QUERY_STRING", "")
        return HttpResponseRedirect(methods[0]["url"] + (f"?{query}" if query else ""))

    return wrapped


#: allauth's pages that change how someone signs in (each already asks to re-authenticate).
CHANGES_SIGN_IN = (
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_add_webauthn",
    "mfa_remove_webauthn",
    "mfa_edit_webauthn",
)

WRAPPERS = {
    "account_login": throttled("login", _login_username, _form_rejected),
    "mfa_authenticate": throttled("mfa", _mfa_username, _form_rejected),
    "account_reset_password": throttled("reset", _reset_username, _always),
    "account_logout": clears_site_data,
    "account_reauthenticate": password_only_before_enrolment,
    **dict.fromkeys(CHANGES_SIGN_IN, step_up_if_enrolled),
}


# Email addresses are managed by administrators (invite-only), and sign-in by emailed code is
# off, so allauth's pages for those are not served at all.
EXCLUDED = frozenset(
    {
        "account_email",
        "account_email_verification_sent",
        "account_confirm_email",
        "account_confirm_login_code",
    }
)


def _mark(patterns: list[Any]) -> list[Any]:
    marked: list[Any] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            marked.append(
                URLResolver(
                    entry.pattern,
                    _mark(list(entry.url_patterns)),
                    entry.default_kwargs,
                    entry.app_name,
                    entry.namespace,
                )
            )
            continue
        if not isinstance(entry, URLPattern):
            raise TypeError(f"Unexpected URL entry {entry!r}")
        if entry.name in EXCLUDED:
            continue
        callback = entry.callback
        wrap = WRAPPERS.get(entry.name or "")
        if wrap is not None:
            callback = wrap(callback)
        marked.append(
            URLPattern(entry.pattern, auth_flow(callback), entry.default_args, entry.name)
        )
    return marked


def auth_patterns() -> list[Any]:
    urlconf, _, _ = include("allauth.urls")
    return _mark(list(getattr(urlconf, "urlpatterns", urlconf)))
