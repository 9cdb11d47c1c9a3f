"""The shell's own pages: the public front page, the signed-in home page and quick exit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from accord.policy.rules import principal_of
from accord.policy.views import public, requires


@public
@require_safe
def public_home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    plans: list[Any] = []
    assessments = releases = False
    if "partnership" in settings.ACCORD_ZONES:
        from accord.eia.models import Assessment
        from accord.eia.vocabularies import AssessmentStatus
        from accord.monitoring.models import ReceivedRelease
        from accord.plan.models import Plan

        plans = list(Plan.objects.filter(published=True).select_related("owner"))
        assessments = Assessment.objects.filter(status=AssessmentStatus.PUBLISHED).exists()
        releases = ReceivedRelease.objects.public().exists()
    return render(
        request,
        "web/public_home.html",
        {
            "self_referral_open": "casework" in settings.ACCORD_ZONES,
            "published_plans": plans,
            "published_assessments": assessments,
            "published_releases": releases,
        },
    )


@requires("web.view_home")
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request.user)
    return render(request, "web/home.html", {"principal": principal})


@public
@require_safe
def quick_exit(request: HttpRequest) -> HttpResponseRedirect:
    """Leave at once: sign out, ask the browser to forget this site, go somewhere neutral."""
    if request.user.is_authenticated:
        from accord.audit.services import record

        record(request, "auth.quick_exit", "user", str(request.user.pk))
        logout(request)
    request.session.flush()
    response = HttpResponseRedirect(settings.ACCORD_QUICK_EXIT_URL)
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    response["Cache-Control"] = "no-store"
    return response
