"""Enrolling a security key, and signing in with it, using Chromium's virtual authenticator.

The virtual authenticator is added through the DevTools protocol, so allauth's own WebAuthn
script (``mfa/js/webauthn.js``) runs for real under the app's strict CSP. Every Accord page is
checked with axe-core (see ``browsing.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, CDPSession, ConsoleMessage, expect

from tests.browser.browsing import AccordServer, AxeAudit, Browse

pytestmark = pytest.mark.browser

VIRTUAL_SECURITY_KEY = {
    "protocol": "ctap2",
    "transport": "usb",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


@pytest.fixture
def browse(accord_server: AccordServer, chromium: Browser) -> Iterator[Browse]:
    """Like ``conftest.browse``, but at http://localhost rather than http://127.0.0.1.

    allauth makes the request's host the WebAuthn relying party ID, and browsers refuse an IP
    address as one: at 127.0.0.1 Chromium rejects ``navigator.credentials.create()`` with
    "SecurityError: This is an invalid domain." localhost is a valid domain and, like
    127.0.0.1, a secure context over plain HTTP. Named ``browse`` so that conftest's hook
    still fails the test on axe's findings.
    """
    port = urlsplit(accord_server.base_url).port
    server = dataclasses.replace(accord_server, base_url=f"http://localhost:{port}")
    context = chromium.new_context(locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    yield Browse(server, context, AxeAudit(server))
    context.close()


def add_virtual_security_key(browse: Browse) -> tuple[CDPSession, str]:
    cdp = browse.context.new_cdp_session(browse.page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": VIRTUAL_SECURITY_KEY})
    return cdp, added["authenticatorId"]


def test_advocate_without_mfa_enrols_a_security_key_and_signs_in_with_it(
    accord_server: AccordServer, browse: Browse
) -> None:
    advocate = accord_server.take("webauthn-advocate")
    assert urlsplit(browse.server.base_url).hostname == "localhost"
    assert advocate.totp_secret is None
    page = browse.page
    console: list[str] = []

    def note_console(message: ConsoleMessage) -> None:
        console.append(f"{message.type}: {message.text}")

    page.on("console", note_console)
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    cdp, authenticator_id = add_virtual_security_key(browse)

    def credentials() -> list[dict]:
        found = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
        return list(found["credentials"])

    def where() -> str:
        return f"{browse.where()}; browser console: {console}"

    browse.sign_in_with_password(advocate)
    assert browse.path == "/account/security/set-up/", where()

    browse.submit(page.get_by_role("link", name="Use a security key or passkey"))
    if browse.path == "/account/reauthenticate/":
        # allauth asks for the password again before any change to sign-in security.
        page.locator("input[name=password]").fill(advocate.password)
        browse.submit(page.locator("#main-content form button[type=submit]"))
    assert browse.path == "/account/2fa/webauthn/add/", where()
    assert credentials() == []
    name = page.locator("input[name=name]")
    if name.count():
        name.fill("Work security key")
    # allauth's script asks the (virtual) key for a credential, then posts the form.
    browse.submit(page.locator("#mfa_webauthn_add"))
    assert len(credentials()) == 1
    # A first authenticator comes with recovery codes, shown once to copy.
    assert browse.path == "/account/2fa/recovery-codes/", where()
    codes = page.locator("#main-content textarea").input_value().split()
    assert len(codes) >= 5, codes

    browse.goto("/home/")
    assert browse.path == "/home/", where()
    expect(page.get_by_role("heading", level=1)).to_contain_text(advocate.name)

    browse.submit(page.get_by_role("banner").get_by_role("button", name="Sign out"))
    browse.goto("/home/")
    assert browse.path == "/account/login/", where()

    browse.sign_in_with_password(advocate)
    assert browse.path == "/account/2fa/authenticate/", where()
    browse.submit(page.get_by_role("button", name="Use a security key"))
    assert browse.path == "/home/", where()
    expect(page.get_by_role("heading", level=1)).to_contain_text(advocate.name)
    assert len(credentials()) == 1
    # No CSP violations or script errors along the way.
    assert [m for m in console if m.startswith(("error", "pageerror"))] == [], console
