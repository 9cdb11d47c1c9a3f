"""How long the session has left, for the page's sign-out warning (SECURITY.md SE-1).

Why: a session ends after 15 minutes without a request, and an advocate writing a long
case note makes no request while typing. Without a warning, the note is lost when they
press Save. The page asks here how long is left (asking does not count as activity, or the
page itself would keep every session alive), warns two minutes before the end, and lets the
person stay signed in (a POST, which does count). When the time is up the page ends the
session itself, so a case left open on a shared screen does not stay there until someone
touches it.

With several tabs open, a tab that was left alone asks before it warns or signs out: the
person may be working in another tab, which keeps the session alive.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accord.accounts.middleware import end_session, idle_message, limits, time_left
from accord.policy.views import requires


@requires("web.view_home")
@require_http_methods(["GET", "POST"])
@never_cache
def session_time(request: HttpRequest) -> HttpResponse:
    """GET: seconds left (idle and in all). POST ``keep``: stay signed in. POST ``end``: the
    time is up; sign out, say why, and ask the browser to forget the site."""
    if request.method == "POST" and request.POST.get("action") == "end":
        idle_limit, _ = limits(request)
        response = end_session(request, idle_message(idle_limit))
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
    idle, absolute = time_left(request)
    return JsonResponse(
        {
            "idle_seconds_left": idle,
            "absolute_seconds_left": absolute,
            "warning_seconds": settings.ACCORD_SESSION_WARNING_SECONDS,
        }
    )
