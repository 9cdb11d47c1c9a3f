"""Template helpers for the sign-in pages."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django import template

register = template.Library()


@register.filter
def has_security_key(user: object) -> bool:
    """Offer "use a security key" only to someone who has one: to everyone else the button
    is a dead end at the moment they are trying to get in."""
    if user is None or getattr(user, "pk", None) is None:
        return False
    return bool(Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).exists())
