"""Complaints navigator URLs (inside a case; included under "casework/")."""

from typing import Any

from django.urls import path

from accord.complaints import views

urlpatterns: list[Any] = [
    path("cases/<str:reference>/complaints/new/", views.complaint_new, name="complaint_new"),
    path(
        "cases/<str:reference>/complaints/<uuid:uid>/",
        views.complaint_detail,
        name="complaint_detail",
    ),
    path(
        "cases/<str:reference>/complaints/<uuid:uid>/steps/<slug:transition>/",
        views.complaint_step,
        name="complaint_step",
    ),
    path(
        "cases/<str:reference>/complaints/<uuid:uid>/details/",
        views.complaint_details,
        name="complaint_details",
    ),
    path(
        "cases/<str:reference>/complaints/<uuid:uid>/referral/",
        views.complaint_referral,
        name="complaint_referral",
    ),
    path(
        "cases/<str:reference>/complaints/<uuid:uid>/linked/new/",
        views.complaint_linked_matter,
        name="complaint_linked_matter",
    ),
]
