"""SECURITY.md AU-1: casework roles sign in with a security key or passkey, not a code."""

from __future__ import annotations

import time

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.policy.roles import OrgKind, Role
from tests.factories import person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _require_keys(settings: object) -> None:
    settings.ACCORD_CASEWORK_REQUIRE_WEBAUTHN = True  # type: ignore[attr-defined]


def _signed_in(user: object, mfa_type: str) -> Client:
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},  # type: ignore[attr-defined]
        {"method": "mfa", "at": now, "type": mfa_type},
    ]
    session.save()
    return client


def _add_key(user: object) -> None:
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "key", "credential": {}}
    )


def test_an_advocate_with_only_an_app_is_sent_to_add_a_key() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    client = _signed_in(advocate, "totp")
    response = client.get(reverse("casework_home"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_required")
    page = client.get(reverse("mfa_required")).content.decode()
    assert "Casework needs a security key or passkey" in page
    # Adding a key stays reachable (it first asks for the password again).
    assert client.get(reverse("mfa_add_webauthn"))["Location"] != reverse("mfa_required")


def test_a_key_on_file_is_not_enough_the_sign_in_must_use_it() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    _add_key(advocate)
    for second_step in ("totp", "recovery_codes"):
        response = _signed_in(advocate, second_step).get(reverse("casework_home"))
        assert response.status_code == 302, second_step
    assert _signed_in(advocate, "webauthn").get(reverse("casework_home")).status_code == 200


def test_a_system_administrator_needs_a_security_key() -> None:
    """AU-1: admin roles too. A system administrator manages every account, the advisory
    service's included; an app code can be phished."""
    admin = person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN)
    client = _signed_in(admin, "totp")
    response = client.get(reverse("people"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_required")
    page = client.get(reverse("mfa_required")).content.decode()
    assert "Managing accounts needs a security key or passkey" in page
    _add_key(admin)
    assert _signed_in(admin, "webauthn").get(reverse("people")).status_code == 200


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (OrgKind.POLICE, Role.ANALYST),
        (OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR),
        (OrgKind.POLICE, Role.PLAN_OWNER),
    ],
)
def test_statistics_only_roles_may_use_an_authenticator_app(kind: OrgKind, role: Role) -> None:
    user = person(kind, role)
    assert _signed_in(user, "totp").get(reverse("home")).status_code == 200


def test_the_demo_switch_allows_an_app(settings: object) -> None:
    settings.ACCORD_CASEWORK_REQUIRE_WEBAUTHN = False  # type: ignore[attr-defined]
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    assert _signed_in(advocate, "totp").get(reverse("casework_home")).status_code == 200


def test_a_page_asks_about_the_second_factor_once() -> None:
    """The middleware and the menu both ask whether MFA is satisfied; the second asks the
    request, not the database (the casework benchmark found 4 authenticator queries a page)."""
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    _add_key(advocate)
    client = _signed_in(advocate, "webauthn")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("casework_home")).status_code == 200
    asked = [q["sql"] for q in queries.captured_queries if "mfa_authenticator" in q["sql"]]
    assert len(asked) == 2, asked  # any authenticator, then a security key: once each
