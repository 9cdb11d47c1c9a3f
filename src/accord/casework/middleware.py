"""Per-request scope for unwrapped case keys (see ``keys.keyring_scope``)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from accord.casework.keys import keyring_scope


class CaseKeyScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with keyring_scope():
            return self.get_response(request)
