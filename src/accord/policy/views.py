"""Markers every view carries, so that no view can be reached without a stated policy.

A system check (``accord.web.checks``) walks the URL configuration at start-up and refuses
any view without a marker; the authorization matrix test then checks what each marker does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from accord.policy.denials import note_denial
from accord.policy.roles import Zone
from accord.policy.rules import RULES, can, in_zone

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])
POLICY_ATTRIBUTE = "accord_policy"


@dataclass(frozen=True)
class ViewPolicy:
    """How a view is guarded: ``public``, ``auth_flow`` (sign-in pages) or an ``action``."""

    kind: str
    action: str | None = None
    zone: Zone | None = None


def policy_of(view: Any) -> ViewPolicy | None:
    seen = view
    while seen is not None:
        marker = getattr(seen, POLICY_ATTRIBUTE, None)
        if isinstance(marker, ViewPolicy):
            return marker
        seen = getattr(seen, "__wrapped__", None) or getattr(seen, "view_class", None)
        if seen is view:
            break
    return None


def mark[F: Callable[..., Any]](view: F, marker: ViewPolicy) -> F:
    setattr(view, POLICY_ATTRIBUTE, marker)
    return view


def public[F: Callable[..., Any]](view: F) -> F:
    """Anyone may open this page, signed in or not."""
    return mark(view, ViewPolicy("public"))


def auth_flow[F: Callable[..., Any]](view: F) -> F:
    """Sign-in, MFA and password pages: the authentication library guards these itself."""
    return mark(view, ViewPolicy("auth_flow"))


def requires(action: str, *, zone: Zone | None = None) -> Callable[[ViewFunc], ViewFunc]:
    """Only people for whom ``can(user, action)`` holds may open this view.

    In the casework zone, everyone outside the zone gets 404, never 403, so that nothing
    confirms that a case or even a casework page exists.
    """
    if action not in RULES:
        raise LookupError(f"No policy rule is registered for {action!r}.")

    def decorate(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if zone is not None and not in_zone(user, zone):
                note_denial(request, "view", action)
                raise Http404
            if not can(user, action):
                note_denial(request, "view", action)
                if zone is Zone.CASEWORK:
                    raise Http404
                raise PermissionDenied
            response: HttpResponseBase = view(request, *args, **kwargs)
            return response

        return mark(guarded, ViewPolicy("action", action, zone))  # type: ignore[return-value]

    return decorate
