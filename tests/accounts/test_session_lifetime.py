"""Casework sessions end after 15 minutes idle and 8 hours in all; others after longer."""

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
def test_partnership_roles_have_a_longer_idle_limit() -> None:
    with time_machine.travel("2026-11-25 09:00:00+00:00", tick=False) as clock:
        client = _signed_in(OrgKind.POLICE, Role.ANALYST)
        clock.shift(30 * 60)
        assert client.get("/home/").status_code == 200
        clock.shift(60 * 60 + 1)
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
