"""Action-plan URLs: the partnership pages and the public accountability pages."""

from __future__ import annotations

from typing import Any

from django.urls import path

from accord.plan import exchange_views, public_views, views

COMMITMENT = "plans/<slug:slug>/commitments/<uuid:uid>/"

urlpatterns: list[Any] = [
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", exchange_views.plan_new, name="plan_new"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan_detail"),
    path("plans/<slug:slug>/import/", exchange_views.plan_import, name="plan_import"),
    path("plans/<slug:slug>/publish/", exchange_views.plan_publish, name="plan_publish"),
    path("plans/<slug:slug>/new-version/", views.plan_new_version, name="plan_new_version"),
    path("plans/<slug:slug>/plan.csv", exchange_views.plan_export_csv, name="plan_export_csv"),
    path("plans/<slug:slug>/plan.json", exchange_views.plan_export_json, name="plan_export_json"),
    path("plans/<slug:slug>/consultation/new/", views.round_new, name="round_new"),
    path("plans/<slug:slug>/commitments/new/", views.commitment_new, name="commitment_new"),
    path(COMMITMENT, views.commitment_detail, name="commitment_detail"),
    path(COMMITMENT + "edit/", views.commitment_edit, name="commitment_edit"),
    path(COMMITMENT + "milestones/new/", views.milestone_new, name="milestone_new"),
    path(
        COMMITMENT + "milestones/<uuid:milestone>/done/",
        views.milestone_done,
        name="milestone_done",
    ),
    path(COMMITMENT + "measures/new/", views.measure_new, name="measure_new"),
    path(COMMITMENT + "progress/new/", views.progress_new, name="progress_new"),
    path(COMMITMENT + "comments/new/", views.comment_new, name="comment_new"),
    path(
        COMMITMENT + "comments/<uuid:comment>/respond/",
        views.comment_respond,
        name="comment_respond",
    ),
    path(COMMITMENT + "rate/", views.commitment_rate, name="commitment_rate"),
    path(COMMITMENT + "evidence/<uuid:file>/", views.evidence_download, name="evidence_download"),
    # Public: no sign-in, published items only.
    path("public/plans/<slug:slug>/", public_views.public_plan, name="public_plan"),
    path(
        "public/plans/<slug:slug>/plan.csv", exchange_views.public_plan_csv, name="public_plan_csv"
    ),
    path(
        "public/plans/<slug:slug>/plan.json",
        exchange_views.public_plan_json,
        name="public_plan_json",
    ),
    path(
        "public/plans/<slug:slug>/report/<int:year>-q<int:quarter>.pdf",
        exchange_views.public_plan_report,
        name="public_plan_report",
    ),
    path(
        "public/plans/<slug:slug>/commitments/<uuid:uid>/",
        public_views.public_commitment,
        name="public_commitment",
    ),
    path(
        "public/plans/<slug:slug>/commitments/<uuid:uid>/evidence/<uuid:file>/",
        public_views.public_evidence,
        name="public_evidence",
    ),
]
