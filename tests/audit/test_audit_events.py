"""Sign-in events reach the audit log, with no content in them."""

from __future__ import annotations

import pytest
from django.test import Client

from accord.accounts.totp import code_for_secret
from accord.audit.models import AuditEvent
from accord.policy.roles import OrgKind, Role
from tests.factories import PASSWORD, enrol_totp, person


@pytest.mark.django_db
def test_a_failed_sign_in_is_recorded_without_the_username() -> None:
    person(OrgKind.POLICE, Role.ANALYST, email="analyst@example.org")
    Client().post("/account/login/", {"login": "analyst@example.org", "password": "wrong" * 4})
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert "analyst" not in f"{event.actor_id}{event.object_id}{event.object_type}"


@pytest.mark.django_db
def test_a_sign_in_is_recorded_with_actor_organisation_and_request_id() -> None:
    user = person(OrgKind.POLICE, Role.ANALYST, email="analyst@example.org", mfa=False)
    secret = enrol_totp(user)
    client = Client()
    client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    assert not AuditEvent.objects.filter(action="auth.login").exists()  # not yet: no code
    response = client.post("/account/2fa/authenticate/", {"code": code_for_secret(secret)})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor_id == str(user.pk)
    assert event.actor_org_id == str(user.active_membership.organisation_id)
    assert len(event.request_id) == 32
