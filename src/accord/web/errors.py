"""Error pages, marked public like every other view."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views import defaults

from accord.policy.views import public


@public
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.bad_request(request, exception)


@public
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.permission_denied(request, exception)


@public
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.page_not_found(request, exception)


@public
def server_error(request: HttpRequest) -> HttpResponse:
    """The error page, with the reference the log record of this request carries (LG-4)."""
    try:
        body = loader.get_template("500.html").render(
            {"request_id": str(getattr(request, "request_id", ""))}
        )
    except Exception:  # the page that says something broke must not break itself
        return defaults.server_error(request)
    return HttpResponseServerError(body)
