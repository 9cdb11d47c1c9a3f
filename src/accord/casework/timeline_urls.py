"""Casework URLs for the timeline (activities) and documents."""

from typing import Any

from django.urls import path

from accord.casework import timeline_views as views

urlpatterns: list[Any] = [
    path("cases/<str:reference>/timeline/", views.case_timeline, name="case_timeline"),
    path("cases/<str:reference>/timeline/new/", views.activity_new, name="activity_new"),
    path(
        "cases/<str:reference>/timeline/<uuid:uid>/done/",
        views.activity_complete,
        name="activity_complete",
    ),
    path("cases/<str:reference>/documents/new/", views.document_upload, name="document_upload"),
    path(
        "cases/<str:reference>/documents/<uuid:uid>/",
        views.document_download,
        name="document_download",
    ),
]
