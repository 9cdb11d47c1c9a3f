"""Throttling of sign-in, MFA and password reset per (username, IP address).

Why our own counter on top of allauth's: allauth limits by IP and by username separately;
the issue asks for the pair, counted in the shared cache (the database cache) so that every
worker sees the same count. Failures add to the count; once over the limit the form is not
even processed, so a correct guess during a lock-out does not succeed.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import TemplateResponse

from accord.accounts.client_ip import client_ip


def _key(action: str, username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{action}\x00{username.strip().lower()}\x00{ip}".encode()).hexdigest()
    return f"accord-throttle:{action}:{digest}"


def _rule(action: str) -> tuple[int, int]:
    config = settings.ACCORD_THROTTLES[action]
    return int(config["limit"]), int(config["window"])


def is_locked(action: str, username: str, ip: str) -> bool:
    limit, _ = _rule(action)
    return int(cache.get(_key(action, username, ip), 0)) >= limit


def record_failure(action: str, username: str, ip: str) -> int:
    _, window = _rule(action)
    key = _key(action, username, ip)
    # add() then incr() is atomic per operation on the database cache; the window runs
    # from the first failure, which is what a person locked out is told.
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:
        cache.set(key, 1, timeout=window)
        return 1


def clear(action: str, username: str, ip: str) -> None:
    cache.delete(_key(action, username, ip))


def locked_out_response(request: HttpRequest, action: str) -> HttpResponse:
    _, window = _rule(action)
    response = TemplateResponse(
        request,
        "accounts/throttled.html",
        {"minutes": window // 60, "action": action},
        status=429,
    )
    response["Retry-After"] = str(window)
    return response.render()


def throttled(
    action: str,
    username_of: Callable[[HttpRequest], str],
    failed: Callable[[HttpResponseBase], bool],
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Wrap a POST-handling view: refuse when locked, count responses that mean failure."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method != "POST":
                return view(request, *args, **kwargs)
            username = username_of(request)
            ip = client_ip(request)
            if is_locked(action, username, ip):
                from accord.audit.services import record

                record(request, f"{action}.throttled", "account", "")
                return locked_out_response(request, action)
            response = view(request, *args, **kwargs)
            if failed(response):
                record_failure(action, username, ip)
            return response

        return wrapper

    return decorate
