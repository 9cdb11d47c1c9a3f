"""Refused requests go into the audit log (SECURITY.md LG-1: every authorization failure).

Views and guards only note the refusal on the request; a middleware writes the event once the
response is 403 or 404. Why not write it where the refusal happens: a refusal raised inside a
view's transaction would roll the audit event back with everything else, and the attempt
would leave no trace, which is exactly the record an investigation of snooping needs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from accord.audit.services import record

_ATTRIBUTE = "_accord_denial"
_FALLBACK = "_accord_denial_if_not_found"


def note_denial(request: HttpRequest, object_type: str, object_id: str) -> None:
    """Say what was refused. ``object_id`` must be an opaque reference, never content."""
    setattr(request, _ATTRIBUTE, (object_type, object_id[:64]))


def note_denial_if_not_found(request: HttpRequest, object_type: str, object_id: str) -> None:
    """Say what a 404 would have refused, for views that go on to look something up.

    A record looked up inside a case the person may see (a document, a complaint) answers
    404 when it belongs to another case: that is an attempt on another case, so it is logged
    like one, without every such lookup having to note it. An explicit denial wins.
    """
    setattr(request, _FALLBACK, (object_type, object_id[:64]))


class AuditDenialsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        denial = getattr(request, _ATTRIBUTE, None)
        if denial is None and response.status_code == 404:
            denial = getattr(request, _FALLBACK, None)
        if denial is not None and response.status_code in {403, 404}:
            object_type, object_id = denial
            record(request, "authz.denied", object_type, object_id)
        return response
