"""Every role must enrol in MFA before any other page (SECURITY.md AU-1)."""

from __future__ import annotations

import time

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.test import Client

from accord.accounts.adapters import MFA_SECRET_CONTEXT
from accord.accounts.totp import code_for_secret
from accord.crypto import keyring_from_settings
from accord.policy.roles import ROLES_BY_KIND, OrgKind, Role
from accord.urls import all_patterns
from tests.factories import PASSWORD, enrol_totp, person
from tests.security.principals import client_for

#: Every role any organisation may hold: police and partner roles included.
MUST_ENROL = sorted(
    ((kind, role) for kind, roles in ROLES_BY_KIND.items() for role in roles),
    key=lambda pair: (pair[0].value, pair[1].value),
)


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


def test_every_role_is_covered() -> None:
    """A role added later joins the list above without anyone remembering to add it."""
    kinds = {kind for kind, _ in MUST_ENROL}
    assert kinds == set(OrgKind)
    assert {role for _, role in MUST_ENROL} == set(Role)


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "role"), MUST_ENROL)
def test_a_password_alone_opens_no_page(kind: OrgKind, role: Role) -> None:
    """Enrolled, and signed in with the password only: every page asks for the code first."""
    user = person(kind, role)
    client = Client()
    response = client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/account/2fa/authenticate/"
    for route, _pattern in all_patterns():
        if "<" in route or "(?P" in route or route.startswith(("account/", "public/")):
            continue
        if route in ("", "exit/", "get-help/", "csp-report/"):
            continue  # public pages and the browser's violation reports, open to anyone
        response = client.get("/" + route)
        assert response.status_code in (302, 404), route
        if response.status_code == 302:
            assert response["Location"].startswith("/account/login/"), route
    assert "_auth_user_id" not in client.session


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


@pytest.mark.django_db
def test_the_qr_code_is_drawn_in_the_page_not_as_a_data_image() -> None:
    """The CSP allows no data: images (SECURITY.md WB-1), so the QR code is inline SVG."""
    user = person(OrgKind.POLICE, Role.ANALYST, mfa=False)
    client = client_for("x", {"x": user})
    session = client.session
    methods = list(session[AUTHENTICATION_METHODS_SESSION_KEY])
    methods.append({"method": "password", "at": time.time(), "reauthenticated": True})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = methods
    session.save()
    page = client.get("/account/2fa/totp/activate/").content.decode()
    assert 'role="img" aria-label="QR code to scan with your authenticator app"><svg' in page
    assert "data:image" not in page and "<?xml" not in page
    assert 'width="41mm"' not in page  # sized by the stylesheet


def test_inline_svg_accepts_one_server_drawn_svg_only() -> None:
    from accord.web.templatetags.govuk import inline_svg

    assert inline_svg(
        '<?xml version=\'1.0\'?>\n<svg width="4mm" viewBox="0 0 4 4"><path/></svg>'
    ) == ('<svg viewBox="0 0 4 4"><path/></svg>')
    assert inline_svg("<p>hello</p>") == ""
    assert inline_svg('<svg onload="x()"></svg>') == ""
    assert inline_svg("<svg><script>x()</script></svg>") == ""


@pytest.mark.django_db
def test_the_code_page_offers_a_security_key_only_to_someone_who_has_one() -> None:
    from allauth.mfa.models import Authenticator

    user = person(OrgKind.POLICE, Role.ANALYST)
    client = Client()
    client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    page = client.get("/account/2fa/authenticate/").content.decode()
    assert "Enter your security code" in page and "Use a security key" not in page
    # Someone with a key is offered it (the page itself: tests/browser/test_webauthn.py).
    from accord.accounts.templatetags.sign_in import has_security_key

    assert not has_security_key(user) and not has_security_key(None)
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "key", "credential": {}}
    )
    assert has_security_key(user)


@pytest.mark.django_db
def test_someone_setting_up_sees_only_set_up_in_the_menu_and_no_signed_in_message() -> None:
    user = person(OrgKind.POLICE, Role.PLAN_OWNER, mfa=False)
    client = Client()
    response = client.post(
        "/account/login/", {"login": user.email, "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/account/security/set-up/"
    assert "Successfully signed in" not in page
    menu = page[page.index('aria-label="Menu"') : page.index("</nav>")]
    assert "Sign-in security" in menu
    assert "Action plans" not in menu and ">Home<" not in menu
    enrol_totp(user)
    menu = client.get("/plans/").content.decode()
    assert "Action plans" in menu and "Home" in menu
