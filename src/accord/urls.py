"""Every URL of Accord. Each view carries a policy marker (see accord.policy.views)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path

from accord.accounts import session_views
from accord.accounts import views as account_views
from accord.accounts.auth_urls import auth_patterns
from accord.web import csp_reports
from accord.web import views as web_views

urlpatterns: list[Any] = [
    path("", web_views.public_home, name="public_home"),
    path("home/", web_views.home, name="home"),
    path("exit/", web_views.quick_exit, name="quick_exit"),
    path("csp-report/", csp_reports.csp_report, name="csp_report"),
    path("account/", include(auth_patterns())),
    path("account/security/set-up/", account_views.mfa_required, name="mfa_required"),
    path("account/session-time/", session_views.session_time, name="session_time"),
    path("people/", account_views.people, name="people"),
    path("people/invite/", account_views.invite, name="invite"),
    path(
        "people/<int:membership_id>/deactivate/",
        account_views.deactivate,
        name="deactivate",
    ),
]

if "partnership" in settings.ACCORD_ZONES:
    urlpatterns += [
        path("", include("accord.datasets.urls")),
        path("", include("accord.monitoring.urls")),
        path("", include("accord.plan.urls")),
        path("", include("accord.eia.urls")),
    ]

if "casework" in settings.ACCORD_ZONES:
    urlpatterns += [path("", include("accord.casework.urls"))]

handler400 = "accord.web.errors.bad_request"
handler403 = "accord.web.errors.permission_denied"
handler404 = "accord.web.errors.page_not_found"
handler500 = "accord.web.errors.server_error"


def all_patterns(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> list[tuple[str, URLPattern]]:
    """Every leaf pattern with its full route, for the start-up check and the matrix test."""
    if patterns is None:
        patterns = list(get_resolver().url_patterns)
    found: list[tuple[str, URLPattern]] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found.extend(all_patterns(entry.url_patterns, prefix + str(entry.pattern)))
        else:
            found.append((prefix + str(entry.pattern), entry))
    return found
