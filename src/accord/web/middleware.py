"""Middleware of the whole site: a request id on every request, and default deny."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponseBase

from accord.policy.views import policy_of
from accord.web.logs import current_request_id

logger = logging.getLogger(__name__)


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.request_id = uuid.uuid4().hex  # type: ignore[attr-defined]
        token = current_request_id.set(request.request_id)  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        response.setdefault("Cache-Control", "no-store")
        return response


class RequirePolicyMarkerMiddleware:
    """Default deny at request time: a view with no policy marker is never run (SECURITY.md AZ-1).

    The start-up check ``accord.E001`` already refuses such views, but system checks do not
    run under a WSGI server, and a view can be added to the URLs at run time. This refuses
    them as "not found" and logs an error naming the view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], *args: Any
    ) -> HttpResponseBase | None:
        if policy_of(view_func) is None:
            name = getattr(view_func, "__qualname__", repr(view_func))
            logger.error("Refused a view with no policy marker: %s", name)
            raise Http404
        return None
