"""Casework URLs for data rights: retention, legal hold, restriction, erasure, access."""

from typing import Any

from django.urls import path

from accord.casework import rights_views as views

CASE = "cases/<str:reference>/rights"
SAR = f"{CASE}/access-requests/<uuid:sar_uid>"

urlpatterns: list[Any] = [
    path("retention/", views.retention_list, name="rights_retention"),
    path("access-requests/find/", views.person_search, name="rights_person_search"),
    path(f"{CASE}/restriction/", views.restriction, name="rights_restriction"),
    path(f"{CASE}/legal-hold/", views.legal_hold, name="rights_legal_hold"),
    path(f"{CASE}/keep/", views.keep, name="rights_keep"),
    path(f"{CASE}/erasure/", views.erasure_request, name="rights_erasure_request"),
    path(
        f"{CASE}/erasure/<uuid:request_uid>/",
        views.erasure_decide,
        name="rights_erasure_decide",
    ),
    path(f"{CASE}/access-requests/new/", views.sar_new, name="rights_sar_new"),
    path(f"{SAR}/", views.sar_detail, name="rights_sar_detail"),
    path(f"{SAR}/review/", views.sar_review, name="rights_sar_review"),
    path(f"{SAR}/approve/", views.sar_approve, name="rights_sar_approve"),
    path(f"{SAR}/export.json", views.sar_json, name="rights_sar_json"),
    path(f"{SAR}/export.pdf", views.sar_pdf, name="rights_sar_pdf"),
]
