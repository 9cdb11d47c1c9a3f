"""Every page Accord serves carries its security headers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accord.policy.roles import OrgKind, Role
from tests.factories import person
from tests.security.principals import client_for

PAGES = ["public_home", "account_login", "account_reset_password", "account_signup"]
SIGNED_IN_PAGES = ["home", "mfa_index", "account_change_password", "usersessions_list"]


def _assert_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "no-store" in headers["Cache-Control"]
    assert len(headers["X-Request-ID"]) == 32


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_public_pages(name: str) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 200
    _assert_headers(response)


@pytest.mark.django_db
@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_signed_in_pages(name: str) -> None:
    client = client_for("x", {"x": person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)})
    response = client.get(reverse(name))
    assert response.status_code == 200
    _assert_headers(response)


@pytest.mark.django_db
def test_script_tags_all_carry_the_nonce() -> None:
    response = Client().get("/")
    csp = response.headers["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    assert html.count("<script") == html.count(f'nonce="{nonce}"') >= 1


@pytest.mark.django_db
def test_quick_exit_signs_out_and_clears_the_site() -> None:
    client = client_for("x", {"x": person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)})
    assert client.get("/home/").status_code == 200
    response = client.get("/exit/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://")
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert client.get("/home/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/", True),
        ("/public/eia/", True),
        ("/account/login/", False),
        ("/account/password/reset/", False),
    ],
)
def test_quick_exit_is_on_every_public_page_a_survivor_may_read(path: str, shown: bool) -> None:
    """CASEWORK.md: quick exit on every page a survivor may see, not only in casework.

    Not on the sign-in pages, where typing a password presses Shift often.
    """
    response = Client().get(path)
    assert response.status_code == 200
    assert (b"data-accord-quick-exit" in response.content) is shown


@pytest.mark.django_db
def test_quick_exit_button_is_on_casework_pages_only() -> None:
    advocate = client_for("a", {"a": person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)})
    analyst = client_for("b", {"b": person(OrgKind.POLICE, Role.ANALYST)})
    assert b"data-accord-quick-exit" in advocate.get("/home/").content
    assert b"data-accord-quick-exit" not in analyst.get("/home/").content


@pytest.mark.django_db
def test_signing_out_clears_the_site_too() -> None:
    """SECURITY.md DP-2: the ordinary Sign out button, not only quick exit."""
    client = client_for("x", {"x": person(OrgKind.POLICE, Role.ANALYST)})
    assert "Clear-Site-Data" not in client.get("/account/logout/")
    response = client.post("/account/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert client.get("/home/").status_code == 302
