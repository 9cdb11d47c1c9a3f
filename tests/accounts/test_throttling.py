"""Sign-in, MFA and password reset are throttled per (username, IP) in the shared cache."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings

from accord.accounts import throttle
from accord.accounts.client_ip import client_ip
from accord.accounts.totp import code_for_secret
from accord.policy.roles import OrgKind, Role
from tests.factories import PASSWORD, enrol_totp, person

LIMIT = {"limit": 3, "window": 600}
THROTTLES = {"login": LIMIT, "mfa": LIMIT, "reset": LIMIT}
# allauth's own limits are generous next to ours, so these tests see ours alone.
ALLAUTH_LIMITS = {"login_failed": "100/m/ip,100/300s/key", "reset_password": "100/m/ip,100/m/key"}


def _login(client: Client, email: str, password: str, ip: str = "10.0.0.1") -> int:
    response = client.post(
        "/account/login/", {"login": email, "password": password}, REMOTE_ADDR=ip
    )
    return response.status_code


@pytest.mark.django_db
@override_settings(ACCORD_THROTTLES=THROTTLES, ACCOUNT_RATE_LIMITS=ALLAUTH_LIMITS)
def test_sign_in_locks_after_the_limit_even_for_the_right_password() -> None:
    user = person(OrgKind.POLICE, Role.ANALYST, email="analyst@example.org")
    client = Client()
    for _ in range(3):
        assert _login(client, user.email, "not the password at all") == 200
    assert _login(client, user.email, PASSWORD) == 429
    # Another address, or another username from this address, is not locked.
    assert _login(Client(), user.email, PASSWORD, ip="10.0.0.2") == 302
    assert _login(Client(), "someone-else@example.org", "guess guess guess") == 200


@pytest.mark.django_db
@override_settings(ACCORD_THROTTLES=THROTTLES, ACCOUNT_RATE_LIMITS=ALLAUTH_LIMITS)
def test_the_count_is_shared_through_the_database_cache() -> None:
    """A second worker (a fresh client) sees the failures the first one counted."""
    user = person(OrgKind.POLICE, Role.ANALYST, email="analyst@example.org")
    for _ in range(3):
        _login(Client(), user.email, "wrong password wrong")
    assert cache.get(throttle._key("login", user.email, "10.0.0.1")) == 3
    assert _login(Client(), user.email.upper(), PASSWORD) == 429


@pytest.mark.django_db
@override_settings(ACCORD_THROTTLES=THROTTLES, ACCOUNT_RATE_LIMITS=ALLAUTH_LIMITS)
def test_mfa_codes_are_throttled() -> None:
    user = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE, mfa=False, email="adv@example.org")
    secret = enrol_totp(user)
    client = Client()
    assert _login(client, user.email, PASSWORD) == 302
    for _ in range(3):
        response = client.post(
            "/account/2fa/authenticate/", {"code": "000000"}, REMOTE_ADDR="10.0.0.1"
        )
        assert response.status_code == 200
    response = client.post(
        "/account/2fa/authenticate/", {"code": code_for_secret(secret)}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429


@pytest.mark.django_db
@override_settings(ACCORD_THROTTLES=THROTTLES, ACCOUNT_RATE_LIMITS=ALLAUTH_LIMITS)
def test_password_reset_requests_are_throttled(mailoutbox: list[object]) -> None:
    user = person(OrgKind.POLICE, Role.ANALYST, email="analyst@example.org")
    client = Client()
    for _ in range(3):
        response = client.post("/account/password/reset/", {"email": user.email})
        assert response.status_code == 302
    response = client.post("/account/password/reset/", {"email": user.email})
    assert response.status_code == 429
    assert len(mailoutbox) == 3


def test_locked_out_page_is_plain_language() -> None:
    from django.test import RequestFactory

    with override_settings(ACCORD_THROTTLES=THROTTLES):
        response = throttle.locked_out_response(RequestFactory().get("/"), "login")
    assert response.status_code == 429
    assert b"you cannot try again for 10 minutes" in response.content
    assert response["Retry-After"] == "600"


@pytest.mark.django_db
def test_nobody_can_lock_a_person_out_by_failing_as_them_elsewhere() -> None:
    """With the real limits (SECURITY.md AU-5): the pair is locked, the person is not."""
    user = person(OrgKind.POLICE, Role.ANALYST, email="target@example.org")
    attacker = Client()
    for _ in range(12):
        _login(attacker, user.email, "a wrong guess at it", ip="203.0.113.9")
    assert _login(attacker, user.email, PASSWORD, ip="203.0.113.9") == 429
    assert _login(Client(), user.email, PASSWORD, ip="198.51.100.7") == 302


@override_settings(ACCORD_TRUSTED_PROXIES=["10.1.1.1"])
def test_forwarded_addresses_are_believed_only_from_a_trusted_proxy() -> None:
    """SECURITY.md CF-3: a spoofed X-Forwarded-For from anyone else is ignored."""
    factory = RequestFactory()
    via_proxy = factory.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8")
    spoofed = factory.get("/", REMOTE_ADDR="9.9.9.9", HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert client_ip(via_proxy) == "5.6.7.8"  # the hop the proxy itself saw
    assert client_ip(spoofed) == "9.9.9.9"


def test_trusted_proxies_are_read_from_the_environment() -> None:
    script = "from django.conf import settings; print(settings.ACCORD_TRUSTED_PROXIES)"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "accord.settings.test",
        "ACCORD_TRUSTED_PROXIES": "10.0.0.5, 10.0.0.6",
    }
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "['10.0.0.5', '10.0.0.6']"
