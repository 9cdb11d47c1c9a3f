"""Error pages, marked public like every other view."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseServerError
from django.template import loader
from django.views import defaults

from accord.policy.views import public


@public
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page, saying what was wrong where Django knows (a form too large to read)."""
    try:
        body = loader.get_template("400.html").render({"reason": reason_for(exception)})
    except Exception:  # the page that says something is wrong must not break itself
        return defaults.bad_request(request, exception)
    return HttpResponseBadRequest(body)


def reason_for(exception: Exception) -> str:
    """What a person can do about a refused request, or "" where nothing more is known.

    Django refuses a form whose text is over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) or has
    too many fields, before any view sees it; "something was wrong" left people resending it.
    """
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        return (
            f"What you sent is too large: over {limit / 1_048_576:.1f} MB of text. Go back, "
            "shorten it, and try again."
        )
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return (
            "What you sent has too many parts to read. Go back, send less at once, and try again."
        )
    return ""


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
