"""Advisory-service and administrator roles must enrol in MFA before any other page."""

from __future__ import annotations

import pytest
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.test import Client

from accord.accounts.adapters import MFA_SECRET_CONTEXT
from accord.accounts.totp import code_for_secret
from accord.crypto import keyring_from_settings
from accord.policy.roles import OrgKind, Role
from accord.urls import all_patterns
from tests.factories import PASSWORD, enrol_totp, person
from tests.security.principals import client_for

MUST_ENROL = [
    (OrgKind.ADVISORY_SERVICE, Role.ADVOCATE),
    (OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR),
    (OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN),
    (OrgKind.PLATFORM, Role.SYSTEM_ADMIN),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "role"), MUST_ENROL)
def test_every_other_page_sends_them_to_set_up(kind: OrgKind, role: Role) -> None:
    user = person(kind, role, mfa=False)
    client = client_for("x", {"x": user})
    for path in ("/home/", "/people/", "/people/invite/", "/", "/account/password/change/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/account/security/set-up/", path
    assert client.get("/account/security/set-up/").status_code == 200


@pytest.mark.django_db
def test_the_allowlist_is_only_enrolment_and_sign_out() -> None:
    """Every named page outside the enrolment allowlist redirects an unenrolled advocate."""
    from accord.accounts.middleware import MFA_ENROLMENT_URL_NAMES

    user = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE, mfa=False)
    client = client_for("x", {"x": user})
    for route, pattern in all_patterns():
        if pattern.name in MFA_ENROLMENT_URL_NAMES or "<" in route or "(?P" in route:
            continue
        response = client.get("/" + route)
        assert response.status_code == 302, route
        assert response["Location"] == "/account/security/set-up/", route


@pytest.mark.django_db
def test_once_enrolled_they_reach_home() -> None:
    user = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE, mfa=False)
    client = client_for("x", {"x": user})
    assert client.get("/home/").status_code == 302
    enrol_totp(user)
    assert client.get("/home/").status_code == 200


@pytest.mark.django_db
def test_partnership_roles_are_not_forced() -> None:
    user = person(OrgKind.POLICE, Role.ANALYST)
    assert client_for("x", {"x": user}).get("/home/").status_code == 200


@pytest.mark.django_db
def test_sign_in_with_password_and_totp() -> None:
    user = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE, mfa=False)
    secret = enrol_totp(user)
    client = Client()
    response = client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/account/2fa/authenticate/"
    assert client.get("/home/").status_code == 302  # half signed in is not signed in
    response = client.post("/account/2fa/authenticate/", {"code": code_for_secret(secret)})
    assert response.status_code == 302
    assert client.get("/home/").status_code == 200


@pytest.mark.django_db
def test_totp_seeds_are_stored_encrypted() -> None:
    user = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE, mfa=False)
    secret = enrol_totp(user)
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored
    assert stored.startswith("v1:")
    assert keyring_from_settings().decrypt(stored, MFA_SECRET_CONTEXT).decode() == secret
    assert get_adapter().decrypt(stored) == secret
