"""SECURITY.md AU-11: people are told about changes to how they sign in, and about a wrong
code typed after their right password. The emails hold no case content."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from accord.accounts.signals import MFA_FAILED_NOTICE_SECONDS
from accord.accounts.totp import code_for_secret
from accord.policy.roles import OrgKind, Role
from tests.factories import PASSWORD, enrol_totp, person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def test_a_wrong_code_after_the_right_password_is_reported_once_in_a_while() -> None:
    user = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE, mfa=False, email="ada@example.org")
    secret = enrol_totp(user)
    client = Client(HTTP_USER_AGENT="TestBrowser/1.0")
    client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    client.post("/account/2fa/authenticate/", {"code": "000000"})
    client.post("/account/2fa/authenticate/", {"code": "111111"})

    (message,) = mail.outbox
    assert message.to == ["ada@example.org"]
    assert message.subject == "Accord: Someone tried to sign in to Accord as you"
    assert "entered your Accord password correctly, then a wrong security code" in message.body
    assert "TestBrowser/1.0" in message.body
    assert "{%" not in message.body and "{{" not in message.body

    # The right code still works; nothing more is sent.
    client.post("/account/2fa/authenticate/", {"code": code_for_secret(secret)})
    assert client.get("/home/").status_code == 200
    assert len(mail.outbox) == 1
    assert MFA_FAILED_NOTICE_SECONDS == 15 * 60


def test_new_recovery_codes_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """allauth sends this once the change commits, which in production is inside the
    request; the test's own transaction would hold it until after, so it runs at once."""
    from allauth.mfa.recovery_codes.internal import flows

    monkeypatch.setattr(flows.transaction, "on_commit", lambda callback, *a, **k: callback())
    import time

    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

    user = person(OrgKind.POLICE, Role.ANALYST, email="alex@example.org")
    client = client_for("x", {"x": user})
    session = client.session
    methods = list(session[AUTHENTICATION_METHODS_SESSION_KEY])
    methods.append({"method": "mfa", "type": "totp", "at": time.time(), "reauthenticated": True})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = methods
    session.save()
    client.post("/account/2fa/recovery-codes/generate/")
    (message,) = mail.outbox
    assert message.to == ["alex@example.org"]
    assert message.subject.startswith("Accord: ")
    assert "This change was just made to how you sign in to Accord" in message.body
    assert "tell your organisation's Accord administrator" in message.body


def test_a_password_change_is_reported() -> None:
    user = person(OrgKind.POLICE, Role.ANALYST, email="pat@example.org")
    client = client_for("x", {"x": user})
    new = "a brand new passphrase for the test"
    response = client.post(
        "/account/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["pat@example.org"]
    assert "how you sign in to Accord" in message.body
