"""Step-up: the second factor again, minutes before an act that cannot be undone.

SECURITY.md SE-5 asks for a fresh MFA within 5 minutes before changing how someone signs in,
exporting or disclosing case data, erasing it, and publishing. allauth's own
re-authentication accepts the password alone, which is exactly what a thief who has watched
someone type it would have; so for a person enrolled in MFA only a second factor counts, and
for casework roles that must use a security key, only a security key.

Someone not yet enrolled (they are still setting up their first authenticator, and can reach
nothing else) confirms with their password, as allauth does; and that confirmation still
counts for its few minutes once the first authenticator exists, so that the recovery codes
shown straight after enrolment do not ask to confirm again. A password confirmation made
after enrolment never counts.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core.exceptions import ReauthenticationRequired
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest, HttpResponseBase


def accepted_types(user: Any) -> frozenset[str] | None:
    """Which second factors a step-up may use, or None when the password is enough."""
    from accord.accounts.middleware import needs_webauthn

    if not user.is_authenticated or not is_mfa_enabled(user):
        return None
    if needs_webauthn(user) and is_mfa_enabled(user, [Authenticator.Type.WEBAUTHN]):
        return frozenset({Authenticator.Type.WEBAUTHN})
    return frozenset(Authenticator.Type)


def stepped_up(request: HttpRequest) -> bool:
    """Did this person confirm who they are, with a factor that counts, in the last minutes?"""
    user = request.user
    if not user.is_authenticated:
        return False
    records = [r for r in get_authentication_records(request, user) if r.get("reauthenticated")]
    if not records:
        return False
    last = records[-1]
    if time.time() - float(last.get("at", 0)) >= account_settings.REAUTHENTICATION_TIMEOUT:
        return False
    types = accepted_types(user)
    if types is None:
        return True
    if last.get("method") == "password":
        return _before_enrolment(user, float(last.get("at", 0)))
    return last.get("method") == "mfa" and last.get("type") in types


def _before_enrolment(user: Any, at: float) -> bool:
    first = (
        Authenticator.objects.filter(user=user)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return first is not None and first.timestamp() > at


def require_step_up[V: Callable[..., HttpResponseBase]](view: V, *, allow_get: bool = False) -> V:
    """Run ``view`` only after a fresh step-up; otherwise allauth's middleware sends the
    person to confirm (the first of ``AccountAdapter.get_reauthentication_methods``) and
    brings them back, replaying a POST."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not (allow_get and request.method == "GET") and not stepped_up(request):
            raise ReauthenticationRequired()
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def step_up_if_enrolled(view: Any) -> Any:
    """For allauth's pages that change how someone signs in.

    allauth already asks for re-authentication there, and accepts a password; once someone
    has an authenticator, only a second factor may change it.
    """
    stricter = require_step_up(view)

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if accepted_types(request.user) is None:
            return view(request, *args, **kwargs)  # type: ignore[no-any-return]
        response: HttpResponseBase = stricter(request, *args, **kwargs)
        return response

    return wrapped
