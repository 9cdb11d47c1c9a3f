"""Release URLs, inside the casework zone's address space."""

from typing import Any

from django.urls import path

from accord.releases import views

ONE = "casework/releases/<uuid:uid>"

urlpatterns: list[Any] = [
    path("casework/releases/", views.release_list, name="casework_releases"),
    path("casework/releases/new/", views.release_new, name="casework_release_new"),
    path(f"{ONE}/", views.release_detail, name="casework_release"),
    path(f"{ONE}/approve/", views.release_approve, name="casework_release_approve"),
    path(f"{ONE}/discard/", views.release_discard, name="casework_release_discard"),
    path(f"{ONE}/release.json", views.release_download, name="casework_release_file"),
    path(f"{ONE}/withdraw/", views.release_withdraw, name="casework_release_withdraw"),
    path(
        f"{ONE}/withdrawal.json",
        views.release_withdrawal_download,
        name="casework_release_withdrawal_file",
    ),
]
