"""Unmarked views stop the server starting; markers do what they say."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from accord.policy.roles import OrgKind, Role, Zone
from accord.policy.views import requires
from tests.factories import person
from tests.security.principals import client_for


def unmarked_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("nobody decided who may see this")


@requires("casework.enter", zone=Zone.CASEWORK)
def casework_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("casework")


@requires("accounts.manage_organisations")
def admin_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("admin")


unmarked_urlpatterns = [
    path("unmarked/", unmarked_view, name="unmarked"),
]
zone_urlpatterns = [
    path("casework/", casework_view, name="casework_probe"),
    path("admin-probe/", admin_view, name="admin_probe"),
]


def test_the_real_url_conf_has_no_unmarked_views() -> None:
    assert [m for m in run_checks() if m.id == "accord.E001"] == []


def test_an_unmarked_view_is_refused_at_start_up() -> None:
    with override_settings(ROOT_URLCONF="tests.web.unmarked_urls"):
        errors = [m for m in run_checks() if m.id == "accord.E001"]
    assert len(errors) == 1
    assert "/unmarked/" in errors[0].msg


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "analyst"])
def test_an_unmarked_view_is_never_run_even_if_the_server_started(
    who: str, caplog: pytest.LogCaptureFixture
) -> None:
    """SECURITY.md AZ-1: checks do not run under WSGI, so the middleware refuses it too."""
    client = client_for(who, {"analyst": person(OrgKind.POLICE, Role.ANALYST)})
    with override_settings(ROOT_URLCONF="tests.web.unmarked_urls"):
        response = client.get("/unmarked/")
        assert client.get("/").status_code in {200, 302}  # marked views still work
    assert response.status_code == 404
    assert b"nobody decided" not in response.content
    assert "no policy marker: unmarked_view" in caplog.text


def test_requires_refuses_an_action_with_no_rule() -> None:
    with pytest.raises(LookupError, match=r"no\.such\.action"):
        requires("no.such.action")


ZONE_CONF = "tests.web.zone_urls"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=ZONE_CONF)
@pytest.mark.parametrize(
    ("kind", "role", "expected"),
    [
        (OrgKind.ADVISORY_SERVICE, Role.ADVOCATE, 200),
        (OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR, 200),
        (OrgKind.POLICE, Role.PLAN_OWNER, 404),
        (OrgKind.POLICE, Role.ANALYST, 404),
        (OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR, 404),
        (OrgKind.OVERSIGHT, Role.VIEWER, 404),
        (OrgKind.PLATFORM, Role.SYSTEM_ADMIN, 404),
    ],
)
def test_casework_zone_answers_404_not_403_outside_the_zone(
    kind: OrgKind, role: Role, expected: int
) -> None:
    client = client_for("x", {"x": person(kind, role)})
    assert client.get("/casework/").status_code == expected


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=ZONE_CONF)
def test_partnership_refusals_are_403() -> None:
    client = client_for("x", {"x": person(OrgKind.POLICE, Role.ANALYST)})
    assert client.get("/admin-probe/").status_code == 403
    assert Client().get("/admin-probe/").status_code == 302
