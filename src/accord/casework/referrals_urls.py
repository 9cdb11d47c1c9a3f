"""Casework URLs for referrals, consent, safe contact, the police connection and reviews."""

from typing import Any

from django.urls import path

from accord.casework import referrals_views as views

urlpatterns: list[Any] = [
    path("cases/<str:reference>/referrals/new/", views.referral_new, name="referral_new"),
    path(
        "cases/<str:reference>/referrals/<uuid:uid>/",
        views.referral_update,
        name="referral_update",
    ),
    path("cases/<str:reference>/consents/new/", views.consent_new, name="consent_new"),
    path(
        "cases/<str:reference>/consents/<uuid:uid>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("cases/<str:reference>/client/contact/", views.client_contact, name="client_contact"),
    path(
        "cases/<str:reference>/people/perpetrator/new/",
        views.perpetrator_new,
        name="perpetrator_new",
    ),
    path(
        "cases/<str:reference>/people/<uuid:uid>/police/",
        views.perpetrator_edit,
        name="perpetrator_edit",
    ),
    path(
        "cases/<str:reference>/supervision/review/",
        views.supervisor_review,
        name="supervisor_review",
    ),
]
