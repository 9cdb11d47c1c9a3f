"""Casework URL for a client's equality monitoring answers."""

from typing import Any

from django.urls import path

from accord.casework import equality_views as views

urlpatterns: list[Any] = [
    path("cases/<str:reference>/equality/", views.equality_answers, name="equality_answers"),
]
