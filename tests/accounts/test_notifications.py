"""SECURITY.md AU-11: people are told about changes to how they sign in, and about a wrong
code typed after their right password. The emails hold no case content."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

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


# --- Sign-ins from a browser new to the person --------------------------------------------

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _sign_in(client: Client, user: Any, secret: str) -> None:
    from accord.accounts.devices import cookie_name

    client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    response = client.post("/account/2fa/authenticate/", {"code": code_for_secret(secret)})
    assert response.status_code == 302, response
    assert client.get("/home/").status_code == 200
    assert cookie_name() in client.cookies


def _sign_out(client: Client) -> None:
    """As a person signs out (the test client's own logout would also drop every cookie)."""
    client.post("/account/logout/")
    assert client.get("/home/").status_code == 302


@pytest.fixture
def clock() -> Iterator[Any]:
    """Time that moves on when told: a code cannot be used twice, so each new sign-in in a
    test waits for the next code, as a person would, without the test sleeping."""
    import time_machine

    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=True) as now:
        yield now


def _new_code_window(clock: Any) -> None:
    from allauth.mfa import app_settings

    clock.shift(dt.timedelta(seconds=app_settings.TOTP_PERIOD))


def _fresh_person(email: str) -> tuple[Any, str]:
    user = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE, mfa=False, email=email)
    return user, enrol_totp(user)


def test_a_sign_in_from_a_new_browser_is_reported_and_a_known_one_is_not(clock: Any) -> None:
    from accord.accounts.models import KnownDevice
    from accord.audit.models import AuditEvent

    user, secret = _fresh_person("nia@example.org")
    office = Client(HTTP_USER_AGENT=FIREFOX)
    _sign_in(office, user, secret)  # the account's first browser: nothing to report
    assert mail.outbox == []
    assert KnownDevice.objects.get(user=user).description == "Firefox on Windows"

    _sign_out(office)
    _new_code_window(clock)
    _sign_in(office, user, secret)  # the same browser again
    assert mail.outbox == []

    _new_code_window(clock)
    elsewhere = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile")
    _sign_in(elsewhere, user, secret)
    (message,) = mail.outbox
    assert message.to == ["nia@example.org"]
    assert message.subject == "Accord: New sign-in from a browser you have not used before"
    assert "from a browser you have not used for Accord before: Chrome on Android" in message.body
    assert "Tell your organisation's Accord administrator now" in message.body
    assert "{%" not in message.body and "{{" not in message.body
    assert AuditEvent.objects.filter(action="auth.new_device", object_id=str(user.pk)).count() == 1
    assert KnownDevice.objects.filter(user=user).count() == 2


def test_a_made_up_cookie_is_a_new_browser(clock: Any) -> None:
    from accord.accounts.devices import cookie_name

    user, secret = _fresh_person("ola@example.org")
    _sign_in(Client(), user, secret)
    _new_code_window(clock)
    forged = Client()
    forged.cookies[cookie_name()] = "A" * 43 + ".not-a-token"
    _sign_in(forged, user, secret)
    assert len(mail.outbox) == 1


def test_colleagues_sharing_a_computer_are_not_told_about_each_other(clock: Any) -> None:
    first, first_secret = _fresh_person("first@example.org")
    second, second_secret = _fresh_person("second@example.org")
    _sign_in(Client(), first, first_secret)  # each has signed in somewhere before
    _sign_in(Client(), second, second_secret)
    shared = Client()
    _new_code_window(clock)
    _sign_in(shared, first, first_secret)
    _sign_out(shared)
    _sign_in(shared, second, second_secret)
    assert len(mail.outbox) == 2  # a new browser for each, once
    _sign_out(shared)
    _new_code_window(clock)
    _sign_in(shared, first, first_secret)
    _sign_out(shared)
    _sign_in(shared, second, second_secret)
    assert len(mail.outbox) == 2  # the shared computer is remembered for both


def test_browsers_are_described_in_plain_words() -> None:
    from accord.accounts.devices import describe

    assert describe(FIREFOX) == "Firefox on Windows"
    safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/604.1"
    assert describe(safari) == "Safari on iPhone"
    edge = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/131.0 Safari/537.36 Edg/131.0"
    assert describe(edge) == "Edge on a Mac"
    assert describe("") == "A browser"
    assert describe("curl/8.5") == "A browser"
