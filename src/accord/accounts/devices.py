"""Telling people about sign-ins from a browser they have not used before (SECURITY.md AU-11).

Why: an advocate's account is what a police perpetrator would most want. Someone who has
their password and a code (a phone taken, a code read over a shoulder) signs in from a
browser Accord has not seen for that person, and the owner is told by email at once.

How a browser is recognised: at each full sign-in (password and second factor, through
allauth) the browser gets a random token in a long-lived, HttpOnly cookie, and Accord keeps
the token's SHA-256 against the person. The cookie holds the tokens of the last few people
who signed in on that browser, so colleagues who share an office computer are not told
about each other. A browser's first sign-in to a brand-new account is not reported: every
account has to start somewhere, and it is set up by its owner through an invitation.

User-agent strings are not used to recognise browsers: they change with every update and
would send false alarms that teach people to ignore the email.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from accord.accounts.models import KnownDevice
from accord.audit.services import record

#: How long a browser is remembered without a sign-in.
REMEMBERED_FOR = dt.timedelta(days=400)
#: The most people one browser remembers (an office computer shared by a team).
TOKENS_PER_BROWSER = 8
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def cookie_name() -> str:
    return str(settings.ACCORD_DEVICE_COOKIE_NAME)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _tokens(request: HttpRequest) -> list[str]:
    """The well-formed tokens of the cookie; anything else in it is ignored."""
    raw = request.COOKIES.get(cookie_name(), "")
    return [token for token in raw.split(".") if _TOKEN.fullmatch(token)][:TOKENS_PER_BROWSER]


_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "a Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)


def describe(user_agent: str) -> str:
    """'Firefox on Windows': enough for someone to recognise their own browser."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "a browser")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    return f"{browser} on {system}" if system else browser[:1].upper() + browser[1:]


def _remember(response: HttpResponseBase, tokens: list[str]) -> None:
    response.set_cookie(
        cookie_name(),
        ".".join(tokens[:TOKENS_PER_BROWSER]),
        max_age=int(REMEMBERED_FOR.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def recognise(request: HttpRequest, response: HttpResponseBase, user: Any) -> bool:
    """Remember this browser for ``user``; email them if it is new to them and they have
    signed in elsewhere before. Returns whether the browser was new."""
    now = timezone.now()
    KnownDevice.objects.filter(user=user, last_seen__lt=now - REMEMBERED_FOR).delete()
    tokens = _tokens(request)
    known = KnownDevice.objects.filter(user=user, token_hash__in=[_hash(t) for t in tokens])
    if known.update(last_seen=now):
        _remember(response, tokens)  # a browser in use is remembered for longer
        return False
    seen_before = KnownDevice.objects.filter(user=user).exists()
    token = secrets.token_urlsafe(32)
    description = describe(request.headers.get("user-agent", ""))
    KnownDevice.objects.create(
        user=user,
        token_hash=_hash(token),
        description=description,
        first_seen=now,
        last_seen=now,
    )
    _remember(response, [token, *tokens])
    if seen_before:
        from allauth.account.adapter import get_adapter

        record(request, "auth.new_device", "user", str(user.pk), actor=user)
        get_adapter(request).send_notification_mail(
            "accounts/email/new_device", user, {"device": description}
        )
    return True
