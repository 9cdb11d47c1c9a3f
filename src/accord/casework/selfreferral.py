"""The public self-referral form's protections: no cookies, a rate limit, a form token.

Why no CSRF cookie: a cookie left behind is a trace on a shared or watched device, and an
anonymous form grants no ambient authority for a cross-site request to borrow. In its place
a signed, time-limited token in the form stops stale or scripted replays, and a per-address
limit (the address is only ever stored hashed, for an hour) stops flooding.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

from accord.accounts.client_ip import client_ip

TOKEN_SALT = "accord.casework.self-referral"  # noqa: S105 - a namespace, not a secret
TOKEN_MAX_AGE = 3 * 60 * 60
WINDOW = 60 * 60


def new_token() -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign("self-referral")


def token_valid(token: str) -> bool:
    try:
        signing.TimestampSigner(salt=TOKEN_SALT).unsign(token, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return False
    return True


def _key(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}\x00{client_ip(request)}".encode())
    return f"accord-self-referral:{digest.hexdigest()}"


def over_limit(request: HttpRequest) -> bool:
    return int(cache.get(_key(request), 0)) >= int(settings.ACCORD_SELF_REFERRAL_LIMIT)


def count(request: HttpRequest) -> None:
    key = _key(request)
    if not cache.add(key, 1, timeout=WINDOW):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=WINDOW)
