"""Sign-in, forced MFA enrolment, quick exit and sign-out, as people do them in Chromium.

Every Accord page these journeys open is checked with axe-core (see ``browsing.py``).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Request, expect

from tests.browser.browsing import AccordServer, Browse, current_code

pytestmark = pytest.mark.browser

QUICK_EXIT = "Leave this site quickly"


def header(browse: Browse) -> Locator:
    return browse.page.get_by_role("banner")


def test_advocate_signs_in_with_password_and_authenticator_code(
    accord_server: AccordServer, browse: Browse
) -> None:
    advocate = accord_server.take("advocate")
    assert advocate.totp_secret is not None

    browse.sign_in(advocate)

    assert browse.path == "/home/", browse.where()
    expect(header(browse)).to_contain_text(advocate.name)
    expect(header(browse)).to_contain_text(f"{advocate.role}, {advocate.organisation}")
    expect(header(browse).get_by_role("button", name="Sign out")).to_be_visible()


def test_wrong_authenticator_code_shows_the_error_summary_and_does_not_sign_in(
    accord_server: AccordServer, browse: Browse
) -> None:
    advocate = accord_server.take_spare_advocate()
    assert advocate.totp_secret is not None
    browse.sign_in_with_password(advocate)
    assert browse.path == "/account/2fa/authenticate/", browse.where()
    right = current_code(advocate.totp_secret)

    browse.enter_code(f"{(int(right) + 1) % 1_000_000:06d}")

    page = browse.page
    assert browse.path == "/account/2fa/authenticate/", browse.where()
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_have_count(1)
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    # GOV.UK Frontend moves focus to the summary, and its link goes to the code field.
    expect(summary).to_be_focused()
    link = summary.get_by_role("link").first
    expect(page.locator(str(link.get_attribute("href")))).to_have_attribute("name", "code")
    # Still not signed in: the home page sends them back to finish signing in.
    browse.goto("/home/")
    assert browse.path in {"/account/login/", "/account/2fa/authenticate/"}, browse.where()
    expect(header(browse).get_by_role("button", name="Sign out")).to_have_count(0)


def test_advocate_without_mfa_must_set_up_an_authenticator_app_first(
    accord_server: AccordServer, browse: Browse
) -> None:
    advocate = accord_server.take("no-mfa-advocate")
    assert advocate.totp_secret is None
    page = browse.page

    browse.sign_in_with_password(advocate)
    assert browse.path == "/account/security/set-up/", browse.where()
    for path in ("/home/", "/people/"):
        browse.goto(path)
        assert browse.path == "/account/security/set-up/", (
            f"{path} let them through: {browse.where()}"
        )

    browse.submit(page.get_by_role("link", name="Use an authenticator app"))
    if browse.path == "/account/reauthenticate/":
        # allauth asks for the password again before any change to sign-in security.
        page.locator("input[name=password]").fill(advocate.password)
        browse.submit(page.locator("#main-content form button[type=submit]"))
    assert browse.path == "/account/2fa/totp/activate/", browse.where()
    secret = page.get_by_label("Secret key").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), secret
    page.locator("input[name=code]").fill(current_code(secret))
    browse.submit(page.get_by_role("button", name="Turn on"))
    if "/recovery-codes/" in browse.path:
        # allauth shows the new recovery codes once; they must be on the page to copy.
        codes = page.locator("#main-content textarea").input_value().split()
        assert len(codes) >= 5, codes

    browse.goto("/home/")
    assert browse.path == "/home/", browse.where()
    expect(page.get_by_role("heading", level=1)).to_contain_text(advocate.name)


def test_quick_exit_button_leaves_for_a_neutral_site_that_back_does_not_undo(
    accord_server: AccordServer, browse: Browse
) -> None:
    advocate = accord_server.take_spare_advocate()
    browse.sign_in(advocate)
    page = browse.page
    # Arrive at the casework page from somewhere else, then leave it.
    elsewhere = accord_server.neutral_site_url("/news")
    page.goto(elsewhere)
    browse.goto("/home/")
    session = browse.session_cookie()
    assert session is not None
    history_length = page.evaluate("history.length")

    page.get_by_role("button", name=QUICK_EXIT).click()

    page.wait_for_url(accord_server.neutral_url)
    expect(page.get_by_role("heading", name="Weather forecast")).to_be_visible()
    assert page.evaluate("history.length") == history_length, "the Accord page is still in history"
    accord_requests: list[str] = []

    def note_accord_request(request: Request) -> None:
        if accord_server.is_accord(request.url):
            accord_requests.append(request.url)

    page.on("request", note_accord_request)
    page.go_back()
    assert page.url == elsewhere
    assert accord_requests == []
    # The browser forgot the cookie (Clear-Site-Data) and the server ended the session.
    assert browse.session_cookie() is None
    browse.context.add_cookies([session])
    browse.goto("/home/")
    assert browse.path == "/account/login/", browse.where()


def test_pressing_shift_three_times_leaves_quickly(
    accord_server: AccordServer, browse: Browse
) -> None:
    advocate = accord_server.take_spare_advocate()
    browse.sign_in(advocate)
    assert browse.path == "/home/", browse.where()
    session = browse.session_cookie()
    assert session is not None

    for _ in range(3):
        browse.page.keyboard.press("Shift")

    browse.page.wait_for_url(accord_server.neutral_url)
    assert browse.session_cookie() is None
    browse.context.add_cookies([session])
    browse.goto("/home/")
    assert browse.path == "/account/login/", browse.where()


def test_police_analyst_needs_a_code_too_and_sees_no_quick_exit(
    accord_server: AccordServer, browse: Browse
) -> None:
    analyst = accord_server.take("analyst")
    assert analyst.totp_secret is not None

    browse.sign_in_with_password(analyst)
    assert browse.path == "/account/2fa/authenticate/", browse.where()
    browse.goto("/home/")  # a password alone opens nothing: it is back to the code
    assert browse.path == "/account/2fa/authenticate/", browse.where()
    browse.enter_code(current_code(analyst.totp_secret))

    assert browse.path == "/home/", browse.where()
    expect(header(browse)).to_contain_text(analyst.name)
    expect(header(browse)).to_contain_text(f"{analyst.role}, {analyst.organisation}")
    expect(browse.page.locator("[data-accord-quick-exit]")).to_have_count(0)
    expect(browse.page.get_by_text(QUICK_EXIT)).to_have_count(0)


def test_sign_out_ends_the_session(accord_server: AccordServer, browse: Browse) -> None:
    supervisor = accord_server.take("supervisor")
    browse.sign_in(supervisor)
    assert browse.path == "/home/", browse.where()
    session = browse.session_cookie()
    assert session is not None

    browse.submit(header(browse).get_by_role("button", name="Sign out"))

    expect(browse.page.get_by_role("button", name="Sign out")).to_have_count(0)
    browse.goto("/home/")
    assert browse.path == "/account/login/", browse.where()
    # Not just a forgotten cookie: the old session no longer opens Accord.
    browse.context.add_cookies([session])
    browse.goto("/home/")
    assert browse.path == "/account/login/", browse.where()


@pytest.mark.csp_violation_expected
def test_what_the_policy_blocks_is_reported_to_accord(
    accord_server: AccordServer, browse: Browse
) -> None:
    """The check after every journey relies on this: Chromium reports a blocked resource to
    /csp-report/, and Accord logs it (without the page's query string)."""
    browse.goto("/get-help/?from=test")
    logged_before = Path(accord_server.log_path).stat().st_size
    browse.page.evaluate(
        "() => { const i = document.createElement('img');"
        " i.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='; document.body.append(i); }"
    )
    deadline = time.monotonic() + 10
    found: list[str] = []
    while time.monotonic() < deadline and not found:
        time.sleep(0.2)
        with open(accord_server.log_path, "rb") as log:
            log.seek(logged_before)
            found = [line.decode() for line in log if b"csp.violation" in line]
    assert found, accord_server.log_tail()
    assert "directive=img-src blocked=data" in found[0], found
    assert "/get-help/" in found[0] and "from=test" not in found[0], found
