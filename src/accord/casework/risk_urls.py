"""Casework URLs for risk: the DASH checklist and the safety plan."""

from typing import Any

from django.urls import path

from accord.casework import risk_views

urlpatterns: list[Any] = [
    path("cases/<str:reference>/risk/", risk_views.risk_history, name="risk_history"),
    path(
        "cases/<str:reference>/risk/new/",
        risk_views.risk_assessment_new,
        name="risk_assessment_new",
    ),
    path(
        "cases/<str:reference>/risk/<uuid:assessment>/",
        risk_views.risk_assessment_detail,
        name="risk_assessment_detail",
    ),
    path(
        "cases/<str:reference>/safety-plan/new/",
        risk_views.safety_plan_new,
        name="safety_plan_new",
    ),
    path(
        "cases/<str:reference>/safety-plan/<uuid:plan>/actions/new/",
        risk_views.safety_action_add,
        name="safety_action_add",
    ),
    path(
        "cases/<str:reference>/safety-plan/<uuid:plan>/review/",
        risk_views.safety_plan_review,
        name="safety_plan_review",
    ),
    path(
        "cases/<str:reference>/safety-plan/actions/<uuid:action>/done/",
        risk_views.safety_action_done,
        name="safety_action_done",
    ),
]
