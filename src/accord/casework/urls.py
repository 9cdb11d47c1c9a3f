"""Casework URLs: served only where ACCORD_ZONES includes "casework"."""

from django.urls import include, path

from accord.casework import views

urlpatterns = [
    path("get-help/", views.self_referral, name="self_referral"),
    path("casework/", views.casework_home, name="casework_home"),
    path("casework/cases/new/", views.case_new, name="case_new"),
    path("casework/cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("casework/cases/<str:reference>/assign/", views.case_assign, name="case_assign"),
    path("casework/cases/<str:reference>/close/", views.case_close, name="case_close"),
    path("casework/cases/<str:reference>/reopen/", views.case_reopen, name="case_reopen"),
    # Each area of a case keeps its own URL module.
    path("casework/", include("accord.casework.risk_urls")),
    path("casework/", include("accord.casework.timeline_urls")),
    path("casework/", include("accord.casework.referrals_urls")),
    path("casework/", include("accord.casework.rights_urls")),
    path("casework/", include("accord.casework.equality_urls")),
    path("casework/", include("accord.complaints.urls")),
    path("casework/", include("accord.complaints.letter_urls")),
    # The one door out of the zone: approved, disclosure-controlled, signed releases.
    path("", include("accord.releases.urls")),
]
