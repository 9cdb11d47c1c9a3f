"""Equality impact assessment URLs (partnership zone)."""

from __future__ import annotations

from typing import Any

from django.urls import path

from accord.eia import public_views, views

urlpatterns: list[Any] = [
    path("eia/", views.eia_register, name="eia_register"),
    path("eia/initiatives/new/", views.initiative_new, name="initiative_new"),
    path("eia/initiatives/<uuid:uid>/", views.initiative_detail, name="initiative_detail"),
    path("eia/initiatives/<uuid:uid>/edit/", views.initiative_edit, name="initiative_edit"),
    path(
        "eia/initiatives/<uuid:uid>/assessments/new/",
        views.assessment_new,
        name="assessment_new",
    ),
    path("eia/assessments/<uuid:uid>/", views.assessment_detail, name="assessment_detail"),
    path("eia/assessments/<uuid:uid>/edit/", views.assessment_edit, name="assessment_edit"),
    path("eia/assessments/<uuid:uid>/changes/", views.assessment_diff, name="assessment_diff"),
    path(
        "eia/assessments/<uuid:uid>/analyses/new/",
        views.analysis_attach,
        name="analysis_attach",
    ),
    path("eia/assessments/<uuid:uid>/submit/", views.assessment_submit, name="assessment_submit"),
    path(
        "eia/assessments/<uuid:uid>/comments/new/",
        views.review_comment_new,
        name="review_comment_new",
    ),
    path(
        "eia/assessments/<uuid:uid>/comments/<uuid:comment>/respond/",
        views.review_respond,
        name="review_respond",
    ),
    path(
        "eia/assessments/<uuid:uid>/approve/", views.assessment_approve, name="assessment_approve"
    ),
    path(
        "eia/assessments/<uuid:uid>/publish/", views.assessment_publish, name="assessment_publish"
    ),
    path(
        "eia/assessments/<uuid:uid>/impacts/<slug:group>/",
        views.impact_edit,
        name="impact_edit",
    ),
    path("eia/assessments/<uuid:uid>/actions/new/", views.plan_action_new, name="plan_action_new"),
    path("eia/assessments/<uuid:uid>/assessment.pdf", views.assessment_pdf, name="assessment_pdf"),
    path("public/eia/", public_views.public_register, name="public_eia_register"),
    path("public/eia/<uuid:uid>/", public_views.public_assessment, name="public_assessment"),
    path(
        "public/eia/<uuid:uid>/assessment.pdf",
        public_views.public_assessment_pdf,
        name="public_assessment_pdf",
    ),
]
