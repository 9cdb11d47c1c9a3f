"""Complaint letter URLs, included under "casework/" (see ``accord.casework.urls``)."""

from typing import Any

from django.urls import path

from accord.complaints import letter_views as views

urlpatterns: list[Any] = [
    path(
        "cases/<str:reference>/complaints/<uuid:complaint>/letters/<str:kind>/",
        views.letter_draft,
        name="complaint_letter_draft",
    ),
    path(
        "cases/<str:reference>/letters/<uuid:uid>/",
        views.letter_detail,
        name="complaint_letter_detail",
    ),
    path(
        "cases/<str:reference>/letters/<uuid:uid>/letter.pdf",
        views.letter_pdf,
        name="complaint_letter_pdf",
    ),
    path(
        "cases/<str:reference>/letters/<uuid:uid>/letter.docx",
        views.letter_docx,
        name="complaint_letter_docx",
    ),
]
