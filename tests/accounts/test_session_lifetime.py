"""Sessions end after 15 minutes idle and 8 hours in all, for every role (SECURITY.md SE-1),
and the page can ask how long is left without that counting as activity."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from accord.policy.roles import OrgKind, Role
from tests.factories import person
from tests.security.principals import client_for


def _signed_in(kind: OrgKind, role: Role) -> Client:
    user = person(kind, role)
    return client_for("x", {"x": user})


@pytest.mark.django_db
def test_casework_idle_timeout() -> None:
    with time_machine.travel("2026-11-25 09:00:00+00:00", tick=False) as clock:
        client = _signed_in(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
        assert client.get("/home/").status_code == 200
        clock.shift(14 * 60)
        assert client.get("/home/").status_code == 200
        clock.shift(15 * 60 + 1)
        response = client.get("/home/")
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/")
        assert client.get("/home/").status_code == 302  # really signed out


@pytest.mark.django_db
def test_casework_absolute_timeout_despite_activity() -> None:
    with time_machine.travel("2026-11-25 09:00:00+00:00", tick=False) as clock:
        client = _signed_in(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
        for _ in range(8 * 6):
            clock.shift(10 * 60)
            assert client.get("/home/").status_code == 200
        clock.shift(10 * 60)
        assert client.get("/home/").status_code == 302


@pytest.mark.django_db
def test_partnership_roles_have_the_same_limits() -> None:
    with time_machine.travel("2026-11-25 09:00:00+00:00", tick=False) as clock:
        client = _signed_in(OrgKind.POLICE, Role.ANALYST)
        clock.shift(14 * 60)
        assert client.get("/home/").status_code == 200
        clock.shift(15 * 60 + 1)
        assert client.get("/home/").status_code == 302
    with time_machine.travel("2026-11-25 09:00:00+00:00", tick=False) as clock:
        client = _signed_in(OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR)
        for _ in range(8 * 6):
            clock.shift(10 * 60)
            assert client.get("/home/").status_code == 200
        clock.shift(10 * 60)
        assert client.get("/home/").status_code == 302


@pytest.mark.django_db
def test_the_person_is_told_why_they_were_signed_out() -> None:
    with time_machine.travel("2026-11-25 09:00:00+00:00", tick=False) as clock:
        user = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
        client = client_for("x", {"x": user})
        client.get("/home/")
        clock.shift(16 * 60)
        response = client.get("/home/", follow=True)
        assert b"no activity for 15 minutes" in response.content


URL = "/account/session-time/"


@pytest.mark.django_db
def test_asking_how_long_is_left_does_not_keep_the_session_alive() -> None:
    with time_machine.travel("2026-11-25 09:00:00+00:00", tick=False) as clock:
        client = _signed_in(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
        client.get("/home/")
        clock.shift(10 * 60)
        left = client.get(URL).json()
        assert left == {
            "idle_seconds_left": 5 * 60,
            "absolute_seconds_left": 8 * 3600 - 10 * 60,
            "warning_seconds": 120,
        }
        clock.shift(4 * 60)
        assert client.get(URL).json()["idle_seconds_left"] == 60  # still counting down
        clock.shift(61)
        response = client.get(URL)
        assert response.status_code == 302  # the time is up: signed out
        assert client.get("/home/").status_code == 302


@pytest.mark.django_db
def test_staying_signed_in_counts_as_activity() -> None:
    with time_machine.travel("2026-11-25 09:00:00+00:00", tick=False) as clock:
        client = _signed_in(OrgKind.POLICE, Role.ANALYST)
        client.get("/home/")
        clock.shift(14 * 60)
        kept = client.post(URL, {"action": "keep"})
        assert kept.status_code == 200
        assert kept.json()["idle_seconds_left"] == 15 * 60
        clock.shift(14 * 60)
        assert client.get("/home/").status_code == 200


@pytest.mark.django_db
def test_when_the_time_is_up_the_page_signs_out_and_says_why() -> None:
    client = _signed_in(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    client.get("/home/")
    response = client.post(URL, {"action": "end"})
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/home/").status_code == 302
    page = client.get(response["Location"])
    assert b"no activity for 15 minutes" in page.content


@pytest.mark.django_db
def test_the_time_left_is_not_cached() -> None:
    client = _signed_in(OrgKind.POLICE, Role.ANALYST)
    response = client.get(URL)
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
